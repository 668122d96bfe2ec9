<?php
/**
 * Privacy: WordPress' personal-data eraser (Tools → Erase Personal Data) reaches ecomapp too.
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Registers an eraser that asks ecomapp, with a signed request, to erase an e-mail's person.
 */
class Ecomapp_Privacy {

	const ERASER = 'ecomapp-connector';
	const EVENT  = 'personal_data.erase';

	/**
	 * Hook the eraser into WordPress' list of personal-data erasers.
	 *
	 * @return void
	 */
	public static function register() {
		add_filter( 'wp_privacy_personal_data_erasers', array( __CLASS__, 'add_eraser' ) );
	}

	/**
	 * Add ecomapp to the erasers WordPress runs for an erasure request.
	 *
	 * @param array $erasers The registered erasers.
	 * @return array
	 */
	public static function add_eraser( $erasers ) {
		$erasers[ self::ERASER ] = array(
			'eraser_friendly_name' => 'ecomapp',
			'callback'             => array( __CLASS__, 'erase' ),
		);
		return $erasers;
	}

	/**
	 * Ask ecomapp to erase everything it keeps about this e-mail's person (one page: done).
	 *
	 * @param string $email_address The e-mail of the erasure request.
	 * @param int    $page          The page WordPress asks for (ecomapp answers in one).
	 * @return array{items_removed: bool, items_retained: bool, messages: array, done: bool}
	 */
	public static function erase( $email_address, $page = 1 ) {
		$result = array(
			'items_removed'  => false,
			'items_retained' => false,
			'messages'       => array(),
			'done'           => true,
		);
		if ( ! Ecomapp_Client::is_connected() ) {
			return $result;
		}
		$status = Ecomapp_Client::send_signed(
			'erase',
			array(
				'event'   => self::EVENT,
				'email'   => (string) $email_address,
				'sent_at' => time(),
			)
		);
		if ( 202 === $status ) {
			$result['items_removed'] = true;
			$result['messages'][]    = 'ecomapp accepted the erasure and removes the data within minutes.';
		} else {
			$result['items_retained'] = true;
			$result['messages'][]     = 'ecomapp could not be reached (status ' . (int) $status . '); run the erasure again.';
		}
		return $result;
	}
}
