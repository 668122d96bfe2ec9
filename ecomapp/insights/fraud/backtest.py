"""Tuning with evidence: what each setting would have flagged on the store's own history."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ecomapp.insights.fraud.facts import OrderFacts
from ecomapp.insights.fraud.scorer import RiskLevel, score_order
from ecomapp.insights.fraud.settings import SIGNALS, FraudSettings, SignalSetting


@dataclass(frozen=True)
class BacktestRow:
    """One setting's outcome: orders flagged (medium+), held (high), known fraud held."""

    setting: str
    flagged: int
    held: int
    caught: int
    known_fraud: int

    @property
    def precision(self) -> float | None:
        """Return the share of held orders that were known fraud (None when none held)."""
        return self.caught / self.held if self.held else None

    @property
    def recall(self) -> float | None:
        """Return the share of known fraud that was held (None without known fraud)."""
        return self.caught / self.known_fraud if self.known_fraud else None


def variants(settings: FraudSettings) -> list[tuple[str, FraudSettings]]:
    """Return the settings to compare: current, each enabled signal off, each signal alone."""
    out = [("current settings", settings)]
    for name in SIGNALS:
        if settings.signals[name].enabled:
            off = settings.signals | {name: SignalSetting(False, settings.signals[name].weight)}
            out.append((f"without {name}", replace(settings, signals=off)))
    out.extend((f"{name} alone", settings.only(name)) for name in SIGNALS)
    return out


def backtest(
    facts: dict[int, OrderFacts], fraud: set[int], settings: FraudSettings
) -> list[BacktestRow]:
    """Return, for each variant of the settings, what it would have flagged and held."""
    rows = []
    for label, variant in variants(settings):
        levels = {oid: score_order(f, variant).level for oid, f in facts.items()}
        held = {oid for oid, level in levels.items() if level is RiskLevel.HIGH}
        flagged = sum(1 for level in levels.values() if level is not RiskLevel.LOW)
        known = fraud & set(facts)
        rows.append(BacktestRow(label, flagged, len(held), len(held & known), len(known)))
    return rows


def add_rows(total: list[BacktestRow], batch: list[BacktestRow]) -> list[BacktestRow]:
    """Return the rows of two batches of orders added up, setting by setting."""
    if not total:
        return list(batch)
    return [
        BacktestRow(
            a.setting,
            a.flagged + b.flagged,
            a.held + b.held,
            a.caught + b.caught,
            a.known_fraud + b.known_fraud,
        )
        for a, b in zip(total, batch, strict=True)
    ]
