"""Mirror a segment as the platform's own customer group, where the platform has one.

On Shopify that is a customer segment (`segmentCreate`, then `segmentUpdate`) whose ShopifyQL
query selects the customers carrying the segment's tag, so the tag push keeps it exact.
WooCommerce has no customer groups in core: the adapter writes nothing and the tag is the group.
"""

from __future__ import annotations

from ecomapp.extensions import db
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import Segment, Store
from ecomapp.segments.library import tag_of
from ecomapp.segments.tags import start_tag_push

JOB = "ecomapp.segments.groups:save_group"
SUFFIX = " (ecomapp)"  # Shopify segment names are unique per shop: keep ours apart


def keep_as_group(store: Store, segment: Segment) -> None:
    """Start the tag push and queue the platform group that follows the tag."""
    segment.mirror_group = True
    start_tag_push(store, segment)
    enqueue_after_commit(JOB, segment.id, store_id=store.id)
    db.session.commit()


def save_group(segment_id: int) -> None:
    """Job: create or update the segment's platform group; remember its id."""
    from ecomapp.platforms.registry import get_adapter

    segment = db.session.get(Segment, segment_id)
    if segment is None or not segment.mirror_group:
        return
    store = db.session.get(Store, segment.store_id)
    if store is None or not store.is_active:
        return
    name = f"{segment.name[: 255 - len(SUFFIX)]}{SUFFIX}"
    ref = get_adapter(store.platform).save_customer_group(
        store, segment.platform_group_id, name, tag_of(segment)
    )
    segment.platform_group_id = ref
    db.session.commit()
