"""A refresh token Shopify no longer accepts: the shop is marked, shown, and recovers on reopen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

import httpx
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from ecomapp.extensions import db
from ecomapp.models import JobRecord, Store, utcnow
from ecomapp.platforms.shopify.bulk import SYNC_JOB
from ecomapp.platforms.shopify.reconcile import reconcile_all
from tests.fakes.shopify_server import FakeShopify
from tests.shopify.support import CLIENT_ID, SECRET, installed, session_token

SHOP = "super-toys.myshopify.com"
BANNER = 'data-testid="reauth-banner"'


def _refresh_answered_but_never_committed(fake: FakeShopify, store: Store) -> None:
    """Spend the refresh token at Shopify as a worker did before dying ahead of its commit."""
    with httpx.Client(transport=httpx.WSGITransport(app=fake)) as shopify:
        answer = shopify.post(
            f"https://{SHOP}/admin/oauth/access_token",
            json={
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "grant_type": "refresh_token",
                "refresh_token": store.refresh_token,
            },
        )
    assert answer.status_code == 200  # Shopify rotated the token; our row still has the old one


def _sync_jobs(store: Store) -> list[JobRecord]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(JobRecord)
            .where(JobRecord.store_id == store.id, JobRecord.job == SYNC_JOB)
            .order_by(JobRecord.id)
        )
    )


def _start_sync(client: FlaskClient) -> None:
    auth = {"Authorization": f"Bearer {session_token(SHOP)}"}
    assert client.post("/shopify/panel/sync", headers=auth).status_code == 200


def _refresh_calls(fake: FakeShopify) -> int:
    return len([c for c in fake.calls if c.get("grant") == "refresh_token"])


def test_refused_refresh_marks_shop_shows_banner_and_reopening_recovers(
    client: FlaskClient,
    fake: FakeShopify,
    run_jobs: Callable[[], None],
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    """Given a refresh spent by a dead worker, jobs fail readably once, then reopen recovers."""
    store = installed(fake, SHOP)
    run_jobs()
    _refresh_answered_but_never_committed(fake, store)
    time_machine.move_to(utcnow() + timedelta(minutes=58))  # the access token is due a refresh

    _start_sync(client)
    run_jobs()
    failed = _sync_jobs(store)[-1]
    assert failed.status == "failed" and "needs re-authorisation" in (failed.error or "")
    assert "Open ecomapp from the Shopify admin" in failed.error
    assert db.session.get(Store, store.id).needs_reauth_since is not None

    _start_sync(client)
    run_jobs()
    assert _sync_jobs(store)[-1].status == "failed" and _refresh_calls(fake) == 2
    page = client.get("/", headers={"Authorization": f"Bearer {session_token(SHOP)}"})
    assert BANNER in page.text and "Reconnect ecomapp" in page.text
    reconcile_all()  # the periodic reconciliation leaves the shop alone while it is marked
    run_jobs()
    reconciles = select(JobRecord).where(JobRecord.job.like("%reconcile_store"))
    assert db.session.scalars(reconciles).all() == []

    query = urlencode(
        {"embedded": "1", "host": "YWRtaW4", "shop": SHOP, "id_token": session_token(SHOP)}
    )
    assert client.get(f"/shopify/app?{query}").status_code == 302
    store = db.session.get(Store, store.id)
    assert store.needs_reauth_since is None and store.access_token in fake.access_tokens
    _start_sync(client)
    run_jobs()
    assert _sync_jobs(store)[-1].status == "succeeded"
    page = client.get("/", headers={"Authorization": f"Bearer {session_token(SHOP)}"})
    assert BANNER not in page.text
