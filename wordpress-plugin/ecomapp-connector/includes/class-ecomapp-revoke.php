<?php
/**
 * Revoke on disconnect: ecomapp asks, signed with the shared secret, and the plugin deletes
 * ecomapp's WooCommerce REST API key, so a disconnected app keeps no working key.
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

/**
 * POST /wp-json/ecomapp/v1/revoke-key.
 */
class Ecomapp_Revoke {

	const ROUTE_NAMESPACE = 'ecomapp/v1';
	const ROUTE           = '/revoke-key';
	const MAX_AGE         = 300;
	const KEY_PREFIX      = 'ecomapp - API';

	/**
	 * Hook the REST route.
	 *
	 * @return void
	 */
	public static function register() {
		add_action( 'rest_api_init', array( __CLASS__, 'routes' ) );
	}

	/**
	 * Register the route; the signature is the authentication, so no WordPress login.
	 *
	 * @return void
	 */
	public static function routes() {
		register_rest_route(
			self::ROUTE_NAMESPACE,
			self::ROUTE,
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'handle' ),
				'permission_callback' => '__return_true',
			)
		);
	}

	/**
	 * Check the request: signed by this store's ecomapp, fresh, about this store.
	 *
	 * @param string $body      The raw request body.
	 * @param string $signature The X-Ecomapp-Signature header.
	 * @return array|WP_Error The request's data, or why it is refused.
	 */
	public static function check( $body, $signature ) {
		$c = Ecomapp_Client::connection();
		if ( ! Ecomapp_Client::is_connected() ) {
			return new WP_Error( 'ecomapp_not_connected', 'This plugin has no ecomapp connection key.', array( 'status' => 401 ) );
		}
		$expected = base64_encode( hash_hmac( 'sha256', $body, $c['secret'], true ) );
		if ( '' === $signature || ! hash_equals( $expected, $signature ) ) {
			return new WP_Error( 'ecomapp_bad_signature', 'The request is not signed by this store\'s ecomapp.', array( 'status' => 401 ) );
		}
		$data = json_decode( $body, true );
		if ( ! is_array( $data ) || 'revoke_key' !== ( $data['action'] ?? '' ) || (int) ( $data['store'] ?? 0 ) !== $c['store'] || (int) ( $data['key_id'] ?? 0 ) <= 0 ) {
			return new WP_Error( 'ecomapp_bad_request', 'action, store and key_id are required.', array( 'status' => 400 ) );
		}
		if ( abs( time() - (int) ( $data['sent_at'] ?? 0 ) ) > self::MAX_AGE ) {
			return new WP_Error( 'ecomapp_expired', 'The request is too old.', array( 'status' => 401 ) );
		}
		return $data;
	}

	/**
	 * Delete ecomapp's REST API key (only a key /wc-auth made for ecomapp), then forget the
	 * connection: the app has dropped this store's secrets.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function handle( $request ) {
		$data = self::check( (string) $request->get_body(), (string) $request->get_header( 'x_ecomapp_signature' ) );
		if ( is_wp_error( $data ) ) {
			return $data;
		}
		global $wpdb;
		$table  = $wpdb->prefix . 'woocommerce_api_keys';
		$key_id = (int) $data['key_id'];
		$row    = $wpdb->get_row( $wpdb->prepare( "SELECT key_id, description FROM {$table} WHERE key_id = %d", $key_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.DB.DirectDatabaseQuery
		if ( ! $row || 0 !== strpos( (string) $row->description, self::KEY_PREFIX ) ) {
			return new WP_Error( 'ecomapp_key_not_found', 'No ecomapp REST API key with that id.', array( 'status' => 404 ) );
		}
		$wpdb->delete( $table, array( 'key_id' => $key_id ), array( '%d' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
		delete_option( ECOMAPP_CONNECTOR_OPTION );
		return new WP_REST_Response(
			array(
				'revoked' => true,
				'key_id'  => $key_id,
			),
			200
		);
	}
}
