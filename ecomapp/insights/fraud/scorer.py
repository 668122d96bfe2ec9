"""Score one order: weighted signals summed to 0-100, a level, and the reasons seen."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ecomapp.insights.fraud.facts import OrderFacts
from ecomapp.insights.fraud.settings import FraudSettings
from ecomapp.insights.fraud.signals import SIGNAL_FUNCTIONS


class RiskLevel(StrEnum):
    """How risky an order is."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Verdict:
    """A scored order: score 0-100, level, reasons (facts seen, then what was missing)."""

    score: int
    level: RiskLevel
    reasons: list[str]
    points: dict[str, int] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        """Tell whether the order is held for review (level high)."""
        return self.level is RiskLevel.HIGH


def score_order(facts: OrderFacts, settings: FraudSettings | None = None) -> Verdict:
    """Return the verdict on one order from its facts (never raises on missing data)."""
    settings = settings or FraudSettings()
    total = 0.0
    points: dict[str, int] = {}
    seen: list[str] = []
    missing: list[str] = []
    for name, signal in SIGNAL_FUNCTIONS.items():
        setting = settings.signals[name]
        if not setting.enabled:
            continue
        finding = signal(facts, settings)
        missing.extend(f"missing: {m}" for m in finding.missing)
        if finding.strength <= 0:
            continue
        points[name] = round(setting.weight * finding.strength)
        total += setting.weight * finding.strength
        seen.extend(finding.reasons)
    score = min(100, round(total))
    return Verdict(score, level_of(score, settings), seen + missing, points)


def level_of(score: int, settings: FraudSettings) -> RiskLevel:
    """Return the level a score falls in under these settings."""
    if score >= settings.high_at:
        return RiskLevel.HIGH
    return RiskLevel.MEDIUM if score >= settings.medium_at else RiskLevel.LOW
