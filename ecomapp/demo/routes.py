"""The 'Try it' page: cause store events on the demo store and watch what follows."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, g, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from ecomapp.demo import events as demo_events
from ecomapp.extensions import db
from ecomapp.i18n import N_
from ecomapp.models import Event, Platform, Store

bp = Blueprint("demo_tools", __name__, url_prefix="/try")

ACTIONS: dict[str, tuple[str, Callable[[Store], str | None]]] = {
    "order": (N_("A customer places an order"), demo_events.place_order),
    "customer": (N_("A new customer signs up"), demo_events.sign_up_customer),
    "cart": (N_("A shopper leaves a cart"), demo_events.leave_cart),
    "stock": (N_("A variant drops below its low-stock threshold"), demo_events.drop_stock),
    "restock": (
        N_("A sold-out variant with waiting shoppers gets 3 units"),
        demo_events.restock_waited,
    ),
    "suspicious": (N_("A suspicious first order arrives"), demo_events.place_suspicious_order),
    "subscriber": (
        N_("A shopper signs up for the newsletter and confirms"),
        demo_events.subscribe_to_newsletter,
    ),
}


@bp.before_request
def demo_store_only() -> None:
    """Refuse every store but the demo store: these events are made up."""
    if g.store.platform != Platform.DEMO.value:
        abort(404)


def _latest_events() -> list[Event]:
    stmt = select(Event).where(Event.store_id == g.store.id).order_by(Event.id.desc()).limit(15)
    return list(db.session.scalars(stmt))


@bp.route("/")
def index() -> str:
    """Show the buttons and the store's latest canonical events."""
    return render_template("demo/try.html", actions=ACTIONS, events=_latest_events())


@bp.route("/events")
def events() -> str:
    """Return the latest events (polled by the page)."""
    return render_template("demo/_events.html", events=_latest_events())


@bp.route("/<action>", methods=["POST"])
def cause(action: str) -> str:
    """Deliver one made-up event through the webhook door."""
    if action not in ACTIONS:
        abort(404)
    label, make = ACTIONS[action]
    delivery = make(g.store)
    db.session.commit()
    if delivery:
        message = _("Delivered: %(what)s.", what=_(label))
    else:
        message = _("Nothing to do for that right now.")
    return render_template("demo/_caused.html", message=message, delivery=delivery)
