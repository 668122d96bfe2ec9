"""Panel pages: the store's smart collections, their form, and refresh on demand."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from ecomapp.extensions import db
from ecomapp.insights.collections.forms import KIND_LABELS, SCOPES, check, form_values
from ecomapp.insights.collections.refresh import next_refresh, refresh_collection
from ecomapp.jobs.queue import enqueue_after_commit
from ecomapp.models import Product, SmartCollection
from ecomapp.models.types import utcnow

bp = Blueprint("collections", __name__, url_prefix="/collections")


def _mine(collection_id: int) -> SmartCollection:
    collection = db.session.get(SmartCollection, collection_id)
    if collection is None or collection.store_id != g.store.id:
        abort(404)
    return collection


def titles(platform_ids: list[str]) -> dict[str, str]:
    """Return product titles by platform id for the current store (one query)."""
    if not platform_ids:
        return {}
    rows = db.session.execute(
        select(Product.platform_id, Product.title).where(
            Product.store_id == g.store.id, Product.platform_id.in_(platform_ids)
        )
    )
    return {pid: title for pid, title in rows}


@bp.route("/")
def index() -> str:
    """List the store's smart collections with members, refreshes and the last change."""
    stmt = select(SmartCollection).where(SmartCollection.store_id == g.store.id)
    collections = list(db.session.scalars(stmt.order_by(SmartCollection.id)))
    changes = [c.last_change for c in collections]
    changed = [p for ch in changes for k in ("added", "removed") for p in ch.get(k, [])]
    return render_template(
        "collections/index.html",
        collections=collections,
        kinds=KIND_LABELS,
        names=titles(changed),
    )


def _save(collection: SmartCollection | None) -> Response | tuple[str, int]:
    form, fields = check(request.form, g.store.id)
    if form.errors:
        return _form(collection, form.values, form.errors), 422
    if collection is None:
        collection = SmartCollection(store_id=g.store.id)
        db.session.add(collection)
    for name, value in fields.items():
        setattr(collection, name, value)
    collection.next_refresh_at = next_refresh(g.store, collection.refresh_hour, utcnow())
    db.session.flush()
    enqueue_after_commit(refresh_collection, collection.id, store_id=g.store.id)
    db.session.commit()
    return redirect(url_for("collections.index"))


def _form(
    collection: SmartCollection | None, values: dict[str, str], errors: dict[str, str]
) -> str:
    members = collection.members if collection else []
    return render_template(
        "collections/form.html",
        collection=collection,
        values=values,
        errors=errors,
        kinds=KIND_LABELS,
        scopes=SCOPES,
        members=members,
        names=titles(members),
    )


@bp.route("/new", methods=["GET", "POST"])
def create() -> Response | tuple[str, int] | str:
    """Show the new collection form; on POST, check it, save it and refresh at once."""
    if request.method == "POST":
        return _save(None)
    return _form(None, form_values(None), {})


@bp.route("/<int:collection_id>", methods=["GET", "POST"])
def edit(collection_id: int) -> Response | tuple[str, int] | str:
    """Show a collection's members and form; on POST, save it and refresh at once."""
    collection = _mine(collection_id)
    if request.method == "POST":
        return _save(collection)
    return _form(collection, form_values(collection), {})


@bp.route("/<int:collection_id>/refresh", methods=["POST"])
def refresh(collection_id: int) -> Response:
    """Refresh one collection now (in a job)."""
    collection = _mine(collection_id)
    enqueue_after_commit(refresh_collection, collection.id, store_id=g.store.id)
    db.session.commit()
    return redirect(url_for("collections.index"))


@bp.route("/<int:collection_id>/delete", methods=["POST"])
def delete(collection_id: int) -> Response:
    """Stop keeping a collection; the platform's collection or category stays as it is."""
    db.session.delete(_mine(collection_id))
    db.session.commit()
    return redirect(url_for("collections.index"))
