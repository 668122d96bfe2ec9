"""Offline look-ups: IP address to country, disposable e-mail domains (no network)."""

from __future__ import annotations

from disposable_email_domains import blocklist
from iptocc import country_code


def ip_country(ip: str | None) -> str | None:
    """Return the ISO country of an IP address from the bundled database, or None."""
    if not ip:
        return None
    try:
        return country_code(ip.strip())
    except (ValueError, TypeError):
        return None


def email_domain(email: str | None) -> str | None:
    """Return the lower-cased domain of an e-mail address, or None."""
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower() or None


def is_disposable(domain: str) -> bool:
    """Tell whether a domain (or its parent domain) is on the disposable list."""
    parts = domain.split(".")
    return any(".".join(parts[i:]) in blocklist for i in range(len(parts) - 1))
