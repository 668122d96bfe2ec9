"""Web Push: VAPID keys, storefront subscriptions, the push outbox, tracked clicks."""

from flask import Flask

from ecomapp.registries import registries

SWEEPER = "ecomapp.push.send:send_due"
ATTRIBUTION = "ecomapp.push.attribution:on_events"


def init_app(app: Flask) -> None:
    """Register the click redirect, the `push-keys` command and the delayed-push sweeper."""
    from ecomapp.push.cli import push_keys_command

    reg = registries(app)
    app.cli.add_command(push_keys_command)
    reg.periodic[SWEEPER] = 60
    reg.batch_subscribers[ATTRIBUTION] = frozenset({"order.created"})
