"""All models, imported here so that migrations see every table."""

from ecomapp.models.automation import (
    Automation,
    AutomationSkipTally,
    AutomationTally,
    AutomationVersion,
    Backtest,
    EffectLedger,
    PendingEvent,
    Run,
    RunStatus,
    RunStep,
)
from ecomapp.models.back_in_stock import BackInStockRequest, PushMessage, PushSubscription
from ecomapp.models.campaign import (
    Campaign,
    CampaignSend,
    CampaignStatus,
    CampaignVersion,
    SendStatus,
)
from ecomapp.models.collections import CollectionKind, SearchTermDay, SmartCollection
from ecomapp.models.compliance import DataExport
from ecomapp.models.fraud import FraudBacktest, RiskVerdict
from ecomapp.models.insights import GroupChange, GroupRun, GroupRunStatus, OrderMonth
from ecomapp.models.inventory import InventoryLevel
from ecomapp.models.mail import (
    Attribution,
    ConsentRecord,
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
from ecomapp.models.recommendations import ProductRecommendation, RecoRun, RecoRunStatus
from ecomapp.models.segments import CustomerRfm, Segment, SegmentDay, SegmentMember
from ecomapp.models.signups import Signup, SignupStatus
from ecomapp.models.stock_levels import LowStockCrossing, ProductStockState, VisibilityChange
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
    UsedLoginLink,
)

__all__ = [
    "Address",
    "Attribution",
    "Automation",
    "AutomationSkipTally",
    "AutomationTally",
    "AutomationVersion",
    "BackInStockRequest",
    "Backtest",
    "Campaign",
    "CampaignSend",
    "CampaignStatus",
    "CampaignVersion",
    "Cart",
    "CollectionKind",
    "ConsentRecord",
    "Customer",
    "CustomerKind",
    "CustomerRfm",
    "DataExport",
    "DueStatus",
    "DueWork",
    "EffectLedger",
    "Event",
    "FraudBacktest",
    "GroupChange",
    "GroupRun",
    "GroupRunStatus",
    "InboxDelivery",
    "InboxStatus",
    "InventoryLevel",
    "JobRecord",
    "JobStatus",
    "LineItem",
    "LowStockCrossing",
    "MailSettings",
    "MailTemplate",
    "Message",
    "MessageKind",
    "MessageStatus",
    "Order",
    "OrderMonth",
    "PendingEvent",
    "Platform",
    "Product",
    "ProductRecommendation",
    "ProductStockState",
    "PushMessage",
    "PushSubscription",
    "RecoRun",
    "RecoRunStatus",
    "RiskVerdict",
    "Run",
    "RunStatus",
    "RunStep",
    "SearchTermDay",
    "Segment",
    "SegmentDay",
    "SegmentMember",
    "SendStatus",
    "Signup",
    "SignupStatus",
    "SmartCollection",
    "Store",
    "Suppression",
    "SuppressionReason",
    "TrackingEvent",
    "TrackingKind",
    "UsedLoginLink",
    "Variant",
    "VisibilityChange",
    "WooConnection",
    "WooSite",
    "utcnow",
]
