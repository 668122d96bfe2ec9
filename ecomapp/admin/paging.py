"""Pages of a list with their total, for every panel list."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select, select

from ecomapp.extensions import db

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class DeferredPagination(SelectPagination):
    """Find the page's ids first (an index-only scan past the offset), then load those rows."""

    def _query_items(self) -> list[Any]:
        stmt: Select[Any] = self._query_args["select"]
        entity = stmt.column_descriptions[0]["entity"]
        ids = (
            stmt.with_only_columns(entity.id)
            .limit(self.per_page)
            .offset(self._query_offset)
            .scalar_subquery()
        )
        page = select(entity).where(entity.id.in_(ids)).order_by(*stmt._order_by_clauses)
        return list(db.session.scalars(page))


def paginate(stmt: Select[Any], per_page: int = PAGE_SIZE) -> Pagination:
    """Return the requested page of stmt's rows with the total count (`?page=`, `?per_page=`)."""
    # Flask-SQLAlchemy's Pagination reads page/per_page from the request, clamps them, counts the
    # rows with the ORDER BY dropped, and answers an empty page past the end (error_out=False).
    asked = request.args.get("per_page", type=int)
    return DeferredPagination(
        select=stmt,
        session=db.session(),
        per_page=max(1, asked) if asked is not None else per_page,
        max_per_page=MAX_PAGE_SIZE,
        error_out=False,
        count=True,
    )


def page_args(page: int) -> dict[str, Any]:
    """Return the current query arguments with `page` replaced (for pager links)."""
    args: dict[str, Any] = (request.view_args or {}) | request.args.to_dict()  # path parts too
    args["page"] = page
    return args
