"""Signed login links sign in once: a second use is refused, even when two race."""

from __future__ import annotations

import threading

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ecomapp.admin.auth import login_token
from ecomapp.extensions import db
from ecomapp.models import UsedLoginLink
from tests.factories import make_store


def test_a_login_link_works_once(client: FlaskClient) -> None:
    """Given a fresh login link, when it is opened three times, then only the first signs in."""
    store = make_store(platform="woocommerce", domain="once.example.com")
    path = f"/login/{login_token(store)}"
    assert client.get(path).status_code == 302
    for _ in range(2):
        other = client.application.test_client()
        second = other.get(path)
        assert second.status_code == 401
        assert "already used" in second.get_data(as_text=True)
        assert other.get("/").status_code == 401


def test_two_links_for_one_store_each_work(client: FlaskClient) -> None:
    """Given two links for the same store, then each signs in once."""
    store = make_store(platform="woocommerce", domain="twice.example.com")
    assert client.get(f"/login/{login_token(store)}").status_code == 302
    assert client.get(f"/login/{login_token(store)}").status_code == 302


def test_racing_uses_of_one_link_sign_in_once(app: Flask) -> None:
    """Given one link opened by four clients at once, then exactly one is signed in."""
    store = make_store(platform="woocommerce", domain="race.example.com")
    path = f"/login/{login_token(store)}"
    db.session.commit()
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def use() -> None:
        with app.app_context():
            barrier.wait()
            statuses.append(app.test_client().get(path).status_code)
            db.session.remove()

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [302, 401, 401, 401]
    assert db.session.scalar(select(func.count()).select_from(UsedLoginLink)) == 1
