"""SQL statements and commits per automation mail (load-independent cost figures).

Run: python -m bench.mail_statements [--messages 300] [--database-url postgresql://…/scratch]
[--redis-url redis://…/n]

Does what `bench.mail_throughput`'s mailer sides do (the engine's way: rows recorded in one
insert, prepare_messages, deliver_batch; then one send_email per mail and a deliver_batch), to a
loopback SMTP server, with SQLAlchemy's cursor and commit events counted; prints
`mail_sql_per_message <n> commits <n>` (engine path), `mail_sql_per_send_email <n> commits <n>`
and the split by phase.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import event

from bench.mail_throughput import _app, _free_port, _seed, _Sink, winback_request

PHASE: list[str] = ["-"]


def _count(engine: Any, statements: Counter[str], commits: Counter[str]) -> None:
    """Count statements and commits on `engine`, by the phase running them."""

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(*args: Any) -> None:
        statements[PHASE[0]] += 1

    @event.listens_for(engine, "commit")
    def _commit(*args: Any) -> None:
        commits[PHASE[0]] += 1


def _timed(phase: str, work: Any, *args: Any) -> Any:
    PHASE[0] = phase
    try:
        return work(*args)
    finally:
        PHASE[0] = "-"


def _engine_path(store_id: int, customer_ids: list[int]) -> None:
    """The engine's way: rows recorded in one insert, rendered and delivered by batch jobs."""
    from ecomapp.automation.mail_batch import record_messages
    from ecomapp.extensions import db
    from ecomapp.mail.api import prepare_messages
    from ecomapp.mail.compose import new_message_id
    from ecomapp.mail.delivery import deliver_batch
    from ecomapp.models import Customer, Store, utcnow

    store = db.session.get(Store, store_id)
    assert store is not None
    emails = dict(db.session.query(Customer.id, Customer.email).all())
    rows = [
        {
            "store_id": store_id, "idempotency_key": f"batch:{cid}", "kind": "marketing",
            "template_key": "winback", "to_email": emails[cid], "customer_id": cid,
            "automation_id": 1, "context": {"discount_code": f"BACK{cid}"}, "status": "pending",
            "message_id_header": new_message_id(store), "created_at": utcnow(),
        }
        for cid in customer_ids
    ]  # fmt: skip

    def record() -> list[int]:
        ids = sorted(record_messages(rows).values())
        db.session.commit()
        return ids

    ids = _timed("record (engine)", record)
    _timed("prepare_messages", lambda: (prepare_messages(store_id, ids), db.session.commit()))
    _timed("deliver_batch", deliver_batch, ids)


def _send_all(store_id: int, customer_ids: list[int]) -> list[int]:
    from ecomapp.extensions import db
    from ecomapp.mail import send_email
    from ecomapp.models import Customer, Store

    store = db.session.get(Store, store_id)
    assert store is not None
    emails = dict(db.session.query(Customer.id, Customer.email).all())
    ids = []
    for cid in customer_ids:
        ids.append(send_email(store, winback_request(cid, str(emails[cid]))).id)
    db.session.commit()
    return ids


def main() -> None:
    """Seed, send and deliver with counters on; print per-message figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--database-url", help="a throw-away PostgreSQL database (recreated)")
    parser.add_argument("--redis-url", help="Redis for the in-flight markers")
    args = parser.parse_args()
    n = args.messages
    sink, port = _Sink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    statements: Counter[str] = Counter()
    commits: Counter[str] = Counter()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = _app(Path(tmp), args.database_url, args.redis_url)
            with app.app_context():
                from ecomapp.extensions import db
                from ecomapp.mail.delivery import deliver_batch
                from ecomapp.mail.smtp import close_all

                store_id, customers = _seed(n, f"smtp://127.0.0.1:{port}")
                _count(db.engine, statements, commits)
                _engine_path(store_id, customers)
                close_all()
                ids = _timed("send_email", _send_all, store_id, customers)
                _timed("deliver_batch (send_email)", deliver_batch, ids)
                close_all()
                db.session.remove()
                db.engine.dispose()
    finally:
        controller.stop()
    assert sink.count == 2 * n, f"server accepted {sink.count} of {2 * n}"
    for phase in statements:
        print(
            f"# {phase}: {statements[phase] / n:.2f} statements, "
            f"{commits[phase] / n:.3f} commits per message"
        )
    batch = ("record (engine)", "prepare_messages", "deliver_batch")
    single = ("send_email", "deliver_batch (send_email)")
    for name, phases in (("mail_sql_per_message", batch), ("mail_sql_per_send_email", single)):
        total = sum(statements[p] for p in phases) / n
        done = sum(commits[p] for p in phases) / n
        print(f"{name} {total:.2f} commits {done:.3f}")


if __name__ == "__main__":
    main()
