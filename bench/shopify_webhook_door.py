"""How long the Shopify webhook door takes, as a ratio of a bare /health request in the same run.

Run: python bench/shopify_webhook_door.py [requests]
The door verifies the HMAC, records one inbox row, commits, enqueues ingestion (fakeredis, not
run here) and answers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from flask_migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecomapp import create_app
from ecomapp.config import Settings
from ecomapp.extensions import db
from ecomapp.models import Platform, Store

SECRET = "shpss_" + "0" * 32
SHOP = "bench-shop.myshopify.com"
BODY = (Path(__file__).resolve().parents[1] / "tests/fakes/shopify/orders_create.json").read_bytes()


def _timed(call: object, n: int) -> list[float]:
    out = []
    for i in range(n):
        start = time.perf_counter()
        call(i)  # type: ignore[operator]
        out.append((time.perf_counter() - start) * 1000)
    return out


def main(n: int = 300) -> None:
    """Print median door and /health latencies and their ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        settings = Settings(database_url=url, shopify_api_key="k", shopify_api_secret=SECRET)
        app = create_app(settings, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            db.session.add(Store(platform=Platform.SHOPIFY.value, domain=SHOP, name="bench"))
            db.session.commit()
            client = app.test_client()
            body = json.dumps(json.loads(BODY), separators=(",", ":")).encode()
            sig = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())

            def door(_: int) -> None:
                headers = {
                    "X-Shopify-Topic": "orders/create",
                    "X-Shopify-Hmac-Sha256": sig.decode(),
                    "X-Shopify-Shop-Domain": SHOP,
                    "X-Shopify-Event-Id": str(uuid.uuid4()),
                }
                response = client.post("/webhooks/shopify", data=body, headers=headers)
                assert response.status_code == 200

            health = statistics.median(_timed(lambda _: client.get("/health"), n))
            hook = statistics.median(_timed(door, n))
    print(f"median /health {health:.2f} ms, webhook door {hook:.2f} ms, ratio {hook / health:.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
