"""Schema objects made by hand in migrations, which autogenerate must leave alone."""

from __future__ import annotations


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Return False for PostgreSQL-only trigram indexes (`*_trgm`), which models cannot declare."""
    return not (type_ == "index" and name is not None and name.endswith("_trgm"))
