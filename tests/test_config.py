"""Configuration comes from the environment and refuses an unsafe production start."""

from __future__ import annotations

import pytest

from ecomapp import create_app
from ecomapp.config import ConfigError, Settings, database_url

PRODUCTION = {
    "ECOMAPP_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "ENCRYPTION_KEY": "k1",
    "DATABASE_URL": "postgres://u:p@db.example.com:5432/shop",
    "REDIS_URL": "rediss://:pw@redis.example.com:6380",
    "APP_URL": "https://ecomapp.example.com/",
}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ENCRYPTION_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_a_missing_secret_and_names_it(missing: str) -> None:
    """Given production without one required setting, then startup fails naming it."""
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        Settings.from_env(env).validate(env)


def test_create_app_refuses_production_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given ECOMAPP_ENV=production and nothing else, then create_app raises and names settings."""
    for name in PRODUCTION:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ECOMAPP_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY, ENCRYPTION_KEY, DATABASE_URL"):
        create_app()


def test_production_refuses_a_short_secret_key() -> None:
    """Given a 10-character SECRET_KEY in production, then validation refuses it."""
    env = PRODUCTION | {"SECRET_KEY": "short-key!"}
    with pytest.raises(ConfigError, match="at least 32"):
        Settings.from_env(env).validate(env)


def test_production_settings_are_read_from_the_environment() -> None:
    """Given a complete production environment, then settings carry its values."""
    settings = Settings.from_env(PRODUCTION | {"ENCRYPTION_KEY": "new, old"})
    settings.validate(PRODUCTION)
    assert settings.is_production
    assert settings.encryption_keys == ("new", "old")
    assert settings.app_url == "https://ecomapp.example.com"


def test_heroku_postgres_scheme_is_rewritten() -> None:
    """Given Heroku's postgres:// URL, then SQLAlchemy gets postgresql+psycopg://."""
    url = database_url("postgres://u:p@host:5432/db", "/tmp/unused")
    assert url == "postgresql+psycopg://u:p@host:5432/db"


def test_no_database_url_means_a_sqlite_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Given no DATABASE_URL, then the app uses a SQLite file in the instance folder."""
    url = database_url(None, str(tmp_path / "instance"))
    assert url == f"sqlite:///{tmp_path / 'instance' / 'ecomapp.sqlite3'}"
    assert (tmp_path / "instance").is_dir()


def test_private_outbound_is_off_and_renders_have_a_deadline_by_default() -> None:
    """Given no settings, then merchant URLs may not reach private addresses and a template
    render has 2 s; given the variables, then both follow them."""
    assert Settings.from_env(PRODUCTION).allow_private_outbound is False
    assert Settings.from_env(PRODUCTION).template_render_seconds == 2.0
    dev = Settings.from_env({"ALLOW_PRIVATE_OUTBOUND": "true", "TEMPLATE_RENDER_SECONDS": "0.5"})
    assert dev.allow_private_outbound is True and dev.template_render_seconds == 0.5
