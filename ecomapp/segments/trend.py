"""Geometry of a segment's size-over-time chart: one point per recorded day, as an SVG line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT, PAD = 720, 160, 20


@dataclass(frozen=True)
class Point:
    """One day's size and where it sits on the chart."""

    day: date
    members: int
    x: float
    y: float


def trend(series: list[tuple[date, int]]) -> tuple[list[Point], str]:
    """Return the points and the polyline of daily sizes (the peak reaches the top)."""
    if not series:
        return [], ""
    peak = max(m for _, m in series) or 1
    step = (WIDTH - 2 * PAD) / max(len(series) - 1, 1)
    plot = HEIGHT - 2 * PAD
    points = [
        Point(day, members, PAD + i * step, HEIGHT - PAD - plot * members / peak)
        for i, (day, members) in enumerate(series)
    ]
    return points, " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)
