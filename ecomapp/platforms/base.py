"""The interface every platform adapter implements; the core sees nothing else."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from ecomapp.models import InboxDelivery, Store


def note_marker(key: str) -> str:
    """Return the short marker a keyed note carries, so a retry can find it on the order."""
    return f"[ecomapp:{hashlib.sha256(key.encode()).hexdigest()[:12]}]"


class UnsupportedOperation(Exception):
    """The platform cannot do this (e.g. order risk on WooCommerce)."""


@dataclass
class DiscountSpec:
    """A discount code to create on the platform."""

    code: str
    percent_off: Decimal | None = None
    amount_off: Decimal | None = None
    usage_limit: int | None = 1
    expires_in_days: int | None = 30
    customer_email: str | None = None


@dataclass
class RiskAssessment:
    """A fraud verdict with the reasons behind it."""

    level: str  # low | medium | high
    facts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Subscriber:
    """A confirmed newsletter subscriber to create or update on the platform."""

    email: str
    first_name: str
    last_name: str
    phone: str
    interests: list[str]
    confirmed_at: datetime
    platform_customer_id: str | None = None  # known from the mirror


@dataclass
class TagChange:
    """Tags to add to and remove from one resource, and its whole tag list after the change."""

    platform_id: str
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


class PlatformAdapter(ABC):
    """One platform: deliveries in, effects out."""

    name: ClassVar[str]

    @abstractmethod
    def ingest(self, delivery: InboxDelivery) -> bool:
        """Apply a recorded delivery to the mirror; return False when it was ignored."""

    @abstractmethod
    def add_tags(self, store: Store, resource: str, platform_id: str, tags: list[str]) -> None:
        """Add tags to a customer, order or product."""

    @abstractmethod
    def remove_tags(self, store: Store, resource: str, platform_id: str, tags: list[str]) -> None:
        """Remove tags from a customer, order or product."""

    # How many TagChanges `change_tags_bulk` is given at once; False where the mirror is the store.
    tag_batch_size: ClassVar[int] = 50
    pushes_tags: ClassVar[bool] = True

    def change_tags_bulk(self, store: Store, resource: str, changes: list[TagChange]) -> None:
        """Apply many tag changes; adapters override this with one batched platform call."""
        for change in changes:
            if change.remove:
                self.remove_tags(store, resource, change.platform_id, change.remove)
            if change.add:
                self.add_tags(store, resource, change.platform_id, change.add)

    @abstractmethod
    def add_order_note(
        self, store: Store, order_platform_id: str, note: str, key: str | None = None
    ) -> None:
        """Append a note to an order; with a key, once (the note carries `note_marker(key)`)."""

    def set_order_status(self, store: Store, order_platform_id: str, status: str) -> None:
        """Change an order's status (WooCommerce) where the platform has one."""
        raise UnsupportedOperation(f"{self.name} cannot set an order status")

    def hold_fulfillment(self, store: Store, order_platform_id: str, reason: str) -> None:
        """Hold an order's fulfillment."""
        raise UnsupportedOperation(f"{self.name} cannot hold fulfillment")

    def release_fulfillment(self, store: Store, order_platform_id: str) -> None:
        """Release a held fulfillment."""
        raise UnsupportedOperation(f"{self.name} cannot release fulfillment")

    def flag_order_risk(self, store: Store, order_platform_id: str, risk: RiskAssessment) -> None:
        """Record a risk assessment on an order."""
        raise UnsupportedOperation(f"{self.name} cannot record order risk")

    def cancel_order_as_fraud(self, store: Store, order_platform_id: str, note: str) -> None:
        """Cancel an order as fraud, restocking its items and refunding what was paid."""
        raise UnsupportedOperation(f"{self.name} cannot cancel orders")

    def set_product_published(
        self, store: Store, product_platform_id: str, published: bool
    ) -> None:
        """Publish or unpublish a product."""
        raise UnsupportedOperation(f"{self.name} cannot publish products")

    # How many products `set_products_visible` is given at once.
    visibility_batch_size: ClassVar[int] = 50

    def set_products_visible(
        self, store: Store, product_platform_ids: list[str], visible: bool
    ) -> dict[str, str]:
        """Show or hide products on the storefront; return why, by product id, where refused."""
        for platform_id in product_platform_ids:
            self.set_product_published(store, platform_id, visible)
        return {}

    def create_discount_code(self, store: Store, spec: DiscountSpec) -> str:
        """Create a discount code, or find the one already created with it; return its id."""
        raise UnsupportedOperation(f"{self.name} cannot create discount codes")

    def read_inventory(self, store: Store, variant_platform_ids: list[str]) -> dict[str, int]:
        """Return available stock per variant platform id."""
        raise UnsupportedOperation(f"{self.name} cannot read inventory")

    def set_marketing_consent(
        self, store: Store, customer_platform_id: str, subscribed: bool
    ) -> None:
        """Push a customer's e-mail marketing consent back to the platform."""
        raise UnsupportedOperation(f"{self.name} cannot update marketing consent")

    def subscribe(self, store: Store, subscriber: Subscriber) -> str:
        """Create or update the customer as subscribed to e-mail (confirmed opt-in); its id."""
        raise UnsupportedOperation(f"{self.name} cannot record newsletter subscribers")

    # True where `save_customer_group` keeps a native group (Shopify customer segments).
    has_customer_groups: ClassVar[bool] = False

    def save_customer_group(self, store: Store, ref: str | None, name: str, tag: str) -> str | None:
        """Create or update a native customer group holding the customers with a tag; its id.

        None where the platform has no customer groups (nothing is written).
        """
        return None

    # False where a collection's order cannot be kept (WooCommerce categories).
    orders_collections: ClassVar[bool] = True

    def create_collection(self, store: Store, title: str) -> str:
        """Create a manually sorted collection (or category) for a smart collection; its id."""
        raise UnsupportedOperation(f"{self.name} cannot keep collections")

    def add_to_collection(self, store: Store, ref: str, product_ids: list[str]) -> None:
        """Add products (platform ids, in this order) to the end of a collection."""
        raise UnsupportedOperation(f"{self.name} cannot keep collections")

    def remove_from_collection(self, store: Store, ref: str, product_ids: list[str]) -> None:
        """Remove products from a collection."""
        raise UnsupportedOperation(f"{self.name} cannot keep collections")

    def reorder_collection(self, store: Store, ref: str, moves: list[tuple[str, int]]) -> None:
        """Move products to zero-based positions, one move after another."""
        raise UnsupportedOperation(f"{self.name} cannot order collections")

    def category_products(self, store: Store, category: str) -> list[str] | None:
        """Return the products of an existing collection; None where the mirror holds them."""
        return None

    def read_ratings(self, store: Store) -> dict[str, tuple[Decimal, int]] | None:
        """Return (average, count) per product platform id; None where products carry them."""
        return None

    def start_sync(self, store: Store) -> None:
        """Start the initial import of products, customers and orders."""

    def reconcile(self, store: Store) -> None:
        """Catch up on changes that webhooks missed."""
