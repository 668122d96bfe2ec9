"""Write a labelled order history into the mirror in bulk (COPY on PostgreSQL).

The fraud bench's store: customers, orders and their billing/shipping addresses as the mirror
keeps them (`apply_order` would store the same columns), written a chunk at a time with
reserved ids instead of one upsert per order. Line items are left out: the scorer never reads
them. Returns each written order's id with its label.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection

from ecomapp.demo.bulk import insert_rows, reserve_ids
from ecomapp.extensions import db
from ecomapp.insights.fraud.synthetic import LabelledOrder
from ecomapp.mirror.records import CustomerRecord, OrderRecord
from ecomapp.models import Address, Customer, Order

CHUNK = 20_000


def write_history(store_id: int, history: list[LabelledOrder]) -> dict[int, bool]:
    """Insert the history's customers, orders and addresses; return {order id: is fraud}."""
    truth: dict[int, bool] = {}
    customers: dict[str, int] = {}
    with db.engine.begin() as conn:
        for chunk in _chunks(history):
            _write_customers(conn, store_id, chunk, customers)
            truth |= _write_orders(conn, store_id, chunk, customers)
    return truth


def _chunks(history: list[LabelledOrder]) -> Iterator[list[LabelledOrder]]:
    for at in range(0, len(history), CHUNK):
        yield history[at : at + CHUNK]


def _write_customers(
    conn: Connection, store_id: int, chunk: list[LabelledOrder], known: dict[str, int]
) -> None:
    new: dict[str, CustomerRecord] = {}
    for labelled in chunk:
        customer = labelled.record.customer
        if customer is not None and customer.platform_id not in known:
            new.setdefault(customer.platform_id, customer)
    ids = reserve_ids(conn, Customer.__table__, len(new))
    rows = []
    for (platform_id, customer), new_id in zip(new.items(), ids, strict=True):
        known[platform_id] = new_id
        rows.append(_customer_row(store_id, new_id, customer))
    insert_rows(conn, Customer.__table__, rows)


def _customer_row(store_id: int, new_id: int, customer: CustomerRecord) -> dict[str, Any]:
    return {
        "id": new_id,
        "store_id": store_id,
        "platform_id": customer.platform_id,
        "email": customer.email,
        "first_name": customer.first_name or "",
        "last_name": customer.last_name or "",
    }


def _write_orders(
    conn: Connection, store_id: int, chunk: list[LabelledOrder], customers: dict[str, int]
) -> dict[int, bool]:
    ids = reserve_ids(conn, Order.__table__, len(chunk))
    orders, addresses, truth = [], [], {}
    for labelled, new_id in zip(chunk, ids, strict=True):
        record = labelled.record
        customer_id = customers[record.customer.platform_id] if record.customer else None
        orders.append(_order_row(store_id, new_id, record, customer_id))
        addresses += [
            asdict(a) | {"store_id": store_id, "order_id": new_id} for a in record.addresses
        ]
        truth[new_id] = labelled.fraud
    insert_rows(conn, Order.__table__, orders)
    insert_rows(conn, Address.__table__, addresses)
    return truth


def _order_row(
    store_id: int, new_id: int, record: OrderRecord, customer_id: int | None
) -> dict[str, Any]:
    return {
        "id": new_id,
        "store_id": store_id,
        "platform_id": record.platform_id,
        "name": record.name,
        "customer_id": customer_id,
        "email": record.email,
        "currency": record.currency,
        "subtotal_price": record.subtotal_price,
        "total_price": record.total_price,
        "financial_status": record.financial_status,
        "status": record.status,
        "client_ip": record.client_ip,
        "payment_failures": record.payment_failures,
        "payment_card": record.payment_card,
        "placed_at": record.placed_at,
        "paid_at": record.paid_at,
        "platform_created_at": record.placed_at,
        "platform_updated_at": record.updated_at,
    }
