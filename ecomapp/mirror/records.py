"""Canonical records: what every adapter turns a platform payload into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass
class CustomerRecord:
    """A customer as the platform describes it; None means 'not in this payload'."""

    platform_id: str
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    tags: list[str] | None = None
    accepts_marketing: bool | None = None
    kind: str | None = None
    company: str | None = None
    city: str | None = None
    province: str | None = None
    country_code: str | None = None
    zip: str | None = None
    locale: str | None = None
    role: str | None = None
    has_account: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass
class LineRecord:
    """One order line."""

    platform_id: str | None
    title: str
    quantity: int
    price: Decimal
    product_platform_id: str | None = None
    variant_platform_id: str | None = None
    vendor: str | None = None
    product_type: str | None = None
    sku: str | None = None


@dataclass
class AddressRecord:
    """A billing or shipping address."""

    kind: str
    name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    zip: str | None = None
    country_code: str | None = None
    phone: str | None = None


@dataclass
class OrderRecord:
    """An order with its lines and addresses."""

    platform_id: str
    name: str = ""
    customer: CustomerRecord | None = None
    email: str | None = None
    currency: str = "USD"
    subtotal_price: Decimal = Decimal("0")
    total_price: Decimal = Decimal("0")
    total_discounts: Decimal = Decimal("0")
    total_tax: Decimal = Decimal("0")
    total_refunded: Decimal = Decimal("0")
    financial_status: str | None = None
    fulfillment_status: str | None = None
    status: str = "open"
    gateway: str | None = None
    shipping_method: str | None = None
    client_ip: str | None = None
    payment_failures: int | None = None
    payment_card: str | None = None
    tags: list[str] | None = None
    discount_codes: list[str] | None = None  # coupon codes entered; None: not in the payload
    note: str | None = None
    cart_token: str | None = None
    placed_at: datetime | None = None
    paid_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    fraud_evidence: str | None = None  # "refund" when a refund gives fraud as its reason
    updated_at: datetime | None = None
    lines: list[LineRecord] = field(default_factory=list)
    addresses: list[AddressRecord] = field(default_factory=list)


@dataclass
class VariantRecord:
    """A product variant with price and stock."""

    platform_id: str
    title: str = ""
    sku: str | None = None
    price: Decimal = Decimal("0")
    inventory_item_id: str | None = None
    inventory_quantity: int | None = None
    low_stock_threshold: int | None = None


@dataclass
class ProductRecord:
    """A product and its variants."""

    platform_id: str
    title: str = ""
    handle: str | None = None
    vendor: str | None = None
    product_type: str | None = None
    tags: list[str] | None = None
    status: str = "active"
    image_url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    variants: list[VariantRecord] = field(default_factory=list)
    rating: Decimal | None = None
    rating_count: int | None = None
    categories: list[str] | None = None


@dataclass
class InventoryRecord:
    """A stock level reported for one inventory item or variant, at one location or in total.

    Without `location_id`, `available` is the variant's whole stock; with one, it is that
    location's stock and the variant's stock becomes the sum over its locations.
    """

    available: int
    inventory_item_id: str | None = None
    variant_platform_id: str | None = None
    updated_at: datetime | None = None
    location_id: str | None = None


@dataclass
class CartRecord:
    """A cart or checkout in progress."""

    platform_id: str
    email: str | None = None
    customer: CustomerRecord | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    total_price: Decimal = Decimal("0")
    currency: str = "USD"
    recovery_url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
