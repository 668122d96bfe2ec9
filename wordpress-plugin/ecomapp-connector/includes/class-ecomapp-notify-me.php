<?php
/**
 * Back-in-stock "notify me" form and Web Push for WooCommerce: the shopper's browser posts to
 * this plugin's REST routes, the plugin signs the request and forwards it to ecomapp.
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

/**
 * [ecomapp_notify_me] shortcode (also shown on sold-out product pages), its REST routes and the
 * service worker served from the store's origin.
 */
class Ecomapp_Notify_Me {

	const ROUTE_NAMESPACE = 'ecomapp/v1';
	const SW_QUERY        = 'ecomapp-sw';
	const CONSENT_TEXT    = 'Email me once when this product is back in stock. My address is used for nothing else.';
	const PUSH_CONSENT    = 'Send me a browser notification when this product is back in stock.';

	/**
	 * Hook the shortcode, the sold-out product page, the REST routes and the service worker.
	 *
	 * @return void
	 */
	public static function register() {
		add_shortcode( 'ecomapp_notify_me', array( __CLASS__, 'shortcode' ) );
		add_action( 'woocommerce_single_product_summary', array( __CLASS__, 'on_product_page' ), 35 );
		add_action( 'rest_api_init', array( __CLASS__, 'routes' ) );
		add_action( 'init', array( __CLASS__, 'maybe_serve_worker' ) );
	}

	/**
	 * Register the public routes the form posts to (the app checks the plugin's signature).
	 *
	 * @return void
	 */
	public static function routes() {
		foreach ( array( '/notify-me' => 'notify_me', '/push-subscribe' => 'push_subscribe' ) as $route => $method ) {
			register_rest_route(
				self::ROUTE_NAMESPACE,
				$route,
				array(
					'methods'             => 'POST',
					'callback'            => array( __CLASS__, $method ),
					'permission_callback' => '__return_true',
				)
			);
		}
	}

	/**
	 * Return the fields ecomapp reads from a shopper's form post; the consent wording is ours.
	 *
	 * @param array $params The JSON body the form sent.
	 * @param bool  $push   Whether this is a push subscription request.
	 * @return array
	 */
	public static function payload( array $params, $push ) {
		$payload = array(
			'consent'      => ! empty( $params['consent'] ),
			'consent_text' => $push ? self::PUSH_CONSENT : self::CONSENT_TEXT,
			'visitor_id'   => isset( $params['visitor_id'] ) ? substr( preg_replace( '/[^A-Za-z0-9-]/', '', (string) $params['visitor_id'] ), 0, 64 ) : '',
		);
		if ( isset( $params['variant_id'] ) ) {
			$payload['variant_id'] = (string) absint( $params['variant_id'] );
		}
		if ( ! empty( $params['email'] ) ) {
			$payload['email'] = sanitize_email( (string) $params['email'] );
		}
		if ( isset( $params['subscription'] ) && is_array( $params['subscription'] ) ) {
			$payload['subscription'] = $params['subscription'];
			if ( ! $push ) {
				$payload['consent_text'] .= ' ' . self::PUSH_CONSENT;
			}
		}
		return $payload;
	}

	/**
	 * POST /wp-json/ecomapp/v1/notify-me: forward a notify-me request, signed.
	 *
	 * @param WP_REST_Request $request The shopper's request.
	 * @return WP_REST_Response
	 */
	public static function notify_me( $request ) {
		$payload = self::payload( (array) $request->get_json_params(), false );
		return self::forward( 'back-in-stock', $payload );
	}

	/**
	 * POST /wp-json/ecomapp/v1/push-subscribe: forward a browser's push subscription, signed.
	 *
	 * @param WP_REST_Request $request The shopper's request.
	 * @return WP_REST_Response
	 */
	public static function push_subscribe( $request ) {
		$payload = self::payload( (array) $request->get_json_params(), true );
		return self::forward( 'push/subscribe', $payload );
	}

	/**
	 * Send the payload to ecomapp's storefront door and relay its status and answer.
	 *
	 * @param string $path    Path after /storefront/.
	 * @param array  $payload The fields.
	 * @return WP_REST_Response
	 */
	private static function forward( $path, array $payload ) {
		$payload['customer_id'] = (string) get_current_user_id(); // Inside the signature.
		$answer                 = Ecomapp_Client::send_storefront( $path, $payload, get_current_user_id() );
		$status = $answer['status'] ? $answer['status'] : 502;
		$body   = json_decode( $answer['body'], true );
		return new WP_REST_Response( is_array( $body ) ? $body : array( 'error' => 'ecomapp did not answer' ), $status );
	}

	/**
	 * Serve ecomapp's service worker at /?ecomapp-sw=1, so its scope is the whole store.
	 *
	 * @return void
	 */
	public static function maybe_serve_worker() {
		if ( empty( $_GET[ self::SW_QUERY ] ) ) { // phpcs:ignore WordPress.Security.NonceVerification
			return;
		}
		$script = get_transient( 'ecomapp_sw' );
		if ( ! is_string( $script ) ) {
			$script = Ecomapp_Client::get_storefront( 'push/sw.js' );
			if ( '' === $script ) {
				status_header( 503 );
				exit;
			}
			set_transient( 'ecomapp_sw', $script, HOUR_IN_SECONDS );
		}
		header( 'Content-Type: application/javascript; charset=utf-8' );
		header( 'Service-Worker-Allowed: /' );
		echo $script; // phpcs:ignore WordPress.Security.EscapeOutput -- JavaScript from ecomapp.
		exit;
	}

	/**
	 * Return the deployment's VAPID public key (asked of ecomapp once a day; empty: no push).
	 *
	 * @return string
	 */
	public static function public_key() {
		$key = get_transient( 'ecomapp_vapid_key' );
		if ( ! is_string( $key ) ) {
			$answer = json_decode( Ecomapp_Client::get_storefront( 'push/key' ), true );
			$key    = is_array( $answer ) && isset( $answer['public_key'] ) ? (string) $answer['public_key'] : '';
			set_transient( 'ecomapp_vapid_key', $key, DAY_IN_SECONDS );
		}
		return $key;
	}

	/**
	 * Show the form under the add-to-cart area of a sold-out product.
	 *
	 * @return void
	 */
	public static function on_product_page() {
		global $product;
		if ( $product && ! $product->is_in_stock() ) {
			echo self::shortcode( array( 'variant' => $product->get_id() ) ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped below.
		}
	}

	/**
	 * Render the form: e-mail, consent box, optional browser notification.
	 *
	 * @param array|string $atts Shortcode attributes: variant (product or variation id).
	 * @return string
	 */
	public static function shortcode( $atts ) {
		$atts    = shortcode_atts( array( 'variant' => 0 ), $atts );
		$variant = absint( $atts['variant'] );
		if ( ! $variant && function_exists( 'get_the_ID' ) ) {
			$variant = (int) get_the_ID();
		}
		$config = array(
			'notify'    => rest_url( self::ROUTE_NAMESPACE . '/notify-me' ),
			'subscribe' => rest_url( self::ROUTE_NAMESPACE . '/push-subscribe' ),
			'worker'    => home_url( '/?' . self::SW_QUERY . '=1' ),
			'key'       => self::public_key(),
		);
		ob_start();
		?>
		<form class="ecomapp-notify-me" data-variant="<?php echo esc_attr( $variant ); ?>" data-config="<?php echo esc_attr( wp_json_encode( $config ) ); ?>">
			<p><?php echo esc_html__( 'Out of stock. Tell me when it is back:', 'ecomapp-connector' ); ?></p>
			<input type="email" name="email" placeholder="you@example.com" aria-label="<?php echo esc_attr__( 'E-mail', 'ecomapp-connector' ); ?>">
			<label><input type="checkbox" name="consent" value="1" required> <?php echo esc_html( self::CONSENT_TEXT ); ?></label>
			<label><input type="checkbox" name="push" value="1"> <?php echo esc_html( self::PUSH_CONSENT ); ?></label>
			<button type="submit"><?php echo esc_html__( 'Notify me', 'ecomapp-connector' ); ?></button>
			<output></output>
		</form>
		<script src="<?php echo esc_url( plugins_url( 'assets/notify-me.js', dirname( __FILE__ ) ) ); ?>" defer></script>
		<?php
		return (string) ob_get_clean();
	}
}
