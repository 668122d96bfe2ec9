"""The fraud signals: each reads OrderFacts and says how strongly it fired, and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from statistics import median

from ecomapp.insights.fraud.facts import OrderFacts, norm
from ecomapp.insights.fraud.lookups import email_domain, ip_country, is_disposable
from ecomapp.insights.fraud.settings import FraudSettings


@dataclass
class Finding:
    """What one signal saw: strength 0..1, the facts behind it, and what it lacked."""

    strength: float = 0.0
    reasons: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def address_mismatch(facts: OrderFacts, settings: FraudSettings) -> Finding:
    """Compare billing and shipping: country, region, postcode, recipient name."""
    billing, shipping = facts.billing, facts.shipping
    if billing is None or shipping is None:
        lacking = "billing" if billing is None else "shipping"
        return Finding(missing=[f"no {lacking} address, address match not checked"])
    found = Finding()
    parts = (("country", 1.0), ("region", 0.35), ("postcode", 0.25), ("name", 0.25))
    for part, strength in parts:
        b, s = getattr(billing, part), getattr(shipping, part)
        if b and s and norm(b) != norm(s):
            found.strength += strength
            found.reasons.append(f"billing {part} {b}, shipping {part} {s}")
    found.strength = min(found.strength, 1.0)
    return found


def high_value_first_order(facts: OrderFacts, settings: FraudSettings) -> Finding:
    """Flag a first order above the store's percentile or the fixed amount."""
    if facts.history is None:
        return Finding(missing=["customer history unknown, first-order check skipped"])
    if facts.history:
        return Finding()
    amount = _money(facts.total)
    fixed = settings.first_order_amount
    if fixed is not None and facts.total > fixed:
        return Finding(1.0, [f"first order, {amount} is above the set {_money(fixed)}"])
    share = facts.store_values.share_below(facts.total)
    if share is None:
        missing = "too few store orders to rank the first order's value"
        return Finding(missing=[missing] if fixed is None else [])
    if share * 100 < settings.first_order_percentile:
        return Finding()
    reason = f"first order, {amount} is above {int(share * 100)}% of this store's orders"
    return Finding(1.0, [reason])


def failed_payments(facts: OrderFacts, settings: FraudSettings) -> Finding:
    """Count failed payment attempts before this order (own and same e-mail/IP)."""
    own = facts.payment_failures
    related = sum(1 for o in facts.nearby if o.failed and _same_buyer(facts, o))
    if own is None and not related:
        return Finding(missing=["payment attempts not reported"])
    count = (own or 0) + related
    if count == 0:
        return Finding()
    words = "failed payment attempt" if count == 1 else "failed payment attempts"
    return Finding(min(1.0, count / 3), [f"{count} {words} before this order"])


def _same_buyer(facts: OrderFacts, other: object) -> bool:
    email, ip = getattr(other, "email", None), getattr(other, "ip", None)
    same_email = bool(facts.email and email and facts.email.lower() == email.lower())
    return same_email or bool(facts.ip and ip == facts.ip)


def unusual_address(facts: OrderFacts, settings: FraudSettings) -> Finding:
    """Flag a returning customer shipping somewhere new on an order well above their usual."""
    if not facts.history:
        return Finding()
    if facts.shipping is None:
        return Finding(missing=["no shipping address, unusual-address check skipped"])
    known = {o.shipping.key() for o in facts.history if o.shipping}
    if facts.shipping.key() in known:
        return Finding()
    usual = Decimal(median(o.total for o in facts.history))
    multiple = float(facts.total / usual) if usual > 0 else float("inf")
    if multiple < settings.unusual_address_multiple:
        return Finding()
    reason = (
        f"new shipping address {facts.shipping.label()} on {_money(facts.total)}, "
        f"{multiple:.1f}x this customer's usual {_money(usual)}"
    )
    return Finding(1.0, [reason])


def velocity(facts: OrderFacts, settings: FraudSettings) -> Finding:
    """Count orders sharing e-mail, IP, phone or card within the last hour and day."""
    if facts.placed_at is None:
        return Finding(missing=["order time unknown, velocity not checked"])
    found = Finding()
    keys = {"e-mail": facts.email, "IP": facts.ip, "phone": facts.phone, "card": facts.card}
    for label, value in keys.items():
        if not value:
            continue
        times = [o.placed_at for o in facts.nearby if _shares(o, label, value)]
        hour = 1 + sum(1 for t in times if facts.placed_at - t <= timedelta(hours=1))
        day = 1 + len(times)
        if hour >= settings.velocity_hour:
            found.strength = 1.0
            found.reasons.append(f"{hour} orders from {label} {value} within an hour")
        elif day >= settings.velocity_day:
            found.strength = max(found.strength, 0.6)
            found.reasons.append(f"{day} orders from {label} {value} within a day")
    return found


def _shares(other: object, label: str, value: str) -> bool:
    attr = {"e-mail": "email", "IP": "ip", "phone": "phone", "card": "card"}[label]
    theirs = getattr(other, attr)
    return bool(theirs) and norm(theirs) == norm(value)


def ip_location(facts: OrderFacts, settings: FraudSettings) -> Finding:
    """Compare the IP's country with the billing and shipping countries."""
    if not facts.ip:
        return Finding(missing=["no IP address on the order"])
    country = ip_country(facts.ip)
    if country is None:
        return Finding(missing=[f"IP {facts.ip} not in the country database"])
    places = [(k, p) for k, p in (("billing", facts.billing), ("shipping", facts.shipping)) if p]
    others = [(k, p.country) for k, p in places if p.country and p.country.upper() != country]
    if not places or not others:
        return Finding(missing=[] if places else ["no address to compare the IP country with"])
    listed = ", ".join(f"{k} country {c}" for k, c in others)
    strength = 1.0 if len(others) == len(places) else 0.5
    return Finding(strength, [f"IP country {country}, {listed}"])


def disposable_email(facts: OrderFacts, settings: FraudSettings) -> Finding:
    """Flag an e-mail address at a disposable-mail domain."""
    domain = email_domain(facts.email)
    if domain is None:
        return Finding(missing=["no e-mail address on the order"])
    if not is_disposable(domain):
        return Finding()
    return Finding(1.0, [f"e-mail domain {domain} is disposable"])


_PLATFORM_LEVELS = {"high": 1.0, "cancel": 1.0, "medium": 0.5, "investigate": 0.5}


def platform_risk(facts: OrderFacts, settings: FraudSettings) -> Finding:
    """Take the platform's own risk verdict as an input, where it gave one."""
    level = (facts.platform_risk or "").lower()
    strength = _PLATFORM_LEVELS.get(level, 0.0)
    if not strength:
        return Finding()
    return Finding(strength, [f"the platform's own risk assessment is {level}"])


Signal = Callable[[OrderFacts, FraudSettings], Finding]
SIGNAL_FUNCTIONS: dict[str, Signal] = {
    "address_mismatch": address_mismatch,
    "high_value_first_order": high_value_first_order,
    "failed_payments": failed_payments,
    "unusual_address": unusual_address,
    "velocity": velocity,
    "ip_country": ip_location,
    "disposable_email": disposable_email,
    "platform_risk": platform_risk,
}
