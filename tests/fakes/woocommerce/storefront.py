"""The stand-in store's shop floor: each request runs the plugin's real PHP through the harness.

`PluginShop` keeps what a WordPress database would (WooCommerce sessions, Action Scheduler's
table, options) between PHP runs; one `request()` is one storefront request by one shopper,
`run_queue()` is one WP-Cron run of Action Scheduler's queue runner.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecomapp.models.types import utcnow  # the suite's controllable clock

HARNESS = Path(__file__).with_name("wp_harness.php")
PRODUCTS = {
    "41": {"name": "Tea Mug", "price": "9.00", "sku": "MUG"},
    "42": {"name": "Biscuit Tin", "price": "14.50", "sku": "TIN"},
}


@dataclass
class PluginShop:
    """A WooCommerce store with the companion plugin installed and connected."""

    connection: dict[str, Any]
    site_url: str = "http://shop.example.com"
    currency: str = "EUR"
    products: dict[str, dict[str, str]] = field(default_factory=lambda: dict(PRODUCTS))
    state: dict[str, Any] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)

    def request(
        self, customer_id: str | None, kind: str, user: dict[str, Any] | None = None, **args: Any
    ) -> dict[str, Any]:
        """Run one storefront request; return the harness output (new customer id, HTML …)."""
        out = self._php(customer_id, user, {"kind": kind, **args})
        self.log.append(out)
        return out

    def run_queue(self) -> dict[str, Any]:
        """Run Action Scheduler's queue once, as WP-Cron would; return the harness output."""
        return self._php(None, None, {"kind": "run_queue"})

    def actions(self, status: str | None = None) -> list[dict[str, Any]]:
        """Return Action Scheduler's rows, optionally only those with a status."""
        rows = self.state.get("actions", [])
        return [r for r in rows if status is None or r["status"] == status]

    def session(self, customer_id: str) -> dict[str, Any]:
        """Return a shopper's WooCommerce session data."""
        return self.state.get("sessions", {}).get(customer_id, {})

    def _php(
        self, customer_id: str | None, user: dict[str, Any] | None, request: dict[str, Any]
    ) -> dict[str, Any]:
        php = shutil.which("php")
        assert php, "php-cli is needed to run the plugin"
        payload = {
            "mode": "store",
            "connection": self.connection,
            "state": self.state,
            "customer_id": customer_id,
            "user": user,
            "now": utcnow().timestamp(),
            "products": self.products,
            "currency": self.currency,
            "site_url": self.site_url,
            "request": request,
        }
        result = subprocess.run(
            [php, str(HARNESS), json.dumps(payload)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
        out = json.loads(result.stdout)
        self.state = out["state"]
        return out
