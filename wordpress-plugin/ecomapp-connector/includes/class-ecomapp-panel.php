<?php
/**
 * The ecomapp menu page: the panel in an iframe, signed in by a short-lived link.
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

/**
 * WP admin → ecomapp.
 */
class Ecomapp_Panel {

	/**
	 * Hook the menu page.
	 *
	 * @return void
	 */
	public static function register() {
		add_action( 'admin_menu', array( __CLASS__, 'add_page' ) );
		add_action( 'admin_post_ecomapp_open', array( __CLASS__, 'open_in_tab' ) );
	}

	/**
	 * Add the top-level menu page.
	 *
	 * @return void
	 */
	public static function add_page() {
		add_menu_page( 'ecomapp', 'ecomapp', 'manage_woocommerce', 'ecomapp', array( __CLASS__, 'render' ), 'dashicons-randomize', 56 );
	}

	/**
	 * Show the panel, or point to the settings when the plugin is not connected yet.
	 *
	 * @return void
	 */
	public static function render() {
		if ( ! current_user_can( 'manage_woocommerce' ) ) {
			wp_die( 'You are not allowed to open ecomapp.', 403 );
		}
		if ( ! Ecomapp_Client::is_connected() ) {
			$settings = admin_url( 'options-general.php?page=' . Ecomapp_Settings::PAGE );
			echo '<div class="wrap"><h1>ecomapp</h1><p>Paste your connection key in <a href="' . esc_url( $settings ) . '">Settings → ecomapp</a> first.</p></div>';
			return;
		}
		$src = Ecomapp_Client::panel_url( get_current_user_id() );
		$tab = wp_nonce_url( admin_url( 'admin-post.php?action=ecomapp_open' ), 'ecomapp_open' );
		?>
		<div class="wrap" style="margin:0">
			<p style="text-align:right;margin:4px 0">
				<a href="<?php echo esc_url( $tab ); ?>" target="_blank" rel="noopener">Open in a new tab</a>
				<?php // For browsers that block cookies in frames (Safari). ?>
			</p>
			<iframe id="ecomapp-panel" title="ecomapp" src="<?php echo esc_url( $src ); ?>"
				style="width:100%;height:calc(100vh - 120px);border:0;background:#fff"></iframe>
		</div>
		<?php
	}

	/**
	 * Send the user to the panel in a new tab with a fresh signed link.
	 *
	 * @return void
	 */
	public static function open_in_tab() {
		if ( ! current_user_can( 'manage_woocommerce' ) || ! Ecomapp_Client::is_connected() ) {
			wp_die( 'You are not allowed to open ecomapp.', 403 );
		}
		check_admin_referer( 'ecomapp_open' );
		wp_redirect( Ecomapp_Client::panel_url( get_current_user_id() ) ); // phpcs:ignore WordPress.Security.SafeRedirect -- ecomapp is another host by design.
		exit;
	}
}
