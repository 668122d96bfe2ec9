<?php
/**
 * Search capture: each storefront product search is sent to ecomapp (most searched collections).
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Sends the term of a shopper's search to ecomapp's storefront door, signed, without waiting.
 */
class Ecomapp_Searches {

	const MAX_TERM = 100;

	/**
	 * Hook the front-end search results page.
	 *
	 * @return void
	 */
	public static function register() {
		add_action( 'template_redirect', array( __CLASS__, 'report' ) );
	}

	/**
	 * Report the main query's search term once per results page (page 1 only).
	 *
	 * @return void
	 */
	public static function report() {
		if ( is_admin() || ! is_search() || is_paged() ) {
			return;
		}
		$term = trim( (string) get_search_query( false ) );
		if ( '' === $term || strlen( $term ) > self::MAX_TERM ) {
			return;
		}
		$c    = Ecomapp_Client::connection();
		$body = wp_json_encode( array( 'term' => $term ) );
		if ( false === $body ) {
			return;
		}
		wp_remote_post(
			$c['url'] . '/storefront/search',
			array(
				'body'     => $body,
				'timeout'  => 3,
				'blocking' => false,
				'headers'  => array(
					'Content-Type'        => 'application/json',
					'X-Ecomapp-Store'     => (string) $c['store'],
					'X-Ecomapp-Signature' => base64_encode( hash_hmac( 'sha256', $body, $c['secret'], true ) ),
				),
			)
		);
	}
}
