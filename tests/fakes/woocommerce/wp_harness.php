<?php
/**
 * A fake of the few WordPress functions the plugin's client uses, to run its real PHP in tests.
 *
 * Usage: php wp_harness.php '{"key": "...", "event": {...}, "user": 1}'
 * Prints JSON: the event's URL, its exact body and signature, and the panel URL.
 */

define( 'ABSPATH', __DIR__ );
$GLOBALS['options'] = array();
$GLOBALS['posts']   = array();

function add_action( ...$args ) {
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
function add_query_arg( array $args, $url ) {
	return $url . ( false === strpos( $url, '?' ) ? '?' : '&' ) . http_build_query( $args );
}
function wp_remote_post( $url, $args ) {
	$GLOBALS['posts'][] = array( 'url' => $url, 'args' => $args );
}

$plugin = dirname( __DIR__, 3 ) . '/wordpress-plugin/ecomapp-connector';
require $plugin . '/ecomapp-connector.php';

$input      = json_decode( $argv[1], true );
$connection = Ecomapp_Client::parse_key( $input['key'] );
if ( null === $connection ) {
	fwrite( STDERR, "invalid key\n" );
	exit( 2 );
}
update_option( ECOMAPP_CONNECTOR_OPTION, $connection );
Ecomapp_Client::send_event( $input['event'] );
$post = $GLOBALS['posts'][0];
echo json_encode(
	array(
		'url'       => $post['url'],
		'body'      => $post['args']['body'],
		'signature' => $post['args']['headers']['X-Ecomapp-Signature'],
		'blocking'  => $post['args']['blocking'],
		'panel_url' => Ecomapp_Client::panel_url( $input['user'] ),
	)
);
