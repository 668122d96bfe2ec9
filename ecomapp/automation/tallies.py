"""Daily counters per automation (evaluated / matched / skipped): a skip costs no row of its own."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from ecomapp.extensions import db
from ecomapp.models import AutomationSkipTally, AutomationTally
from ecomapp.models.types import utcnow


def upsert(table: Any) -> Any:
    """Return the dialect's INSERT (with ON CONFLICT support) for a table."""
    module = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return module.insert(table)


class Tally:
    """Counts of one batch, written with one upsert."""

    def __init__(self) -> None:
        self.counts: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
        self.skips: dict[tuple[int, int, date, int], int] = defaultdict(int)

    def count(self, automation_id: int, day: date, matched: bool) -> None:
        """Count one evaluation of an automation."""
        row = self.counts[(automation_id, day)]
        row[0] += 1
        row[1] += matched

    def skip(self, automation_id: int, version: int, day: date, condition: int | None) -> None:
        """Count one skip by the top-level condition that failed first (its index)."""
        self.skips[(automation_id, version, day, -1 if condition is None else condition)] += 1

    def save(self, store_id: int) -> None:
        """Add the counts to the daily rows (created on first use)."""
        self._save_skips(store_id)
        if not self.counts:
            return
        rows = [
            {
                "store_id": store_id,
                "automation_id": automation_id,
                "day": day,
                "evaluated": evaluated,
                "matched": matched,
                "skipped": evaluated - matched,
            }
            for (automation_id, day), (evaluated, matched) in sorted(self.counts.items())
        ]
        stmt = upsert(AutomationTally.__table__).values(rows)
        db.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["automation_id", "day"],
                set_={
                    name: getattr(AutomationTally.__table__.c, name) + getattr(stmt.excluded, name)
                    for name in ("evaluated", "matched", "skipped")
                },
            )
        )
        self.counts.clear()

    def _save_skips(self, store_id: int) -> None:
        """Add the skips by failed condition to their daily rows (one upsert)."""
        if not self.skips:
            return
        rows = [
            {"store_id": store_id, "automation_id": automation_id, "version": version}
            | {"day": day, "condition": condition, "skipped": skipped}
            for (automation_id, version, day, condition), skipped in sorted(self.skips.items())
        ]
        stmt = upsert(AutomationSkipTally.__table__).values(rows)
        db.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["automation_id", "version", "day", "condition"],
                set_={"skipped": AutomationSkipTally.__table__.c.skipped + stmt.excluded.skipped},
            )
        )
        self.skips.clear()


def skip_reasons(automation_id: int, version: int, days: int = 30) -> dict[int, int]:
    """Return a version's skips over the last days by the top-level condition that failed."""
    since = utcnow().date() - timedelta(days=days - 1)
    t = AutomationSkipTally
    rows = db.session.execute(
        select(t.condition, func.sum(t.skipped))
        .where(t.automation_id == automation_id, t.version == version, t.day >= since)
        .group_by(t.condition)
        .order_by(t.condition)
    )
    return {int(condition): int(n or 0) for condition, n in rows}


def recent_tallies(store_id: int, days: int = 7) -> dict[int, dict[str, int]]:
    """Return evaluated/matched/skipped per automation over the last days."""
    since = utcnow().date() - timedelta(days=days - 1)
    t = AutomationTally
    rows = db.session.execute(
        select(t.automation_id, func.sum(t.evaluated), func.sum(t.matched), func.sum(t.skipped))
        .where(t.store_id == store_id, t.day >= since)
        .group_by(t.automation_id)
    )
    return {
        automation_id: {"evaluated": int(e or 0), "matched": int(m or 0), "skipped": int(s or 0)}
        for automation_id, e, m, s in rows
    }
