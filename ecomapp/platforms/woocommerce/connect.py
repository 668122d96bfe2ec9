"""Connect a store through /wc-auth: URL check, single-use tokens, callback, disconnect."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from ecomapp.extensions import affected, db
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.models import Platform, Store, WooConnection, WooSite
from ecomapp.models.types import utcnow
from ecomapp.outbound import OutboundRefused
from ecomapp.platforms.woocommerce.revoke import Revocation, revoke_key
from ecomapp.platforms.woocommerce.sites import app_url, refuse_internal_host, site_for
from ecomapp.platforms.woocommerce.webhooks import delete_webhooks

log = logging.getLogger(__name__)

PENDING_LIFETIME = timedelta(minutes=15)
APP_NAME = "ecomapp"
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PATH = re.compile(r"^(/[A-Za-z0-9._~%!$&'()*+,;=:@-]+)*/?$")


class ConnectRefused(ValueError):
    """A connection attempt that we refuse; the message says why."""


def token_hash(token: str) -> str:
    """Return the hash under which a single-use token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _allow_http() -> bool:
    return bool(current_app.config["SETTINGS"].woocommerce_allow_http)


def _check_host(host: str, allow_local: bool) -> None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        labels = host.split(".")
        if not all(_LABEL.match(label) for label in labels):
            raise ConnectRefused(_("'%(host)s' is not a valid host name", host=host)) from None
        if len(labels) < 2 and not (allow_local and host == "localhost"):
            raise ConnectRefused(_("'%(host)s' is not a public host name", host=host)) from None
        return
    if not address.is_global and not allow_local:
        raise ConnectRefused(_("%(host)s is a private or loopback address", host=host))


def validate_store_url(raw: str) -> str:
    """Return the store's base URL normalised, or raise ConnectRefused naming the problem."""
    raw = (raw or "").strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise ConnectRefused(_("the store URL is not valid: %(error)s", error=exc)) from None
    allow_http = _allow_http()
    if parts.scheme not in (("https", "http") if allow_http else ("https",)):
        raise ConnectRefused(_("the store URL must start with https://"))
    if parts.username or parts.password or "@" in parts.netloc:
        raise ConnectRefused(_("the store URL must not contain a user name or password"))
    if parts.query or parts.fragment or raw.endswith(("?", "#")):
        raise ConnectRefused(_("the store URL must not contain a query (?) or fragment (#)"))
    host = (parts.hostname or "").lower()
    if not host:
        raise ConnectRefused(_("the store URL has no host"))
    _check_host(host, allow_local=allow_http)
    if not _PATH.match(parts.path):
        raise ConnectRefused(_("the store URL path is not valid"))
    netloc = f"{host}:{port}" if port else host
    url = f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"
    try:
        refuse_internal_host(url)
    except OutboundRefused as exc:
        raise ConnectRefused(
            _("%(error)s: the store must be on a public address", error=exc)
        ) from None
    return url


def start_connection(raw_url: str) -> tuple[str, WooConnection]:
    """Record a pending connection; return the store's /wc-auth URL and the row."""
    store_url = validate_store_url(raw_url)
    callback = f"{app_url()}/woocommerce/callback"
    if not callback.startswith("https://") and not _allow_http():
        raise ConnectRefused("APP_URL must be https: WooCommerce only calls https callbacks")
    token, return_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    pending = WooConnection(
        token_hash=token_hash(token),
        return_hash=token_hash(return_token),
        store_url=store_url,
        expires_at=utcnow() + PENDING_LIFETIME,
    )
    db.session.add(pending)
    db.session.commit()
    query = urlencode(
        {
            "app_name": APP_NAME,
            "scope": "read_write",
            "user_id": token,
            "return_url": f"{app_url()}/woocommerce/return/{return_token}",
            "callback_url": callback,
        }
    )
    return f"{store_url}/wc-auth/v1/authorize?{query}", pending


def _claim(token: str) -> WooConnection | None:
    now = utcnow()
    result = db.session.execute(
        update(WooConnection)
        .where(
            WooConnection.token_hash == token_hash(token),
            WooConnection.used_at.is_(None),
            WooConnection.expires_at > now,
        )
        .values(used_at=now)
    )
    if affected(result) != 1:
        db.session.rollback()
        return None
    return db.session.scalar(
        select(WooConnection).where(WooConnection.token_hash == token_hash(token))
    )


def complete_connection(body: Any) -> Store:
    """Store the keys the store posted to our callback; refuse unknown, used or old tokens."""
    if not isinstance(body, dict):
        raise ConnectRefused("the callback body must be a JSON object")
    fields = [body.get(name) for name in ("user_id", "consumer_key", "consumer_secret")]
    if not all(isinstance(value, str) and value for value in fields):
        raise ConnectRefused("user_id, consumer_key and consumer_secret are required")
    token, key, secret = (str(value) for value in fields)
    pending = _claim(token)
    if pending is None:
        raise ConnectRefused("unknown, already used or expired connection token")
    store = _upsert_store(pending.store_url, key, secret, str(body.get("key_permissions", "")))
    _upsert_site(store, pending.store_url, body.get("key_id"))
    pending.store_id = store.id
    enqueue_after_commit(f"{__package__}.facts:learn_store_facts", store.id, store_id=store.id)
    enqueue_after_commit(f"{__package__}.webhooks:ensure_webhooks", store.id, store_id=store.id)
    enqueue_after_commit(f"{__package__}.sync:initial_sync", store.id, store_id=store.id)
    db.session.commit()
    return store


def _upsert_store(store_url: str, key: str, secret: str, permissions: str) -> Store:
    domain = store_url.split("://", 1)[1]
    store = db.session.scalar(
        select(Store).where(Store.platform == Platform.WOOCOMMERCE.value, Store.domain == domain)
    )
    if store is None:
        store = Store(platform=Platform.WOOCOMMERCE.value, domain=domain, name=domain)
        db.session.add(store)
    store.access_token, store.api_secret = key, secret
    store.scopes, store.uninstalled_at = permissions, None
    store.installed_at = utcnow()
    db.session.flush()
    return store


def _upsert_site(store: Store, store_url: str, key_id: Any) -> WooSite:
    site = db.session.scalar(select(WooSite).where(WooSite.store_id == store.id))
    if site is None:
        site = WooSite(store_id=store.id, hook_token=secrets.token_urlsafe(24), webhook_ids={})
        db.session.add(site)
    site.url = store_url
    site.key_id = int(key_id) if str(key_id or "").isdigit() else None
    if not site.webhook_secret_enc:  # kept on reconnect: live webhooks are signed with it
        site.webhook_secret = _secret()
    if not site.plugin_secret_enc:
        site.plugin_secret = _secret()
    # A reconnected store is imported afresh: reconciliation waits for that import's cut-off
    # instead of replaying everything since the old connection as live changes.
    site.reconciled_at, site.sync_state = None, {}
    return site


def _secret() -> str:
    # URL-safe characters only: WordPress sanitises webhook secrets and decodes entities
    # (`&amp;`) before signing, which would change a secret holding & < > or quotes.
    return secrets.token_urlsafe(32)


def finish_return(return_token: str, pending_id: int | None) -> Store | None:
    """Return the connected store when this browser started the connection, once."""
    pending = db.session.scalar(
        select(WooConnection).where(WooConnection.return_hash == token_hash(return_token))
    )
    if pending is None or pending.id != pending_id or pending.store_id is None:
        return None
    result = db.session.execute(
        update(WooConnection)
        .where(WooConnection.id == pending.id, WooConnection.returned_at.is_(None))
        .values(returned_at=utcnow())
    )
    db.session.commit()
    return db.session.get(Store, pending.store_id) if affected(result) == 1 else None


def disconnect(store: Store) -> Revocation:
    """Delete our webhooks, revoke our REST key through the plugin, then drop our secrets."""
    site = site_for(store)
    try:
        delete_webhooks(store)
    except (PermanentError, TransientError) as exc:
        log.warning("store %s: webhooks not deleted on disconnect: %s", store.id, exc)
    revocation = revoke_key(site, store)
    store.access_token = None
    store.api_secret = None
    store.uninstalled_at = utcnow()
    site.webhook_secret_enc = None
    site.plugin_secret_enc = None
    site.webhook_ids = {}
    db.session.commit()
    return revocation


def purge_pending_connections() -> int:
    """Delete pending connections that expired more than a day ago (periodic); return how many."""
    cutoff = utcnow() - timedelta(days=1)
    result = db.session.execute(delete(WooConnection).where(WooConnection.expires_at < cutoff))
    db.session.commit()
    return int(affected(result) or 0)
