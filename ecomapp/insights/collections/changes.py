"""What to push: the difference between the members on the platform and the new ones."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CollectionChange:
    """Products to add (in order), to remove, and moves that then give the new order."""

    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    moves: list[tuple[str, int]] = field(default_factory=list)
    target: list[str] = field(default_factory=list)  # the members once applied

    def __bool__(self) -> bool:
        return bool(self.add or self.remove or self.moves)

    def summary(self) -> dict[str, list[str] | int]:
        """Return the change as the panel shows it."""
        return {"added": self.add, "removed": self.remove, "moved": len(self.moves)}


def plan(old: list[str], new: list[str]) -> CollectionChange:
    """Return the change from `old` to `new`: removals, additions appended, then moves.

    Moves follow Shopify's `collectionReorderProducts`: applied one after another, each
    `newPosition` a zero-based index in the list as it is when the move applies.
    """
    wanted, had = set(new), set(old)
    change = CollectionChange(
        add=[p for p in new if p not in had],
        remove=[p for p in old if p not in wanted],
        target=list(new),
    )
    current = [p for p in old if p in wanted] + change.add
    for position, product in enumerate(new):
        if current[position] != product:
            current.remove(product)
            current.insert(position, product)
            change.moves.append((product, position))
    return change
