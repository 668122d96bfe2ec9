"""Keep personal data only as long as it serves: prune raw bodies, exports, old carts and mail.

Processed deliveries are pruned by ecomapp.jobs.retention; this job prunes the rest that
holds personal data: deliveries that failed or were never processed (their raw bodies carry
every fact as sent), data exports (a full copy of a customer), the e-mail and recovery link
of carts that never converted, and the rendered content of old e-mails.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update

from ecomapp.extensions import affected, db
from ecomapp.models import Cart, DataExport, InboxDelivery, InboxStatus, Message
from ecomapp.models.types import utcnow

KEEP_UNPROCESSED = timedelta(days=30)  # Shopify retries for 4 hours, WooCommerce never
KEEP_EXPORTS = timedelta(days=30)
KEEP_CART_CONTACT = timedelta(days=90)
KEEP_MAIL_CONTENT = timedelta(days=365)
UNPROCESSED = (InboxStatus.FAILED.value, InboxStatus.RECEIVED.value, InboxStatus.PROCESSING.value)


def prune_personal_data(now: datetime | None = None) -> dict[str, int]:
    """Delete or blank personal data past its keeping time; return rows touched per table."""
    now = now or utcnow()
    statements = {
        "inbox_deliveries": delete(InboxDelivery).where(
            InboxDelivery.status.in_(UNPROCESSED),
            InboxDelivery.received_at < now - KEEP_UNPROCESSED,
        ),
        "data_exports": delete(DataExport).where(DataExport.created_at < now - KEEP_EXPORTS),
        "carts": update(Cart)
        .where(
            Cart.converted_order_id.is_(None),
            Cart.last_activity_at < now - KEEP_CART_CONTACT,
            Cart.email.is_not(None) | Cart.recovery_url.is_not(None),
        )
        .values(email=None, recovery_url=None),
        "messages": update(Message)
        .where(Message.created_at < now - KEEP_MAIL_CONTENT, Message.html != "")
        .values(html="", text="", context={}),
    }
    counts = {
        name: int(affected(db.session.execute(stmt.execution_options(synchronize_session=False))))
        for name, stmt in statements.items()
    }
    db.session.commit()
    return counts
