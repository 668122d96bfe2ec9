"""SQL statements and commits per automation mail (load-independent cost figures).

Run: python -m bench.mail_statements [--messages 300] [--database-url postgresql://…/scratch]
[--redis-url redis://…/n]

Does what `bench.mail_throughput`'s mailer side does (send_email per customer, then one
deliver_batch, to a loopback SMTP server) with SQLAlchemy's cursor and commit events counted,
and prints `mail_sql_per_message <n> commits_per_message <n>` with the split by phase.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import event

from bench.mail_throughput import _app, _free_port, _seed, _Sink

PHASE: list[str] = ["-"]


def _count(engine: Any, statements: Counter[str], commits: Counter[str]) -> None:
    """Count statements and commits on `engine`, by the phase running them."""

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(*args: Any) -> None:
        statements[PHASE[0]] += 1

    @event.listens_for(engine, "commit")
    def _commit(*args: Any) -> None:
        commits[PHASE[0]] += 1


def _send_all(store_id: int, customer_ids: list[int]) -> list[int]:
    from ecomapp.extensions import db
    from ecomapp.mail import MailRequest, send_email
    from ecomapp.models import Customer, Store

    store = db.session.get(Store, store_id)
    assert store is not None
    emails = dict(db.session.query(Customer.id, Customer.email).all())
    ids = []
    PHASE[0] = "send_email"
    for cid in customer_ids:
        request = MailRequest(
            to=str(emails[cid]),
            template_key="winback",
            idempotency_key=f"bench:{cid}",
            kind="marketing",
            customer_id=cid,
            automation_id=1,
            context={"discount_code": f"BACK{cid}", "discount_percent": 15},
        )
        ids.append(send_email(store, request).id)
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
                ids = _send_all(store_id, customers)
                PHASE[0] = "deliver_batch"
                deliver_batch(ids)
                PHASE[0] = "-"
                close_all()
                db.session.remove()
                db.engine.dispose()
    finally:
        controller.stop()
    assert sink.count == n, f"server accepted {sink.count} of {n}"
    for phase in ("send_email", "deliver_batch"):
        print(
            f"# {phase}: {statements[phase] / n:.2f} statements, "
            f"{commits[phase] / n:.3f} commits per message"
        )
    total, done = sum(statements.values()), sum(commits.values())
    print(f"mail_sql_per_message {total / n:.2f} commits_per_message {done / n:.3f}")


if __name__ == "__main__":
    main()
