"""Co-purchase structure of the demo store: bundles, accessories, category affinity, noise.

A second random stream (seeded from the store's seed) picks which products an order holds, so
the main stream, and with it customers, order counts, dates and statuses, stays as it was.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

# category -> the categories whose products go with it (accessories of a jacket, a tent's stove)
GOES_WITH = {
    "Jackets": ("Accessories", "Packs"),
    "Footwear": ("Accessories", "Camp"),
    "Packs": ("Camp", "Accessories"),
    "Camp": ("Camp", "Packs"),
    "Accessories": ("Jackets", "Footwear"),
}
BUNDLE = 4  # products sold together as a kit
REPEAT, AFFINITY = 0.6, 0.25  # first item: goes with an earlier purchase / favourite category
WITH_FIRST, SAME_CATEGORY = 0.6, 0.2  # next items: goes with the first / same category


@dataclass
class Baskets:
    """Who goes with whom, how popular each product is, and each customer's favourite."""

    taste: random.Random
    flat: list[dict[str, Any]]  # every variant pick, as the seed draws them
    variants: list[list[dict[str, Any]]]  # per product, its variant picks
    categories: list[str]
    weights: list[float]
    partners: list[list[int]] = field(default_factory=list)
    by_category: dict[str, list[int]] = field(default_factory=dict)
    history: dict[str, list[int]] = field(default_factory=dict)
    favourite: dict[str, str] = field(default_factory=dict)
    everyone: list[int] = field(default_factory=list)
    cumulative: dict[int, list[float]] = field(default_factory=dict)  # id(pool) -> cum weights

    def _weighted(self, pool: list[int]) -> int:
        cum = self.cumulative.get(id(pool))
        if cum is None:
            cum = self.cumulative[id(pool)] = list(accumulate(self.weights[i] for i in pool))
        return self.taste.choices(pool, cum_weights=cum)[0]

    def _noise(self) -> int:
        return self._weighted(self.everyone)

    def _first(self, key: str) -> int:
        roll, earlier = self.taste.random(), self.history.get(key, [])
        if earlier and roll < REPEAT:
            partners = self.partners[self.taste.choice(earlier)]
            if partners:
                return self.taste.choice(partners)
        if roll < REPEAT + AFFINITY:
            return self._weighted(self.by_category[self.favourite[key]])
        return self._noise()

    def _next(self, first: int) -> int:
        roll = self.taste.random()
        if roll < WITH_FIRST and self.partners[first]:
            return self.taste.choice(self.partners[first])
        if roll < WITH_FIRST + SAME_CATEGORY:
            return self._weighted(self.by_category[self.categories[first]])
        return self._noise()

    def pick(self, key: str, count: int) -> list[dict[str, Any]]:
        """Return the variants of one order of the customer `key` with `count` products."""
        if key not in self.favourite:
            self.favourite[key] = self.taste.choice(sorted(self.by_category))
        chosen = [self._first(key)]
        for _ in range(min(count, len(self.variants)) - 1):
            product = self._next(chosen[0])
            tries = 0
            while product in chosen and tries < 5:
                product, tries = self._noise(), tries + 1
            if product not in chosen:
                chosen.append(product)
        self.history.setdefault(key, []).extend(chosen)
        return [self.taste.choice(self.variants[p]) for p in chosen]


def make_baskets(seed: int, variants: list[dict[str, Any]]) -> Baskets:
    """Return the store's co-purchase structure over its variant picks (deterministic)."""
    taste = random.Random(seed * 1_000_003 + 11)
    per_product: dict[int, list[dict[str, Any]]] = {}
    for pick in variants:
        per_product.setdefault(pick["product"].id, []).append(pick)
    products = [per_product[k] for k in sorted(per_product)]
    categories = [p[0]["product"].product_type or "" for p in products]
    weights = [1.0 / (rank + 1) ** 0.5 for rank in range(len(products))]
    taste.shuffle(weights)
    baskets = Baskets(taste, variants, products, categories, weights)
    baskets.everyone = list(range(len(products)))
    for i, category in enumerate(categories):
        baskets.by_category.setdefault(category, []).append(i)
    baskets.partners = _partners(taste, categories, baskets.by_category)
    return baskets


def _partners(
    taste: random.Random, categories: list[str], by_category: dict[str, list[int]]
) -> list[list[int]]:
    """Return each product's partners: its kit (BUNDLE products across categories), accessories."""
    order = list(range(len(categories)))
    taste.shuffle(order)
    partners: list[list[int]] = [[] for _ in categories]
    for start in range(0, len(order), BUNDLE):
        kit = order[start : start + BUNDLE]
        for i in kit:
            partners[i] += [j for j in kit if j != i]
    for i, category in enumerate(categories):
        for other in GOES_WITH.get(category, ()):
            pool = [j for j in by_category.get(other, []) if j != i]
            if pool:
                partners[i].append(taste.choice(pool))
    return partners
