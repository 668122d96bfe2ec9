"""Fraud screening: score an order from its facts, with reasons naming what was seen."""

from ecomapp.insights.fraud.facts import NearbyOrder, OrderFacts, PastOrder, PlaceFacts, StoreValues
from ecomapp.insights.fraud.scorer import RiskLevel, Verdict, score_order
from ecomapp.insights.fraud.settings import FraudSettings, InvalidFraudSettings, parse_settings

__all__ = [
    "FraudSettings",
    "InvalidFraudSettings",
    "NearbyOrder",
    "OrderFacts",
    "PastOrder",
    "PlaceFacts",
    "RiskLevel",
    "StoreValues",
    "Verdict",
    "parse_settings",
    "score_order",
]
