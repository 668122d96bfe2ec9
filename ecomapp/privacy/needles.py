"""What identifies a person in stored text, and how to blank it out of strings and JSON."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Shorter strong needles would match unrelated text store-wide.
MIN_STRONG = 5


@dataclass
class Needles:
    """A person's identifying strings.

    `strong` ones (e-mail, phone, full name, street line) identify the person anywhere in the
    store, so every row holding one is about them; `weak` ones (a first name, a city, a zip)
    are only blanked in rows already known to be about the person.
    """

    strong: set[str] = field(default_factory=set)
    weak: set[str] = field(default_factory=set)

    def add_strong(self, *values: str | None) -> None:
        """Add identifying values that are long enough to search the whole store for."""
        self.strong |= {v.strip() for v in values if v and len(v.strip()) >= MIN_STRONG}

    def add_weak(self, *values: str | None) -> None:
        """Add values blanked only in rows known to be about the person."""
        self.weak |= {v.strip() for v in values if v and len(v.strip()) >= 2}

    def search_forms(self) -> list[str]:
        """Return the strong needles lower-cased as stored in text and JSON columns."""
        forms: set[str] = set()
        for value in self.strong:
            forms |= {value.lower(), json.dumps(value)[1:-1].lower(), html.escape(value).lower()}
        return sorted(forms)

    def byte_forms(self) -> list[bytes]:
        """Return the strong needles as they appear in raw JSON bodies (escaped or not)."""
        forms = set(self.search_forms())
        forms |= {f.replace("/", "\\/") for f in forms}
        return sorted(f.encode() for f in forms)


def pattern(needles: Needles) -> re.Pattern[str] | None:
    """Return one case-insensitive pattern for every needle (weak ones as whole words)."""
    strong = [re.escape(v) for v in _variants(needles.strong)]
    weak = [rf"(?<!\w){re.escape(v)}(?!\w)" for v in _variants(needles.weak)]
    parts = sorted(strong, key=len, reverse=True) + sorted(weak, key=len, reverse=True)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _variants(values: Iterable[str]) -> set[str]:
    return {v for value in values for v in (value, html.escape(value))}


def scrub(value: Any, found: re.Pattern[str] | None, token: str) -> Any:
    """Return value (text, or JSON of dicts and lists) with every needle replaced by token."""
    if found is None:
        return value
    if isinstance(value, str):
        return found.sub(token, value)
    if isinstance(value, list):
        return [scrub(v, found, token) for v in value]
    if isinstance(value, dict):
        return {scrub(k, found, token): scrub(v, found, token) for k, v in value.items()}
    return value
