"""Geometry of the server-rendered SVG chart: sent per day as bars, revenue as a line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WIDTH, HEIGHT, PAD = 720, 180, 20


@dataclass(frozen=True)
class Bar:
    """One day's bar and revenue point."""

    day: date
    sent: int
    revenue: Decimal
    x: float
    width: float
    height: float
    y: float
    ry: float


def chart(series: list[tuple[date, int, Decimal]]) -> tuple[list[Bar], str]:
    """Return the bars and the revenue polyline points for a daily series."""
    if not series:
        return [], ""
    peak_sent = max(s for _, s, _ in series) or 1
    peak_rev = max(r for _, _, r in series) or Decimal(1)
    step = (WIDTH - 2 * PAD) / len(series)
    plot = HEIGHT - 2 * PAD
    bars = []
    for i, (day, sent, revenue) in enumerate(series):
        height = plot * sent / peak_sent
        ry = HEIGHT - PAD - plot * float(revenue / peak_rev)
        x = PAD + i * step
        bars.append(Bar(day, sent, revenue, x, step * 0.7, height, HEIGHT - PAD - height, ry))
    points = " ".join(f"{b.x + b.width / 2:.1f},{b.ry:.1f}" for b in bars)
    return bars, points
