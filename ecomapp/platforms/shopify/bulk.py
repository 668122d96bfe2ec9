"""Initial sync through Bulk Operations: run one query per resource, stream its JSONL result."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import current_app
from sqlalchemy import select

from ecomapp.events.bus import QUIET_KEY
from ecomapp.extensions import db
from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.mirror.customers import apply_customer
from ecomapp.mirror.orders import apply_order
from ecomapp.mirror.products import apply_product
from ecomapp.models import JobRecord, JobStatus, Store
from ecomapp.platforms.shopify import normalize_graphql as g
from ecomapp.platforms.shopify.graphql import AdminClient, user_errors
from ecomapp.platforms.shopify.http import http_client

log = logging.getLogger(__name__)

SYNC_JOB = "ecomapp.platforms.shopify.bulk:sync_job"
POLL_SECONDS = 2.0
MAX_POLLS = 900
COMMIT_EVERY = 250

RUN = """mutation bulkOperationRunQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status } userErrors { field message } } }"""

POLL = """query bulkOperation($id: ID!) { node(id: $id) { ... on BulkOperation {
  id status errorCode objectCount url } } }"""

Progress = Callable[[int, int | None], None]


def _apply_product(store: Store, node: dict[str, Any], kids: list[dict[str, Any]]) -> None:
    apply_product(store, g.gql_product(node, kids))


def _apply_customer(store: Store, node: dict[str, Any], kids: list[dict[str, Any]]) -> None:
    apply_customer(store, g.gql_customer(node))


def _apply_order(store: Store, node: dict[str, Any], kids: list[dict[str, Any]]) -> None:
    apply_order(store, g.gql_order(node, kids))


RESOURCES: dict[str, tuple[str, Callable[[Store, dict[str, Any], list[dict[str, Any]]], None]]] = {
    "products": (g.PRODUCT_FIELDS, _apply_product),
    "customers": (g.CUSTOMER_FIELDS, _apply_customer),
    "orders": (g.ORDER_FIELDS, _apply_order),
}


def bulk_query(resource: str) -> str:
    """Return the bulk query text for one resource."""
    return f"{{ {resource} {{ edges {{ node {{ {RESOURCES[resource][0]} }} }} }} }}"


def run_bulk(client: AdminClient, resource: str) -> dict[str, Any]:
    """Start a bulk query and wait until Shopify finishes it; return the finished operation."""
    started = client.request(RUN, {"query": bulk_query(resource)}).get("bulkOperationRunQuery")
    user_errors(started, "bulkOperationRunQuery")
    op_id = started["bulkOperation"]["id"]  # type: ignore[index]
    interval = float(current_app.config.get("SHOPIFY_BULK_POLL_SECONDS", POLL_SECONDS))
    for _ in range(MAX_POLLS):
        op = client.request(POLL, {"id": op_id}).get("node") or {}
        if op.get("status") == "COMPLETED":
            return op
        if op.get("status") in {"FAILED", "CANCELED", "EXPIRED"}:
            raise PermanentError(f"bulk {resource} ended {op.get('status')}: {op.get('errorCode')}")
        time.sleep(interval)
    raise TransientError(f"bulk {resource} still running", retry_after=60)


def stream_nodes(url: str) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Yield (node, children) from a JSONL result, line by line; children follow their parent."""
    parent: dict[str, Any] | None = None
    children: list[dict[str, Any]] = []
    with http_client() as client, client.stream("GET", url) as response:
        if response.status_code != 200:
            raise TransientError(f"bulk result download answered HTTP {response.status_code}")
        for line in response.iter_lines():
            if not line.strip():
                continue
            row = json.loads(line)
            if "__parentId" in row:
                if parent is not None and row["__parentId"] == parent.get("id"):
                    children.append(row)
                else:
                    log.warning("bulk line %s is not under its parent; skipped", row.get("id"))
                continue
            if parent is not None:
                yield parent, children
            parent, children = row, []
    if parent is not None:
        yield parent, children


def _checkpoint(progress: Progress | None, done: int, total: int) -> None:
    """Commit what was applied so far and report it."""
    db.session.commit()
    if progress:
        progress(done, total)


def _import(
    store: Store, resource: str, op: dict[str, Any], counts: list[int], progress: Progress | None
) -> None:
    """Apply one finished bulk operation's JSONL result, committing every COMMIT_EVERY nodes."""
    apply = RESOURCES[resource][1]
    counts[1] += int(op.get("objectCount") or 0)
    _checkpoint(progress, *counts)
    if not op.get("url"):
        return  # Shopify gives no file when nothing matched
    pending = 0
    for node, kids in stream_nodes(op["url"]):
        apply(store, node, kids)
        counts[0] += 1 + len(kids)
        pending += 1
        if pending >= COMMIT_EVERY:
            _checkpoint(progress, *counts)
            pending = 0
    _checkpoint(progress, *counts)
    log.info("shopify %s: %s imported, %d rows so far", store.domain, resource, counts[0])


def sync_store(store: Store, progress: Progress | None = None) -> int:
    """Import products, customers and orders without emitting events; return rows applied."""
    client = AdminClient(store)
    counts = [0, 0]  # rows done, rows in the finished operations
    db.session.info[QUIET_KEY] = True
    try:
        for resource in RESOURCES:
            _import(store, resource, run_bulk(client, resource), counts, progress)
    finally:
        db.session.info.pop(QUIET_KEY, None)
    return counts[0]


def _record_progress(record_id: int | None) -> Progress:
    def report(done: int, total: int | None) -> None:
        if record_id is not None:
            record = db.session.get(JobRecord, record_id)
            if record is not None:
                record.progress_done, record.progress_total = done, total
        db.session.commit()

    return report


def sync_job(store_id: int) -> None:
    """Job: run the initial sync for a store, reporting progress on its job record."""
    store = db.session.get(Store, store_id)
    if store is None or not store.is_active:
        return
    record_id = db.session.scalar(
        select(JobRecord.id)
        .where(
            JobRecord.store_id == store_id,
            JobRecord.job == SYNC_JOB,
            JobRecord.status == JobStatus.RUNNING.value,
        )
        .order_by(JobRecord.id.desc())
    )
    sync_store(store, _record_progress(record_id))
    store.settings = {**store.settings, "shopify_synced": True}
