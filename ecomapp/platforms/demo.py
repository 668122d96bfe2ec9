"""The demo platform: effects land in the mirror directly, deliveries are canonical JSON."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ecomapp.extensions import db
from ecomapp.models import Customer, InboxDelivery, Order, Product, Store
from ecomapp.models.types import normalize_tags, utcnow
from ecomapp.platforms.base import (
    DiscountSpec,
    PlatformAdapter,
    RiskAssessment,
    Subscriber,
    TagChange,
)

_RESOURCES = {"customer": Customer, "order": Order, "product": Product}
_PRELOADED = "ecomapp_demo_preloaded"  # session.info: rows preloaded in this transaction


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_preloaded(session: Session, *args: Any) -> None:
    session.info.pop(_PRELOADED, None)


class DemoAdapter(PlatformAdapter):
    """A store that lives only in our database, for the demo and for tests."""

    name = "demo"

    def ingest(self, delivery: InboxDelivery) -> bool:
        """Apply a demo delivery: {"type": "order"|"customer"|..., "record": {...}}."""
        from ecomapp.platforms.demo_payloads import apply_payload

        store = db.session.get(Store, delivery.store_id)
        if store is None:
            return False
        return apply_payload(store, delivery.topic, json.loads(delivery.body))

    def preload(self, store: Store, resource: str, platform_ids: list[str]) -> None:
        """Load a batch's targets with one query; calls on them in this transaction use them."""
        model: Any = _RESOURCES[resource]
        held = db.session.info.setdefault(_PRELOADED, {})
        for start in range(0, len(platform_ids), 1000):
            chunk = platform_ids[start : start + 1000]
            stmt = select(model).where(model.store_id == store.id, model.platform_id.in_(chunk))
            held.update(((store.id, resource, r.platform_id), r) for r in db.session.scalars(stmt))

    def _row(self, store: Store, resource: str, platform_id: str) -> Customer | Order | Product:
        model: Any = _RESOURCES[resource]
        held = db.session.info.get(_PRELOADED, {}).get((store.id, resource, platform_id))
        if held is not None:
            return held
        row = db.session.scalar(
            select(model).where(model.store_id == store.id, model.platform_id == platform_id)
        )
        if row is None:
            raise LookupError(f"{resource} {platform_id} not found in store {store.id}")
        return row

    def add_tags(self, store: Store, resource: str, platform_id: str, tags: list[str]) -> None:
        """Add tags in the mirror."""
        row = self._row(store, resource, platform_id)
        row.tags = normalize_tags([*row.tags, *tags])

    def remove_tags(self, store: Store, resource: str, platform_id: str, tags: list[str]) -> None:
        """Remove tags in the mirror."""
        row = self._row(store, resource, platform_id)
        row.tags = [t for t in row.tags if t not in set(tags)]

    pushes_tags = False  # the demo store is its mirror, which group runs already wrote

    def change_tags_bulk(self, store: Store, resource: str, changes: list[TagChange]) -> None:
        """Do nothing: the demo store is its mirror, which set-based group runs already wrote."""

    def create_collection(self, store: Store, title: str) -> str:
        """Return a local id: the demo store's collections are the members the app keeps."""
        return f"demo-collection:{title}"

    def add_to_collection(self, store: Store, ref: str, product_ids: list[str]) -> None:
        """Do nothing: the members the app records are the demo store's collection."""

    def remove_from_collection(self, store: Store, ref: str, product_ids: list[str]) -> None:
        """Do nothing: the members the app records are the demo store's collection."""

    def reorder_collection(self, store: Store, ref: str, moves: list[tuple[str, int]]) -> None:
        """Do nothing: the members the app records are the demo store's collection."""

    def add_order_note(
        self, store: Store, order_platform_id: str, note: str, key: str | None = None
    ) -> None:
        """Append a note to the mirrored order (in the effect's own transaction: no marker)."""
        order = self._row(store, "order", order_platform_id)
        assert isinstance(order, Order)
        order.note = f"{order.note}\n{note}".strip() if order.note else note

    def set_order_status(self, store: Store, order_platform_id: str, status: str) -> None:
        """Set the mirrored order's status."""
        order = self._row(store, "order", order_platform_id)
        assert isinstance(order, Order)
        order.status = status

    def hold_fulfillment(self, store: Store, order_platform_id: str, reason: str) -> None:
        """Mark the mirrored order on hold."""
        self.set_order_status(store, order_platform_id, "on-hold")
        self.add_order_note(store, order_platform_id, f"Fulfillment held: {reason}")

    def release_fulfillment(self, store: Store, order_platform_id: str) -> None:
        """Take the mirrored order off hold."""
        self.set_order_status(store, order_platform_id, "open")

    def flag_order_risk(self, store: Store, order_platform_id: str, risk: RiskAssessment) -> None:
        """Record the risk as a tag and a note."""
        self.add_tags(store, "order", order_platform_id, [f"risk-{risk.level}"])
        self.add_order_note(store, order_platform_id, "Risk: " + "; ".join(risk.facts))

    def cancel_order_as_fraud(self, store: Store, order_platform_id: str, note: str) -> None:
        """Cancel the mirrored order as fraud."""
        order = self._row(store, "order", order_platform_id)
        assert isinstance(order, Order)
        order.status, order.cancel_reason, order.cancelled_at = "cancelled", "fraud", utcnow()
        self.add_order_note(store, order_platform_id, f"Cancelled as fraud: {note}")

    def set_product_published(
        self, store: Store, product_platform_id: str, published: bool
    ) -> None:
        """Set the mirrored product's status."""
        product = self._row(store, "product", product_platform_id)
        assert isinstance(product, Product)
        product.status = "active" if published else "draft"

    def create_discount_code(self, store: Store, spec: DiscountSpec) -> str:
        """Return the code itself: the demo store has no discount system."""
        return spec.code

    def read_inventory(self, store: Store, variant_platform_ids: list[str]) -> dict[str, int]:
        """Return stock from the mirror."""
        from ecomapp.models import Variant

        rows = db.session.execute(
            select(Variant.platform_id, Variant.inventory_quantity).where(
                Variant.store_id == store.id, Variant.platform_id.in_(variant_platform_ids)
            )
        )
        return {pid: int(qty or 0) for pid, qty in rows}

    def subscribe(self, store: Store, subscriber: Subscriber) -> str:
        """Mark the demo customer with this e-mail subscribed (a signup without one: no id)."""
        customer = db.session.scalar(
            select(Customer).where(
                Customer.store_id == store.id, Customer.email == subscriber.email
            )
        )
        if customer is None:
            return ""
        customer.accepts_marketing = True
        return customer.platform_id

    def set_marketing_consent(
        self, store: Store, customer_platform_id: str, subscribed: bool
    ) -> None:
        """Set consent in the mirror."""
        customer = self._row(store, "customer", customer_platform_id)
        assert isinstance(customer, Customer)
        customer.accepts_marketing = subscribed
