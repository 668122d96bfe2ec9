"""SHOPIFY_API_ORIGIN reroutes Admin API calls for local stand-ins, and never in production."""

from __future__ import annotations

import pytest

from ecomapp import create_app
from ecomapp.config import ConfigError, Settings

PRODUCTION = {
    "ECOMAPP_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "ENCRYPTION_KEY": "k1",
    "DATABASE_URL": "postgres://u:p@db.example.com:5432/shop",
    "REDIS_URL": "rediss://:pw@redis.example.com:6380",
    "APP_URL": "https://ecomapp.example.com/",
}


@pytest.mark.parametrize("origin", ["http://127.0.0.1:8081", "https://proxy.example.com"])
def test_production_refuses_shopify_api_origin_naming_it(
    origin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given production with SHOPIFY_API_ORIGIN set, then the app refuses to start and says why."""
    for name, value in (PRODUCTION | {"SHOPIFY_API_ORIGIN": origin}).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=r"SHOPIFY_API_ORIGIN is for development.*tokens"):
        create_app()


def test_development_keeps_shopify_api_origin() -> None:
    """Given development with SHOPIFY_API_ORIGIN, then settings validate and keep it."""
    env = {"SHOPIFY_API_ORIGIN": "http://127.0.0.1:8081"}
    settings = Settings.from_env(env)
    settings.validate(env)
    assert settings.shopify_api_origin == "http://127.0.0.1:8081"
