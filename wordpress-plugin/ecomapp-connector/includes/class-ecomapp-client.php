<?php
/**
 * The connection to ecomapp: the pasted connection key, signing, sending events.
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reads the connection and talks to ecomapp.
 */
class Ecomapp_Client {

	/**
	 * Return the saved connection: app URL, store id and shared secret (or empty values).
	 *
	 * @return array{url: string, store: int, secret: string}
	 */
	public static function connection() {
		$saved = get_option( ECOMAPP_CONNECTOR_OPTION, array() );
		return array(
			'url'    => isset( $saved['url'] ) ? (string) $saved['url'] : '',
			'store'  => isset( $saved['store'] ) ? (int) $saved['store'] : 0,
			'secret' => isset( $saved['secret'] ) ? (string) $saved['secret'] : '',
		);
	}

	/**
	 * Return true when a connection key has been saved.
	 *
	 * @return bool
	 */
	public static function is_connected() {
		$c = self::connection();
		return '' !== $c['url'] && $c['store'] > 0 && '' !== $c['secret'];
	}

	/**
	 * Decode the connection key shown in ecomapp's panel; null when it is not valid.
	 *
	 * @param string $key The pasted key (base64url of a small JSON object).
	 * @return array{url: string, store: int, secret: string}|null
	 */
	public static function parse_key( $key ) {
		$json = base64_decode( strtr( trim( $key ), '-_', '+/' ), true );
		$data = is_string( $json ) ? json_decode( $json, true ) : null;
		if ( ! is_array( $data ) || empty( $data['url'] ) || empty( $data['store'] ) || empty( $data['secret'] ) ) {
			return null;
		}
		$url = esc_url_raw( untrailingslashit( (string) $data['url'] ), array( 'https', 'http' ) );
		if ( '' === $url ) {
			return null;
		}
		return array(
			'url'    => $url,
			'store'  => (int) $data['store'],
			'secret' => (string) $data['secret'],
		);
	}

	/**
	 * Return the URL of an ecomapp endpoint for this store.
	 *
	 * @param string $path Path after /woocommerce/plugin/{store}/.
	 * @return string
	 */
	public static function endpoint( $path ) {
		$c = self::connection();
		return $c['url'] . '/woocommerce/plugin/' . $c['store'] . '/' . $path;
	}

	/**
	 * Send one event to ecomapp, signed over the exact body bytes; never blocks the shopper.
	 *
	 * @param array $event The event (see ecomapp's docs/woocommerce.md).
	 * @return void
	 */
	public static function send_event( array $event ) {
		$c    = self::connection();
		$body = wp_json_encode( $event );
		if ( false === $body ) {
			return;
		}
		$signature = base64_encode( hash_hmac( 'sha256', $body, $c['secret'], true ) );
		wp_remote_post(
			self::endpoint( 'events' ),
			array(
				'body'     => $body,
				'timeout'  => 3,
				'blocking' => false,
				'headers'  => array(
					'Content-Type'        => 'application/json',
					'X-Ecomapp-Signature' => $signature,
				),
			)
		);
	}

	/**
	 * Post one event and wait for ecomapp's answer (the background queue's send); return its status.
	 *
	 * @param array $event The event.
	 * @return int The HTTP status, 0 when ecomapp did not answer in time.
	 */
	public static function post_event( array $event ) {
		return self::send_signed( 'events', $event, 5 );
	}

	/**
	 * Send a signed request and wait for ecomapp's answer; return its HTTP status (0: none).
	 *
	 * @param string $path    Path after /woocommerce/plugin/{store}/.
	 * @param array  $payload The request body.
	 * @param int    $timeout Seconds to wait for the answer.
	 * @return int
	 */
	public static function send_signed( $path, array $payload, $timeout = 10 ) {
		$c    = self::connection();
		$body = wp_json_encode( $payload );
		if ( false === $body ) {
			return 0;
		}
		$response = wp_remote_post(
			self::endpoint( $path ),
			array(
				'body'     => $body,
				'timeout'  => $timeout,
				'blocking' => true,
				'headers'  => array(
					'Content-Type'        => 'application/json',
					'X-Ecomapp-Signature' => base64_encode( hash_hmac( 'sha256', $body, $c['secret'], true ) ),
				),
			)
		);
		return is_wp_error( $response ) ? 0 : (int) wp_remote_retrieve_response_code( $response );
	}

	/**
	 * Return the headers of a storefront request: store, signature over the body, shopper.
	 *
	 * @param string $body        The exact body bytes.
	 * @param int    $customer_id The signed-in WordPress user (0: a guest).
	 * @return array
	 */
	private static function storefront_headers( $body, $customer_id ) {
		$c       = self::connection();
		$headers = array(
			'Content-Type'        => 'application/json',
			'X-Ecomapp-Store'     => (string) $c['store'],
			'X-Ecomapp-Signature' => base64_encode( hash_hmac( 'sha256', $body, $c['secret'], true ) ),
		);
		// The shopper's id travels inside the signed body (customer_id), never in a header.
		unset( $customer_id );
		return $headers;
	}

	/**
	 * Post a shopper's request to ecomapp's storefront door, signed; return status and body.
	 *
	 * @param string $path        Path after /storefront/.
	 * @param array  $payload     The fields.
	 * @param int    $customer_id The signed-in WordPress user (0: a guest).
	 * @return array{status: int, body: string}
	 */
	public static function send_storefront( $path, array $payload, $customer_id = 0 ) {
		$c    = self::connection();
		$body = wp_json_encode( $payload );
		if ( false === $body ) {
			return array( 'status' => 0, 'body' => '' );
		}
		$response = wp_remote_post(
			$c['url'] . '/storefront/' . $path,
			array(
				'body'     => $body,
				'timeout'  => 10,
				'blocking' => true,
				'headers'  => self::storefront_headers( $body, (int) $customer_id ),
			)
		);
		if ( is_wp_error( $response ) ) {
			return array( 'status' => 0, 'body' => '' );
		}
		return array(
			'status' => (int) wp_remote_retrieve_response_code( $response ),
			'body'   => (string) wp_remote_retrieve_body( $response ),
		);
	}

	/**
	 * Fetch a storefront resource from ecomapp (signed, empty body); '' when it failed.
	 *
	 * @param string $path Path after /storefront/.
	 * @return string
	 */
	public static function get_storefront( $path ) {
		$c        = self::connection();
		$response = wp_remote_get(
			$c['url'] . '/storefront/' . $path,
			array(
				'timeout' => 5,
				'headers' => self::storefront_headers( '', 0 ),
			)
		);
		if ( is_wp_error( $response ) || 200 !== (int) wp_remote_retrieve_response_code( $response ) ) {
			return '';
		}
		return (string) wp_remote_retrieve_body( $response );
	}

	/**
	 * Return the short-lived, single-use signed URL that opens the panel for this user.
	 *
	 * @param int $user_id The WordPress user opening the panel.
	 * @return string
	 */
	public static function panel_url( $user_id ) {
		$c       = self::connection();
		$ts      = time();
		$message = 'panel|' . $c['store'] . '|' . $ts . '|' . $user_id;
		$sig     = hash_hmac( 'sha256', $message, $c['secret'] );
		return add_query_arg(
			array(
				'ts'   => $ts,
				'user' => $user_id,
				'sig'  => $sig,
			),
			self::endpoint( 'panel' )
		);
	}
}
