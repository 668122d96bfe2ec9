"""A generator of labelled order histories: fraud planted among realistic legitimate noise.

Legitimate noise is what trips naive rules: gifts shipped to someone else (sometimes abroad),
travellers ordering from a foreign IP, big first orders from real businesses, customers who
moved house, a mistyped card number, privacy-minded disposable addresses, families sharing an
IP. Fraud follows three patterns: stolen cards on first orders, account takeovers, bursts of
card testing from one IP. Every order is labelled; the seed makes a history reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ecomapp.mirror.records import AddressRecord, CustomerRecord, LineRecord, OrderRecord

HOME_PREFIXES = {
    "US": ("12.0.0", "3.0.0", "70.0.0", "76.0.0"),
    "CA": ("24.48.0", "99.224.0"),
    "GB": ("81.2.69", "86.0.0"),
    "DE": ("5.9.0",),
    "AU": ("1.1.1",),
}
HOME_WEIGHTS = {"US": 55, "CA": 15, "GB": 15, "DE": 10, "AU": 5}
FRAUD_PREFIXES = {"NG": "197.210.0", "VN": "117.0.0", "BR": "177.0.0", "ID": "49.0.0"}
REGIONS = {"US": ("NY", "CA", "TX", "WA"), "CA": ("ON", "BC", "QC"), "GB": ("ENG", "SCT")}
DISPOSABLE = ("mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com")
START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class LabelledOrder:
    """One generated order with its truth."""

    record: OrderRecord
    fraud: bool
    pattern: str


@dataclass
class Person:
    """A generated customer with a home, a home IP and an order habit."""

    customer: CustomerRecord
    country: str
    home: AddressRecord
    ip: str
    usual: float
    business: bool = False
    orders: int = 0
    last: datetime = START


class HistoryGenerator:
    """Build a store's labelled history from a seed."""

    def __init__(self, customers: int, seed: int = 7, days: int = 180) -> None:
        self.rng = random.Random(seed)
        self.days = days
        self.people = [self._person(i) for i in range(customers)]
        self.out: list[LabelledOrder] = []
        self.returning: list[Person] = []
        self._ids = 0
        self._fraud = 0

    def generate(self, fraud_share: float = 0.03) -> list[LabelledOrder]:
        """Return the history sorted by time: legitimate orders with fraud planted among them."""
        for person in self.people:
            self._legit_history(person)
        planted = int(len(self.out) * fraud_share)
        patterns = (self._stolen_card, self._takeover, self._card_testing)
        self.returning = [p for p in self.people if p.orders]  # fixed from here on
        while self._fraud < planted:
            self.rng.choices(patterns, weights=(5, 3, 1))[0]()
        return sorted(self.out, key=lambda o: o.record.placed_at or START)

    def _person(self, i: int) -> Person:
        rng = self.rng
        country = rng.choices(list(HOME_WEIGHTS), weights=list(HOME_WEIGHTS.values()))[0]
        first, last = f"Cust{i}", rng.choice(("Smith", "Garcia", "Chen", "Muller", "Okafor"))
        domain = "yopmail.com" if rng.random() < 0.01 else "example.com"
        customer = CustomerRecord(
            platform_id=f"c{i}", email=f"cust{i}@{domain}", first_name=first, last_name=last
        )
        home = self._address("shipping", f"{first} {last}", country)
        business = rng.random() < 0.05
        usual = rng.lognormvariate(4.2, 0.5) * (6 if business else 1)
        return Person(customer, country, home, self._ip(country), usual, business)

    def _address(self, kind: str, name: str, country: str) -> AddressRecord:
        rng = self.rng
        return AddressRecord(
            kind=kind,
            name=name,
            address1=f"{rng.randint(1, 999)} {rng.choice(('Elm', 'Oak', 'High', 'Main'))} St",
            city="Town",
            province=rng.choice(REGIONS.get(country, ("",))) or None,
            zip=f"{rng.randint(10000, 99999)}",
            country_code=country,
            phone=f"+1555{rng.randint(1000000, 9999999)}",
        )

    def _ip(self, country: str) -> str:
        prefixes = HOME_PREFIXES.get(country) or (FRAUD_PREFIXES[country],)
        return f"{self.rng.choice(prefixes)}.{self.rng.randint(1, 254)}"

    def _when(self) -> datetime:
        return START + timedelta(seconds=self.rng.randint(0, self.days * 86400))

    def _total(self, base: float, spread: float = 0.35) -> Decimal:
        return Decimal(f"{max(5.0, base * self.rng.lognormvariate(0, spread)):.2f}")

    def _order(
        self, customer: CustomerRecord, total: Decimal, when: datetime, **kw: object
    ) -> None:
        self._ids += 1
        billing = kw.get("billing")
        shipping = kw.get("shipping")
        record = OrderRecord(
            platform_id=f"o{self._ids}",
            name=f"#{1000 + self._ids}",
            customer=customer,
            email=customer.email,
            subtotal_price=total,
            total_price=total,
            financial_status="paid",
            client_ip=kw.get("ip"),  # type: ignore[arg-type]
            payment_failures=int(kw.get("failures") or 0),  # type: ignore[call-overload]
            placed_at=when,
            paid_at=when,
            updated_at=when,
            lines=[LineRecord(None, "Goods", 1, total)],
            addresses=[a for a in (billing, shipping) if isinstance(a, AddressRecord)],
        )
        fraud = bool(kw.get("fraud"))
        self._fraud += fraud
        self.out.append(LabelledOrder(record, fraud, str(kw.get("pattern") or "repeat")))

    def _legit_history(self, person: Person) -> None:
        count = self.rng.choice((1, 1, 1, 2, 2, 3, 4, 6))
        for when in sorted(self._when() for _ in range(count)):
            self._legit(person, when)

    def _legit(self, p: Person, when: datetime) -> None:
        rng, roll = self.rng, self.rng.random()
        shipping, ip, pattern = p.home, p.ip, "repeat"
        total = self._total(p.usual * (3 if p.business and not p.orders else 1))
        if roll < 0.08:
            abroad = rng.random() < 0.15
            country = rng.choice(list(HOME_WEIGHTS)) if abroad else p.country
            shipping, pattern = (
                self._address("shipping", f"Friend of {p.customer.first_name}", country),
                "gift",
            )
        elif roll < 0.13:
            ip, pattern = (
                self._ip(rng.choice([c for c in HOME_WEIGHTS if c != p.country])),
                "traveller",
            )
        elif roll < 0.15 and p.orders:
            p.home = self._address("shipping", p.home.name or "", p.country)
            shipping, pattern = p.home, "moved"
        elif roll < 0.16:
            friend = rng.choice(self.people)
            self._order(
                friend.customer,
                self._total(friend.usual),
                when - timedelta(minutes=20),
                billing=_as_billing(friend.home),
                shipping=friend.home,
                ip=ip,
                pattern="family",
            )
            pattern = "family"
        elif roll < 0.18 and p.orders:
            total, pattern = self._total(p.usual * 4), "splurge"
        failures = 1 if rng.random() < 0.04 else 0
        billing = _as_billing(p.home if pattern != "moved" else shipping)
        self._order(
            p.customer,
            total,
            when,
            billing=billing,
            shipping=shipping,
            ip=ip,
            failures=failures,
            pattern=pattern,
        )
        p.orders += 1
        p.last = when

    def _stranger(self, disposable_share: float) -> CustomerRecord:
        self._ids += 1
        domain = (
            self.rng.choice(DISPOSABLE)
            if self.rng.random() < disposable_share
            else "mail.example.net"
        )
        return CustomerRecord(platform_id=f"x{self._ids}", email=f"buyer{self._ids}@{domain}")

    def _stolen_card(self) -> None:
        rng = self.rng
        victim = rng.choice(self.people)
        billing = _as_billing(self._address("billing", victim.home.name or "", victim.country))
        if rng.random() < 0.6:
            shipping = self._address("shipping", "J Doe", rng.choice(list(FRAUD_PREFIXES)))
        else:
            shipping = self._address("shipping", "J Doe", victim.country)
        ip = self._ip(rng.choice(list(FRAUD_PREFIXES)) if rng.random() < 0.6 else victim.country)
        base = rng.uniform(400, 2500) if rng.random() < 0.75 else victim.usual
        failures = rng.randint(1, 3) if rng.random() < 0.5 else 0
        self._order(
            self._stranger(0.4),
            self._total(base, 0.1),
            self._when(),
            billing=billing,
            shipping=shipping,
            ip=ip,
            failures=failures,
            fraud=True,
            pattern="stolen_card",
        )

    def _takeover(self) -> None:
        rng = self.rng
        p = rng.choice(self.returning)
        when = min(p.last + timedelta(days=rng.randint(1, 30)), START + timedelta(days=self.days))
        foreign = rng.random() < 0.4
        country = rng.choice(list(FRAUD_PREFIXES)) if foreign else p.country
        shipping = self._address("shipping", rng.choice((p.home.name or "", "Pick Up")), country)
        ip = self._ip(rng.choice(list(FRAUD_PREFIXES))) if rng.random() < 0.5 else p.ip
        self._order(
            p.customer,
            self._total(p.usual * rng.uniform(3, 10), 0.1),
            when,
            billing=_as_billing(p.home),
            shipping=shipping,
            ip=ip,
            failures=rng.randint(1, 2) if rng.random() < 0.3 else 0,
            fraud=True,
            pattern="takeover",
        )

    def _card_testing(self) -> None:
        rng = self.rng
        ip, start = self._ip(rng.choice(list(FRAUD_PREFIXES))), self._when()
        for i in range(rng.randint(3, 5)):
            country = rng.choice(list(HOME_WEIGHTS))
            billing = _as_billing(self._address("billing", f"Card {i}", country))
            shipping = billing if rng.random() < 0.5 else self._address("shipping", "Drop", country)
            self._order(
                self._stranger(0.3),
                self._total(rng.uniform(20, 150), 0.1),
                start + timedelta(minutes=8 * i),
                billing=billing,
                shipping=_as_shipping(shipping),
                ip=ip,
                failures=rng.randint(1, 4) if rng.random() < 0.6 else 0,
                fraud=True,
                pattern="card_testing",
            )


def _as_billing(address: AddressRecord) -> AddressRecord:
    return replace(address, kind="billing")


def _as_shipping(address: AddressRecord) -> AddressRecord:
    return replace(address, kind="shipping")


def labelled_history(customers: int, seed: int = 7) -> list[LabelledOrder]:
    """Return a reproducible labelled history of a store with this many customers."""
    return HistoryGenerator(customers, seed).generate()
