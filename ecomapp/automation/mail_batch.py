"""E-mail steps of a batch: their message rows recorded together in the batch's transaction,
then rendered and delivered by one mailer job (`mail.api.prepare_messages`).

The row under the step's idempotency key is the record that the mail is owed; a lost rendering
job leaves a pending row that the mailer's sweeper delivers (rendering it first). A step the
batch cannot plan (no address) goes the per-run way (`actions._email`), which fails it readably.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecomapp.automation.actions import template_context
from ecomapp.automation.conditions import OBJECTS
from ecomapp.automation.effects import StepContext
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.mail.compose import new_message_id
from ecomapp.mail.sql import insert_new
from ecomapp.mail.variables import json_safe
from ecomapp.models import EffectLedger, Message, MessageKind, MessageStatus, Store
from ecomapp.models.types import utcnow

PREPARE_JOB = "ecomapp.mail.api:prepare_messages"


@dataclass
class PlannedMail:
    """One planned send_email step: its run (any object with `run_id`), row and step result."""

    key: str
    owner: Any
    step: int
    row: dict[str, Any]
    result: dict[str, Any]


class MailBatch:
    """Plan send_email steps in order; write their rows with one insert after the runs exist."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.planned: dict[str, PlannedMail] = {}

    def plan(self, ctx: StepContext, owner: Any, params: dict[str, Any]) -> Any:
        """Plan one e-mail step; return its result, or None when the batch cannot plan it."""
        customer = ctx.snap.get(OBJECTS, {}).get("customer") or {}
        to = str(customer.get("email") or "").strip()
        if not to or ctx.key in self.planned:
            return None
        row = {
            "store_id": self.store.id,
            "idempotency_key": ctx.key,
            "kind": MessageKind(params.get("kind") or "transactional").value,
            "template_key": params["template"],
            "to_email": to,
            "customer_id": customer.get("id"),
            "automation_id": ctx.automation_id,
            "context": json_safe(template_context(ctx)),
            "status": MessageStatus.PENDING.value,
            "message_id_header": new_message_id(self.store),
        }
        result = {"to": to, "status": MessageStatus.PENDING.value}
        self.planned[ctx.key] = PlannedMail(ctx.key, owner, ctx.step, row, result)
        return result

    def write(self, kept: list[PlannedMail]) -> None:
        """Record the kept mails' rows and ledger keys; queue their rendering after commit."""
        if not kept:
            return
        now = utcnow()
        ids = record_messages([m.row | {"run_id": m.owner.run_id, "created_at": now} for m in kept])
        for mail in kept:
            mail.result["message_id"] = ids.get(mail.key)
        self._ledger(kept, now)
        enqueue_after_commit(
            PREPARE_JOB, self.store.id, sorted(ids.values()), store_id=self.store.id
        )

    def _ledger(self, kept: list[PlannedMail], now: Any) -> None:
        rows = [
            {
                "store_id": self.store.id,
                "key": m.key,
                "run_id": m.owner.run_id,
                "action": "send_email",
                "result": m.result,
                "created_at": now,
            }
            for m in kept
        ]
        insert_new(EffectLedger.__table__, rows, ["store_id", "key"])


def record_messages(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert one store's message rows (a key already recorded keeps its row: sent once);
    return every row's message id by idempotency key."""
    table = Message.__table__
    return insert_new(table, rows, ["store_id", "idempotency_key"], returning="id")
