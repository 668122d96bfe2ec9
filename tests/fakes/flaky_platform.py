"""Platform stand-ins whose API is down or refuses, quoting signed URLs in their errors."""

from __future__ import annotations

from ecomapp.jobs.retry import PermanentError, TransientError
from ecomapp.models import InboxDelivery, Store
from ecomapp.platforms.demo import DemoAdapter

# What a WooCommerce store behind plain http puts in a failed request's URL: the signed query.
LEAKY_URL = (
    "http://shop.example.com/wp-json/wc/v3/customers/9?oauth_consumer_key=ck_0123456789abcdef0123"
    "&oauth_timestamp=1764900000&oauth_nonce=abc123&oauth_signature_method=HMAC-SHA256"
    "&oauth_signature=c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw%3D%3D"
)


class DownAdapter(DemoAdapter):
    """The demo adapter, except that fetching anything answers 503 with the signed URL."""

    def ingest(self, delivery: InboxDelivery) -> bool:
        """Fail transiently, the way an unreachable platform API does."""
        raise TransientError(f"GET {LEAKY_URL}: HTTP 503 Service Unavailable")


class LeakyAdapter(DemoAdapter):
    """The demo adapter, except that its API refuses every write with the signed URL."""

    def add_tags(self, store: Store, resource: str, platform_id: str, tags: list[str]) -> None:
        """Refuse, quoting the request the way HTTP libraries do."""
        raise PermanentError(
            f"POST {LEAKY_URL} refused: 401 (headers {{'Authorization': 'Basic Y2tfc2VjcmV0'}}, "
            "'X-Shopify-Access-Token': 'shpat_0123456789abcdef0123456789abcdef')"
        )
