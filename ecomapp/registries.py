"""Per-app registries: what the feature packages register with one app, kept in `app.extensions`.

Each `create_app` starts from the core defaults below, marks its panel blueprints, and each
feature package's `init_app` adds its own entries (navigation, periodic jobs, job timeouts,
subscribers, store resolvers, platform adapters). Two apps built in one process (tests, a CLI
beside a server) share none of it; code reads the registries of the app it runs under.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from flask import Request

    from ecomapp.admin.nav import NavItem
    from ecomapp.models import Store
    from ecomapp.platforms.base import PlatformAdapter

KEY = "ecomapp.registries"


@dataclass
class Registries:
    """One app's registries; feature packages fill them in `init_app`."""

    # Blueprints whose requests act for a store (signed in, scoped, CSRF-checked); filled from
    # `BLUEPRINTS` in ecomapp/__init__.py.
    panel_blueprints: set[str] = field(default_factory=set)
    # Functions finding the request's store before the session (Shopify session tokens …).
    store_resolvers: list[Callable[[Request], Store | None]] = field(default_factory=list)
    # The panel's navigation links.
    nav: list[NavItem] = field(default_factory=list)
    # Job path -> period in seconds of the periodic jobs the ticker records.
    periodic: dict[str, int] = field(default_factory=dict)
    # Job path -> seconds a job may run when longer than the default.
    job_timeouts: dict[str, int] = field(default_factory=dict)
    # Job path taking (store id, event ids) -> the event types it wants, a batch at a time.
    batch_subscribers: dict[str, frozenset[str]] = field(default_factory=dict)
    # Paths of functions taking an event id, run once per event they want.
    subscribers: list[str] = field(default_factory=list)
    # The event types a subscriber wants, by path; one not named here gets every event.
    subscriber_types: dict[str, frozenset[str]] = field(default_factory=dict)
    # Platform name -> "module:Class" of its adapter, and the adapters made so far.
    adapters: dict[str, str] = field(default_factory=dict)
    adapter_instances: dict[str, PlatformAdapter] = field(default_factory=dict)


def init_app(app: Flask) -> None:
    """Give the app its own registries, holding the core defaults."""
    from ecomapp.admin.nav import CORE_NAV
    from ecomapp.jobs.periodic import CORE_PERIODIC
    from ecomapp.platforms.registry import ADAPTERS

    app.extensions[KEY] = Registries(
        nav=list(CORE_NAV), periodic=dict(CORE_PERIODIC), adapters=dict(ADAPTERS)
    )


def registries(app: Flask | None = None) -> Registries:
    """Return the registries of this app (the current one by default)."""
    registered: Registries = (app or current_app).extensions[KEY]
    return registered
