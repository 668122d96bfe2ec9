"""Cost of the render limits: the built-in templates through our bounded sandbox vs Jinja's own
immutable sandbox (no limits), same text and data, in the same run.

Run: python -m bench.template_render [--rounds 300]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment

from ecomapp.mail.defaults import DEFAULT_TEMPLATES
from ecomapp.mail.sandbox import render_text

LINES = [{"title": f"Item {i}", "quantity": 1, "price": "10.00"} for i in range(20)]
CONTEXT: dict[str, Any] = {
    "customer": {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"},
    "order": {"name": "#1001", "total_price": "200.00", "line_items": LINES},
    "cart": {"line_items": LINES[:5], "total_price": "50.00", "recovery_url": "https://x.test"},
    "product": {"title": "Shell", "url": "https://x.test/p", "price": "20.00"},
    "variant": {"title": "M", "sku": "S-1", "inventory_quantity": 3},
    "recommendations": [{"title": "Hat", "url": "https://x.test/h", "price": "9.00"}] * 6,
    "store": {"name": "Trail Co", "url": "https://x.test"},
    "discount_code": "THANKS-1A2B3C4D",
    "unsubscribe_url": "#",
}


def _per_render(render: Callable[[str], str], sources: list[str], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for source in sources:
            render(source)
    return (time.perf_counter() - started) / (rounds * len(sources))


def main() -> None:
    """Print microseconds per render for both environments and their ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    rounds = parser.parse_args().rounds
    sources = [html for _, html in DEFAULT_TEMPLATES.values()]
    plain = ImmutableSandboxedEnvironment(autoescape=True)
    compiled = {source: plain.from_string(source) for source in sources}

    def baseline(source: str) -> str:
        return compiled[source].render(**CONTEXT)

    def bounded(source: str) -> str:
        return render_text(source, CONTEXT)

    for render in (baseline, bounded):
        _per_render(render, sources, 10)  # warm caches
    base = min(_per_render(baseline, sources, rounds) for _ in range(3))
    ours = min(_per_render(bounded, sources, rounds) for _ in range(3))
    print(f"{len(sources)} built-in templates, {rounds} rounds (best of 3)")
    print(f"Jinja immutable sandbox (baseline): {base * 1e6:7.1f} us/render")
    print(f"bounded sandbox (ecomapp):          {ours * 1e6:7.1f} us/render  {ours / base:.2f}x")


if __name__ == "__main__":
    main()
