"""All models, imported here so that migrations see every table."""

from ecomapp.models.compliance import DataExport
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
    "Cart",
    "Customer",
    "CustomerKind",
    "DataExport",
    "DueStatus",
    "DueWork",
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
    "Store",
    "Variant",
    "utcnow",
]
