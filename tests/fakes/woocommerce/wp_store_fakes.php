<?php
/**
 * The WooCommerce and Action Scheduler pieces the plugin's storefront code calls, for
 * wp_harness.php's "store" mode. State (sessions, the Action Scheduler table, options) comes
 * in as JSON and goes out as JSON, so one PHP run is one storefront request or one queue run.
 *
 * Action Scheduler behaves as documented: as_enqueue_async_action() and
 * as_schedule_single_action() add a pending row (args stored as JSON), the runner takes due
 * pending rows oldest first (at most 25 a run), marks each complete, or failed when its
 * callback throws; a failed action is not retried by Action Scheduler itself.
 */

class WooCommerce {}

/** A product: name, price, SKU. */
class Fake_Product {
	private $row;
	public function __construct( $row ) {
		$this->row = $row;
	}
	public function get_name() {
		return $this->row['name'];
	}
	public function get_price() {
		return $this->row['price'];
	}
	public function get_sku() {
		return $this->row['sku'] ?? '';
	}
}

/** WC_Session_Handler: data per customer id (a guest gets a random id, kept in a cookie). */
class Fake_Session {
	public $customer_id;
	public $data;
	public function __construct( $customer_id, $data ) {
		$this->customer_id = $customer_id;
		$this->data        = $data;
	}
	public function get( $key, $default = null ) {
		return array_key_exists( $key, $this->data ) ? $this->data[ $key ] : $default;
	}
	public function set( $key, $value ) {
		$this->data[ $key ] = $value;
	}
	public function get_customer_id() {
		return $this->customer_id;
	}
}

/** WC_Cart: lines kept in the session under "cart", with the hooks WooCommerce fires. */
class Fake_Cart {
	public function get_cart() {
		$lines = array();
		foreach ( WC()->session->get( 'cart', array() ) as $id => $line ) {
			$lines[ $id ] = $line + array( 'data' => new Fake_Product( $GLOBALS['products'][ (string) $line['product_id'] ] ) );
		}
		return $lines;
	}
	public function add_to_cart( $product_id, $quantity = 1, $variation_id = 0 ) {
		if ( ! isset( $GLOBALS['products'][ (string) $product_id ] ) ) {
			return false;
		}
		$cart = WC()->session->get( 'cart', array() );
		$id   = md5( $product_id . '|' . $variation_id );
		$qty  = ( $cart[ $id ]['quantity'] ?? 0 ) + $quantity;
		$cart[ $id ] = array( 'key' => $id, 'product_id' => $product_id, 'variation_id' => $variation_id, 'quantity' => $qty );
		WC()->session->set( 'cart', $cart );
		do_action( 'woocommerce_add_to_cart', $id, $product_id, $quantity, $variation_id, array(), array() );
		return $id;
	}
	public function remove_cart_item( $id ) {
		$cart = WC()->session->get( 'cart', array() );
		unset( $cart[ $id ] );
		WC()->session->set( 'cart', $cart );
		do_action( 'woocommerce_cart_item_removed', $id, $this );
	}
	public function empty_cart() {
		WC()->session->set( 'cart', array() );
		do_action( 'woocommerce_cart_emptied', true );
	}
	public function calculate_totals() {
		// WooCommerce fires this on nearly every page view; the plugin must not report on it.
		do_action( 'woocommerce_after_calculate_totals', $this );
		do_action( 'woocommerce_cart_updated' );
	}
	public function get_total( $context = 'view' ) {
		$total = 0.0;
		foreach ( $this->get_cart() as $line ) {
			$total += (float) $line['data']->get_price() * $line['quantity'];
		}
		return $total;
	}
}

/** The WooCommerce singleton: a session and a cart. */
class Fake_WooCommerce {
	public $session;
	public $cart;
}

function WC() { // phpcs:ignore
	return $GLOBALS['woocommerce'];
}
function wc_format_decimal( $value, $dp = 2 ) {
	return number_format( (float) $value, $dp, '.', '' );
}
function get_woocommerce_currency() {
	return $GLOBALS['currency'];
}
function wc_get_cart_url() {
	return $GLOBALS['site_url'] . '/cart/';
}
function is_email( $email ) {
	return false !== filter_var( $email, FILTER_VALIDATE_EMAIL );
}
function wp_unslash( $value ) {
	return $value;
}
function wp_safe_redirect( $url ) {
	$GLOBALS['redirect'] = $url;
}
function wp_get_current_user() {
	return $GLOBALS['current_user'];
}
function woocommerce_register_additional_checkout_field( $field ) {
	$GLOBALS['checkout_fields'][] = $field;
}

/** The signed-in WordPress user, or nobody. */
class Fake_User {
	public $ID;
	public $user_email;
	public function __construct( $id, $email ) {
		$this->ID         = $id;
		$this->user_email = $email;
	}
	public function exists() {
		return $this->ID > 0;
	}
}

/** Action Scheduler's public API over the rows in $GLOBALS['as_actions']. */
function as_schedule_single_action( $timestamp, $hook, $args = array(), $group = '' ) {
	$id = ++$GLOBALS['as_next_id'];
	$GLOBALS['as_actions'][] = array(
		'id'        => $id,
		'hook'      => $hook,
		'args'      => json_decode( json_encode( $args ), true ),
		'group'     => $group,
		'status'    => 'pending',
		'scheduled' => (int) $timestamp,
		'attempted' => null,
	);
	return $id;
}
function as_enqueue_async_action( $hook, $args = array(), $group = '' ) {
	return as_schedule_single_action( (int) $GLOBALS['now'], $hook, $args, $group );
}
function as_get_scheduled_actions( $query = array(), $return_format = 'OBJECT' ) {
	$found = array();
	foreach ( $GLOBALS['as_actions'] as $row ) {
		foreach ( array( 'hook', 'group', 'status' ) as $field ) {
			if ( isset( $query[ $field ] ) && $row[ $field ] !== $query[ $field ] ) {
				continue 2;
			}
		}
		$found[ $row['id'] ] = 'ids' === $return_format ? $row['id'] : $row;
		if ( isset( $query['per_page'] ) && count( $found ) >= $query['per_page'] ) {
			break;
		}
	}
	return 'ids' === $return_format ? array_values( $found ) : $found;
}
function as_unschedule_all_actions( $hook ) {
	foreach ( $GLOBALS['as_actions'] as &$row ) {
		if ( $row['hook'] === $hook && 'pending' === $row['status'] ) {
			$row['status'] = 'canceled';
		}
	}
}

/** Run due pending actions oldest first, as Action Scheduler's queue runner does (25 a batch). */
function fake_as_run_queue( $now ) {
	$due = array_filter(
		$GLOBALS['as_actions'],
		function ( $row ) use ( $now ) {
			return 'pending' === $row['status'] && $row['scheduled'] <= $now;
		}
	);
	usort(
		$due,
		function ( $a, $b ) {
			return array( $a['scheduled'], $a['id'] ) <=> array( $b['scheduled'], $b['id'] );
		}
	);
	$ran = 0;
	foreach ( array_slice( $due, 0, 25 ) as $action ) {
		$index = array_search( $action['id'], array_column( $GLOBALS['as_actions'], 'id' ), true );
		$GLOBALS['as_actions'][ $index ]['status']    = 'in-progress';
		$GLOBALS['as_actions'][ $index ]['attempted'] = $now;
		try {
			do_action_ref_array( $action['hook'], array_values( $action['args'] ) );
			$GLOBALS['as_actions'][ $index ]['status'] = 'complete';
		} catch ( Throwable $e ) {
			$GLOBALS['as_actions'][ $index ]['status'] = 'failed';
		}
		++$ran;
	}
	return $ran;
}

/** wp_remote_post over real HTTP (PHP streams), with WordPress's timeout; logs each call. */
function fake_http_post( $url, $args ) {
	$headers = '';
	foreach ( $args['headers'] as $name => $value ) {
		$headers .= $name . ': ' . $value . "\r\n";
	}
	$context = stream_context_create(
		array(
			'http' => array(
				'method'        => 'POST',
				'header'        => $headers,
				'content'       => $args['body'],
				'timeout'       => (float) $args['timeout'],
				'ignore_errors' => true,
			),
		)
	);
	$started = microtime( true );
	$answer  = @file_get_contents( $url, false, $context ); // phpcs:ignore
	$status  = 0;
	if ( false !== $answer && isset( $http_response_header[0] ) && preg_match( '/^HTTP\/\S+ (\d{3})/', $http_response_header[0], $m ) ) {
		$status = (int) $m[1];
	}
	$GLOBALS['posts'][] = array(
		'url'    => $url,
		'body'   => $args['body'],
		'status' => $status,
		'ms'     => round( ( microtime( true ) - $started ) * 1000, 1 ),
	);
	return 0 === $status ? new WP_Error( 'http_request_failed', 'no answer' ) : array( 'response' => array( 'code' => $status ) );
}

/** A WooCommerce order as the checkout hooks see it: meta only. */
class Fake_Order {
	public $meta = array();
	public function get_billing_email() {
		return $_POST['billing_email'] ?? '';
	}
	public function update_meta_data( $key, $value ) {
		$this->meta[ $key ] = $value;
	}
}

/** A WC_Customer as the Store API hands it to the plugin. */
class Fake_Customer {
	private $email;
	public function __construct( $email ) {
		$this->email = $email;
	}
	public function get_billing_email() {
		return $this->email;
	}
}

/** Load the store's state (options, sessions, Action Scheduler rows) and this shopper. */
function fake_store_setup( $input ) {
	$state                 = $input['state'] + array( 'options' => array(), 'sessions' => array(), 'actions' => array(), 'next_id' => 0 );
	$GLOBALS['options']    = $state['options'];
	$GLOBALS['options'][ 'ecomapp_connector' ] = $input['connection'];
	$GLOBALS['as_actions'] = $state['actions'];
	$GLOBALS['as_next_id'] = $state['next_id'];
	$GLOBALS['sessions']   = $state['sessions'];
	$GLOBALS['products']   = $input['products'];
	$GLOBALS['currency']   = $input['currency'];
	$GLOBALS['site_url']   = $input['site_url'];
	$GLOBALS['now']        = (float) $input['now'];
	$GLOBALS['started']    = microtime( true );
	$GLOBALS['checkout_fields'] = array();
	$customer_id           = $input['customer_id'] ? $input['customer_id'] : 't_' . bin2hex( random_bytes( 8 ) );
	$user                  = $input['user'];
	$GLOBALS['current_user'] = new Fake_User( $user ? (int) $user['id'] : 0, $user ? $user['email'] : '' );
	$wc                    = new Fake_WooCommerce();
	$wc->session           = new Fake_Session( $customer_id, $GLOBALS['sessions'][ $customer_id ] ?? array() );
	$wc->cart              = new Fake_Cart();
	$GLOBALS['woocommerce'] = $wc;
	ob_start();
}

/** Run one storefront request, or one queue run, through the plugin's hooks. */
function fake_store_request( $request ) {
	switch ( $request['kind'] ) {
		case 'add_to_cart':
			WC()->cart->add_to_cart( (int) $request['product_id'], (int) ( $request['quantity'] ?? 1 ) );
			break;
		case 'remove':
			foreach ( WC()->cart->get_cart() as $id => $line ) {
				if ( (int) $line['product_id'] === (int) $request['product_id'] ) {
					WC()->cart->remove_cart_item( $id );
				}
			}
			break;
		case 'checkout_page':
			do_action( 'woocommerce_after_checkout_billing_form', null );
			break;
		case 'update_order_review':
			do_action( 'woocommerce_checkout_update_order_review', $request['post_data'] );
			break;
		case 'block_update':
			$customer = new Fake_Customer( $request['email'] );
			do_action( 'woocommerce_store_api_cart_update_customer_from_request', $customer, null );
			if ( array_key_exists( 'consent', $request ) ) {
				do_action( 'woocommerce_set_additional_field_value', 'ecomapp/marketing-consent', $request['consent'], 'other', $customer );
			}
			break;
		case 'place_order':
			$_POST = $request['post'];
			$order = new Fake_Order();
			do_action( 'woocommerce_checkout_create_order', $order, $_POST );
			do_action( 'woocommerce_checkout_order_processed', 1, $_POST, $order );
			WC()->cart->empty_cart();
			$GLOBALS['order_meta'] = $order->meta;
			break;
		case 'restore':
			$_GET = $request['get'];
			do_action( 'wp_loaded' );
			break;
		case 'run_queue':
			$GLOBALS['ran'] = fake_as_run_queue( (int) $GLOBALS['now'] );
			return;
	}
	WC()->cart->calculate_totals();
}

/** At PHP's end (after `shutdown` hooks, even after exit): print the request's outcome. */
function fake_store_finish( $input ) {
	do_action( 'shutdown' );
	$html    = ob_get_clean();
	$session = WC()->session;
	if ( $session->data ) {
		$GLOBALS['sessions'][ $session->customer_id ] = $session->data;
	}
	$options = $GLOBALS['options'];
	unset( $options['ecomapp_connector'] );
	echo json_encode(
		array(
			'state'           => array(
				'options'  => (object) $options,
				'sessions' => (object) $GLOBALS['sessions'],
				'actions'  => $GLOBALS['as_actions'],
				'next_id'  => $GLOBALS['as_next_id'],
			),
			'customer_id'     => $session->data ? $session->customer_id : null,
			'html'            => $html,
			'redirect'        => $GLOBALS['redirect'] ?? null,
			'posts'           => $GLOBALS['posts'],
			'ran'             => $GLOBALS['ran'] ?? 0,
			'now'             => $GLOBALS['now'],
			'order_meta'      => (object) ( $GLOBALS['order_meta'] ?? array() ),
			'checkout_fields' => $GLOBALS['checkout_fields'],
			'ms'              => round( ( microtime( true ) - $GLOBALS['started'] ) * 1000, 3 ),
		)
	);
}

if ( ! function_exists( 'mb_substr' ) ) {
	/** WordPress's compat.php polyfill, for PHP builds without mbstring. */
	function mb_substr( $text, $start, $length = null ) {
		preg_match_all( '/./us', (string) $text, $chars );
		return implode( '', array_slice( $chars[0], $start, $length ) );
	}
}
