"""A local Shopify stand-in: OAuth token endpoint, Admin GraphQL and bulk results, as a WSGI app.

Tests inject it as an httpx transport (`httpx.WSGITransport(app=fake)`) or serve it on loopback.
Token responses keep the shape of Shopify's documented examples (tests/fakes/shopify/*.json).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from werkzeug.wrappers import Request, Response

from tests.fakes.shopify_customers import CustomerOps

FIXTURES = Path(__file__).parent / "shopify"
OPERATION = re.compile(r"^\s*(?:query|mutation)\s+(\w+)")
TAG_FIELD = re.compile(r"(\w+): tags(Add|Remove)\(id: \$(\w+), tags: \$(\w+)\)")
PUBLISH_FIELD = re.compile(
    r"(\w+): publishable(Publish|Unpublish)\(id: \$(\w+), input: \[\{publicationId: \$(\w+)\}\]\)"
)
MAX_QUERY_COST = 1000


def fixture(name: str) -> dict[str, Any]:
    """Return one of Shopify's published example payloads."""
    return json.loads((FIXTURES / name).read_text())


def fixture_bytes(name: str) -> bytes:
    """Return a published example as compact JSON bytes, as Shopify delivers it."""
    return json.dumps(fixture(name), separators=(",", ":")).encode()


@dataclass
class FakeShopify(CustomerOps):
    """State of the stand-in: issued tokens, recorded calls, scripted failures, shop data."""

    client_id: str = "test-client-id"
    client_secret: str = "test-client-secret"
    api_version: str = "2026-10"
    access_tokens: dict[str, str] = field(default_factory=dict)  # token -> shop
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # token -> shop
    codes: dict[str, str] = field(default_factory=dict)  # authorization code -> shop
    calls: list[dict[str, Any]] = field(default_factory=list)
    script: list[Any] = field(default_factory=list)  # failures to answer before real ones
    data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # bulk JSONL lines
    changed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # reconcile nodes
    # Shop-specific (API-created) subscriptions: the only ones `webhookSubscriptions` lists;
    # app-specific ones from shopify.app.toml are invisible to the Admin API, as on Shopify.
    subscriptions: list[dict[str, str]] = field(default_factory=list)
    order_notes: dict[str, str] = field(default_factory=dict)  # order gid -> its note
    discounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # CODE -> discount node
    on_write: Any = None  # called with the operation name once a write has landed
    resource_tags: dict[str, list[str]] = field(default_factory=dict)  # gid -> tags (tagsBatch)
    # Product gids taken off a publication: gid -> publication ids (publishableUnpublish).
    unpublished: dict[str, set[str]] = field(default_factory=dict)
    missing_products: set[str] = field(default_factory=set)  # gids Shopify does not know
    missing_orders: set[str] = field(default_factory=set)  # order gids Shopify answers null
    # Custom collections: gid -> {"title", "sortOrder", "products": [product gids in order]}.
    collections: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[str, bool] = field(default_factory=dict)  # job gid -> done
    # Product gid -> ("reviews.rating" JSON value, "reviews.rating_count" value), as apps write.
    ratings: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Fulfillment orders per order gid (two per order, made when first asked) and their status.
    fulfillment_orders: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    cancelled: dict[str, dict[str, Any]] = field(default_factory=dict)  # order gid -> arguments
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)  # gid -> CustomerInput
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)  # gid -> {name, query}
    bulk_status: str = "COMPLETED"
    expires_in: int = 3600
    refresh_delay: float = 0.0
    refreshing: threading.Event = field(default_factory=threading.Event)  # set when one starts
    refresh_gate: threading.Event | None = None  # when given, refreshes wait for it
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def shop_of(self, request: Request) -> str:
        """Return the shop a request is for (Host, or the header our origin reroute adds)."""
        return request.headers.get("X-Shopify-Shop-Domain") or request.host.split(":")[0]

    def dispatch(self, request: Request) -> Response:
        """Route a request to the token endpoint, GraphQL or a bulk result file."""
        if request.path == "/admin/oauth/access_token":
            return self.token_endpoint(request)
        if request.path.startswith("/_bulk/"):
            lines = self.data.get(request.path.rsplit("/", 1)[-1].split(".")[0], [])
            return Response("".join(json.dumps(x) + "\n" for x in lines), 200)
        if request.path == f"/admin/api/{self.api_version}/graphql.json":
            return self.graphql(request)
        return Response("not found", 404)

    def issue(self, shop: str) -> dict[str, Any]:
        """Return a grant shaped like Shopify's expiring offline token response."""
        grant = fixture("token-exchange-response-offline-expiring.json")
        grant["access_token"] = "shpat_" + secrets.token_hex(16)
        grant["refresh_token"] = "shprt_" + secrets.token_hex(16)
        grant["expires_in"] = self.expires_in
        self.access_tokens[grant["access_token"]] = shop
        self.refresh_tokens[grant["refresh_token"]] = shop
        return grant

    def token_endpoint(self, request: Request) -> Response:
        """Answer token exchange, refresh and authorization-code grants like Shopify."""
        body = request.get_json(silent=True) or {}
        shop = self.shop_of(request)
        self.calls.append({"path": request.path, "shop": shop, "grant": body.get("grant_type")})
        if (
            body.get("client_id") != self.client_id
            or body.get("client_secret") != self.client_secret
        ):
            return Response(json.dumps({"error": "invalid_client"}), 400)
        grant_type = body.get("grant_type")
        if grant_type == "urn:ietf:params:oauth:grant-type:token-exchange":
            try:
                claims = jwt.decode(
                    body.get("subject_token", ""),
                    self.client_secret,
                    algorithms=["HS256"],
                    audience=self.client_id,
                    leeway=10,
                )
            except jwt.PyJWTError:
                return Response(json.dumps({"error": "invalid_subject_token"}), 400)
            if claims["dest"] != f"https://{shop}":
                return Response(json.dumps({"error": "invalid_subject_token"}), 400)
            return Response(json.dumps(self.issue(shop)), 200)
        if grant_type == "refresh_token":
            self.refreshing.set()
            time.sleep(self.refresh_delay)
            if self.refresh_gate is not None:
                self.refresh_gate.wait(30)
            with self.lock:  # a refresh token works once, like Shopify's rotating tokens
                owner = self.refresh_tokens.pop(body.get("refresh_token", ""), None)
            if owner != shop:
                return Response(json.dumps({"error": "invalid_grant"}), 400)
            return Response(json.dumps(self.issue(shop)), 200)
        if self.codes.pop(body.get("code", ""), None) == shop:
            return Response(json.dumps(self.issue(shop)), 200)
        return Response(json.dumps({"error": "invalid_request"}), 400)

    def graphql(self, request: Request) -> Response:
        """Answer an Admin GraphQL request, after any scripted failure."""
        token = request.headers.get("X-Shopify-Access-Token", "")
        shop = self.shop_of(request)
        if self.access_tokens.get(token) != shop:
            return Response('{"errors":"[API] Invalid API key or access token"}', 401)
        body = request.get_json()
        match = OPERATION.match(body["query"])
        name = match.group(1) if match else "anonymous"
        self.calls.append({"path": request.path, "shop": shop, "op": name, **body})
        scripted = self.script.pop(0) if self.script else None  # None: answer this one normally
        if scripted is not None:
            return self.scripted(scripted)
        handler = getattr(self, f"op_{name}", None)
        if handler is None:
            return Response(json.dumps({"errors": [{"message": f"no field {name}"}]}), 200)
        data = handler(body.get("variables") or {}, shop)
        if isinstance(data, Response):
            return data
        return Response(json.dumps({"data": data, "extensions": self.cost()}), 200)

    def cost(self, available: float = 1990.0) -> dict[str, Any]:
        """Return the cost extension Shopify attaches to every response."""
        status = {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0}
        return {"cost": {"requestedQueryCost": 10, "actualQueryCost": 10, "throttleStatus": status}}

    def scripted(self, kind: Any) -> Response:
        """Answer one scripted failure: THROTTLED, an HTTP status, or a GraphQL error."""
        if kind == "throttled":
            errors = [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
            return Response(json.dumps({"errors": errors, "extensions": self.cost(5.0)}), 200)
        if kind == "graphql_error":
            return Response(json.dumps({"errors": [{"message": "Field 'x' doesn't exist"}]}), 200)
        return Response(json.dumps({"errors": "scripted"}), int(kind), {"Retry-After": "0"})

    # --- operations -------------------------------------------------------------------------

    def op_shop(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        info = {"name": "Super Toys", "email": "super@supertoys.com", "currencyCode": "CAD"}
        info |= {"billingAddress": {"countryCodeV2": "CA"}}
        return {"shop": info | {"ianaTimezone": "America/Toronto", "myshopifyDomain": shop}}

    def op_webhookSubscriptions(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        nodes = [s for s in self.subscriptions if s["shop"] == shop]
        info = {"hasNextPage": False, "endCursor": None}
        return {"webhookSubscriptions": {"pageInfo": info, "nodes": nodes}}

    def subscribe(self, shop: str, topic: str, uri: str) -> dict[str, str]:
        """Record a shop-specific subscription, as webhookSubscriptionCreate makes one."""
        sub = {"id": f"gid://shopify/WebhookSubscription/{secrets.randbelow(10**12)}"}
        sub |= {"topic": topic, "uri": uri, "shop": shop}
        self.subscriptions.append(sub)
        return sub

    def op_webhookSubscriptionCreate(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        sub = self.subscribe(shop, v["topic"], v["uri"])
        return {"webhookSubscriptionCreate": {"webhookSubscription": sub, "userErrors": []}}

    def op_webhookSubscriptionDelete(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        """Delete a shop-specific subscription; another shop's or an unknown id is an error."""
        found = [s for s in self.subscriptions if s["id"] == v["id"] and s["shop"] == shop]
        if not found:
            errors = [{"field": ["id"], "message": "Webhook subscription does not exist"}]
            return {
                "webhookSubscriptionDelete": {
                    "deletedWebhookSubscriptionId": None,
                    "userErrors": errors,
                }
            }
        self.subscriptions.remove(found[0])
        return self._ok("webhookSubscriptionDelete", deletedWebhookSubscriptionId=v["id"])

    def op_bulkOperationRunQuery(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        resource = v["query"].split("{")[1].strip()
        op = {"id": f"gid://shopify/BulkOperation/{resource}", "status": "CREATED"}
        return {"bulkOperationRunQuery": {"bulkOperation": op, "userErrors": []}}

    def op_bulkOperation(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        resource = v["id"].rsplit("/", 1)[-1]
        lines = self.data.get(resource, [])
        url = f"https://{shop}/_bulk/{resource}.jsonl" if lines else None
        error = None if self.bulk_status == "COMPLETED" else "ACCESS_DENIED"
        node = {"id": v["id"], "status": self.bulk_status, "errorCode": error}
        return {"node": node | {"objectCount": str(len(lines)), "url": url}}

    def op_reconcile(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        resource = next(
            r for r in ("products", "customers", "orders") if r in self.calls[-1]["query"]
        )
        edges = [{"node": n} for n in self.changed.get(resource, [])]
        info = {"hasNextPage": False, "endCursor": None}
        return {resource: {"pageInfo": info, "edges": edges}}

    def _ok(self, field_name: str, **extra: Any) -> dict[str, Any]:
        return {field_name: {"userErrors": [], **extra}}

    def op_tagsAdd(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        return self._ok("tagsAdd", node={"id": v["id"]})

    def op_tagsRemove(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        return self._ok("tagsRemove", node={"id": v["id"]})

    def wrote(self, name: str) -> None:
        """Tell the test a write landed (it may kill the worker that asked for it)."""
        if self.on_write is not None:
            self.on_write(name)

    def op_tagsBatch(self, v: dict[str, Any], shop: str) -> dict[str, Any] | Response:
        """Run aliased tagsAdd/tagsRemove fields in order; refuse a document over 1,000 points."""
        fields = TAG_FIELD.findall(self.calls[-1]["query"])
        cost = 10 * len(fields)  # each tagsAdd/tagsRemove costs 10 points
        if cost > MAX_QUERY_COST:
            message = f"Query cost is {cost}, which exceeds the single query max cost limit (1000)."
            extensions = {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": MAX_QUERY_COST}
            body = {"errors": [{"message": message, "extensions": extensions}]}
            return Response(json.dumps(body), 200)
        out: dict[str, Any] = {}
        for alias, verb, id_var, tags_var in fields:
            tags = self.resource_tags.setdefault(v[id_var], [])
            if verb == "Add":
                tags += [t for t in v[tags_var] if t not in tags]
            else:
                tags[:] = [t for t in tags if t not in v[tags_var]]
            out[alias] = {"userErrors": []}
        return out

    def op_orderNote(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        if v["id"] in self.missing_orders:
            return {"order": None}  # Shopify answers an unknown id with null, no error
        return {"order": {"id": v["id"], "note": self.order_notes.get(v["id"], "Gift wrap please")}}

    def op_orderUpdate(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        self.order_notes[v["input"]["id"]] = v["input"]["note"]
        self.wrote("orderUpdate")
        return self._ok("orderUpdate", order={"id": v["input"]["id"], "note": v["input"]["note"]})

    def op_orderRiskAssessmentCreate(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        level, facts = v["input"]["riskLevel"], v["input"].get("facts") or []
        if level not in ("HIGH", "MEDIUM", "LOW", "NONE", "PENDING") or len(facts) > 20:
            error = {"field": ["orderRiskAssessmentInput"], "message": "Up to 20 facts"}
            return {
                "orderRiskAssessmentCreate": {"orderRiskAssessment": None, "userErrors": [error]}
            }
        return self._ok("orderRiskAssessmentCreate", orderRiskAssessment={"riskLevel": level})

    def fulfillment_orders_of(self, order_gid: str) -> list[dict[str, str]]:
        """Return the order's fulfillment orders: one open, one closed (made when first asked)."""
        if order_gid not in self.fulfillment_orders:
            first = 2 * len(self.fulfillment_orders) + 1
            self.fulfillment_orders[order_gid] = [
                {"id": f"gid://shopify/FulfillmentOrder/{first}", "status": "OPEN"},
                {"id": f"gid://shopify/FulfillmentOrder/{first + 1}", "status": "CLOSED"},
            ]
        return self.fulfillment_orders[order_gid]

    def _fulfillment_order(self, fo_id: str) -> dict[str, str] | None:
        every = [fo for fos in self.fulfillment_orders.values() for fo in fos]
        return next((fo for fo in every if fo["id"] == fo_id), None)

    def op_fulfillmentOrders(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        nodes = [dict(fo) for fo in self.fulfillment_orders_of(v["id"])]
        return {"order": {"fulfillmentOrders": {"nodes": nodes}}}

    def _fo_refused(self, field_name: str, message: str) -> dict[str, Any]:
        error = {"field": ["id"], "message": message}
        return {field_name: {"fulfillmentOrder": None, "userErrors": [error]}}

    def op_fulfillmentOrderHold(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        """Hold an open or scheduled fulfillment order; refuse any other (as Shopify does)."""
        fo = self._fulfillment_order(v["id"])
        if fo is None:
            return self._fo_refused("fulfillmentOrderHold", "Fulfillment order does not exist.")
        if fo["status"] not in ("OPEN", "SCHEDULED"):
            message = "The fulfillment order's status is not open or scheduled."
            return self._fo_refused("fulfillmentOrderHold", message)
        fo["status"] = "ON_HOLD"
        return self._ok("fulfillmentOrderHold", fulfillmentOrder=dict(fo))

    def op_fulfillmentOrderReleaseHold(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        """Release a held fulfillment order back to open; refuse one that is not on hold."""
        fo = self._fulfillment_order(v["id"])
        if fo is None or fo["status"] != "ON_HOLD":
            message = "The fulfillment order is not on hold."
            return self._fo_refused("fulfillmentOrderReleaseHold", message)
        fo["status"] = "OPEN"
        return self._ok("fulfillmentOrderReleaseHold", fulfillmentOrder=dict(fo))

    def op_orderCancel(self, v: dict[str, Any], shop: str) -> dict[str, Any] | Response:
        """Cancel an order (a job): refuse an unknown id or an order already cancelled."""
        reasons = {"CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"}
        if v.get("reason") not in reasons or not isinstance(v.get("restock"), bool):
            message = "Variable $reason of type OrderCancelReason! was provided invalid value"
            return Response(json.dumps({"errors": [{"message": message}]}), 200)
        order_gid = str(v.get("orderId", ""))
        if not re.fullmatch(r"gid://shopify/Order/\d+", order_gid):
            return self._cancel_refused("orderId", "Order does not exist", "NOT_FOUND")
        if order_gid in self.cancelled:
            message = "Cannot cancel an order that has already been cancelled"
            return self._cancel_refused("orderId", message, "INVALID")
        self.cancelled[order_gid] = dict(v)
        for fo in self.fulfillment_orders_of(order_gid):
            fo["status"] = "CLOSED"
        self.wrote("orderCancel")
        job = {"id": f"gid://shopify/Job/{len(self.cancelled)}", "done": False}
        return {"orderCancel": {"job": job, "orderCancelUserErrors": [], "userErrors": []}}

    def _cancel_refused(self, field_name: str, message: str, code: str) -> dict[str, Any]:
        error = {"field": [field_name], "message": message, "code": code}
        return {"orderCancel": {"job": None, "orderCancelUserErrors": [error], "userErrors": []}}

    def op_publications(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        nodes = [
            {"id": "gid://shopify/Publication/1", "name": "Point of Sale"},
            {"id": "gid://shopify/Publication/2", "name": "Online Store"},
        ]
        return {"publications": {"nodes": nodes}}

    def op_publishableUnpublish(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        return self._ok("publishableUnpublish")

    def _publication_ids(self) -> set[str]:
        return {n["id"] for n in self.op_publications({}, "")["publications"]["nodes"]}

    def op_productsVisibility(self, v: dict[str, Any], shop: str) -> dict[str, Any] | Response:
        """Run aliased publishablePublish/Unpublish fields; refuse a document over 1,000 points."""
        fields = PUBLISH_FIELD.findall(self.calls[-1]["query"])
        cost = 10 * len(fields)
        if cost > MAX_QUERY_COST:
            message = f"Query cost is {cost}, which exceeds the single query max cost limit (1000)."
            extensions = {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": MAX_QUERY_COST}
            body = {"errors": [{"message": message, "extensions": extensions}]}
            return Response(json.dumps(body), 200)
        out: dict[str, Any] = {}
        for alias, verb, id_var, pub_var in fields:
            product, publication = v[id_var], v[pub_var]
            if product in self.missing_products or publication not in self._publication_ids():
                error = {"field": ["id"], "message": "Resource does not exist"}
                out[alias] = {"publishable": None, "userErrors": [error]}
                continue
            removed = self.unpublished.setdefault(product, set())
            (removed.add if verb == "Unpublish" else removed.discard)(publication)
            if not removed:
                del self.unpublished[product]
            out[alias] = {"publishable": {"id": product}, "userErrors": []}
        self.wrote("productsVisibility")
        return out

    def op_discountCodeBasicCreate(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        code = v["discount"]["code"]
        if not code:
            return self._discount_refused("Code can't be blank", "BLANK")
        if code.upper() in self.discounts:  # codes are unique per shop, case-insensitively
            return self._discount_refused(
                "Code must be unique. Please try a different code.", "TAKEN"
            )
        node = {"id": f"gid://shopify/DiscountCodeNode/{77 + len(self.discounts)}"}
        self.discounts[code.upper()] = node | {"code": code}
        self.wrote("discountCodeBasicCreate")
        return self._ok("discountCodeBasicCreate", codeDiscountNode=node)

    def _discount_refused(self, message: str, code: str) -> dict[str, Any]:
        errors = [{"field": ["basicCodeDiscount", "code"], "message": message, "code": code}]
        return {"discountCodeBasicCreate": {"codeDiscountNode": None, "userErrors": errors}}

    def op_discountByCode(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        found = self.discounts.get(v["code"].upper())
        return {"codeDiscountNodeByCode": {"id": found["id"]} if found else None}

    def op_inventory(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        return {"nodes": [{"id": i, "inventoryQuantity": 7} for i in v["ids"]]}

    # --- custom collections (asynchronous jobs, up to 250 products or moves per call) ---------

    def _job(self) -> dict[str, Any]:
        """Start a job: not done when the mutation answers, done when first polled."""
        job_id = f"gid://shopify/Job/{secrets.token_hex(8)}"
        self.jobs[job_id] = False
        return {"id": job_id, "done": False}

    def op_job(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        if v["id"] not in self.jobs:
            return {"job": None}
        self.jobs[v["id"]] = True
        return {"job": {"id": v["id"], "done": True}}

    def op_collectionCreate(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        data = v["input"]
        if not str(data.get("title") or "").strip():
            error = {"field": ["title"], "message": "Title can't be blank"}
            return {"collectionCreate": {"collection": None, "userErrors": [error]}}
        gid = f"gid://shopify/Collection/{4000 + len(self.collections)}"
        sort = data.get("sortOrder", "BEST_SELLING")
        self.collections[gid] = {"title": data["title"], "sortOrder": sort, "products": []}
        return self._ok("collectionCreate", collection={"id": gid})

    def _too_many(self, name: str, count: int) -> Response | None:
        if count <= 250:
            return None
        message = f"{name}: too many items ({count}); the maximum is 250"
        return Response(json.dumps({"errors": [{"message": message}]}), 200)

    def _collection_refused(self, field_name: str, code: str, message: str) -> dict[str, Any]:
        error = {"field": ["id"], "message": message, "code": code}
        return {field_name: {"job": None, "userErrors": [error]}}

    def op_collectionAddProductsV2(self, v: dict[str, Any], shop: str) -> Any:
        name = "collectionAddProductsV2"
        refused = self._too_many(name, len(v["productIds"]))
        if refused is not None:
            return refused
        collection = self.collections.get(v["id"])
        if collection is None:
            return self._collection_refused(
                name, "COLLECTION_DOES_NOT_EXIST", "Collection does not exist"
            )
        products = collection["products"]  # manual sort: appended in the order given
        products += [p for p in v["productIds"] if p not in products]
        return self._ok(name, job=self._job())

    def op_collectionRemoveProducts(self, v: dict[str, Any], shop: str) -> Any:
        name = "collectionRemoveProducts"
        refused = self._too_many(name, len(v["productIds"]))
        if refused is not None:
            return refused
        collection = self.collections.get(v["id"])
        if collection is None:
            return {name: {"job": None, "userErrors": [{"field": ["id"], "message": "not found"}]}}
        gone = set(v["productIds"])
        collection["products"] = [p for p in collection["products"] if p not in gone]
        return self._ok(name, job=self._job())

    def op_collectionReorderProducts(self, v: dict[str, Any], shop: str) -> Any:
        name = "collectionReorderProducts"
        refused = self._too_many(name, len(v["moves"]))
        if refused is not None:
            return refused
        collection = self.collections.get(v["id"])
        if collection is None:
            return self._collection_refused(
                name, "COLLECTION_NOT_FOUND", "The collection was not found."
            )
        if collection["sortOrder"] != "MANUAL":
            return self._collection_refused(
                name, "MANUALLY_SORTED_COLLECTION", "The collection is not manually sorted."
            )
        products = collection["products"]
        for move in v["moves"]:  # one after another, positions in the list as it is then
            if move["id"] not in products:
                continue
            products.remove(move["id"])
            products.insert(min(int(move["newPosition"]), len(products)), move["id"])
        return self._ok(name, job=self._job())

    def op_ratings(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        """Answer the products page with the `reviews` metafields (null where none is set)."""
        nodes = [
            {"id": gid, "rating": {"value": rating}, "count": {"value": count}}
            for gid, (rating, count) in self.ratings.items()
        ]
        info = {"hasNextPage": False, "endCursor": None}
        return {"products": {"pageInfo": info, "nodes": nodes}}

    def op_collectionProducts(self, v: dict[str, Any], shop: str) -> dict[str, Any]:
        """Answer a collection's products (one page), or null for an unknown collection."""
        collection = self.collections.get(v["id"])
        if collection is None:
            return {"collection": None}
        nodes = [{"id": gid} for gid in collection["products"]]
        info = {"hasNextPage": False, "endCursor": None}
        return {"collection": {"products": {"pageInfo": info, "nodes": nodes}}}
