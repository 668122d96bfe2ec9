"""Feature wiring of low stock with demand and sold-out visibility."""

from flask import Flask

from ecomapp.registries import registries

DIGEST_JOB = "ecomapp.inventory.low_stock:send_digests"
DIGEST_EVERY_SECONDS = 15 * 60


def init_app(app: Flask) -> None:
    """Register the Stock page, the inventory batch subscriber and the digest job."""
    from ecomapp.admin.nav import NavItem
    from ecomapp.inventory.stock_events import SUBSCRIBER

    reg = registries(app)
    reg.nav.append(NavItem("Stock", "stock.index", 72))
    reg.batch_subscribers[SUBSCRIBER] = frozenset({"inventory.changed"})
    reg.periodic[DIGEST_JOB] = DIGEST_EVERY_SECONDS
