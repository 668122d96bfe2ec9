<?php
/**
 * Uninstall: remove everything the plugin stored. Orders keep their `_ecomapp_cart_key` meta
 * (it is part of their history). The REST API key belongs to the store's connection, not to
 * this plugin: disconnect in ecomapp, or revoke it in WooCommerce → Settings → Advanced.
 *
 * @package EcomappConnector
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

global $wpdb;

delete_option( 'ecomapp_connector' );
delete_option( 'ecomapp_capture_carts' );

delete_option( 'ecomapp_consent_text' );
delete_option( 'ecomapp_queue_dropped' );
delete_transient( 'ecomapp_signup_interests' );

// Events still waiting in Action Scheduler.
if ( function_exists( 'as_unschedule_all_actions' ) ) {
	as_unschedule_all_actions( 'ecomapp_send_event' );
}

// Saved carts of versions before 0.3.0 (recovery links now carry their lines, signed).
$wpdb->query(
	$wpdb->prepare(
		"DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s",
		$wpdb->esc_like( '_transient_ecomapp_cart_' ) . '%',
		$wpdb->esc_like( '_transient_timeout_ecomapp_cart_' ) . '%'
	)
);
