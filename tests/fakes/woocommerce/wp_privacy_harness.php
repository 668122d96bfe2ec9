<?php
/**
 * A fake of the WordPress functions the plugin's eraser uses, to run its real PHP in tests.
 *
 * Usage: php wp_privacy_harness.php '{"key": "...", "email": "...", "status": 202}'
 * Runs the eraser WordPress would find through `wp_privacy_personal_data_erasers` (Tools →
 * Erase Personal Data) and prints JSON: the request's URL, exact body and signature, whether
 * it waited for the answer, and what the eraser told WordPress when the app answered `status`.
 */

define( 'ABSPATH', __DIR__ );
$GLOBALS['options'] = array();
$GLOBALS['posts']   = array();
$GLOBALS['filters'] = array();

function add_action( ...$args ) {
}
function add_filter( $name, $callback ) {
	$GLOBALS['filters'][ $name ][] = $callback;
}
function apply_filters( $name, $value ) {
	foreach ( isset( $GLOBALS['filters'][ $name ] ) ? $GLOBALS['filters'][ $name ] : array() as $callback ) {
		$value = call_user_func( $callback, $value );
	}
	return $value;
}
function get_option( $name, $default = false ) {
	return array_key_exists( $name, $GLOBALS['options'] ) ? $GLOBALS['options'][ $name ] : $default;
}
function update_option( $name, $value ) {
	$GLOBALS['options'][ $name ] = $value;
}
function esc_url_raw( $url ) {
	return filter_var( $url, FILTER_VALIDATE_URL ) ? $url : '';
}
function untrailingslashit( $value ) {
	return rtrim( $value, '/\\' );
}
function wp_json_encode( $data ) {
	return json_encode( $data );
}
function wp_remote_post( $url, $args ) {
	$GLOBALS['posts'][] = array( 'url' => $url, 'args' => $args );
	return array( 'response' => array( 'code' => $GLOBALS['status'] ) );
}
function is_wp_error( $thing ) {
	return false;
}
function wp_remote_retrieve_response_code( $response ) {
	return $response['response']['code'];
}

$plugin = dirname( __DIR__, 3 ) . '/wordpress-plugin/ecomapp-connector';
require $plugin . '/ecomapp-connector.php';

$input             = json_decode( $argv[1], true );
$GLOBALS['status'] = (int) $input['status'];
$connection        = Ecomapp_Client::parse_key( $input['key'] );
if ( null === $connection ) {
	fwrite( STDERR, "invalid key\n" );
	exit( 2 );
}
update_option( ECOMAPP_CONNECTOR_OPTION, $connection );
Ecomapp_Privacy::register();
$erasers = apply_filters( 'wp_privacy_personal_data_erasers', array() );
$result  = call_user_func( $erasers['ecomapp-connector']['callback'], $input['email'], 1 );
$post    = $GLOBALS['posts'][0];
echo json_encode(
	array(
		'url'       => $post['url'],
		'body'      => $post['args']['body'],
		'signature' => $post['args']['headers']['X-Ecomapp-Signature'],
		'blocking'  => $post['args']['blocking'],
		'result'    => $result,
	)
);
