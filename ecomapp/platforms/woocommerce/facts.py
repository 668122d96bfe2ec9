"""Learn a connected store's facts: name, time zone, currency, e-mail and alert recipients.

WordPress's public site index (`GET /wp-json/`) has the name, `timezone_string` and
`gmt_offset`; wc/v3 settings have the currency and the store's country
(`general`: `woocommerce_default_country`, "US:CA" or "DE"), the low-stock notification
recipients WooCommerce itself e-mails (`products`: `woocommerce_stock_email_recipient`)
and the shop's sender address (`email`: `woocommerce_email_from_address`).
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ecomapp.alert_recipients import ALERT_RECIPIENTS_KEY, parse_recipients
from ecomapp.extensions import db
from ecomapp.jobs import enqueue_after_commit
from ecomapp.jobs.retry import PermanentError
from ecomapp.mail.reminder_policy import COUNTRY_KEY
from ecomapp.models import Store
from ecomapp.platforms.woocommerce.client import WooClient
from ecomapp.platforms.woocommerce.normalize import text
from ecomapp.platforms.woocommerce.sites import active_woo_stores, client_for

log = logging.getLogger(__name__)


def time_zone(timezone_string: Any, gmt_offset: Any) -> str | None:
    """Return an IANA zone for WordPress's settings: the named zone, else a whole-hour offset."""
    if timezone_string:
        try:
            ZoneInfo(str(timezone_string))
            return str(timezone_string)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        hours = float(gmt_offset)
    except (TypeError, ValueError):
        return None
    if hours == 0:
        return "UTC"
    if hours.is_integer():
        return f"Etc/GMT{-int(hours):+d}"  # POSIX sign: Etc/GMT-1 is UTC+1
    return None  # a half-hour offset without a named zone has no IANA name


def _group(client: WooClient, group: str) -> dict[str, str]:
    """Return a wc/v3 settings group's non-empty values by id ({} when it cannot be read)."""
    try:
        options = client.request("GET", f"settings/{group}")
    except PermanentError as exc:
        log.warning("settings/%s not readable: %s", group, exc)
        return {}
    values = {str(o.get("id")): str(o.get("value") or "").strip() for o in options}
    return {key: value for key, value in values.items() if value}


def learn(store: Store, client: WooClient) -> None:
    """Copy the store's name, time zone, currency, country, e-mail and stock recipients."""
    site = client.site_index()
    store.name = text(site.get("name")) or store.name
    zone = time_zone(site.get("timezone_string"), site.get("gmt_offset"))
    store.timezone = zone or store.timezone
    general = _group(client, "general")
    store.currency = general.get("woocommerce_currency", store.currency)[:3]
    country = general.get("woocommerce_default_country", "").split(":")[0].upper()[:2]
    if country:
        store.settings = store.settings | {COUNTRY_KEY: country}
    sender = _group(client, "email").get("woocommerce_email_from_address")
    stock = _group(client, "products").get("woocommerce_stock_email_recipient")
    recipients, _ = parse_recipients(stock or sender or "")
    store.email = sender or (recipients[0] if recipients else store.email)
    if recipients and not store.settings.get(ALERT_RECIPIENTS_KEY):
        store.settings = store.settings | {ALERT_RECIPIENTS_KEY: recipients}


def learn_store_facts(store_id: int) -> None:
    """Job: read the connected store's facts once it is connected."""
    store = db.session.get(Store, store_id)
    if store is None or not store.is_active:
        return
    learn(store, client_for(store))
    db.session.commit()


def refresh_all_store_facts() -> int:
    """Periodic: re-read every connected store's facts (a merchant may move its time zone)."""
    stores = active_woo_stores()
    for store in stores:
        enqueue_after_commit(learn_store_facts, store.id, store_id=store.id)
    db.session.commit()
    return len(stores)
