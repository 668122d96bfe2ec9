"""Admin GraphQL documents for the effects automations ask for."""

from __future__ import annotations

from typing import Any

TAGS_ADD = """mutation tagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } } }"""

TAGS_REMOVE = """mutation tagsRemove($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) { node { id } userErrors { field message } } }"""

# Each tagsAdd/tagsRemove costs 10 points and one document may cost at most 1,000: a batch of
# 50 resources (a removal and an addition each) stays inside the limit.
TAGS_BATCH_RESOURCES = 50


def tags_batch(kind: str, changes: list[Any]) -> tuple[str, dict[str, Any], list[str]]:
    """Return (mutation, variables, aliases) removing then adding tags on many resources at once."""
    params: list[str] = []
    fields: list[str] = []
    variables: dict[str, Any] = {}
    for i, change in enumerate(changes):
        if not (change.add or change.remove):
            continue  # a declared but unused variable is a GraphQL error
        variables[f"id{i}"] = gid(GID_TYPES[kind], change.platform_id)
        params.append(f"$id{i}: ID!")
        for verb, tags in (("Remove", change.remove), ("Add", change.add)):
            if tags:
                alias = f"{verb.lower()}{i}"
                variables[alias] = list(tags)
                params.append(f"${alias}: [String!]!")
                call = f"tags{verb}(id: $id{i}, tags: ${alias})"
                fields.append(f"{alias}: {call} {{ userErrors {{ field message }} }}")
    body = "\n  ".join(fields)
    query = f"mutation tagsBatch({', '.join(params)}) {{\n  {body} }}"
    return query, variables, [f.split(":", 1)[0] for f in fields]


ORDER_NOTE = """query orderNote($id: ID!) { order(id: $id) { id note } }"""

ORDER_UPDATE = """mutation orderUpdate($input: OrderInput!) {
  orderUpdate(input: $input) { order { id note } userErrors { field message } } }"""

RISK_CREATE = """mutation orderRiskAssessmentCreate($input: OrderRiskAssessmentCreateInput!) {
  orderRiskAssessmentCreate(orderRiskAssessmentInput: $input) {
    orderRiskAssessment { riskLevel } userErrors { field message } } }"""

FULFILLMENT_ORDERS = """query fulfillmentOrders($id: ID!) {
  order(id: $id) { fulfillmentOrders(first: 20) { nodes { id status } } } }"""

HOLD = """mutation fulfillmentOrderHold($id: ID!, $hold: FulfillmentOrderHoldInput!) {
  fulfillmentOrderHold(id: $id, fulfillmentHold: $hold) {
    fulfillmentOrder { id status } userErrors { field message } } }"""

RELEASE = """mutation fulfillmentOrderReleaseHold($id: ID!) {
  fulfillmentOrderReleaseHold(id: $id) {
    fulfillmentOrder { id status } userErrors { field message } } }"""

CANCEL = """mutation orderCancel($orderId: ID!, $reason: OrderCancelReason!, $restock: Boolean!,
  $refundMethod: OrderCancelRefundMethodInput, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, restock: $restock, refundMethod: $refundMethod,
    notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done } orderCancelUserErrors { field message code } } }"""

PUBLICATIONS = """query publications { publications(first: 50) { nodes { id name } } }"""

PUBLISH = """mutation publishablePublish($id: ID!, $input: [PublicationInput!]!) {
  publishablePublish(id: $id, input: $input) { userErrors { field message } } }"""

UNPUBLISH = """mutation publishableUnpublish($id: ID!, $input: [PublicationInput!]!) {
  publishableUnpublish(id: $id, input: $input) { userErrors { field message } } }"""

# publishablePublish/Unpublish cost 10 points each, like tagsAdd: 50 per document.
VISIBILITY_BATCH = 50


def visibility_batch(
    publication_id: str, product_ids: list[str], visible: bool
) -> tuple[str, dict[str, Any], dict[str, str]]:
    """Return (mutation, variables, alias -> product id) (un)publishing many products at once."""
    verb = "publishablePublish" if visible else "publishableUnpublish"
    params, fields, variables, aliases = ["$pub: ID!"], [], {"pub": publication_id}, {}
    for i, platform_id in enumerate(product_ids):
        variables[f"id{i}"] = gid("Product", platform_id)
        params.append(f"$id{i}: ID!")
        call = f"{verb}(id: $id{i}, input: [{{publicationId: $pub}}])"
        fields.append(f"p{i}: {call} {{ userErrors {{ field message }} }}")
        aliases[f"p{i}"] = platform_id
    body = "\n  ".join(fields)
    query = f"mutation productsVisibility({', '.join(params)}) {{\n  {body} }}"
    return query, variables, aliases


DISCOUNT_CREATE = """mutation discountCodeBasicCreate($discount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $discount) {
    codeDiscountNode { id } userErrors { field message code } } }"""

DISCOUNT_BY_CODE = """query discountByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) { id } }"""

INVENTORY = """query inventory($ids: [ID!]!) {
  nodes(ids: $ids) { ... on ProductVariant { id inventoryQuantity } } }"""

CONSENT_UPDATE = """mutation customerEmailMarketingConsentUpdate(
  $input: CustomerEmailMarketingConsentUpdateInput!) {
  customerEmailMarketingConsentUpdate(input: $input) {
    customer { id } userErrors { field message } } }"""

CUSTOMER_CREATE = """mutation customerCreate($input: CustomerInput!) {
  customerCreate(input: $input) { customer { id } userErrors { field message } } }"""

CUSTOMER_BY_EMAIL = """query customerByEmail($query: String!) {
  customers(first: 1, query: $query) { nodes { id } } }"""

SEGMENT_CREATE = """mutation segmentCreate($name: String!, $query: String!) {
  segmentCreate(name: $name, query: $query) { segment { id } userErrors { field message } } }"""

SEGMENT_UPDATE = """mutation segmentUpdate($id: ID!, $name: String, $query: String) {
  segmentUpdate(id: $id, name: $name, query: $query) {
    segment { id } userErrors { field message } } }"""

SHOP = """query shop { shop { name email currencyCode ianaTimezone myshopifyDomain
  billingAddress { countryCodeV2 } } }"""

SUBSCRIPTIONS = """query webhookSubscriptions($cursor: String) {
  webhookSubscriptions(first: 100, after: $cursor) {
    pageInfo { hasNextPage endCursor } nodes { id topic uri } } }"""

UNSUBSCRIBE = """mutation webhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId userErrors { field message } } }"""

COLLECTION_CREATE = """mutation collectionCreate($input: CollectionInput!) {
  collectionCreate(input: $input) { collection { id } userErrors { field message } } }"""

COLLECTION_ADD = """mutation collectionAddProductsV2($id: ID!, $productIds: [ID!]!) {
  collectionAddProductsV2(id: $id, productIds: $productIds) {
    job { id done } userErrors { field message code } } }"""

COLLECTION_REMOVE = """mutation collectionRemoveProducts($id: ID!, $productIds: [ID!]!) {
  collectionRemoveProducts(id: $id, productIds: $productIds) {
    job { id done } userErrors { field message } } }"""

COLLECTION_REORDER = """mutation collectionReorderProducts($id: ID!, $moves: [MoveInput!]!) {
  collectionReorderProducts(id: $id, moves: $moves) {
    job { id done } userErrors { field message code } } }"""

JOB = """query job($id: ID!) { job(id: $id) { id done } }"""

# collectionAddProductsV2, collectionRemoveProducts and collectionReorderProducts each take
# up to 250 products (or moves) per call.
COLLECTION_BATCH = 250

COLLECTION_PRODUCTS = """query collectionProducts($id: ID!, $cursor: String) {
  collection(id: $id) { products(first: 250, after: $cursor) {
    pageInfo { hasNextPage endCursor } nodes { id } } } }"""

RATINGS = """query ratings($cursor: String) {
  products(first: 250, after: $cursor) {
    pageInfo { hasNextPage endCursor }
    nodes { id rating: metafield(namespace: "reviews", key: "rating") { value }
      count: metafield(namespace: "reviews", key: "rating_count") { value } } } }"""

GID_TYPES = {"customer": "Customer", "order": "Order", "product": "Product"}


def gid(kind: str, platform_id: str) -> str:
    """Return the GraphQL global id of a numeric platform id."""
    if platform_id.startswith("gid://"):
        return platform_id
    return f"gid://shopify/{kind}/{platform_id}"
