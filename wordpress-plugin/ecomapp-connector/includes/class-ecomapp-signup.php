<?php
/**
 * Newsletter signup form for WooCommerce: a shortcode and a block whose form posts to this
 * plugin's REST route; the plugin signs the request and forwards it to ecomapp, which mails the
 * shopper a confirm link (double opt-in).
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

/**
 * [ecomapp_signup] shortcode, the ecomapp/signup block and the /ecomapp/v1/signup route.
 */
class Ecomapp_Signup {

	const ROUTE_NAMESPACE = 'ecomapp/v1';
	const HONEYPOT        = 'website';

	/**
	 * Hook the shortcode, the block and the REST route.
	 *
	 * @return void
	 */
	public static function register() {
		add_shortcode( 'ecomapp_signup', array( __CLASS__, 'shortcode' ) );
		add_action( 'init', array( __CLASS__, 'block' ) );
		add_action( 'rest_api_init', array( __CLASS__, 'routes' ) );
	}

	/**
	 * The consent wording shown beside the box, and stored by ecomapp with each signup.
	 *
	 * @return string
	 */
	public static function consent_text() {
		$default = __( 'Yes, e-mail me news and offers. I can unsubscribe at any time.', 'ecomapp-connector' );
		return (string) apply_filters( 'ecomapp_signup_consent_text', $default );
	}

	/**
	 * Register the server-rendered block (its editor script only previews the same markup).
	 *
	 * @return void
	 */
	public static function block() {
		if ( ! function_exists( 'register_block_type' ) ) {
			return;
		}
		wp_register_script(
			'ecomapp-signup-block',
			plugins_url( 'assets/signup-block.js', dirname( __FILE__ ) ),
			array( 'wp-blocks', 'wp-element', 'wp-server-side-render', 'wp-block-editor', 'wp-components' ),
			'1.0.0',
			true
		);
		register_block_type(
			'ecomapp/signup',
			array(
				'api_version'     => 2,
				'editor_script'   => 'ecomapp-signup-block',
				'render_callback' => array( __CLASS__, 'shortcode' ),
				'attributes'      => array(
					'phone'     => array( 'type' => 'boolean', 'default' => false ),
					'interests' => array( 'type' => 'boolean', 'default' => true ),
				),
			)
		);
	}

	/**
	 * Register the public route the form posts to (ecomapp checks the plugin's signature).
	 *
	 * @return void
	 */
	public static function routes() {
		register_rest_route(
			self::ROUTE_NAMESPACE,
			'/signup',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'signup' ),
				'permission_callback' => '__return_true',
			)
		);
	}

	/**
	 * Return the shopper's address as WordPress sees it (REMOTE_ADDR; proxies are the host's).
	 *
	 * @return string
	 */
	public static function client_ip() {
		$ip = isset( $_SERVER['REMOTE_ADDR'] ) ? sanitize_text_field( wp_unslash( $_SERVER['REMOTE_ADDR'] ) ) : '';
		return (string) filter_var( $ip, FILTER_VALIDATE_IP );
	}

	/**
	 * Return the fields ecomapp reads; the consent wording is the plugin's, not the browser's.
	 *
	 * @param array $params The JSON body the form sent.
	 * @return array
	 */
	public static function payload( array $params ) {
		$interests = array();
		if ( isset( $params['interests'] ) && is_array( $params['interests'] ) ) {
			foreach ( array_slice( $params['interests'], 0, 50 ) as $interest ) {
				$interests[] = sanitize_text_field( (string) $interest );
			}
		}
		return array(
			'email'          => isset( $params['email'] ) ? sanitize_text_field( (string) $params['email'] ) : '',
			'name'           => isset( $params['name'] ) ? sanitize_text_field( (string) $params['name'] ) : '',
			'phone'          => isset( $params['phone'] ) ? sanitize_text_field( (string) $params['phone'] ) : '',
			'interests'      => $interests,
			'consent'        => ! empty( $params['consent'] ),
			'consent_text'   => self::consent_text(),
			self::HONEYPOT   => isset( $params[ self::HONEYPOT ] ) ? sanitize_text_field( (string) $params[ self::HONEYPOT ] ) : '',
			'client_ip'      => self::client_ip(),
		);
	}

	/**
	 * POST /wp-json/ecomapp/v1/signup: forward a signup, signed; relay ecomapp's answer.
	 *
	 * @param WP_REST_Request $request The shopper's request.
	 * @return WP_REST_Response
	 */
	public static function signup( $request ) {
		$payload                = self::payload( (array) $request->get_json_params() );
		$payload['customer_id'] = (string) get_current_user_id(); // Inside the signature.
		$answer                 = Ecomapp_Client::send_storefront( 'signup', $payload, get_current_user_id() );
		$status                 = $answer['status'] ? $answer['status'] : 502;
		$body                   = json_decode( $answer['body'], true );
		return new WP_REST_Response( is_array( $body ) ? $body : array( 'message' => 'ecomapp did not answer' ), $status );
	}

	/**
	 * Return the categories a shopper may pick, as ecomapp knows them (cached for an hour).
	 *
	 * @return array
	 */
	public static function interests() {
		$cached = get_transient( 'ecomapp_signup_interests' );
		if ( is_array( $cached ) ) {
			return $cached;
		}
		$answer    = json_decode( Ecomapp_Client::get_storefront( 'signup/interests' ), true );
		$interests = is_array( $answer ) && isset( $answer['interests'] ) && is_array( $answer['interests'] ) ? $answer['interests'] : array();
		set_transient( 'ecomapp_signup_interests', $interests, HOUR_IN_SECONDS );
		return $interests;
	}

	/**
	 * Render the form: e-mail, name, optional phone and interests, the consent box.
	 *
	 * @param array|string $atts Shortcode attributes: phone="yes", interests="no".
	 * @return string
	 */
	public static function shortcode( $atts ) {
		$atts      = shortcode_atts( array( 'phone' => false, 'interests' => true ), $atts );
		$phone     = filter_var( $atts['phone'], FILTER_VALIDATE_BOOLEAN );
		$interests = filter_var( $atts['interests'], FILTER_VALIDATE_BOOLEAN ) ? self::interests() : array();
		$config    = array( 'url' => rest_url( self::ROUTE_NAMESPACE . '/signup' ) );
		ob_start();
		?>
		<form class="ecomapp-signup" novalidate data-config="<?php echo esc_attr( wp_json_encode( $config ) ); ?>">
			<input type="email" name="email" required autocomplete="email" placeholder="you@example.com" aria-label="<?php echo esc_attr__( 'E-mail', 'ecomapp-connector' ); ?>">
			<input type="text" name="name" maxlength="200" autocomplete="name" aria-label="<?php echo esc_attr__( 'Name', 'ecomapp-connector' ); ?>" placeholder="<?php echo esc_attr__( 'Name', 'ecomapp-connector' ); ?>">
			<?php if ( $phone ) : ?>
				<input type="tel" name="phone" maxlength="32" autocomplete="tel" aria-label="<?php echo esc_attr__( 'Phone', 'ecomapp-connector' ); ?>">
			<?php endif; ?>
			<?php if ( $interests ) : ?>
				<fieldset>
					<legend><?php echo esc_html__( 'I am interested in', 'ecomapp-connector' ); ?></legend>
					<?php foreach ( $interests as $interest ) : ?>
						<label><input type="checkbox" name="interests" value="<?php echo esc_attr( $interest ); ?>"> <?php echo esc_html( $interest ); ?></label>
					<?php endforeach; ?>
				</fieldset>
			<?php endif; ?>
			<div aria-hidden="true" style="position:absolute;left:-5000px"><input type="text" name="<?php echo esc_attr( self::HONEYPOT ); ?>" tabindex="-1" autocomplete="off"></div>
			<label><input type="checkbox" name="consent" value="1" required> <?php echo esc_html( self::consent_text() ); ?></label>
			<button type="submit"><?php echo esc_html__( 'Subscribe', 'ecomapp-connector' ); ?></button>
			<output aria-live="polite"></output>
		</form>
		<script src="<?php echo esc_url( plugins_url( 'assets/signup.js', dirname( __FILE__ ) ) ); ?>" defer></script>
		<?php
		return (string) ob_get_clean();
	}
}
