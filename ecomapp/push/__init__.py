"""Web Push: VAPID keys, storefront subscriptions, the push outbox, tracked clicks."""

from flask import Flask

SWEEPER = "ecomapp.push.send:send_due"
ATTRIBUTION = "ecomapp.push.attribution:on_events"


def init_app(app: Flask) -> None:
    """Register the click redirect, the `push-keys` command and the delayed-push sweeper."""
    from ecomapp.events.batch_subscribers import BATCH_SUBSCRIBERS
    from ecomapp.jobs.periodic import PERIODIC
    from ecomapp.push.cli import push_keys_command
    from ecomapp.push.routes import bp

    app.register_blueprint(bp)
    app.cli.add_command(push_keys_command)
    PERIODIC[SWEEPER] = 60
    BATCH_SUBSCRIBERS[ATTRIBUTION] = frozenset({"order.created"})
