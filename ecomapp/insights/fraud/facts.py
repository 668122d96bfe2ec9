"""The plain facts the fraud scorer reads: one order, its customer's past, the store's values."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class PlaceFacts:
    """A billing or shipping address, reduced to what the scorer compares."""

    name: str | None = None
    line: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None
    phone: str | None = None

    def key(self) -> tuple[str, str, str]:
        """Return the normalised (street, postcode, country) identifying this place."""
        return (_norm(self.line), _norm(self.postcode), _norm(self.country))

    def label(self) -> str:
        """Return a short human label of the place."""
        return ", ".join(p for p in (self.line, self.postcode, self.country) if p) or "?"


@dataclass(frozen=True)
class PastOrder:
    """One earlier order of the same customer (by customer id or e-mail)."""

    total: Decimal
    shipping: PlaceFacts | None = None


@dataclass(frozen=True)
class NearbyOrder:
    """Another order of the store placed shortly before this one (velocity, failed attempts)."""

    placed_at: datetime
    email: str | None = None
    ip: str | None = None
    phone: str | None = None
    card: str | None = None
    failed: bool = False


@dataclass(frozen=True)
class StoreValues:
    """The store's recent order totals, sorted, to place one order's value among them."""

    totals: tuple[Decimal, ...] = ()

    def share_below(self, value: Decimal) -> float | None:
        """Return the share of the store's orders below value, or None with too few orders."""
        if len(self.totals) < MIN_ORDERS_FOR_PERCENTILE:
            return None
        return bisect_left(self.totals, value) / len(self.totals)


MIN_ORDERS_FOR_PERCENTILE = 20


@dataclass(frozen=True)
class RankedValues(StoreValues):
    """The store's recent orders counted below given values (one SQL count, not every total)."""

    count: int = 0
    below: dict[Decimal, int] = field(default_factory=dict)

    def share_below(self, value: Decimal) -> float | None:
        """Return the share of the store's orders below value, or None with too few orders."""
        if self.count < MIN_ORDERS_FOR_PERCENTILE or value not in self.below:
            return None
        return self.below[value] / self.count


@dataclass(frozen=True)
class OrderFacts:
    """Everything known about one order when it is scored; None means unknown."""

    total: Decimal
    currency: str = "USD"
    placed_at: datetime | None = None
    email: str | None = None
    ip: str | None = None
    card: str | None = None
    billing: PlaceFacts | None = None
    shipping: PlaceFacts | None = None
    company: str | None = None
    payment_failures: int | None = None
    platform_risk: str | None = None
    history: tuple[PastOrder, ...] | None = None
    nearby: tuple[NearbyOrder, ...] = field(default_factory=tuple)
    store_values: StoreValues = field(default_factory=StoreValues)

    @property
    def phone(self) -> str | None:
        """Return the billing phone, else the shipping phone."""
        for place in (self.billing, self.shipping):
            if place and place.phone:
                return place.phone
        return None


# What str.isalnum() refuses (\w is alnum plus "_", checked over every code point); one
# substitution instead of a generator over each character, the scorer's hottest line.
_NOT_ALNUM = re.compile(r"[\W_]+")


def _norm(value: str | None) -> str:
    return _NOT_ALNUM.sub("", value.lower()) if value else ""


def norm(value: str | None) -> str:
    """Return value lower-cased with only letters and digits kept (for comparisons)."""
    return _norm(value)
