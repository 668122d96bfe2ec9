<?php
/**
 * Cart capture: WooCommerce has no cart webhooks, so report carts and checkout e-mails.
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reports a cart when its lines, e-mail or consent changed (never an empty cart first), keyed
 * per shopper session, through the background queue; links it to its order; restores it from
 * a signed link. Nothing is stored per visitor outside the WooCommerce session.
 */
class Ecomapp_Carts {

	const ORDER_META = '_ecomapp_cart_key';
	const RESTORE    = 'ecomapp_cart';
	const MAX_ITEMS  = 50;

	/**
	 * Whether this request changed the cart, the shopper's e-mail or their consent.
	 *
	 * @var bool
	 */
	private static $dirty = false;

	/**
	 * Hook cart changes, checkout e-mail capture, order linking and restore links.
	 *
	 * Only hooks that fire when a line changes: `woocommerce_cart_updated` fires whenever
	 * totals are recalculated (nearly every page view) and is deliberately not used.
	 *
	 * @return void
	 */
	public static function register() {
		if ( 'yes' !== get_option( 'ecomapp_capture_carts', 'yes' ) ) {
			return;
		}
		foreach ( array( 'woocommerce_add_to_cart', 'woocommerce_cart_item_removed', 'woocommerce_after_cart_item_quantity_update', 'woocommerce_cart_item_restored', 'woocommerce_cart_emptied' ) as $hook ) {
			add_action( $hook, array( __CLASS__, 'mark_dirty' ) );
		}
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
	 * Return this shopper's cart key: derived once from the WooCommerce session's customer id
	 * (and how many carts they checked out), then kept in the session across log-ins.
	 *
	 * @return string
	 */
	private static function cart_key() {
		$key = WC()->session->get( 'ecomapp_cart_key' );
		if ( ! $key ) {
			$c   = Ecomapp_Client::connection();
			$n   = (int) WC()->session->get( 'ecomapp_carts_done', 0 );
			$key = substr( hash_hmac( 'sha256', WC()->session->get_customer_id() . '|' . $n, $c['secret'] ), 0, 32 );
			WC()->session->set( 'ecomapp_cart_key', $key );
		}
		return (string) $key;
	}

	/**
	 * Store the cart key on the order it became, so ecomapp marks the cart converted, and keep
	 * the order's e-mail for the cart's last report.
	 *
	 * @param WC_Order $order The order being created.
	 * @return void
	 */
	public static function link_order( $order ) {
		self::remember_email( (string) $order->get_billing_email() );
		if ( WC()->session && WC()->session->get( 'ecomapp_cart_key' ) ) {
			$order->update_meta_data( self::ORDER_META, (string) WC()->session->get( 'ecomapp_cart_key' ) );
		}
	}

	/**
	 * Report what the checkout itself changed (an e-mail or consent given on the final submit),
	 * then start a fresh cart key for the next cart.
	 *
	 * @return void
	 */
	public static function forget_cart() {
		self::report();
		self::$dirty = false;
		if ( WC()->session ) {
			WC()->session->set( 'ecomapp_cart_key', null );
			WC()->session->set( 'ecomapp_last_hash', null );
			WC()->session->set( 'ecomapp_carts_done', (int) WC()->session->get( 'ecomapp_carts_done', 0 ) + 1 );
		}
	}

	/**
	 * Return the cart's lines as ecomapp reads them.
	 *
	 * @return array
	 */
	private static function items() {
		$items = array();
		foreach ( array_slice( WC()->cart->get_cart(), 0, self::MAX_ITEMS ) as $line ) {
			$product = $line['data'];
			$items[] = array(
				'product_id'   => (int) $line['product_id'],
				'variation_id' => (int) $line['variation_id'],
				'quantity'     => (int) $line['quantity'],
				'name'         => $product ? mb_substr( $product->get_name(), 0, 120 ) : '',
				'price'        => $product ? wc_format_decimal( $product->get_price(), 2 ) : '0.00',
				'sku'          => $product ? $product->get_sku() : '',
			);
		}
		return $items;
	}

	/**
	 * Queue the cart for ecomapp at the end of a request that changed it (and only if it did).
	 *
	 * A cart is first reported once it has items; after that, a change to empty is reported
	 * too, so ecomapp knows the shopper emptied it.
	 *
	 * @return void
	 */
	public static function report() {
		if ( ! self::$dirty || ! WC()->session || ! WC()->cart ) {
			return;
		}
		$user    = wp_get_current_user();
		$email   = $user->exists() ? $user->user_email : (string) WC()->session->get( 'ecomapp_email' );
		$items   = self::items();
		$consent = Ecomapp_Consent::current();
		$last    = WC()->session->get( 'ecomapp_last_hash' );
		$hash    = md5( wp_json_encode( array( $items, $email, $consent ) ) );
		if ( $last === $hash || ( ! $items && ! $last ) ) {
			return; // Nothing ecomapp would see changed, or an empty cart never reported.
		}
		$key = self::cart_key();
		WC()->session->set( 'ecomapp_last_hash', $hash );
		Ecomapp_Queue::push(
			array(
				'event'   => 'cart.updated',
				'cart'    => array(
					'key'            => $key,
					'email'          => $email ? $email : null,
					'customer_id'    => $user->exists() ? (int) $user->ID : 0,
					'items'          => $items,
					'total'          => wc_format_decimal( WC()->cart->get_total( 'edit' ), 2 ),
					'currency'       => get_woocommerce_currency(),
					'recovery_url'   => self::recovery_url( $key, $items ),
					'consent'        => $consent,
					'updated_at_gmt' => current_datetime()->setTimezone( new DateTimeZone( 'UTC' ) )->format( 'Y-m-d\TH:i:s.u' ),
				),
				'sent_at' => current_datetime()->getTimestamp(),
			)
		);
	}

	/**
	 * Return the cart's lines as the compact text a recovery link carries ("41x1,42.7x2").
	 *
	 * @param array $items The cart's lines.
	 * @return string
	 */
	private static function compact( array $items ) {
		$parts = array();
		foreach ( $items as $item ) {
			$variation = $item['variation_id'] ? '.' . (int) $item['variation_id'] : '';
			$parts[]   = (int) $item['product_id'] . $variation . 'x' . (int) $item['quantity'];
		}
		return implode( ',', $parts );
	}

	/**
	 * Return the signature of a recovery link's key and lines (the connection's secret).
	 *
	 * @param string $key   The cart key.
	 * @param string $lines The compact lines.
	 * @return string
	 */
	private static function link_signature( $key, $lines ) {
		$c = Ecomapp_Client::connection();
		return substr( hash_hmac( 'sha256', 'restore|' . $key . '|' . $lines, $c['secret'] ), 0, 32 );
	}

	/**
	 * Return the link that refills this cart on any device: its lines travel signed in the URL.
	 *
	 * @param string $key   The cart key.
	 * @param array  $items The cart's lines.
	 * @return string
	 */
	private static function recovery_url( $key, array $items ) {
		$lines = self::compact( $items );
		$args  = array(
			self::RESTORE    => $key,
			'ecomapp_lines'  => $lines,
			'ecomapp_sig'    => self::link_signature( $key, $lines ),
		);
		return add_query_arg( $args, wc_get_cart_url() );
	}

	/**
	 * Refill the cart from a recovery link (?ecomapp_cart=KEY&ecomapp_lines=…&ecomapp_sig=…).
	 *
	 * @return void
	 */
	public static function maybe_restore() {
		// phpcs:disable WordPress.Security.NonceVerification -- a signed link, not a form.
		if ( empty( $_GET[ self::RESTORE ] ) || ! WC()->cart || ! WC()->session ) {
			return;
		}
		$key   = preg_replace( '/[^A-Za-z0-9]/', '', (string) wp_unslash( $_GET[ self::RESTORE ] ) );
		$lines = preg_replace( '/[^0-9.x,]/', '', (string) wp_unslash( $_GET['ecomapp_lines'] ?? '' ) );
		$sig   = (string) wp_unslash( $_GET['ecomapp_sig'] ?? '' );
		// phpcs:enable WordPress.Security.NonceVerification
		if ( '' !== $lines && hash_equals( self::link_signature( $key, $lines ), $sig ) ) {
			WC()->cart->empty_cart();
			foreach ( explode( ',', $lines ) as $line ) {
				if ( preg_match( '/^(\d+)(?:\.(\d+))?x(\d+)$/', $line, $m ) ) {
					WC()->cart->add_to_cart( (int) $m[1], (int) $m[3], isset( $m[2] ) ? (int) $m[2] : 0 );
				}
			}
			WC()->session->set( 'ecomapp_cart_key', $key );
		}
		wp_safe_redirect( wc_get_cart_url() );
		exit;
	}
}
