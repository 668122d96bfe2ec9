<?php
/**
 * The outbox on the store: events leave through Action Scheduler, never in the shopper's request.
 *
 * @package EcomappConnector
 */

defined( 'ABSPATH' ) || exit;

/**
 * Queues signed events with Action Scheduler (shipped inside WooCommerce), retries them with
 * backoff while ecomapp is down or slow, and keeps the backlog bounded.
 */
class Ecomapp_Queue {

	const HOOK         = 'ecomapp_send_event';
	const GROUP        = 'ecomapp';
	const MAX_BACKLOG  = 500;
	const MAX_ATTEMPTS = 13;
	const FIRST_RETRY  = 60;
	const LAST_RETRY   = 21600;
	const DROPPED      = 'ecomapp_queue_dropped';

	/**
	 * Hook the queue's worker.
	 *
	 * @return void
	 */
	public static function register() {
		add_action( self::HOOK, array( __CLASS__, 'deliver' ), 10, 2 );
	}

	/**
	 * Queue one event for background delivery; send it without waiting when there is no queue.
	 *
	 * @param array $event The event (see ecomapp's docs/woocommerce.md).
	 * @return bool Whether the event was queued (false: the backlog is full, it was counted).
	 */
	public static function push( array $event ) {
		if ( ! function_exists( 'as_enqueue_async_action' ) ) {
			Ecomapp_Client::send_event( $event );
			return true;
		}
		if ( self::backlog() >= self::MAX_BACKLOG ) {
			update_option( self::DROPPED, (int) get_option( self::DROPPED, 0 ) + 1, false );
			return false;
		}
		as_enqueue_async_action( self::HOOK, array( $event, 1 ), self::GROUP );
		return true;
	}

	/**
	 * Return how many events wait for delivery (at most MAX_BACKLOG).
	 *
	 * @return int
	 */
	public static function backlog() {
		$ids = as_get_scheduled_actions(
			array(
				'hook'     => self::HOOK,
				'group'    => self::GROUP,
				'status'   => 'pending',
				'per_page' => self::MAX_BACKLOG,
			),
			'ids'
		);
		return count( $ids );
	}

	/**
	 * Action Scheduler's worker: post the event; on a transient failure queue a later attempt.
	 *
	 * A 4xx other than 429 is final (ecomapp refused the event: retrying cannot help).
	 *
	 * @param array $event   The event.
	 * @param int   $attempt Which attempt this is, from 1.
	 * @return void
	 */
	public static function deliver( $event, $attempt = 1 ) {
		if ( ! Ecomapp_Client::is_connected() ) {
			return; // Disconnected since it was queued: there is nobody to send it to.
		}
		$status = Ecomapp_Client::post_event( (array) $event );
		if ( ( $status >= 200 && $status < 300 ) || ( $status >= 400 && $status < 500 && 429 !== $status ) ) {
			return;
		}
		$attempt = (int) $attempt;
		if ( $attempt >= self::MAX_ATTEMPTS ) {
			update_option( self::DROPPED, (int) get_option( self::DROPPED, 0 ) + 1, false );
			return;
		}
		$delay = min( self::LAST_RETRY, self::FIRST_RETRY * ( 2 ** ( $attempt - 1 ) ) );
		as_schedule_single_action( current_datetime()->getTimestamp() + $delay, self::HOOK, array( $event, $attempt + 1 ), self::GROUP );
	}
}
