"""Admin GraphQL documents for the effects automations ask for."""

from __future__ import annotations

TAGS_ADD = """mutation tagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } } }"""

TAGS_REMOVE = """mutation tagsRemove($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) { node { id } userErrors { field message } } }"""

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

PUBLICATIONS = """query publications { publications(first: 50) { nodes { id name } } }"""

PUBLISH = """mutation publishablePublish($id: ID!, $input: [PublicationInput!]!) {
  publishablePublish(id: $id, input: $input) { userErrors { field message } } }"""

UNPUBLISH = """mutation publishableUnpublish($id: ID!, $input: [PublicationInput!]!) {
  publishableUnpublish(id: $id, input: $input) { userErrors { field message } } }"""

DISCOUNT_CREATE = """mutation discountCodeBasicCreate($discount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $discount) {
    codeDiscountNode { id } userErrors { field message } } }"""

INVENTORY = """query inventory($ids: [ID!]!) {
  nodes(ids: $ids) { ... on ProductVariant { id inventoryQuantity } } }"""

CONSENT_UPDATE = """mutation customerEmailMarketingConsentUpdate(
  $input: CustomerEmailMarketingConsentUpdateInput!) {
  customerEmailMarketingConsentUpdate(input: $input) {
    customer { id } userErrors { field message } } }"""

SHOP = """query shop { shop { name email currencyCode ianaTimezone myshopifyDomain } }"""

SUBSCRIPTIONS = """query webhookSubscriptions($cursor: String) {
  webhookSubscriptions(first: 100, after: $cursor) {
    pageInfo { hasNextPage endCursor } nodes { id topic uri } } }"""

UNSUBSCRIBE = """mutation webhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId userErrors { field message } } }"""

GID_TYPES = {"customer": "Customer", "order": "Order", "product": "Product"}


def gid(kind: str, platform_id: str) -> str:
    """Return the GraphQL global id of a numeric platform id."""
    if platform_id.startswith("gid://"):
        return platform_id
    return f"gid://shopify/{kind}/{platform_id}"
