<?php
/**
 * Cart capture: WooCommerce has no cart webhooks, so report carts and checkout e-mails.
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reports each changed cart once per request, links it to its order, restores it from a link.
 */
class Ecomapp_Carts {

	const ORDER_META = '_ecomapp_cart_key';
	const RESTORE    = 'ecomapp_cart';
	const KEEP_DAYS  = 7;

	/**
	 * Whether this request changed the cart or the shopper's e-mail.
	 *
	 * @var bool
	 */
	private static $dirty = false;

	/**
	 * Hook cart changes, checkout e-mail capture, order linking and restore links.
	 *
	 * @return void
	 */
	public static function register() {
		if ( 'yes' !== get_option( 'ecomapp_capture_carts', 'yes' ) ) {
			return;
		}
		add_action( 'woocommerce_cart_updated', array( __CLASS__, 'mark_dirty' ) );
		add_action( 'woocommerce_checkout_update_order_review', array( __CLASS__, 'capture_classic_email' ) );
		add_action( 'woocommerce_store_api_cart_update_customer_from_request', array( __CLASS__, 'capture_block_email' ) );
		add_action( 'woocommerce_checkout_create_order', array( __CLASS__, 'link_order' ) );
		add_action( 'woocommerce_store_api_checkout_update_order_meta', array( __CLASS__, 'link_order' ) );
		add_action( 'woocommerce_checkout_order_processed', array( __CLASS__, 'forget_cart' ) );
		add_action( 'woocommerce_store_api_checkout_order_processed', array( __CLASS__, 'forget_cart' ) );
		add_action( 'wp_loaded', array( __CLASS__, 'maybe_restore' ), 20 );
		add_action( 'shutdown', array( __CLASS__, 'report' ) );
	}

	/**
	 * Remember that the cart changed; it is reported once, at the end of the request.
	 *
	 * @return void
	 */
	public static function mark_dirty() {
		self::$dirty = true;
	}

	/**
	 * Capture the e-mail typed on the classic checkout (sent with each order review refresh).
	 *
	 * @param string $post_data The checkout form, URL-encoded.
	 * @return void
	 */
	public static function capture_classic_email( $post_data ) {
		parse_str( (string) $post_data, $fields );
		if ( isset( $fields['billing_email'] ) ) {
			self::remember_email( (string) $fields['billing_email'] );
		}
	}

	/**
	 * Capture the e-mail typed on the block checkout.
	 *
	 * @param WC_Customer $customer The customer the Store API just updated.
	 * @return void
	 */
	public static function capture_block_email( $customer ) {
		self::remember_email( (string) $customer->get_billing_email() );
	}

	/**
	 * Keep a valid e-mail in the shopper's session.
	 *
	 * @param string $email What the shopper typed.
	 * @return void
	 */
	private static function remember_email( $email ) {
		$email = sanitize_email( $email );
		if ( is_email( $email ) && WC()->session ) {
			WC()->session->set( 'ecomapp_email', $email );
			self::$dirty = true;
		}
	}

	/**
	 * Return this shopper's cart key, creating it on first use.
	 *
	 * @return string
	 */
	private static function cart_key() {
		$key = WC()->session->get( 'ecomapp_cart_key' );
		if ( ! $key ) {
			$key = wp_generate_password( 24, false );
			WC()->session->set( 'ecomapp_cart_key', $key );
		}
		return (string) $key;
	}

	/**
	 * Store the cart key on the order it became, so ecomapp marks the cart converted.
	 *
	 * @param WC_Order $order The order being created.
	 * @return void
	 */
	public static function link_order( $order ) {
		if ( WC()->session && WC()->session->get( 'ecomapp_cart_key' ) ) {
			$order->update_meta_data( self::ORDER_META, (string) WC()->session->get( 'ecomapp_cart_key' ) );
		}
	}

	/**
	 * Start a fresh cart key after checkout.
	 *
	 * @return void
	 */
	public static function forget_cart() {
		if ( WC()->session ) {
			WC()->session->set( 'ecomapp_cart_key', null );
			WC()->session->set( 'ecomapp_last_hash', null );
		}
	}

	/**
	 * Return the cart's lines as ecomapp reads them.
	 *
	 * @return array
	 */
	private static function items() {
		$items = array();
		foreach ( WC()->cart->get_cart() as $line ) {
			$product = $line['data'];
			$items[] = array(
				'product_id'   => (int) $line['product_id'],
				'variation_id' => (int) $line['variation_id'],
				'quantity'     => (int) $line['quantity'],
				'name'         => $product ? $product->get_name() : '',
				'price'        => $product ? wc_format_decimal( $product->get_price(), 2 ) : '0.00',
				'sku'          => $product ? $product->get_sku() : '',
			);
		}
		return $items;
	}

	/**
	 * Send the cart to ecomapp at the end of a request that changed it (and only if it did).
	 *
	 * @return void
	 */
	public static function report() {
		if ( ! self::$dirty || ! WC()->session || ! WC()->cart ) {
			return;
		}
		$user  = wp_get_current_user();
		$email = $user->exists() ? $user->user_email : (string) WC()->session->get( 'ecomapp_email' );
		$items = self::items();
		$hash  = md5( wp_json_encode( array( $items, $email ) ) );
		if ( WC()->session->get( 'ecomapp_last_hash' ) === $hash ) {
			return; // Nothing ecomapp would see changed.
		}
		$key = self::cart_key();
		WC()->session->set( 'ecomapp_last_hash', $hash );
		set_transient( 'ecomapp_cart_' . $key, $items, self::KEEP_DAYS * DAY_IN_SECONDS );
		Ecomapp_Client::send_event(
			array(
				'event'   => 'cart.updated',
				'cart'    => array(
					'key'            => $key,
					'email'          => $email ? $email : null,
					'customer_id'    => $user->exists() ? (int) $user->ID : 0,
					'items'          => $items,
					'total'          => wc_format_decimal( WC()->cart->get_total( 'edit' ), 2 ),
					'currency'       => get_woocommerce_currency(),
					'recovery_url'   => add_query_arg( self::RESTORE, $key, wc_get_cart_url() ),
					'updated_at_gmt' => ( new DateTime( 'now', new DateTimeZone( 'UTC' ) ) )->format( 'Y-m-d\TH:i:s.u' ),
				),
				'sent_at' => time(),
			)
		);
	}

	/**
	 * Refill the cart from a recovery link (?ecomapp_cart=KEY) and show it.
	 *
	 * @return void
	 */
	public static function maybe_restore() {
		if ( empty( $_GET[ self::RESTORE ] ) || ! WC()->cart || ! WC()->session ) { // phpcs:ignore WordPress.Security.NonceVerification
			return;
		}
		$key   = preg_replace( '/[^A-Za-z0-9]/', '', (string) wp_unslash( $_GET[ self::RESTORE ] ) ); // phpcs:ignore WordPress.Security.NonceVerification
		$items = get_transient( 'ecomapp_cart_' . $key );
		if ( is_array( $items ) ) {
			WC()->cart->empty_cart();
			foreach ( $items as $item ) {
				WC()->cart->add_to_cart( (int) $item['product_id'], (int) $item['quantity'], (int) $item['variation_id'] );
			}
			WC()->session->set( 'ecomapp_cart_key', $key );
		}
		wp_safe_redirect( wc_get_cart_url() );
		exit;
	}
}
