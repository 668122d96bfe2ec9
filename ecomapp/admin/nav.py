"""The panel's navigation; other packages append their own pages."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g


@dataclass(frozen=True)
class NavItem:
    """One navigation link."""

    label: str
    endpoint: str
    order: int = 50
    platforms: frozenset[str] | None = None  # None: every store


# The core pages' links; each app starts from these (ecomapp/registries.py) and the feature
# packages add theirs.
CORE_NAV: tuple[NavItem, ...] = (
    NavItem("Dashboard", "admin.dashboard", 0),
    NavItem("Customers", "admin.customers", 60),
    NavItem("Orders", "admin.orders", 70),
    NavItem("Groups", "insights.index", 75),
    NavItem("Jobs", "admin.jobs", 90),
    NavItem("Settings", "admin.store_settings", 99),
)


def nav_items() -> list[NavItem]:
    """Return the current store's navigation items in display order."""
    store = g.get("store")
    platform = store.platform if store is not None else None
    from ecomapp.registries import registries

    nav = registries().nav
    shown = [i for i in nav if i.platforms is None or platform in i.platforms]
    return sorted(shown, key=lambda item: item.order)
