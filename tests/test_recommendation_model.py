"""The co-purchase model on hand-made order lines (pure functions: arrays in, picks out)."""

from __future__ import annotations

import numpy as np

from ecomapp.recommendations.model import (
    CATEGORY,
    CO_PURCHASE,
    Lines,
    Params,
    as_matrix,
    interactions,
    recommend,
    train,
)


def _lines(baskets: list[tuple[list[int], float]], n_products: int) -> Lines:
    """Return lines where basket i (products, age in days) is bought by customer i."""
    customers, products, ages = [], [], []
    for i, (items, age) in enumerate(baskets):
        customers += [i] * len(items)
        products += items
        ages += [age] * len(items)
    return Lines(np.array(customers), np.array(products), np.array(ages), len(baskets), n_products)


def test_recent_co_purchases_outrank_old_ones_and_weak_pairs_fall_back_to_the_category() -> None:
    """Given 0 bought with 1 recently, with 2 half a year ago and with 3 once long ago, then 0's
    picks are 1 before 2, 3 lacks support, and 2's picks are filled with its category's best
    sellers."""
    baskets = [([0, 1], 5.0)] * 3 + [([0, 2], 200.0)] * 3 + [([0, 3], 900.0)]
    model = train(_lines(baskets, 4), np.array([0, 0, 0, 1]), Params(top_n=3))
    learned = model.source == CO_PURCHASE
    picks_of_0 = model.recommended[learned & (model.product == 0)]
    assert list(picks_of_0) == [1, 2]
    assert 3 not in model.recommended[learned]
    fill = model.source == CATEGORY
    assert list(model.recommended[fill & (model.product == 2)]) == [1]  # 0: already learned
    assert not np.any(model.product == model.recommended)


def test_recommendations_leave_out_what_the_customer_bought() -> None:
    """Given kits {0,1,2} and {3,4}, when a customer has 0 and 1, then 2 comes first, never 0/1."""
    baskets = [([0, 1, 2], 10.0)] * 4 + [([3, 4], 10.0)] * 4 + [([0, 1], 1.0)]
    lines = _lines(baskets, 5)
    model = train(lines, np.zeros(5, dtype=int), Params())
    picks = recommend(interactions(lines, Params())[[8]], as_matrix(model, 5), 3)[0]
    assert picks[0] == 2 and not set(picks) & {0, 1}
