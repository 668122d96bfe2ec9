"""What an action step sees, and the effect layers' common shape (pure: no database)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ecomapp.automation.conditions import OBJECTS

if TYPE_CHECKING:
    from ecomapp.models import Store


@dataclass
class StepContext:
    """Everything an action needs: the store, the snapshot and its once-only key."""

    store: Store
    automation_id: int
    version: int
    event_id: int
    step: int
    snap: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    run_id: int | None = None
    signing_key: bytes = b""

    @property
    def key(self) -> str:
        """Return the idempotency key of this effect: automation version, event, step."""
        return f"auto:{self.automation_id}:v{self.version}:e{self.event_id}:s{self.step}"

    def obj(self, name: str) -> dict[str, Any]:
        """Return one object of the snapshot, or refuse the step when it is missing."""
        found = self.snap.get(OBJECTS, {}).get(name)
        if not found:
            raise LookupError(f"this event has no {name}")
        return found


class NoTarget(LookupError):
    """The event lacks the object an action acts on (a guest order has no customer): a skip."""


def require_target(ctx: StepContext, action: str) -> None:
    """Raise NoTarget when a customer action meets a guest's order or cart (no account)."""
    from ecomapp.automation.registry import ACTIONS  # it imports this module

    objects = ctx.snap.get(OBJECTS, {})
    declared = ACTIONS.get(action)
    if declared is None or declared.target != "customer" or objects.get("customer"):
        return
    held = next((name for name in ("order", "cart") if objects.get(name)), None)
    if held is not None:
        raise NoTarget(f"a guest {held}: no customer account to act on")


class Effects(Protocol):
    """An effect layer: live, or recording for dry runs and backtests."""

    def apply(self, ctx: StepContext, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """Apply (or record) one action; return what it did."""


class RecordingEffects:
    """Record what would happen and touch nothing (dry runs and backtests)."""

    def __init__(self) -> None:
        self.applied: list[dict[str, Any]] = []

    def apply(self, ctx: StepContext, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """Record the action with the objects it would act on."""
        require_target(ctx, action)
        objects = ctx.snap.get(OBJECTS, {})
        target = {
            k: objects[k].get("name") or objects[k].get("email") for k in objects if k != "event"
        }
        record = {"action": action, "params": params, "target": target, "dry_run": True}
        from ecomapp.automation.registry import ACTIONS  # it imports this module

        extra = ACTIONS[action].record if action in ACTIONS else None
        if extra is not None:
            record |= extra(ctx, params)
        self.applied.append(record)
        return record


def discount_code(ctx: StepContext, params: dict[str, Any]) -> str:
    """Return the deterministic code of a create_discount step (same key, same code)."""
    digest = hashlib.sha256(ctx.key.encode()).hexdigest()[:8].upper()
    return f"{params.get('prefix') or 'THANKS'}-{digest}"
