"""Settings from the environment, in one place: nothing else reads os.environ."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEV_SECRET = "dev-secret-not-for-production"
DEV_ENCRYPTION_KEY = "dev-encryption-key-not-for-production"

REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "ENCRYPTION_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "APP_URL",
)


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class ConfigError(RuntimeError):
    """The environment cannot run the app; the message names the setting."""


def database_url(raw: str | None, instance_path: str) -> str:
    """Return the SQLAlchemy URL for DATABASE_URL, or a SQLite file when unset."""
    if not raw:
        Path(instance_path).mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{Path(instance_path) / 'ecomapp.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    value = env.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Below the idle timeouts of PgBouncer (600 s) and of managed PostgreSQL proxies.
POOL_RECYCLE_SECONDS = 300


@dataclass(frozen=True)
class Settings:
    """Typed settings read from the environment."""

    env: str = "development"
    secret_key: str = DEV_SECRET
    encryption_keys: tuple[str, ...] = (DEV_ENCRYPTION_KEY,)
    database_url: str | None = None
    redis_url: str | None = None
    app_url: str = "http://127.0.0.1:5000"
    queue_prefix: str = "ecomapp"
    mail_from: str = "ecomapp <no-reply@localhost>"
    smtp_url: str | None = None
    postmark_token: str | None = None
    mail_send_timeout: float = 60.0
    shopify_api_key: str = ""
    shopify_api_secret: str = ""
    shopify_old_api_secret: str = ""
    shopify_api_version: str = "2026-10"
    shopify_api_origin: str | None = None
    woocommerce_allow_http: bool = False
    allow_private_outbound: bool = False
    template_render_seconds: float = 2.0
    ticker_seconds: float = 5.0
    job_timeout: int = 600
    db_statement_timeout_ms: int = 300_000
    db_lock_timeout_ms: int = 30_000
    db_idle_in_transaction_timeout_ms: int = 300_000
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from a mapping (os.environ by default)."""
        env = os.environ if env is None else env
        keys = env.get("ENCRYPTION_KEY", "")
        return cls(
            env=env.get("ECOMAPP_ENV", "development").strip().lower(),
            secret_key=env.get("SECRET_KEY") or DEV_SECRET,
            encryption_keys=tuple(k.strip() for k in keys.split(",") if k.strip())
            or (DEV_ENCRYPTION_KEY,),
            database_url=env.get("DATABASE_URL") or None,
            redis_url=env.get("REDIS_URL") or None,
            app_url=(env.get("APP_URL") or "http://127.0.0.1:5000").rstrip("/"),
            queue_prefix=env.get("QUEUE_PREFIX") or "ecomapp",
            mail_from=env.get("MAIL_FROM") or "ecomapp <no-reply@localhost>",
            smtp_url=env.get("SMTP_URL") or None,
            postmark_token=env.get("POSTMARK_SERVER_TOKEN") or None,
            mail_send_timeout=float(env.get("MAIL_SEND_TIMEOUT") or 60.0),
            shopify_api_key=env.get("SHOPIFY_API_KEY", ""),
            shopify_api_secret=env.get("SHOPIFY_API_SECRET", ""),
            shopify_old_api_secret=env.get("SHOPIFY_OLD_API_SECRET", ""),
            shopify_api_version=env.get("SHOPIFY_API_VERSION") or "2026-10",
            shopify_api_origin=env.get("SHOPIFY_API_ORIGIN") or None,
            woocommerce_allow_http=_flag(env, "WOOCOMMERCE_ALLOW_HTTP"),
            allow_private_outbound=_flag(env, "ALLOW_PRIVATE_OUTBOUND"),
            template_render_seconds=float(env.get("TEMPLATE_RENDER_SECONDS") or 2.0),
            ticker_seconds=float(env.get("TICKER_SECONDS") or 5.0),
            job_timeout=int(env.get("JOB_TIMEOUT") or 600),
            db_statement_timeout_ms=int(env.get("DB_STATEMENT_TIMEOUT_MS") or 300_000),
            db_lock_timeout_ms=int(env.get("DB_LOCK_TIMEOUT_MS") or 30_000),
            db_idle_in_transaction_timeout_ms=int(
                env.get("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS") or 300_000
            ),
        )

    @property
    def is_production(self) -> bool:
        """Return True when ECOMAPP_ENV says production."""
        return self.env == "production"

    @property
    def framed_cookies(self) -> bool:
        """Return True when the session cookie must survive a third-party frame (WP admin).

        That takes `SameSite=None; Secure; Partitioned`, which browsers keep only from a secure
        origin: https, or a loopback address (http://localhost, http://127.0.0.1). A
        development app on plain http elsewhere cannot keep a session in the frame: the plugin's
        "Open in a new tab" link works there (docs/woocommerce.md).
        """
        if self.is_production:
            return True
        if self.env != "development":
            return False
        url = urlsplit(self.app_url)
        return url.scheme == "https" or url.hostname in LOOPBACK_HOSTS

    def validate(self, env: Mapping[str, str] | None = None) -> None:
        """Refuse to run in production with a missing secret, naming it."""
        if not self.is_production:
            return
        env = os.environ if env is None else env
        missing = [name for name in REQUIRED_IN_PRODUCTION if not env.get(name)]
        if missing:
            raise ConfigError(
                "ECOMAPP_ENV=production but these settings are missing: " + ", ".join(missing)
            )
        if len(self.secret_key) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")
        if self.shopify_api_origin:
            raise ConfigError(
                "SHOPIFY_API_ORIGIN is for development and tests only: in production it would "
                f"send access tokens to {self.shopify_api_origin} instead of "
                "https://{shop}.myshopify.com (in clear text over http); unset it"
            )

    def engine_options(self, url: str) -> dict[str, object]:
        """Return SQLAlchemy engine options; PostgreSQL sessions get bounded waits.

        No pre-ping (a round trip on every checkout, the doors' largest cost after the INSERT):
        connections are recycled before a server or proxy would drop them as idle, and a
        connection found dead when used invalidates the pool (the doors retry once on it).
        """
        options: dict[str, object] = {"pool_pre_ping": False, "pool_recycle": POOL_RECYCLE_SECONDS}
        if url.startswith("postgresql"):
            # A killed worker's orphan can hold row locks in an idle transaction: the server
            # ends such a session, and nobody waits on a lock or a statement forever.
            timeouts = {
                "statement_timeout": self.db_statement_timeout_ms,
                "lock_timeout": self.db_lock_timeout_ms,
                "idle_in_transaction_session_timeout": self.db_idle_in_transaction_timeout_ms,
            }
            options["connect_args"] = {
                "options": " ".join(f"-c {name}={value}" for name, value in timeouts.items())
            }
        return options

    def flask_config(self, instance_path: str) -> dict[str, object]:
        """Return the Flask config mapping for these settings."""
        url = database_url(self.database_url, instance_path)
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": self.engine_options(url),
            "SESSION_COOKIE_SECURE": self.framed_cookies,
            "SESSION_COOKIE_SAMESITE": "None" if self.framed_cookies else "Lax",
            "SESSION_COOKIE_PARTITIONED": self.framed_cookies,  # CHIPS: panel in a store's iframe
            "SETTINGS": self,
        }
