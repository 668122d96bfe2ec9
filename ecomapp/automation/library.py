"""Create, version, switch on and off the store's automations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ecomapp.automation.schema import trigger_key, validate
from ecomapp.extensions import db
from ecomapp.models import Automation, AutomationVersion, Store
from ecomapp.models.types import utcnow


def get_automation(store: Store, automation_id: int) -> Automation | None:
    """Return the store's automation with this id (None for another store's)."""
    return db.session.scalar(
        select(Automation).where(Automation.store_id == store.id, Automation.id == automation_id)
    )


def save_automation(
    store: Store,
    name: str,
    definition: Any,
    automation: Automation | None = None,
    recipe_key: str | None = None,
) -> Automation:
    """Validate and save a definition; a changed definition becomes a new version."""
    clean = validate(definition)
    if automation is None:
        automation = Automation(store_id=store.id, version=0, recipe_key=recipe_key)
        db.session.add(automation)
    automation.name = (name or "").strip() or "Untitled automation"
    if automation.version == 0 or clean != automation.definition:
        automation.version += 1
        automation.definition = clean
        automation.trigger_key = trigger_key(clean)
        db.session.flush()
        db.session.add(
            AutomationVersion(
                store_id=store.id,
                automation_id=automation.id,
                version=automation.version,
                definition=clean,
            )
        )
    db.session.flush()
    return automation


def set_enabled(automation: Automation, enabled: bool) -> None:
    """Switch an automation on or off."""
    if enabled and not automation.enabled:
        automation.enabled_at = utcnow()
    automation.enabled = enabled
