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
from ecomapp.models.compliance import DataExport
from ecomapp.models.fraud import RiskVerdict
from ecomapp.models.inventory import InventoryLevel
from ecomapp.models.mail import (
    Attribution,
    MailSettings,
    MailTemplate,
    Message,
    MessageKind,
    MessageStatus,
    Suppression,
    SuppressionReason,
    TrackingEvent,
    TrackingKind,
)
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
from ecomapp.models.woocommerce import WooConnection, WooSite
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
    "Attribution",
    "Automation",
    "AutomationVersion",
    "Backtest",
    "Cart",
    "Customer",
    "CustomerKind",
    "DataExport",
    "DueStatus",
    "DueWork",
    "EffectLedger",
    "Event",
    "InboxDelivery",
    "InboxStatus",
    "InventoryLevel",
    "JobRecord",
    "JobStatus",
    "LineItem",
    "MailSettings",
    "MailTemplate",
    "Message",
    "MessageKind",
    "MessageStatus",
    "Order",
    "Platform",
    "Product",
    "RiskVerdict",
    "Run",
    "RunStatus",
    "RunStep",
    "Store",
    "Suppression",
    "SuppressionReason",
    "TrackingEvent",
    "TrackingKind",
    "Variant",
    "WooConnection",
    "WooSite",
    "utcnow",
]
