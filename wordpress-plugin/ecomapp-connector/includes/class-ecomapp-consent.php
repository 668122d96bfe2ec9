<?php
/**
 * Marketing consent at checkout: one checkbox in the classic and the block checkout.
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Shows the consent checkbox, keeps the shopper's answer (with the exact wording they saw)
 * in their WooCommerce session, and lets the cart report carry it to ecomapp.
 */
class Ecomapp_Consent {

	const FIELD       = 'ecomapp_marketing_consent';
	const BLOCK_FIELD = 'ecomapp/marketing-consent';
	const SESSION     = 'ecomapp_consent';
	const OPTION      = 'ecomapp_consent_text';
	const WORDING     = 'Email me offers and news, and a reminder if I leave items in my cart. I can unsubscribe at any time.';

	/**
	 * Hook the classic checkout field, the block checkout field and their capture.
	 *
	 * @return void
	 */
	public static function register() {
		add_action( 'woocommerce_after_checkout_billing_form', array( __CLASS__, 'render_classic' ) );
		add_action( 'woocommerce_checkout_update_order_review', array( __CLASS__, 'capture_classic' ) );
		add_action( 'woocommerce_checkout_create_order', array( __CLASS__, 'capture_classic_submit' ) );
		add_action( 'woocommerce_init', array( __CLASS__, 'register_block_field' ) );
		add_action( 'woocommerce_set_additional_field_value', array( __CLASS__, 'capture_block' ), 10, 4 );
	}

	/**
	 * Return the wording shown next to the checkbox (the merchant may change it).
	 *
	 * @return string
	 */
	public static function wording() {
		$text = trim( (string) get_option( self::OPTION, '' ) );
		return '' !== $text ? $text : self::WORDING;
	}

	/**
	 * Print the checkbox under the classic checkout's billing fields, unticked.
	 *
	 * @return void
	 */
	public static function render_classic() {
		$given = self::current();
		printf(
			'<p class="form-row form-row-wide update_totals_on_change" id="%1$s_field"><label class="woocommerce-form__label woocommerce-form__label-for-checkbox checkbox"><input type="checkbox" class="woocommerce-form__input woocommerce-form__input-checkbox input-checkbox" name="%1$s" id="%1$s" value="1"%2$s> <span>%3$s</span></label></p>',
			esc_attr( self::FIELD ),
			( $given && $given['granted'] ) ? ' checked="checked"' : '',
			esc_html( self::wording() )
		);
	}

	/**
	 * Register the same checkbox in the block checkout (Additional Checkout Fields API).
	 *
	 * @return void
	 */
	public static function register_block_field() {
		if ( ! function_exists( 'woocommerce_register_additional_checkout_field' ) ) {
			return;
		}
		woocommerce_register_additional_checkout_field(
			array(
				'id'       => self::BLOCK_FIELD,
				'label'    => self::wording(),
				'location' => 'contact',
				'type'     => 'checkbox',
				'required' => false,
			)
		);
	}

	/**
	 * Read the checkbox from a classic order-review refresh, once the shopper typed an e-mail.
	 *
	 * @param string $post_data The checkout form, URL-encoded.
	 * @return void
	 */
	public static function capture_classic( $post_data ) {
		parse_str( (string) $post_data, $fields );
		if ( ! empty( $fields['billing_email'] ) ) {
			self::record( ! empty( $fields[ self::FIELD ] ), 'classic_checkout' );
		}
	}

	/**
	 * Read the checkbox from the classic checkout's final submit.
	 *
	 * @return void
	 */
	public static function capture_classic_submit() {
		self::record( ! empty( $_POST[ self::FIELD ] ), 'classic_checkout' ); // phpcs:ignore WordPress.Security.NonceVerification
	}

	/**
	 * Read the block checkout's answer when WooCommerce saves the field's value.
	 *
	 * @param string $key    The field id.
	 * @param mixed  $value  The value saved.
	 * @param string $group  The field group.
	 * @param object $object The customer or order it was saved on.
	 * @return void
	 */
	public static function capture_block( $key, $value, $group = '', $object = null ) {
		if ( self::BLOCK_FIELD === $key ) {
			self::record( (bool) $value, 'block_checkout' );
		}
	}

	/**
	 * Keep the answer in the shopper's session when it changed; the cart report carries it.
	 *
	 * @param bool   $granted Whether the box was ticked.
	 * @param string $source  Where it was given.
	 * @return void
	 */
	public static function record( $granted, $source ) {
		if ( ! WC()->session ) {
			return;
		}
		$before = self::current();
		if ( $before && $before['granted'] === $granted && $before['wording'] === self::wording() ) {
			return;
		}
		WC()->session->set(
			self::SESSION,
			array(
				'granted'      => (bool) $granted,
				'wording'      => self::wording(),
				'source'       => (string) $source,
				'given_at_gmt' => current_datetime()->setTimezone( new DateTimeZone( 'UTC' ) )->format( 'Y-m-d\TH:i:s' ),
			)
		);
		Ecomapp_Carts::mark_dirty();
	}

	/**
	 * Return the shopper's answer in this session, or null when they were not asked yet.
	 *
	 * @return array|null
	 */
	public static function current() {
		$given = WC()->session ? WC()->session->get( self::SESSION ) : null;
		return is_array( $given ) ? $given : null;
	}
}
