<?php
/**
 * A fake of the few WordPress functions the plugin uses, to run its real PHP in tests.
 *
 * Usage: php wp_harness.php '{"key": "...", "event": {...}, "user": 1}'
 *   prints JSON: the event's URL, its exact body and signature, and the panel URL.
 * Usage: php wp_harness.php '{"mode": "storefront", "connection": {...}, "route": "notify-me",
 *   "params": {...}, "user": 0, "reply": {"status": 201, "body": "..."}}'
 *   runs the plugin's storefront REST route and prints {post: {url, body, headers}, status, body}.
 * Usage: php wp_harness.php '{"mode": "shortcode", "connection": {...}, "variant": 41}'
 *   prints the notify-me form's HTML as the [ecomapp_notify_me] shortcode renders it.
 * Usage: php wp_harness.php '{"mode": "rest", "connection": {...}|null, "body": "...",
 *   "headers": {...}, "api_keys": [rows of woocommerce_api_keys]}'
 *   runs the plugin's REST route and prints {status, body, api_keys, connection}.
 * Usage: php wp_harness.php '{"mode": "store", "connection": {...}, "state": {...},
 *   "customer_id": "t_…"|null, "user": null|{"id", "email"}, "now": unix seconds,
 *   "products": {...}, "currency": "EUR", "site_url": "http://…", "request": {"kind": …}}'
 *   runs one storefront request (or one Action Scheduler queue run) through the plugin's
 *   real hooks (see wp_store_fakes.php) and prints the new state, the HTML the plugin
 *   printed, its redirect, the HTTP posts it made (real ones) and how long the request took.
 * Usage: php wp_harness.php '{"mode": "search", "key": "...", "term": "..."}'
 *   renders a search results page for the term and prints the request the plugin sent.
 */

define( 'ABSPATH', __DIR__ );
$GLOBALS['options'] = array();
$GLOBALS['posts']   = array();
$GLOBALS['actions'] = array();
$GLOBALS['routes']  = array();

function add_action( $hook, $callback, $priority = 10, $accepted_args = 1 ) {
	$GLOBALS['actions'][ $hook ][ $priority ][] = array( $callback, $accepted_args );
	ksort( $GLOBALS['actions'][ $hook ] );
}
function add_filter( $hook, $callback ) {
	$GLOBALS['filters'][ $hook ][] = $callback;
}
function do_action( $hook, ...$args ) {
	do_action_ref_array( $hook, $args );
}
function do_action_ref_array( $hook, $args ) {
	foreach ( $GLOBALS['actions'][ $hook ] ?? array() as $callbacks ) {
		foreach ( $callbacks as list( $callback, $accepted ) ) {
			call_user_func_array( $callback, array_slice( $args, 0, $accepted ) );
		}
	}
}
function current_datetime() {
	// WordPress: new DateTimeImmutable( 'now', wp_timezone() ), microseconds included.
	$at = DateTimeImmutable::createFromFormat( 'U.u', sprintf( '%.6F', $GLOBALS['now'] ?? microtime( true ) ) );
	return $at->setTimezone( new DateTimeZone( 'UTC' ) );
}
function get_option( $name, $default = false ) {
	return array_key_exists( $name, $GLOBALS['options'] ) ? $GLOBALS['options'][ $name ] : $default;
}
function update_option( $name, $value ) {
	$GLOBALS['options'][ $name ] = $value;
}
function delete_option( $name ) {
	unset( $GLOBALS['options'][ $name ] );
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
	if ( function_exists( 'fake_http_post' ) ) {
		return fake_http_post( $url, $args );
	}
	$GLOBALS['posts'][] = array( 'url' => $url, 'args' => $args );
	return $GLOBALS['reply'] ?? null;
}
function wp_remote_retrieve_response_code( $response ) {
	// Real WordPress shape (store mode's HTTP), or the canned reply of the other modes.
	return $response['response']['code'] ?? ( $response['status'] ?? '' );
}
function wp_remote_retrieve_body( $response ) {
	return $response['body'] ?? '';
}
function sanitize_email( $email ) {
	return filter_var( trim( $email ), FILTER_SANITIZE_EMAIL );
}
function absint( $value ) {
	return abs( (int) $value );
}
function get_current_user_id() {
	return $GLOBALS['user_id'] ?? 0;
}
define( 'HOUR_IN_SECONDS', 3600 );
define( 'DAY_IN_SECONDS', 86400 );
function get_transient( $name ) {
	return $GLOBALS['transients'][ $name ] ?? false;
}
function set_transient( $name, $value, $ttl ) {
	$GLOBALS['transients'][ $name ] = $value;
}
function add_shortcode( $tag, $callback ) {
	$GLOBALS['shortcodes'][ $tag ] = $callback;
}
function shortcode_atts( $defaults, $atts ) {
	return array_merge( $defaults, array_intersect_key( (array) $atts, $defaults ) );
}
function esc_attr( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES );
}
function esc_html( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES );
}
function esc_url( $url ) {
	return htmlspecialchars( (string) $url, ENT_QUOTES );
}
function esc_html__( $text, $domain ) {
	return esc_html( $text );
}
function esc_attr__( $text, $domain ) {
	return esc_attr( $text );
}
function rest_url( $path ) {
	return '/wp-json/' . $path;
}
function home_url( $path ) {
	return $path;
}
function plugins_url( $path, $plugin_dir ) {
	return '/wp-content/plugins/ecomapp-connector/' . $path;
}
function register_rest_route( $namespace, $route, $args ) {
	$GLOBALS['routes'][ '/' . $namespace . $route ] = $args;
}
function is_admin() {
	return false;
}
function is_search() {
	return isset( $GLOBALS['search_term'] );
}
function is_paged() {
	return false;
}
function get_search_query( $escaped = true ) {
	return $GLOBALS['search_term'] ?? '';
}
function is_wp_error( $thing ) {
	return $thing instanceof WP_Error;
}

/** WordPress's error object: code, message, data with the HTTP status. */
class WP_Error {
	public $code;
	public $message;
	public $data;
	public function __construct( $code, $message, $data = array() ) {
		$this->code    = $code;
		$this->message = $message;
		$this->data    = $data;
	}
}

/** A REST response: data and status. */
class WP_REST_Response {
	public $data;
	public $status;
	public function __construct( $data, $status = 200 ) {
		$this->data   = $data;
		$this->status = $status;
	}
}

/** A REST request with WordPress's header canonicalisation (lower case, - to _). */
class Fake_REST_Request {
	private $body;
	private $headers = array();
	public function __construct( $body, $headers ) {
		$this->body = $body;
		foreach ( $headers as $name => $value ) {
			$this->headers[ str_replace( '-', '_', strtolower( $name ) ) ] = $value;
		}
	}
	public function get_body() {
		return $this->body;
	}
	public function get_header( $name ) {
		return $this->headers[ str_replace( '-', '_', strtolower( $name ) ) ] ?? null;
	}
	public function get_json_params() {
		return json_decode( $this->body, true );
	}
}

/** The wpdb calls the plugin makes, over an in-memory woocommerce_api_keys table. */
class Fake_WPDB {
	public $prefix = 'wp_';
	public $rows   = array();
	public function prepare( $query, ...$args ) {
		return vsprintf( $query, array_map( 'intval', $args ) );
	}
	public function get_row( $query ) {
		if ( ! preg_match( '/FROM wp_woocommerce_api_keys WHERE key_id = (\d+)$/', $query, $m ) ) {
			throw new Exception( 'unexpected query: ' . $query );
		}
		foreach ( $this->rows as $row ) {
			if ( (int) $row['key_id'] === (int) $m[1] ) {
				return (object) $row;
			}
		}
		return null;
	}
	public function delete( $table, $where, $formats ) {
		if ( 'wp_woocommerce_api_keys' !== $table ) {
			throw new Exception( 'unexpected table: ' . $table );
		}
		$before     = count( $this->rows );
		$this->rows = array_values(
			array_filter(
				$this->rows,
				function ( $row ) use ( $where ) {
					return (int) $row['key_id'] !== (int) $where['key_id'];
				}
			)
		);
		return $before - count( $this->rows );
	}
}

$input = json_decode( $argv[1], true );
if ( 'store' === ( $input['mode'] ?? '' ) ) {
	require __DIR__ . '/wp_store_fakes.php';
	fake_store_setup( $input );
}

$plugin = dirname( __DIR__, 3 ) . '/wordpress-plugin/ecomapp-connector';
require $plugin . '/ecomapp-connector.php';
do_action( 'plugins_loaded' );

if ( 'store' === ( $input['mode'] ?? '' ) ) {
	register_shutdown_function( 'fake_store_finish', $input );
	do_action( 'woocommerce_init' );
	fake_store_request( $input['request'] );
	exit( 0 );
}

if ( 'shortcode' === ( $input['mode'] ?? '' ) ) {
	update_option( ECOMAPP_CONNECTOR_OPTION, $input['connection'] );
	set_transient( 'ecomapp_vapid_key', '', DAY_IN_SECONDS ); // No push in a headless browser.
	echo Ecomapp_Notify_Me::shortcode( array( 'variant' => $input['variant'] ) );
	exit( 0 );
}

if ( 'storefront' === ( $input['mode'] ?? '' ) ) {
	if ( ! function_exists( 'apply_filters' ) ) {
		function apply_filters( $name, $value ) {
			return $value;
		}
	}
	if ( ! function_exists( '__' ) ) {
		function __( $text, $domain ) {
			return $text;
		}
	}
	if ( ! function_exists( 'sanitize_text_field' ) ) {
		function sanitize_text_field( $text ) {
			return trim( preg_replace( '/[\r\n\t ]+/', ' ', strip_tags( (string) $text ) ) );
		}
	}
	if ( ! function_exists( 'wp_unslash' ) ) {
		function wp_unslash( $value ) {
			return $value;
		}
	}
	update_option( ECOMAPP_CONNECTOR_OPTION, $input['connection'] );
	$GLOBALS['reply']   = $input['reply'];
	$GLOBALS['user_id'] = $input['user'];
	$handlers           = array(
		'notify-me'      => array( 'Ecomapp_Notify_Me', 'notify_me' ),
		'push-subscribe' => array( 'Ecomapp_Notify_Me', 'push_subscribe' ),
		'signup'         => array( 'Ecomapp_Signup', 'signup' ),
	);
	$_SERVER['REMOTE_ADDR'] = $input['remote_addr'] ?? '203.0.113.5';
	$request            = new Fake_REST_Request( json_encode( $input['params'] ), array() );
	$result             = call_user_func( $handlers[ $input['route'] ] ?? $handlers['push-subscribe'], $request );
	$post               = $GLOBALS['posts'][0];
	echo json_encode(
		array(
			'post'   => array(
				'url'     => $post['url'],
				'body'    => $post['args']['body'],
				'headers' => $post['args']['headers'],
			),
			'status' => $result->status,
			'body'   => $result->data,
		)
	);
	exit( 0 );
}

if ( 'rest' === ( $input['mode'] ?? '' ) ) {
	if ( $input['connection'] ) {
		update_option( ECOMAPP_CONNECTOR_OPTION, $input['connection'] );
	}
	$GLOBALS['wpdb']       = new Fake_WPDB();
	$GLOBALS['wpdb']->rows = $input['api_keys'];
	do_action( 'rest_api_init' );
	$route  = $GLOBALS['routes']['/ecomapp/v1/revoke-key'];
	$result = call_user_func( $route['callback'], new Fake_REST_Request( $input['body'], $input['headers'] ) );
	if ( is_wp_error( $result ) ) {
		$status = $result->data['status'];
		$body   = array( 'code' => $result->code, 'message' => $result->message, 'data' => $result->data );
	} else {
		$status = $result->status;
		$body   = $result->data;
	}
	echo json_encode(
		array(
			'status'     => $status,
			'body'       => json_encode( $body ),
			'api_keys'   => $GLOBALS['wpdb']->rows,
			'connection' => get_option( ECOMAPP_CONNECTOR_OPTION, null ),
		)
	);
	exit( 0 );
}

if ( 'search' === ( $input['mode'] ?? '' ) ) {
	update_option( ECOMAPP_CONNECTOR_OPTION, Ecomapp_Client::parse_key( $input['key'] ) );
	$GLOBALS['search_term'] = $input['term'];
	Ecomapp_Searches::register();
	do_action( 'template_redirect' );
	$post = $GLOBALS['posts'][0] ?? null;
	echo json_encode( $post ? array( 'url' => $post['url'], 'body' => $post['args']['body'], 'headers' => $post['args']['headers'], 'blocking' => $post['args']['blocking'] ) : null );
	exit( 0 );
}

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
