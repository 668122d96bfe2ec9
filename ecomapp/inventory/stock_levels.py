"""Feature wiring of low stock with demand and sold-out visibility."""

from flask import Flask

DIGEST_JOB = "ecomapp.inventory.low_stock:send_digests"
DIGEST_EVERY_SECONDS = 15 * 60


def init_app(app: Flask) -> None:
    """Register the Stock page, the inventory batch subscriber and the digest job."""
    from ecomapp.admin.auth import PANEL_BLUEPRINTS
    from ecomapp.admin.nav import NAV, NavItem
    from ecomapp.events.batch_subscribers import BATCH_SUBSCRIBERS
    from ecomapp.inventory.panel import bp
    from ecomapp.inventory.stock_events import SUBSCRIBER
    from ecomapp.jobs.periodic import PERIODIC

    app.register_blueprint(bp)
    PANEL_BLUEPRINTS.add(bp.name)
    if not any(item.endpoint == "stock.index" for item in NAV):
        NAV.append(NavItem("Stock", "stock.index", 72))
    BATCH_SUBSCRIBERS[SUBSCRIBER] = frozenset({"inventory.changed"})
    PERIODIC[DIGEST_JOB] = DIGEST_EVERY_SECONDS
