"""Order-note steps of a batch: claimed in the ledger together, then one keyed note per step.

A note step is planned here only when it is its run's last step, so a refused note never
follows an effect of the same run that the batch made after it. Any other note step (and every
resumed or retried one) goes the per-run way (`actions.note`); both render the same note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecomapp.automation.actions import template_context
from ecomapp.automation.conditions import OBJECTS
from ecomapp.automation.effects import StepContext
from ecomapp.automation.tag_batch import claim_keys
from ecomapp.jobs.retry import is_transient
from ecomapp.jobs.runner import is_last_attempt
from ecomapp.mail.api import render
from ecomapp.models import Store
from ecomapp.platforms.registry import get_adapter


@dataclass
class PlannedNote:
    """One planned order_note step: its key, run (any object with `run_id`), order and note."""

    key: str
    owner: Any
    step: int
    order: str
    note: str

    @property
    def result(self) -> dict[str, Any]:
        """Return what the step's handler would return."""
        return {"order": self.order, "note": self.note}


class NoteBatch:
    """Plan note steps in order; claim their keys together; add each claimed note once."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.planned: dict[str, PlannedNote] = {}

    def plan(self, ctx: StepContext, owner: Any, params: dict[str, Any], last: bool) -> Any:
        """Plan one note step; return its result, or None when the batch does not take it."""
        order = ctx.snap.get(OBJECTS, {}).get("order")
        if not last or not order or ctx.key in self.planned:
            return None
        try:
            note = render(params["note"], template_context(ctx))
        except Exception:  # the per-run way fails the step, with the reason
            return None
        planned = PlannedNote(ctx.key, owner, ctx.step, str(order["platform_id"]), note)
        self.planned[ctx.key] = planned
        return planned.result

    def claim(self, keys: list[str]) -> set[str]:
        """Record the keys' ledger rows at once; return the ones this batch holds."""
        notes = [self.planned[key] for key in keys]
        rows = [
            {"key": n.key, "run_id": n.owner.run_id, "action": "order_note", "result": n.result}
            for n in notes
        ]
        return claim_keys(self.store.id, rows)

    def apply(self, claimed: set[str]) -> dict[str, Exception]:
        """Add each claimed note (keyed: once per key); return the refused keys."""
        adapter = get_adapter(self.store.platform)
        refused: dict[str, Exception] = {}
        for key in sorted(claimed, key=lambda k: self.planned[k].owner.run_id):
            planned = self.planned[key]
            try:
                adapter.add_order_note(self.store, planned.order, planned.note, key=key)
            except Exception as exc:
                if is_transient(exc) and not is_last_attempt(exc):
                    raise  # the job layer retries the whole batch; keyed notes are not doubled
                refused[key] = exc
        return refused
