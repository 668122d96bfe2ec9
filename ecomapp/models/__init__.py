"""All models, imported here so that migrations see every table."""

from ecomapp.models.automation import (
    Automation,
    AutomationVersion,
    Backtest,
    EffectLedger,
    Run,
    RunStatus,
    RunStep,
)
from ecomapp.models.mail import Message, MessageStatus
from ecomapp.models.mirror import (
    Address,
    Cart,
    Customer,
    CustomerKind,
    LineItem,
    Order,
    Product,
    Variant,
)
from ecomapp.models.store import Platform, Store
from ecomapp.models.types import utcnow
from ecomapp.models.work import (
    DueStatus,
    DueWork,
    Event,
    InboxDelivery,
    InboxStatus,
    JobRecord,
    JobStatus,
)

__all__ = [
    "Address",
    "Automation",
    "AutomationVersion",
    "Backtest",
    "Cart",
    "Customer",
    "CustomerKind",
    "DueStatus",
    "DueWork",
    "EffectLedger",
    "Event",
    "InboxDelivery",
    "InboxStatus",
    "JobRecord",
    "JobStatus",
    "LineItem",
    "Message",
    "MessageStatus",
    "Order",
    "Platform",
    "Product",
    "Run",
    "RunStatus",
    "RunStep",
    "Store",
    "Variant",
    "utcnow",
]
