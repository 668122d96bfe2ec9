<?php
/**
 * Plugin Name:       ecomapp Connector
 * Description:       Shows the ecomapp panel in WordPress admin and reports carts and checkout e-mails to ecomapp, so abandoned-cart automations work on WooCommerce.
 * Version:           0.2.0
 * Requires at least: 6.4
 * Requires PHP:      7.4
 * Author:            ecomapp
 * License:           MIT
 * Text Domain:       ecomapp-connector
 * WC requires at least: 8.0
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

define( 'ECOMAPP_CONNECTOR_VERSION', '0.2.0' );
define( 'ECOMAPP_CONNECTOR_OPTION', 'ecomapp_connector' );

require_once __DIR__ . '/includes/class-ecomapp-client.php';
require_once __DIR__ . '/includes/class-ecomapp-settings.php';
require_once __DIR__ . '/includes/class-ecomapp-panel.php';
require_once __DIR__ . '/includes/class-ecomapp-carts.php';
require_once __DIR__ . '/includes/class-ecomapp-queue.php';
require_once __DIR__ . '/includes/class-ecomapp-consent.php';
require_once __DIR__ . '/includes/class-ecomapp-searches.php';
require_once __DIR__ . '/includes/class-ecomapp-revoke.php';
require_once __DIR__ . '/includes/class-ecomapp-privacy.php';
require_once __DIR__ . '/includes/class-ecomapp-notify-me.php';
require_once __DIR__ . '/includes/class-ecomapp-signup.php';

add_action(
	'before_woocommerce_init',
	function () {
		// The plugin only reads orders through WooCommerce APIs, so it works with HPOS.
		if ( class_exists( \Automattic\WooCommerce\Utilities\FeaturesUtil::class ) ) {
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'custom_order_tables', __FILE__, true );
		}
	}
);

add_action(
	'plugins_loaded',
	function () {
		Ecomapp_Settings::register();
		Ecomapp_Panel::register();
		Ecomapp_Revoke::register();
		Ecomapp_Privacy::register();
		Ecomapp_Queue::register();
		if ( class_exists( 'WooCommerce' ) && Ecomapp_Client::is_connected() ) {
			Ecomapp_Carts::register();
			Ecomapp_Notify_Me::register();
			Ecomapp_Signup::register();
			Ecomapp_Consent::register();
			Ecomapp_Searches::register();
		}
	}
);
