"""Seed a deterministic demo store: products, customers, a year of orders, open carts."""

from __future__ import annotations

import queue
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import Connection, delete, select, text

from ecomapp.demo import catalog as c
from ecomapp.demo.baskets import Baskets, make_baskets
from ecomapp.demo.bulk import insert_rows, reserve_ids
from ecomapp.demo.stock import stock_story
from ecomapp.demo.suspicious import seed_suspicious_orders
from ecomapp.extensions import db
from ecomapp.inventory.back_in_stock_seed import clear_waiting, seed_waiting
from ecomapp.models import (
    Address,
    Cart,
    Customer,
    Event,
    LineItem,
    Order,
    Platform,
    Product,
    ProductRecommendation,
    RecoRun,
    RiskVerdict,
    Store,
    Variant,
)

DEMO_DOMAIN = "demo.ecomapp.local"
CHUNK = 2000
Progress = Callable[[int], object]


@dataclass
class SeedSize:
    """How big the demo store is."""

    customers: int = 1000
    products: int = 60
    days: int = 365
    open_carts: int | None = None
    seed: int = 7
    as_of: date | None = None  # the store's "today"; None takes the clock's date
    currency: str = "USD"  # the store's and its orders' currency (e.g. THB for a baht store)
    language: str = "en"  # the panel's and mails' language (Settings → Language)

    def reference(self) -> datetime:
        """Return the instant the seeded history ends at (noon UTC of `as_of`, or now)."""
        if self.as_of is None:
            return datetime.now(UTC)
        return datetime.combine(self.as_of, time(12), tzinfo=UTC)


@dataclass
class SeedResult:
    """What the seed created."""

    store_id: int
    counts: dict[str, int] = field(default_factory=dict)


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def reset_demo_store(currency: str = "USD", language: str = "en") -> Store:
    """Delete the demo store's rows and return a fresh demo store."""
    store = db.session.scalar(select(Store).where(Store.domain == DEMO_DOMAIN))
    if store is not None:
        clear_waiting(store.id)
        children: tuple[Any, ...] = (
            RiskVerdict,
            ProductRecommendation,
            RecoRun,
            LineItem,
            Address,
            Event,
        )
        for model in (*children, Cart, Order, Variant, Product, Customer):  # children first
            db.session.execute(delete(model).where(model.store_id == store.id))
        db.session.delete(store)
        db.session.flush()
    store = Store(
        platform=Platform.DEMO.value,
        domain=DEMO_DOMAIN,
        name="Demo Outfitters",
        email="owner@demo.ecomapp.local",
        timezone="America/New_York",
        currency=currency,
        settings={
            "address": "1 Demo Way, Portland, OR 97201, US",
            "brand_color": "#2f6f4f",
            "language": language,
        },
    )
    db.session.add(store)
    db.session.flush()
    return store


def seed_demo(size: SeedSize, progress: Progress | None = None) -> SeedResult:
    """Create the demo store from scratch; the same seed and `as_of` give the same store."""
    rng = random.Random(size.seed)
    tick = progress or (lambda n: None)
    store = reset_demo_store(size.currency, size.language)
    anchor = size.reference().replace(hour=0, minute=0, second=0, microsecond=0)
    variants = _seed_products(store, rng, size.products, anchor)
    stock_story(store, variants, anchor)
    counts = {"products": size.products, "variants": len(variants), "customers": size.customers}
    buyers: list[dict[str, Any]] = []
    baskets = make_baskets(size.seed, variants)
    numbers = [0, 0]  # orders, line items so far
    with ChunkWriter(db.session.connection()) as write:
        for start in range(0, size.customers, CHUNK):
            indexes = range(start, min(start + CHUNK, size.customers))
            chunk = _make_chunk(store, rng, size, anchor, indexes, baskets, numbers)
            write(chunk)
            buyers += chunk.customers
            tick(2 * len(chunk.customers))
    counts |= {"orders": numbers[0], "line_items": numbers[1]}
    counts["carts"] = _seed_carts(store, rng, size, buyers, variants)
    counts["waiting"] = seed_waiting(store, variants, buyers, datetime.now(UTC))
    counts["suspicious_orders"] = seed_suspicious_orders(store, size.reference())
    db.session.commit()
    _analyze_loaded_tables()
    return SeedResult(store.id, counts)


def _analyze_loaded_tables() -> None:
    """Give the planner statistics of the bulk-loaded tables (PostgreSQL).

    Until autovacuum comes by (and some servers run without it) the planner would take a table
    of 100,000 rows for an empty one and pick nested loops and on-disk sorts.
    """
    if db.session.connection().dialect.name != "postgresql":
        return
    tables = ("customers", "orders", "line_items", "addresses", "carts", "products", "variants")
    db.session.execute(text(f"ANALYZE {', '.join(tables)}"))
    db.session.commit()


def _review_facts(i: int, anchor: datetime) -> dict[str, Any]:
    """Return a demo product's creation date and reviews (no draw from rng: counts stay put)."""
    count = (i * 7) % 25
    recent = i % 5 == 4  # every fifth product is a new arrival
    return {
        "platform_created_at": anchor - timedelta(days=i % 28 + 1)
        if recent
        else datetime(2025, 1, 1, tzinfo=UTC),
        "rating": Decimal(30 + (i * 13) % 21) / 10 if count else None,
        "rating_count": count or None,
    }


def _seed_products(
    store: Store, rng: random.Random, count: int, anchor: datetime
) -> list[dict[str, Any]]:
    types = list(c.PRODUCT_TYPES)
    variants: list[dict[str, Any]] = []
    for i in range(count):
        ptype = types[i % len(types)]
        base = c.PRODUCT_TYPES[ptype][i // len(types) % len(c.PRODUCT_TYPES[ptype])]
        vendor = c.VENDORS[rng.randrange(len(c.VENDORS))]
        low, high = c.PRICES[ptype]
        price = Decimal(rng.randint(low, high)) - Decimal("0.01")
        product = Product(
            store_id=store.id,
            platform_id=f"demo-p{i + 1}",
            title=f"{vendor} {base} {i + 1}",
            handle=f"{base.lower().replace(' ', '-')}-{i + 1}",
            vendor=vendor,
            product_type=ptype,
            tags=[ptype.lower(), "bestseller"] if i % 7 == 0 else [ptype.lower()],
            status="active",
            **_review_facts(i, anchor),
        )
        sizes = c.SIZES if ptype in ("Jackets", "Footwear") else ("One size",)
        for j, label in enumerate(sizes):
            product.variants.append(
                Variant(
                    store_id=store.id,
                    platform_id=f"demo-v{i + 1}-{j + 1}",
                    title=label,
                    sku=f"DEMO-{i + 1:03d}-{j + 1}",
                    price=price,
                    inventory_item_id=f"demo-inv{i + 1}-{j + 1}",
                    inventory_quantity=rng.choice((0, 3, 8, 15, 40, 120)),
                    low_stock_threshold=5,
                )
            )
        db.session.add(product)
        db.session.flush()
        variants += [{"product": product, "variant": v} for v in product.variants]
    return variants


def _customer_row(store: Store, rng: random.Random, i: int, anchor: datetime) -> dict[str, Any]:
    first, last = rng.choice(c.FIRST_NAMES), rng.choice(c.LAST_NAMES)
    city, province, country, zipcode = rng.choice(c.CITIES)
    b2b = rng.random() < 0.1
    created = anchor - timedelta(days=rng.randint(0, 540), minutes=rng.randint(0, 1439))
    return {
        "store_id": store.id,
        "platform_id": f"demo-c{i + 1}",
        "email": f"{first.lower()}.{last.lower()}.{i + 1}@example.com".replace("ü", "ue"),
        "first_name": first,
        "last_name": last,
        "tags": ["wholesale"] if b2b else [],
        "accepts_marketing": rng.random() < 0.6,
        "kind": "b2b" if b2b else "b2c",
        "has_account": True,
        "company": rng.choice(c.COMPANIES) if b2b else None,
        "city": city,
        "province": province,
        "country_code": country,
        "zip": zipcode,
        "platform_created_at": created,
        "platform_updated_at": created,
        "orders_count": 0,
        "total_spent": Decimal("0"),
        "first_order_at": None,
        "last_order_at": None,
    }


@dataclass
class Chunk:
    """Generated customers and their orders (order, lines, addresses, customer), without ids."""

    customers: list[dict[str, Any]]
    orders: list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]]


def _make_chunk(
    store: Store,
    rng: random.Random,
    size: SeedSize,
    anchor: datetime,
    indexes: range,
    baskets: Baskets,
    numbers: list[int],
) -> Chunk:
    """Generate a chunk of customers with their orders (ids are given when it is written)."""
    customers = [_customer_row(store, rng, i, anchor) for i in indexes]
    orders = _orders_for(store, rng, size, anchor, customers, baskets, numbers)
    return Chunk(customers, orders)


def write_chunk(conn: Connection, chunk: Chunk) -> None:
    """Give the chunk's rows their ids and insert them."""
    for row, new_id in zip(
        chunk.customers, reserve_ids(conn, Customer.__table__, len(chunk.customers)), strict=True
    ):
        row["id"] = new_id
    order_ids = reserve_ids(conn, Order.__table__, len(chunk.orders))
    line_rows, address_rows = [], []
    for (order, lines, addresses, customer), order_id in zip(chunk.orders, order_ids, strict=True):
        order["id"], order["customer_id"] = order_id, customer["id"]
        line_rows += [line | {"order_id": order_id} for line in lines]
        address_rows += [address | {"order_id": order_id} for address in addresses]
    insert_rows(conn, Customer.__table__, chunk.customers)
    insert_rows(conn, Order.__table__, [o[0] for o in chunk.orders])
    insert_rows(conn, LineItem.__table__, line_rows)
    insert_rows(conn, Address.__table__, address_rows)


class ChunkWriter:
    """Write chunks on PostgreSQL in a thread while the next one is generated (else inline).

    Generating is Python and writing mostly waits on the database, so the two overlap; all
    random draws stay in the calling thread, in order, so the store is still deterministic.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.threaded = conn.dialect.name == "postgresql"
        self.queue: queue.Queue[Chunk | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Callable[[Chunk], None]:
        if self.threaded:
            self.thread.start()
        return self.put

    def put(self, chunk: Chunk) -> None:
        """Write a chunk (queued behind the one being written, on PostgreSQL)."""
        if self.error is not None:
            raise self.error
        if self.threaded:
            self.queue.put(chunk)
        else:
            write_chunk(self.conn, chunk)

    def _run(self) -> None:
        while (chunk := self.queue.get()) is not None:
            try:
                if self.error is None:
                    write_chunk(self.conn, chunk)
            except BaseException as exc:  # handed to the seeding thread
                self.error = exc

    def __exit__(self, *exc: object) -> None:
        if self.threaded:
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error


def _order_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.35:
        return 0
    return 1 + min(int(rng.expovariate(0.6)), 11)


def _order_row(
    store: Store,
    rng: random.Random,
    number: int,
    customer: dict[str, Any],
    placed: datetime,
    anchor: datetime,
) -> dict[str, Any]:
    roll = rng.random()
    cancelled = roll < 0.02
    refunded = 0.02 <= roll < 0.05
    financial = "voided" if cancelled else "refunded" if refunded else "paid"
    fulfilled = not cancelled and placed < anchor - timedelta(days=3)
    return {
        "store_id": store.id,
        "platform_id": f"demo-o{number}",
        "name": f"#{1000 + number}",
        "customer_id": None,  # set when the chunk is written
        "email": customer["email"],
        "currency": store.currency,
        "financial_status": financial,
        "fulfillment_status": "fulfilled" if fulfilled else None,
        "status": "cancelled" if cancelled else "open",
        "gateway": _pick(rng, c.GATEWAYS),
        "shipping_method": _pick(rng, c.SHIPPING),
        "client_ip": f"203.0.113.{rng.randint(1, 254)}",
        "tags": [],
        "placed_at": placed,
        "paid_at": None if cancelled else placed,
        "cancelled_at": placed + timedelta(hours=2) if cancelled else None,
        "platform_created_at": placed,
        "platform_updated_at": placed,
    }


def _lines_for(
    rng: random.Random,
    variants: list[dict[str, Any]],
    choose: Callable[[int], list[dict[str, Any]]] | None = None,
) -> tuple[list[dict[str, Any]], Decimal]:
    """Return an order's lines; `choose(k)` picks its products (the draws of rng stay the same)."""
    lines, subtotal = [], Decimal("0")
    picks = rng.sample(variants, k=rng.choice((1, 1, 1, 2, 2, 3)))
    if choose is not None:
        picks = choose(len(picks))
    for pick in picks:
        product, variant = pick["product"], pick["variant"]
        qty = rng.choice((1, 1, 1, 2))
        subtotal += variant.price * qty
        lines.append(
            {
                "product_platform_id": product.platform_id,
                "variant_platform_id": variant.platform_id,
                "title": product.title,
                "vendor": product.vendor,
                "product_type": product.product_type,
                "sku": variant.sku,
                "quantity": qty,
                "price": variant.price,
            }
        )
    return lines, subtotal


def _orders_for(
    store: Store,
    rng: random.Random,
    size: SeedSize,
    anchor: datetime,
    customers: list[dict[str, Any]],
    baskets: Baskets,
    numbers: list[int],
) -> list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]]:
    """Return (order, lines, addresses, customer) of the customers' orders, counting them."""
    batch = []
    for customer in customers:
        for _ in range(_order_count(rng)):
            numbers[0] += 1
            placed = anchor - timedelta(days=rng.uniform(0, size.days))
            placed = max(placed, customer["platform_created_at"])
            order = _order_row(store, rng, numbers[0], customer, placed, anchor)
            choose = partial(baskets.pick, customer["platform_id"])
            lines, subtotal = _lines_for(rng, baskets.flat, choose)
            shipping = Decimal("9.90") if order["shipping_method"] != "Store pickup" else Decimal(0)
            total = subtotal + shipping
            refunded = total if order["financial_status"] == "refunded" else Decimal(0)
            order |= {
                "subtotal_price": subtotal,
                "total_price": total,
                "total_tax": (subtotal * Decimal("0.08")).quantize(Decimal("0.01")),
                "total_refunded": refunded,
            }
            _count_order(customer, order)
            addresses = _addresses(store, rng, customer)
            lines = [line | {"store_id": store.id} for line in lines]
            batch.append((order, lines, addresses, customer))
            numbers[1] += len(lines)
    return batch


def _count_order(customer: dict[str, Any], order: dict[str, Any]) -> None:
    """Add a non-cancelled order to its customer's count, spend and first/last dates."""
    if order["cancelled_at"] is not None:
        return
    placed = order["placed_at"]
    customer["orders_count"] += 1
    customer["total_spent"] += order["total_price"] - order["total_refunded"]
    first, last = customer["first_order_at"], customer["last_order_at"]
    customer["first_order_at"] = min(first, placed) if first else placed
    customer["last_order_at"] = max(last, placed) if last else placed


def _addresses(store: Store, rng: random.Random, customer: dict[str, Any]) -> list[dict[str, Any]]:
    name = f"{customer['first_name']} {customer['last_name']}"
    home = {
        "store_id": store.id,
        "name": name,
        "address1": f"{rng.randint(1, 999)} Main St",
        "city": customer["city"],
        "province": customer["province"],
        "zip": customer["zip"],
        "country_code": customer["country_code"],
    }
    shipping = dict(home, kind="shipping")
    if rng.random() < 0.05:  # ships elsewhere than it bills: fraud rules look at this
        city, province, country, zipcode = rng.choice(c.CITIES)
        shipping |= {"city": city, "province": province, "country_code": country, "zip": zipcode}
    return [dict(home, kind="billing"), shipping]


def _seed_carts(
    store: Store,
    rng: random.Random,
    size: SeedSize,
    customers: list[dict[str, Any]],
    variants: list[dict[str, Any]],
) -> int:
    count = size.open_carts if size.open_carts is not None else max(5, size.customers // 50)
    now = size.reference()
    rows = []
    for i in range(count):
        customer = rng.choice(customers)
        lines, total = _lines_for(rng, variants)
        items = [
            {
                "title": li["title"],
                "sku": li["sku"],
                "quantity": li["quantity"],
                "price": str(li["price"]),
                "variant_platform_id": li["variant_platform_id"],
            }
            for li in lines
        ]
        active = now - timedelta(minutes=rng.randint(5, 60 * 72))
        rows.append(
            {
                "store_id": store.id,
                "platform_id": f"demo-cart{i + 1}",
                "customer_id": customer["id"],
                "email": customer["email"],
                "items": items,
                "total_price": total,
                "currency": store.currency,
                "recovery_url": f"https://{DEMO_DOMAIN}/cart/recover/demo-cart{i + 1}",
                "last_activity_at": active,
                "platform_created_at": active,
                "platform_updated_at": active,
            }
        )
    conn = db.session.connection()
    for row, cart_id in zip(rows, reserve_ids(conn, Cart.__table__, len(rows)), strict=True):
        row["id"] = cart_id
    insert_rows(conn, Cart.__table__, rows)
    return count
