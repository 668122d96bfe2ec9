"""The store mirror: customers, products and variants, orders, addresses, carts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecomapp.extensions import Model
from ecomapp.models.types import Money, TagList, UTCDateTime, utcnow


class CustomerKind(StrEnum):
    """Business or consumer customer."""

    B2C = "b2c"
    B2B = "b2b"


class MirrorMixin:
    """Columns every mirrored row has: its store, platform id and timestamps."""

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    platform_id: Mapped[str] = mapped_column(String(64))
    platform_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    platform_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Customer(MirrorMixin, Model):
    """A store's customer with spend aggregates kept current by ingestion."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("store_id", "platform_id"),
        Index("ix_customers_store_email", "store_id", "email"),
        Index("ix_customers_store_total_spent", "store_id", "total_spent", "id"),
        Index("ix_customers_store_orders_count", "store_id", "orders_count"),
        Index("ix_customers_store_last_order", "store_id", "last_order_at"),
        Index("ix_customers_store_first_name", "store_id", "first_name"),
        Index("ix_customers_store_last_name", "store_id", "last_name"),
    )

    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    tags: Mapped[list[str]] = mapped_column(TagList, default=list)
    accepts_marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(8), default=CustomerKind.B2C.value)
    company: Mapped[str | None] = mapped_column(String(255))
    # The platform's role for the customer's account (WooCommerce: customer, wholesale…).
    role: Mapped[str | None] = mapped_column(String(64))
    # False for guests (Shopify state other than enabled, WooCommerce customer_id 0).
    has_account: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the contact facts (e-mail, names, phone, company, place) were true: the customer
    # record's updated_at or the time of the order they were taken from.
    facts_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    orders_count: Mapped[int] = mapped_column(Integer, default=0)
    total_spent: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    first_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    city: Mapped[str | None] = mapped_column(String(255))
    province: Mapped[str | None] = mapped_column(String(255))
    country_code: Mapped[str | None] = mapped_column(String(2))
    zip: Mapped[str | None] = mapped_column(String(32))
    # The customer's own language as the platform gives it (`en`, `fr-FR`; Shopify only).
    locale: Mapped[str | None] = mapped_column(String(35))
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def name(self) -> str:
        """Return the full name, or the e-mail when there is none."""
        full = f"{self.first_name} {self.last_name}".strip()
        return full or (self.email or "")


class Product(MirrorMixin, Model):
    """A product; its variants carry price and stock."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("store_id", "platform_id"),
        Index("ix_products_store_vendor", "store_id", "vendor"),
        Index("ix_products_store_type", "store_id", "product_type"),
    )

    title: Mapped[str] = mapped_column(String(512), default="")
    handle: Mapped[str | None] = mapped_column(String(255))
    vendor: Mapped[str | None] = mapped_column(String(255))
    product_type: Mapped[str | None] = mapped_column(String(255))
    tags: Mapped[list[str]] = mapped_column(TagList, default=list)
    status: Mapped[str] = mapped_column(String(32), default="active")
    image_url: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Review average and count (WooCommerce product fields; Shopify `reviews.*` metafields).
    rating: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    rating_count: Mapped[int | None] = mapped_column(Integer)
    # Platform category / collection ids as ',12,15,' (WooCommerce categories).
    categories: Mapped[list[str]] = mapped_column(TagList, default=list, server_default="")

    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Variant.id"
    )


class Variant(MirrorMixin, Model):
    """A purchasable variant of a product, with price and stock."""

    __tablename__ = "variants"
    __table_args__ = (
        UniqueConstraint("store_id", "platform_id"),
        Index("ix_variants_store_inventory_item", "store_id", "inventory_item_id"),
        Index("ix_variants_store_stock", "store_id", "inventory_quantity"),
    )

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(255), default="")
    sku: Mapped[str | None] = mapped_column(String(255))
    price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    inventory_item_id: Mapped[str | None] = mapped_column(String(64))
    inventory_quantity: Mapped[int | None] = mapped_column(Integer)
    low_stock_threshold: Mapped[int | None] = mapped_column(Integer)

    product: Mapped[Product] = relationship(back_populates="variants")


class Order(MirrorMixin, Model):
    """An order with its totals, statuses, payment and shipping facts."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("store_id", "platform_id"),
        Index("ix_orders_store_placed", "store_id", "placed_at", "id"),
        # Kept (not cancelled) orders by date with their total: the dashboard's 30-day revenue
        # and month totals read it alone (index-only), not 15,000 heap rows at 100k customers.
        Index(
            "ix_orders_store_placed_kept",
            "store_id",
            "placed_at",
            "total_price",
            postgresql_where=text("cancelled_at IS NULL"),
            sqlite_where=text("cancelled_at IS NULL"),
        ),
        Index("ix_orders_store_customer_placed", "store_id", "customer_id", "placed_at"),
        Index("ix_orders_store_financial", "store_id", "financial_status"),
        Index("ix_orders_store_email", "store_id", "email"),
        Index("ix_orders_store_ip", "store_id", "client_ip"),  # fraud velocity by IP
        Index("ix_orders_store_card", "store_id", "payment_card"),  # …and by card
        # The store's latest orders with their total: the fraud scorer ranks an order's value
        # among the latest 5,000 from the index alone (not 5,000 heap rows per order).
        Index("ix_orders_store_id_total", "store_id", "id", "total_price"),
    )

    name: Mapped[str] = mapped_column(String(64), default="")
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str | None] = mapped_column(String(255))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    subtotal_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    total_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    total_discounts: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    total_tax: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    total_refunded: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    financial_status: Mapped[str | None] = mapped_column(String(32))
    fulfillment_status: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default="open")
    gateway: Mapped[str | None] = mapped_column(String(128))
    shipping_method: Mapped[str | None] = mapped_column(String(255))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    payment_failures: Mapped[int | None] = mapped_column(Integer)
    payment_card: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(TagList, default=list)
    # The coupon codes the customer entered (Shopify discount_codes, WooCommerce coupon_lines).
    discount_codes: Mapped[list[str]] = mapped_column(TagList, default=list, server_default="")
    note: Mapped[str | None] = mapped_column(Text)
    cart_token: Mapped[str | None] = mapped_column(String(255), index=True)
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    # The platform's own fraud verdict (Shopify risk assessments): an input, never ours.
    platform_risk: Mapped[str | None] = mapped_column(String(16))
    # Evidence of fraud after the fact: "refund" (refunded as fraud) or "chargeback".
    fraud_evidence: Mapped[str | None] = mapped_column(String(32))

    customer: Mapped[Customer | None] = relationship()
    line_items: Mapped[list[LineItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="LineItem.id"
    )
    addresses: Mapped[list[Address]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Address.kind"
    )

    def address(self, kind: str) -> Address | None:
        """Return the billing or shipping address, if any."""
        return next((a for a in self.addresses if a.kind == kind), None)


class LineItem(Model):
    """One line of an order, with the product facts conditions look at."""

    __tablename__ = "line_items"
    __table_args__ = (
        Index("ix_line_items_store_product", "store_id", "product_platform_id"),
        Index("ix_line_items_store_vendor", "store_id", "vendor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[str | None] = mapped_column(String(64))
    product_platform_id: Mapped[str | None] = mapped_column(String(64))
    variant_platform_id: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(512), default="")
    vendor: Mapped[str | None] = mapped_column(String(255))
    product_type: Mapped[str | None] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    order: Mapped[Order] = relationship(back_populates="line_items")


class Address(Model):
    """A billing or shipping address of an order."""

    __tablename__ = "addresses"
    __table_args__ = (
        UniqueConstraint("order_id", "kind"),
        Index("ix_addresses_store_phone", "store_id", "phone"),  # fraud velocity by phone
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(255))
    company: Mapped[str | None] = mapped_column(String(255))
    address1: Mapped[str | None] = mapped_column(String(255))
    address2: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(255))
    province: Mapped[str | None] = mapped_column(String(255))
    zip: Mapped[str | None] = mapped_column(String(32))
    country_code: Mapped[str | None] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(64))

    order: Mapped[Order] = relationship(back_populates="addresses")


class Cart(MirrorMixin, Model):
    """A cart or checkout seen on the store, until it converts or is abandoned."""

    __tablename__ = "carts"
    __table_args__ = (
        UniqueConstraint("store_id", "platform_id"),
        Index("ix_carts_store_activity", "store_id", "converted_order_id", "last_activity_at"),
    )

    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str | None] = mapped_column(String(255))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    total_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    recovery_url: Mapped[str | None] = mapped_column(Text)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    converted_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
