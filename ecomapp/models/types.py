"""Portable column types: aware UTC datetimes, money in cents, tag lists."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, overload

from sqlalchemy import BigInteger, DateTime, String, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

CENT = Decimal("0.01")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
@overload
def as_utc(value: datetime | None) -> datetime | None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """Return value as an aware UTC datetime (naive values are taken as UTC)."""
    if value is None or value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_money(value: Any) -> Decimal:
    """Return value as a Decimal rounded to cents (None and '' become 0)."""
    if value is None or value == "":
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


class UTCDateTime(TypeDecorator[datetime]):
    """Store naive UTC, return aware UTC, on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        aware = as_utc(value)
        return aware.replace(tzinfo=None) if aware else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return as_utc(value)


class Money(TypeDecorator[Decimal]):
    """Store an amount as integer cents, return Decimal with two places."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        return int(to_money(value) * 100)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-2)  # exact: the cents with two places


class TagList(TypeDecorator[list[str]]):
    """Store tags as ',a,b,' text so that `tag_pattern` finds one with LIKE."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str:
        tags = normalize_tags(value or [])
        return "," + ",".join(tags) + "," if tags else ""

    def process_result_value(self, value: str | None, dialect: Any) -> list[str]:
        inner = value.strip(",") if value else ""
        if ",," in inner:  # not written by us (we store normalized tags), but tolerated
            return [t for t in inner.split(",") if t]
        return inner.split(",") if inner else []

    def coerce_compared_value(self, op: Any, value: Any) -> TypeEngine[Any]:
        return String()


def normalize_tags(tags: Any) -> list[str]:
    """Return unique, trimmed tags in first-seen order from a list or a comma string."""
    if isinstance(tags, str):
        tags = tags.split(",")
    seen: dict[str, None] = {}
    for tag in tags:
        clean = str(tag).replace(",", " ").strip()
        if clean:
            seen.setdefault(clean, None)
    return list(seen)


def tag_pattern(tag: str) -> str:
    """Return the LIKE pattern that matches one tag in a TagList column."""
    return f"%,{tag.strip()},%"
