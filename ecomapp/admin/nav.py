"""The panel's navigation; other packages append their own pages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    """One navigation link."""

    label: str
    endpoint: str
    order: int = 50


NAV: list[NavItem] = [
    NavItem("Dashboard", "admin.dashboard", 0),
    NavItem("Customers", "admin.customers", 60),
    NavItem("Orders", "admin.orders", 70),
    NavItem("Jobs", "admin.jobs", 90),
]


def nav_items() -> list[NavItem]:
    """Return navigation items in display order."""
    return sorted(NAV, key=lambda item: item.order)
