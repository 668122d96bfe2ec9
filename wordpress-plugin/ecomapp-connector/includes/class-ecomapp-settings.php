<?php
/**
 * Settings screen: paste the connection key from ecomapp, choose cart capture.
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Settings → ecomapp.
 */
class Ecomapp_Settings {

	const PAGE = 'ecomapp-settings';

	/**
	 * Hook the settings page and its save handler.
	 *
	 * @return void
	 */
	public static function register() {
		add_action( 'admin_menu', array( __CLASS__, 'add_page' ) );
		add_action( 'admin_post_ecomapp_save_settings', array( __CLASS__, 'save' ) );
	}

	/**
	 * Add the page under Settings.
	 *
	 * @return void
	 */
	public static function add_page() {
		add_options_page( 'ecomapp', 'ecomapp', 'manage_woocommerce', self::PAGE, array( __CLASS__, 'render' ) );
	}

	/**
	 * Show the form.
	 *
	 * @return void
	 */
	public static function render() {
		$c       = Ecomapp_Client::connection();
		$capture = get_option( 'ecomapp_capture_carts', 'yes' );
		?>
		<div class="wrap">
			<h1>ecomapp</h1>
			<?php if ( isset( $_GET['ecomapp_error'] ) ) : // phpcs:ignore WordPress.Security.NonceVerification ?>
				<div class="notice notice-error"><p>That connection key is not valid. Copy it again from ecomapp → WooCommerce.</p></div>
			<?php elseif ( Ecomapp_Client::is_connected() ) : ?>
				<div class="notice notice-success"><p>Connected to <?php echo esc_html( $c['url'] ); ?> (store <?php echo (int) $c['store']; ?>).</p></div>
			<?php endif; ?>
			<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
				<input type="hidden" name="action" value="ecomapp_save_settings">
				<?php wp_nonce_field( 'ecomapp_save_settings' ); ?>
				<table class="form-table" role="presentation">
					<tr>
						<th scope="row"><label for="ecomapp_key">Connection key</label></th>
						<td><textarea id="ecomapp_key" name="ecomapp_key" rows="3" cols="60" placeholder="<?php echo esc_attr( Ecomapp_Client::is_connected() ? 'Saved. Paste a new key to replace it.' : 'Paste the key from ecomapp → WooCommerce' ); ?>"></textarea></td>
					</tr>
					<tr>
						<th scope="row">Abandoned carts</th>
						<td><label><input type="checkbox" name="ecomapp_capture_carts" value="yes" <?php checked( 'yes', $capture ); ?>> Report carts and checkout e-mails to ecomapp</label></td>
					</tr>
				</table>
				<?php submit_button(); ?>
			</form>
		</div>
		<?php
	}

	/**
	 * Save the form: a new key replaces the connection, the checkbox sets cart capture.
	 *
	 * @return void
	 */
	public static function save() {
		if ( ! current_user_can( 'manage_woocommerce' ) ) {
			wp_die( 'You are not allowed to change these settings.', 403 );
		}
		check_admin_referer( 'ecomapp_save_settings' );
		$back = admin_url( 'options-general.php?page=' . self::PAGE );
		$key  = isset( $_POST['ecomapp_key'] ) ? sanitize_text_field( wp_unslash( $_POST['ecomapp_key'] ) ) : '';
		if ( '' !== $key ) {
			$connection = Ecomapp_Client::parse_key( $key );
			if ( null === $connection ) {
				wp_safe_redirect( add_query_arg( 'ecomapp_error', '1', $back ) );
				exit;
			}
			update_option( ECOMAPP_CONNECTOR_OPTION, $connection, false );
		}
		$capture = isset( $_POST['ecomapp_capture_carts'] ) ? 'yes' : 'no';
		update_option( 'ecomapp_capture_carts', $capture, false );
		wp_safe_redirect( $back );
		exit;
	}
}
