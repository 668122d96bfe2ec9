"""The plugin's cart capture, consent and background queue, run as PHP against the served app."""

from __future__ import annotations

import base64
import hmac
import json
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from time_machine import TimeMachineFixture

from ecomapp.extensions import db
from ecomapp.mail.reminder_policy import cart_reminder_policy
from ecomapp.mail.suppressions import suppress
from ecomapp.models import (
    Cart,
    ConsentRecord,
    Customer,
    Event,
    Store,
    Suppression,
    SuppressionReason,
)
from ecomapp.privacy.erasure import ErasureRequest, erase_person
from tests.fakes.woocommerce.flow import woo_settings
from tests.fakes.woocommerce.server import FakeWooStore, running
from tests.fakes.woocommerce.storefront import PluginShop
from tests.privacy_support import hits
from tests.services import IN_CI
from tests.woo_shop_support import AppSwitch, connected_shop, serve_switch

WORDING = (
    "Email me offers and news, and a reminder if I leave items in my cart. "
    "I can unsubscribe at any time."
)


@pytest.fixture
def shop(
    app: Flask, client: FlaskClient, run_jobs: Callable[[], None]
) -> Iterator[tuple[PluginShop, AppSwitch]]:
    """Return a connected store running the plugin's PHP, and the switch of the served app."""
    if shutil.which("php") is None:
        if IN_CI:
            pytest.fail("php is not installed: CI must `apt-get install -y php-cli`")
        pytest.skip("php is not installed")
    with (
        serve_switch(app) as (live, switch),
        woo_settings(app, app_url=live),
        running(FakeWooStore()) as store,
    ):
        yield connected_shop(client, store, run_jobs), switch


def _events(shop: PluginShop) -> list[dict[str, object]]:
    return [a["args"][0] for a in shop.actions() if a["hook"] == "ecomapp_send_event"]


def _shopper_with_cart(shop: PluginShop) -> str:
    first = shop.request(None, "add_to_cart", product_id=41)
    assert first["customer_id"]
    return str(first["customer_id"])


def test_page_views_report_nothing_and_store_nothing_until_the_cart_has_items(
    shop: tuple[PluginShop, AppSwitch],
) -> None:
    """Given visitors browsing without a cart, when pages load (totals recalculated each time),
    then no event is queued, no session is kept and no option is written."""
    floor, _ = shop
    for _ in range(3):
        out = floor.request(None, "page")
        assert out["customer_id"] is None
    assert floor.actions() == [] and floor.state["options"] == {}


def test_a_cart_is_reported_once_per_change_under_one_key(
    shop: tuple[PluginShop, AppSwitch],
) -> None:
    """Given a shopper who adds an item, when they keep browsing and add another, then one
    event per change, all under one key, and nothing per visitor in the options table."""
    floor, _ = shop
    shopper = _shopper_with_cart(floor)
    for _ in range(3):
        floor.request(shopper, "page")
    floor.request(shopper, "add_to_cart", product_id=42, quantity=2)
    events = _events(floor)
    assert [len(e["cart"]["items"]) for e in events] == [1, 2]  # type: ignore[index]
    assert len({e["cart"]["key"] for e in events}) == 1  # type: ignore[index]
    assert floor.state["options"] == {}


def test_consent_at_classic_checkout_reaches_the_app_with_its_wording(
    shop: tuple[PluginShop, AppSwitch], run_jobs: Callable[[], None]
) -> None:
    """Given the classic checkout, when the shopper types an e-mail and ticks the box, then the
    app keeps one cart, the consent with its exact wording and source, and the customer opts in;
    erasing the person erases the consent record too."""
    floor, _ = shop
    shopper = _shopper_with_cart(floor)
    page = floor.request(shopper, "checkout_page")["html"]
    assert 'name="ecomapp_marketing_consent"' in page and WORDING in page
    form = "billing_email=ada%40example.com&ecomapp_marketing_consent=1"
    floor.request(shopper, "update_order_review", post_data=form)
    ran = floor.run_queue()
    assert [p["status"] for p in ran["posts"]] == [200, 200]
    run_jobs()
    assert db.session.scalar(select(func.count(Cart.id))) == 1
    record = db.session.scalar(select(ConsentRecord))
    assert (record.email, record.granted, record.wording) == ("ada@example.com", True, WORDING)
    assert record.source == "classic_checkout"
    customer = db.session.scalar(select(Customer).where(Customer.email == "ada@example.com"))
    assert customer.accepts_marketing is True
    changed = select(Event.data).where(Event.type == "customer.consent_changed")
    assert db.session.scalar(changed)["source"] == "classic_checkout"
    erase_person(
        db.session.get(Store, customer.store_id), ErasureRequest(emails=[record.email]), None
    )
    db.session.commit()
    assert hits(["ada@example.com"]) == [] and db.session.scalar(select(ConsentRecord)) is None


def test_block_checkout_registers_the_field_and_sends_the_answer(
    shop: tuple[PluginShop, AppSwitch],
) -> None:
    """Given the block checkout, then the checkbox is an additional contact field, and an
    unticked box is sent as a refusal with its wording."""
    floor, _ = shop
    shopper = _shopper_with_cart(floor)
    out = floor.request(shopper, "block_update", email="bo@example.com", consent=False)
    (field,) = out["checkout_fields"]
    assert field["id"] == "ecomapp/marketing-consent"
    assert (field["location"], field["type"], field["label"]) == ("contact", "checkbox", WORDING)
    consent = _events(floor)[-1]["cart"]["consent"]  # type: ignore[index]
    assert consent["granted"] is False and consent["source"] == "block_checkout"


def test_events_wait_while_the_app_is_down_and_arrive_when_it_is_back(
    shop: tuple[PluginShop, AppSwitch], run_jobs: Callable[[], None]
) -> None:
    """Given the app down (503), when the queue runs, then the event is kept for a later
    attempt with backoff; once the app answers, it arrives and nothing was lost."""
    floor, switch = shop
    switch.down = True
    _shopper_with_cart(floor)
    first = floor.run_queue()
    assert [p["status"] for p in first["posts"]] == [503]
    (retry,) = floor.actions("pending")
    assert retry["args"][1] == 2
    switch.down = False
    assert floor.run_queue()["ran"] == 0  # not due yet
    retry_at = retry["scheduled"]
    floor.state["actions"] = [a | {"scheduled": retry_at - 60} for a in floor.state["actions"]]
    assert [p["status"] for p in floor.run_queue()["posts"]] == [200]
    run_jobs()
    assert db.session.scalar(select(func.count(Cart.id))) == 1
    assert floor.actions("pending") == []


def test_a_refused_event_is_not_retried(shop: tuple[PluginShop, AppSwitch]) -> None:
    """Given a plugin whose secret the app no longer knows, when the queue runs, then 401 and
    no further attempt (retrying a refusal cannot help)."""
    floor, _ = shop
    floor.connection = floor.connection | {"secret": "an-old-secret"}
    _shopper_with_cart(floor)
    assert [p["status"] for p in floor.run_queue()["posts"]] == [401]
    assert floor.actions("pending") == []


def test_the_backlog_is_bounded(shop: tuple[PluginShop, AppSwitch]) -> None:
    """Given 500 events already waiting, when another cart changes, then it is not queued and
    the drop is counted in one option."""
    floor, _ = shop
    row = {"hook": "ecomapp_send_event", "group": "ecomapp", "status": "pending", "scheduled": 0}
    waiting = [row | {"id": i, "args": [{}, 1], "attempted": None} for i in range(500)]
    floor.state = {"actions": waiting, "next_id": 500}
    _shopper_with_cart(floor)
    assert len(floor.actions()) == 500
    assert floor.state["options"] == {"ecomapp_queue_dropped": 1}


def test_recovery_link_refills_the_cart_and_a_tampered_one_does_not(
    shop: tuple[PluginShop, AppSwitch],
) -> None:
    """Given the recovery link of a cart, when opened in a new session, then the same lines;
    with its lines changed, then an empty cart."""
    floor, _ = shop
    shopper = _shopper_with_cart(floor)
    floor.request(shopper, "add_to_cart", product_id=42, quantity=2)
    link = urlsplit(str(_events(floor)[-1]["cart"]["recovery_url"]))  # type: ignore[index]
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    restored = floor.request(None, "restore", get=query)
    assert restored["redirect"] == f"{floor.site_url}/cart/"
    lines = floor.session(restored["customer_id"])["cart"].values()
    assert sorted((line["product_id"], line["quantity"]) for line in lines) == [(41, 1), (42, 2)]
    forged = floor.request(None, "restore", get=query | {"ecomapp_lines": "42x99"})
    assert forged["customer_id"] is None and json.dumps(forged["state"]["options"]) == "{}"


def _post_signed(
    client: FlaskClient, floor: PluginShop, event: dict[str, object]
) -> tuple[int, str]:
    body = json.dumps(event).encode()
    digest = hmac.new(floor.connection["secret"].encode(), body, "sha256").digest()
    path = f"/woocommerce/plugin/{floor.connection['store']}/events"
    headers = {"X-Ecomapp-Signature": base64.b64encode(digest).decode()}
    reply = client.post(path, data=body, headers=headers, content_type="application/json")
    return reply.status_code, reply.get_data(as_text=True)


def _cart_event(**changes: object) -> dict[str, object]:
    cart = {"key": "k-empty", "email": "cy@example.com", "customer_id": 0, "items": []}
    cart |= {"total": "0.00", "currency": "EUR", "updated_at_gmt": "2026-12-01T10:00:00"}
    return {"event": "cart.updated", "cart": cart | changes}


def test_the_app_never_stores_an_empty_cart_it_has_not_seen(
    client: FlaskClient, shop: tuple[PluginShop, AppSwitch], run_jobs: Callable[[], None]
) -> None:
    """Given a signed event of an empty cart never reported with items, then no cart row."""
    floor, _ = shop
    assert _post_signed(client, floor, _cart_event())[0] == 200
    run_jobs()
    assert db.session.scalar(select(func.count(Cart.id))) == 0


@pytest.mark.parametrize(
    ("consent", "named"),
    [
        ({"granted": "yes", "wording": "x", "source": "classic_checkout"}, "cart.consent"),
        ({"granted": True, "wording": "", "source": "classic_checkout"}, "consent.wording"),
        ({"granted": True, "wording": "x", "source": "popup"}, "consent.source"),
    ],
)
def test_a_malformed_consent_is_refused_naming_the_field(
    client: FlaskClient,
    shop: tuple[PluginShop, AppSwitch],
    consent: dict[str, object],
    named: str,
) -> None:
    """Given a consent without a yes/no, wording or known source, then 400 naming it."""
    floor, _ = shop
    status, text = _post_signed(client, floor, _cart_event(consent=consent))
    assert status == 400 and named in text


def test_connect_reads_the_stores_country_and_its_policy_follows(
    shop: tuple[PluginShop, AppSwitch],
) -> None:
    """Given the stand-in store in France (woocommerce_default_country), then the store is
    kept in Europe/Paris, in EUR, and cart reminders require consent by default."""
    store = db.session.scalar(select(Store))
    assert (store.timezone, store.currency, store.settings["country"]) == (
        "Europe/Paris",
        "EUR",
        "FR",
    )
    assert cart_reminder_policy(store) == "require_consent"


def test_a_yes_at_checkout_after_an_unsubscribe_lifts_it(
    client: FlaskClient,
    shop: tuple[PluginShop, AppSwitch],
    run_jobs: Callable[[], None],
    time_machine: TimeMachineFixture,
) -> None:
    """Given a shopper who unsubscribed yesterday, when they tick the box at checkout today,
    then the unsubscribe is lifted and they opt in."""
    floor, _ = shop
    store = db.session.scalar(select(Store))
    time_machine.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False)
    suppress(store, "cy@example.com", SuppressionReason.UNSUBSCRIBE, None)
    db.session.commit()
    time_machine.move_to(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), tick=False)
    consent = {"granted": True, "wording": WORDING, "source": "block_checkout"}
    consent["given_at_gmt"] = "2026-12-02T09:00:00"
    items = [{"product_id": 41, "quantity": 1, "name": "Tea Mug", "price": "9.00"}]
    event = _cart_event(key="k-back", items=items, total="9.00", consent=consent)
    assert _post_signed(client, floor, event)[0] == 200
    run_jobs()
    assert db.session.scalar(select(Suppression.id)) is None
    customer = db.session.scalar(select(Customer).where(Customer.email == "cy@example.com"))
    assert customer.accepts_marketing is True


def test_consent_given_on_the_final_submit_still_travels_with_the_cart(
    shop: tuple[PluginShop, AppSwitch],
) -> None:
    """Given a shopper who ticks the box and places the order at once (no review refresh),
    then the cart is reported with that consent before the order starts a new cart key."""
    floor, _ = shop
    shopper = _shopper_with_cart(floor)
    post = {"billing_email": "di@example.com", "ecomapp_marketing_consent": "1"}
    placed = floor.request(shopper, "place_order", post=post)
    last = _events(floor)[-1]["cart"]
    assert last["consent"]["granted"] is True and last["items"]  # type: ignore[index]
    assert last["email"] == "di@example.com"  # type: ignore[index]
    assert placed["order_meta"]["_ecomapp_cart_key"] == last["key"]  # type: ignore[index]
    assert floor.session(shopper)["ecomapp_cart_key"] is None


def test_retries_back_off_and_the_last_attempt_gives_up_counted(
    shop: tuple[PluginShop, AppSwitch],
) -> None:
    """Given the app down, then the third attempt waits twice as long as the second, and the
    thirteenth failed attempt schedules nothing more and counts the event as dropped."""
    floor, switch = shop
    switch.down = True
    _shopper_with_cart(floor)
    event = floor.actions()[0]["args"][0]
    floor.state["actions"] = [
        {"id": 1, "hook": "ecomapp_send_event", "group": "ecomapp", "status": "pending"}
        | {"args": [event, 2], "scheduled": 0, "attempted": None},
        {"id": 2, "hook": "ecomapp_send_event", "group": "ecomapp", "status": "pending"}
        | {"args": [event, 13], "scheduled": 0, "attempted": None},
    ]
    floor.state["next_id"] = 2
    ran = floor.run_queue()
    (retry,) = floor.actions("pending")
    assert retry["args"][1] == 3 and retry["scheduled"] - int(ran["now"]) == 120
    assert floor.state["options"] == {"ecomapp_queue_dropped": 1}
