"""The canonical event types automations can be written against (no imports: the engine's
pure core reads them too)."""

EVENT_TYPES = (
    "customer.created",
    "customer.updated",
    "customer.consent_changed",
    "customer.subscribed",
    "customer.spend_changed",
    "customer.entered_segment",
    "customer.left_segment",
    "order.created",
    "order.paid",
    "order.updated",
    "order.cancelled",
    "order.fulfilled",
    "order.refunded",
    "cart.updated",
    "cart.abandoned",
    "cart.converted",
    "inventory.changed",
    "product.created",
    "product.updated",
    "product.deleted",
)
