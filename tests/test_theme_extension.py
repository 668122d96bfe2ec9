"""The Shopify theme app extension: well-formed, and its block posts what the proxy route reads."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "extensions" / "ecomapp-storefront"


def _schema(block: Path) -> dict[str, object]:
    text = block.read_text()
    found = re.search(r"{%\s*schema\s*%}(.*?){%\s*endschema\s*%}", text, re.S)
    assert found, f"{block.name} has a schema"
    return json.loads(found.group(1))


def test_extension_is_a_theme_extension_with_its_files() -> None:
    """Given the extension folder, then its TOML says type theme and every block's JavaScript
    exists in assets/ (Shopify refuses a deploy otherwise)."""
    config = tomllib.loads((EXTENSION / "shopify.extension.toml").read_text())
    assert config["type"] == "theme" and config["name"]
    blocks = sorted((EXTENSION / "blocks").glob("*.liquid"))
    assert blocks
    for block in blocks:
        schema = _schema(block)
        assert schema["target"] in ("section", "head", "body")
        assert (EXTENSION / "assets" / str(schema["javascript"])).exists()


def test_back_in_stock_block_posts_the_fields_the_route_reads() -> None:
    """Given the block and its script, then they post variant_id, email, consent, consent_text
    and subscription to <proxy>/back-in-stock, and the app proxy subpath matches the app's."""
    script = (EXTENSION / "assets" / "notify-me.js").read_text()
    for field in ("variant_id", "email", "consent", "consent_text", "subscription"):
        assert re.search(rf"\b{field}\b", script), field
    assert '"/back-in-stock"' in script and '"/push/sw.js"' in script
    app = tomllib.loads((ROOT / "shopify.app.toml").read_text())["app_proxy"]
    block = (EXTENSION / "blocks" / "back-in-stock.liquid").read_text()
    assert f"/{app['prefix']}/{app['subpath']}" in block
    assert _schema(EXTENSION / "blocks" / "back-in-stock.liquid")["enabled_on"] == {
        "templates": ["product"]
    }
