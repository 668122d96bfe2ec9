"""Cost of an if/else step: runs walked by `engine.advance` with the same three actions, laid
out flat (the baseline) and behind a branch on a nested condition group, in the same run.

Run: python -m bench.branch_steps [--runs 20000]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any

from ecomapp.automation.effects import RecordingEffects, StepContext
from ecomapp.automation.engine import RunState, advance
from ecomapp.automation.schema import validate
from ecomapp.models import Store

ACTIONS = [
    {"type": "action", "action": "tag_order", "params": {"tags": ["big"]}},
    {"type": "action", "action": "order_note", "params": {"note": "big order"}},
    {"type": "action", "action": "tag_customer", "params": {"tags": ["vip"]}},
]
CONDITION = {
    "all": [
        {"field": "order.financial_status", "op": "=", "value": "paid"},
        {
            "any": [
                {"field": "order.total_price", "op": ">", "value": 100},
                {"field": "order.gateway", "op": "in", "value": ["gift", "manual"]},
            ]
        },
    ]
}
FLAT = {"trigger": {"event": "order.paid"}, "steps": ACTIONS}
BRANCHED = {
    "trigger": {"event": "order.paid"},
    "steps": [{"type": "branch", "if": CONDITION, "then": ACTIONS, "else": ACTIONS[2:]}],
}
SNAP: dict[str, Any] = {
    "order.financial_status": "paid",
    "order.total_price": 250,
    "order.gateway": "manual",
    "_objects": {"order": {"id": 1, "name": "#1"}, "customer": {"id": 2, "email": "a@x.test"}},
}


def _runs_per_s(definition: dict[str, Any], runs: int) -> float:
    store, now = Store(id=1, timezone="UTC"), datetime(2026, 12, 5, tzinfo=UTC)
    definition = validate(definition)
    started = time.perf_counter()
    for _ in range(runs):
        effects = RecordingEffects()
        advance(
            definition,
            RunState(),
            lambda: SNAP,
            effects,
            lambda index, snap: StepContext(store, 1, 1, 1, index, snap),
            now,
            "UTC",
            lambda *_: None,
        )
    return runs / (time.perf_counter() - started)


def main() -> None:
    """Print branch_advance_per_s <rate> baseline <flat rate> ratio <x>."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20_000)
    args = parser.parse_args()
    flat = _runs_per_s(FLAT, args.runs)
    branched = _runs_per_s(BRANCHED, args.runs)
    print(f"branch_advance_per_s {branched:.0f} baseline {flat:.0f} ratio {branched / flat:.2f}")


if __name__ == "__main__":
    main()
