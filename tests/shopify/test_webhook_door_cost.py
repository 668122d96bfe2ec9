"""The door's request path: one SQL statement and one Redis round trip per new delivery."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis.client import Pipeline, Redis
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.pool import NullPool
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.queue import get_queue
from ecomapp.models import InboxDelivery, Store
from tests.fakes.shopify_server import FIXTURES, FakeShopify
from tests.shopify.support import deliver, installed

SHOP = "super-toys.myshopify.com"
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a fixed instant of the controllable clock


@dataclass
class Trips:
    """SQL statements and Redis round trips seen while counting."""

    sql: list[str] = field(default_factory=list)
    redis: list[str] = field(default_factory=list)


@pytest.fixture
def trips(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Trips]:
    """Count every statement the engine or the driver sends and every Redis command or pipeline."""
    seen = Trips()
    one, many = Redis.execute_command, Pipeline.execute

    def command(self: Redis, *args: object, **options: object) -> object:
        if args[0] != "INFO":  # RQ's server version: cached on a real Redis connection
            seen.redis.append(str(args[0]))
        return one(self, *args, **options)

    def pipeline(self: Pipeline, *args: object, **options: object) -> object:
        seen.redis.append("pipeline")
        return many(self, *args, **options)

    def statement(*args: object) -> None:
        seen.sql.append(str(args[2]).split()[0])

    driver_execute = psycopg.Connection.execute

    def driver_statement(self: psycopg.Connection[Any], query: Any, *args: Any, **kw: Any) -> Any:
        seen.sql.append(str(query).split()[0])  # the door's prepared insert on PostgreSQL
        return driver_execute(self, query, *args, **kw)

    monkeypatch.setattr(psycopg.Connection, "execute", driver_statement)
    monkeypatch.setattr(Redis, "execute_command", command)
    monkeypatch.setattr(Pipeline, "execute", pipeline)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", statement)
    yield seen
    event.remove(engine, "before_cursor_execute", statement)


def _order(number: int) -> bytes:
    body = json.loads((FIXTURES / "orders_create.json").read_text())
    body |= {"id": number, "admin_graphql_api_id": f"gid://shopify/Order/{number}"}
    return json.dumps(body, separators=(",", ":")).encode()


def test_a_new_delivery_costs_one_insert_and_one_redis_command(
    app: Flask, client: FlaskClient, fake: FakeShopify, trips: Trips
) -> None:
    """Given an installed shop whose drain is queued and not started, when a new signed order
    arrives, then the door sends one SQL statement (the insert-or-ignore) and one Redis command
    (the drain's flag, already set: no job is queued)."""
    installed(fake, SHOP)
    assert deliver(client, "orders/create", _order(1), SHOP).status_code == 200
    queued = get_queue("ingest").count
    trips.sql.clear(), trips.redis.clear()
    assert deliver(client, "orders/create", _order(2), SHOP).status_code == 200
    assert trips.sql == ["INSERT"]
    assert trips.redis == ["SET"]
    assert get_queue("ingest").count == queued
    assert db.session.scalar(select(func.count()).select_from(InboxDelivery)) == 2


def test_a_delivery_after_the_drain_started_queues_the_next_drain(
    app: Flask, client: FlaskClient, fake: FakeShopify, trips: Trips
) -> None:
    """Given a drain that started (its flag cleared), when a new order arrives, then the door
    sets the flag and queues one drain in one Redis transaction, and the drain ingests both."""
    installed(fake, SHOP)
    assert deliver(client, "orders/create", _order(4), SHOP).status_code == 200
    with app.app_context():
        get_queue().connection.delete(f"{app.config['SETTINGS'].queue_prefix}:inbox-drain-queued")
    queued = get_queue("ingest").count
    trips.sql.clear(), trips.redis.clear()
    assert deliver(client, "orders/create", _order(5), SHOP).status_code == 200
    assert trips.sql == ["INSERT"]
    assert trips.redis == ["SET", "pipeline"]
    assert get_queue("ingest").count == queued + 1
    drain(app)
    statuses = db.session.scalars(select(InboxDelivery.status)).all()
    assert statuses == ["done", "done"]


def test_a_duplicate_costs_one_statement_and_no_job(
    app: Flask, client: FlaskClient, fake: FakeShopify, trips: Trips
) -> None:
    """Given a delivery already recorded, when Shopify sends it again, then it is acknowledged
    after one statement, with no Redis call and no second row or job."""
    installed(fake, SHOP)
    body = _order(3)
    assert deliver(client, "orders/create", body, SHOP, event_id="evt-3").status_code == 200
    queued = get_queue("ingest").count
    trips.sql.clear(), trips.redis.clear()
    assert deliver(client, "orders/create", body, SHOP, event_id="evt-3").status_code == 200
    assert trips.sql == ["INSERT"] and trips.redis == []
    assert get_queue("ingest").count == queued
    assert db.session.scalar(select(func.count()).select_from(InboxDelivery)) == 1


def test_the_pool_does_not_ping_on_checkout(app: Flask) -> None:
    """Connections are recycled instead of pinged before every use (a round trip each)."""
    with app.app_context():
        pool = db.engine.pool
    assert pool._pre_ping is False and pool._recycle > 0


def _on_postgresql_at_noon(fake: FakeShopify, time_machine: TimeMachineFixture, why: str) -> None:
    """Skip on SQLite (saying why); else install the shop and stop the clock at NOON."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip(why)
    installed(fake, SHOP)
    time_machine.move_to(NOON, tick=False)


def test_the_door_survives_connections_the_server_closed(
    app: Flask, client: FlaskClient, fake: FakeShopify, time_machine: TimeMachineFixture
) -> None:
    """Given PostgreSQL closed every pooled connection (a restart), when an order arrives, then
    the door drops them, records the delivery on a fresh connection and answers 200."""
    _on_postgresql_at_noon(fake, time_machine, "the prepared insert is the door's PostgreSQL path")
    assert deliver(client, "orders/create", _order(6), SHOP).status_code == 200
    db.session.remove()
    outside = create_engine(db.engine.url, poolclass=NullPool)  # not one of the pool's
    with outside.connect() as admin:
        killed = admin.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    outside.dispose()
    assert killed
    assert deliver(client, "orders/create", _order(7), SHOP).status_code == 200
    db.session.remove()
    rows = db.session.scalars(select(InboxDelivery).order_by(InboxDelivery.id)).all()
    assert len(rows) == 2
    row = rows[1]  # every column the prepared insert writes, read back through the model
    store_id = db.session.scalar(select(Store.id).where(Store.domain == SHOP))
    assert (row.platform, row.topic, row.shop_domain) == ("shopify", "orders/create", SHOP)
    assert row.external_id.startswith("orders/create:") and row.body == _order(7)
    assert row.headers["Topic"] == "orders/create" and row.headers["Shop-Domain"] == SHOP
    assert (row.status, row.attempts, row.rescues, row.store_id) == ("received", 0, 0, store_id)
    assert row.received_at == NOON  # the app's clock, not the database's


def test_the_body_is_stored_compressed_with_lz4(
    app: Flask, client: FlaskClient, fake: FakeShopify, time_machine: TimeMachineFixture
) -> None:
    """Given the migrated PostgreSQL database, when an order arrives, then its body is stored
    out of line with lz4 (pglz cost the insert half its server CPU) and reads back byte for byte."""
    _on_postgresql_at_noon(fake, time_machine, "SQLite stores a body as it is")
    assert deliver(client, "orders/create", _order(8), SHOP).status_code == 200
    db.session.remove()
    method, body = db.session.execute(
        text("SELECT pg_column_compression(body), body FROM inbox_deliveries")
    ).one()
    assert (method, bytes(body)) == ("lz4", _order(8))
