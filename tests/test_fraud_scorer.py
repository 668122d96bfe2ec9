"""The fraud scorer on hand-built orders: reasons name the facts, missing data never fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ecomapp.insights.fraud import (
    FraudSettings,
    InvalidFraudSettings,
    NearbyOrder,
    OrderFacts,
    PastOrder,
    PlaceFacts,
    RiskLevel,
    StoreValues,
    parse_settings,
    score_order,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HOME = PlaceFacts("Ada Lovelace", "12 Elm St", "NY", "10001", "US", "+12125550100")
VALUES = StoreValues(tuple(Decimal(40 + i) for i in range(100)))  # 40.00 .. 139.00


def _order(**changes: object) -> OrderFacts:
    base: dict[str, object] = {
        "total": Decimal("80.00"),
        "placed_at": NOW,
        "email": "ada@example.com",
        "ip": "8.8.8.8",  # a US address in the bundled database
        "billing": HOME,
        "shipping": HOME,
        "payment_failures": 0,
        "history": (PastOrder(Decimal("75"), HOME), PastOrder(Decimal("90"), HOME)),
        "store_values": VALUES,
    }
    return OrderFacts(**{**base, **changes})  # type: ignore[arg-type]


def test_mismatched_high_value_first_order_is_high_with_its_reasons() -> None:
    """Given a first order of 1,240.00 billed in CA and shipped to the US, when scored,
    then it is high risk and the reasons name both countries and the value's rank."""
    billing = PlaceFacts("Bob Smith", "1 Bay St", "ON", "M5J 2N8", "CA")
    verdict = score_order(_order(total=Decimal("1240.00"), billing=billing, history=()))

    assert verdict.level is RiskLevel.HIGH
    assert "billing country CA, shipping country US" in verdict.reasons
    assert "first order, 1,240.00 is above 100% of this store's orders" in verdict.reasons
    assert "IP country US, billing country CA" in verdict.reasons


def test_legitimate_repeat_order_from_known_address_is_not_flagged() -> None:
    """Given a returning customer ordering a usual amount to their known address from their
    country, when scored, then the order is low with a score of 0 and no reasons."""
    verdict = score_order(_order())

    assert (verdict.score, verdict.level, verdict.reasons) == (0, RiskLevel.LOW, [])


def test_missing_address_ip_and_history_score_with_missing_reasons() -> None:
    """Given an order with no addresses, IP, e-mail or customer history, when scored,
    then it does not fail, scores low and says what was missing."""
    facts = OrderFacts(total=Decimal("55.00"))
    verdict = score_order(facts)

    assert verdict.level is RiskLevel.LOW
    assert "missing: no billing address, address match not checked" in verdict.reasons
    assert "missing: no IP address on the order" in verdict.reasons
    assert "missing: customer history unknown, first-order check skipped" in verdict.reasons
    assert "missing: payment attempts not reported" in verdict.reasons


def test_new_address_well_above_usual_for_returning_customer() -> None:
    """Given a returning customer who suddenly orders 900.00 to a never-used address, when
    scored, then the unusual-address reason names the address and the multiple."""
    away = PlaceFacts("Ada Lovelace", "9 Dock Rd", "NY", "10002", "US")
    verdict = score_order(_order(total=Decimal("900.00"), shipping=away))

    assert verdict.points["unusual_address"] == 40
    assert (
        "new shipping address 9 Dock Rd, 10002, US on 900.00, 10.9x this customer's usual 82.50"
        in verdict.reasons
    )


def test_failures_velocity_disposable_and_foreign_ip_add_up_to_high() -> None:
    """Given failed attempts, a second order from the same IP within the hour, a disposable
    e-mail and a German IP, when scored, then it is high and names each fact."""
    earlier = NearbyOrder(NOW - timedelta(minutes=20), "x@y.com", "5.9.0.1", failed=True)
    verdict = score_order(
        _order(email="a@mailinator.com", ip="5.9.0.1", payment_failures=2, nearby=(earlier,))
    )

    assert verdict.level is RiskLevel.HIGH and verdict.score == 100
    assert "3 failed payment attempts before this order" in verdict.reasons
    assert "2 orders from IP 5.9.0.1 within an hour" in verdict.reasons
    assert "e-mail domain mailinator.com is disposable" in verdict.reasons
    assert "IP country DE, billing country US, shipping country US" in verdict.reasons


def test_switched_off_signal_and_changed_weight_change_the_score() -> None:
    """Given a country mismatch, when the merchant switches the signal off or doubles its
    weight, then the score follows the settings."""
    facts = _order(shipping=PlaceFacts("Ada Lovelace", "12 Elm St", "NY", "10001", "CA"))
    off = parse_settings({"signals": {"address_mismatch": {"enabled": False}}})
    heavy = parse_settings({"signals": {"address_mismatch": {"weight": 70}}})

    assert "address_mismatch" not in score_order(facts, off).points
    assert score_order(facts, heavy).points["address_mismatch"] == 70
    assert score_order(facts, FraudSettings()).points["address_mismatch"] == 35


def test_platform_verdict_is_an_input() -> None:
    """Given Shopify's own high assessment, when scored, then it adds points and a reason."""
    verdict = score_order(_order(platform_risk="HIGH"))

    assert verdict.reasons == ["the platform's own risk assessment is high"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"signals": {"velocity": {"weight": 101}}}, "signals.velocity.weight"),
        ({"signals": {"velocity": {"enabled": "yes"}}}, "signals.velocity.enabled"),
        ({"signals": {"astrology": {}}}, "signals.astrology"),
        ({"first_order_percentile": 20}, "first_order_percentile"),
        ({"first_order_amount": "abc"}, "first_order_amount"),
        ({"medium_at": 70, "high_at": 60}, "medium_at"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_settings_are_refused_naming_the_field(raw: dict[str, object], field: str) -> None:
    """Given invalid merchant settings, when parsed, then they are refused naming the field."""
    with pytest.raises(InvalidFraudSettings) as refused:
        parse_settings(raw)

    assert refused.value.field == field


def test_fixed_amount_flags_first_order_without_store_history() -> None:
    """Given a new store (too few orders to rank) and a fixed amount of 500, when a first
    order of 750 is scored, then the fixed-amount reason is given."""
    settings = parse_settings({"first_order_amount": "500"})
    verdict = score_order(
        _order(total=Decimal("750"), history=(), store_values=StoreValues()), settings
    )

    assert "first order, 750.00 is above the set 500.00" in verdict.reasons
