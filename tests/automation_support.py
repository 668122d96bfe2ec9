"""Helpers for automation tests: create automations, deliver demo records, move the clock."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.admin.auth import login_token
from ecomapp.automation.library import save_automation, set_enabled
from ecomapp.extensions import db
from ecomapp.jobs.inprocess import drain
from ecomapp.jobs.ticker import tick
from ecomapp.models import Automation, EffectLedger, Message, Store
from ecomapp.platforms.demo_payloads import to_payload
from ecomapp.webhooks.inbox import record_delivery

_deliveries = itertools.count(1)


def make_automation(store: Store, definition: dict[str, Any], enabled: bool = True) -> Automation:
    """Save an automation through the library (validated, versioned) and commit."""
    automation = save_automation(store, "Test automation", definition)
    set_enabled(automation, enabled)
    db.session.commit()
    return automation


def deliver(store: Store, topic: str, record: object, external_id: str | None = None) -> bool:
    """Record a demo delivery at the door (as a webhook would); return False for a duplicate."""
    body = json.dumps(to_payload(record)).encode()
    external_id = external_id or f"delivery-{next(_deliveries)}"
    _, created = record_delivery("demo", external_id, topic, body, store_id=store.id)
    return created


def run_at(app: Flask, now: datetime) -> None:
    """Tick with the clock at `now`, then drain the queue in this process."""
    db.session.commit()
    tick(now)
    drain(app)
    db.session.expire_all()


def count(model: Any, *where: Any) -> int:
    """Return how many rows of a model match."""
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def effects(store: Store) -> int:
    """Return how many effects the ledger holds for a store."""
    return count(EffectLedger, EffectLedger.store_id == store.id)


def messages(store: Store, template: str | None = None) -> list[Message]:
    """Return a store's outgoing messages, oldest first."""
    stmt = select(Message).where(Message.store_id == store.id)
    if template:
        stmt = stmt.where(Message.template_key == template)
    return list(db.session.scalars(stmt.order_by(Message.id)))


def login(client: FlaskClient, store: Store) -> str:
    """Sign the client into a store's panel; return the session's CSRF token."""
    client.get(f"/login/{login_token(store)}")
    client.get("/automations/")
    with client.session_transaction() as session:
        return str(session["csrf"])
