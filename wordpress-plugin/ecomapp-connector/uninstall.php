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

// Saved carts for recovery links: transients named ecomapp_cart_<key>.
$wpdb->query(
	$wpdb->prepare(
		"DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s",
		$wpdb->esc_like( '_transient_ecomapp_cart_' ) . '%',
		$wpdb->esc_like( '_transient_timeout_ecomapp_cart_' ) . '%'
	)
);
