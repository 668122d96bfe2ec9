"""The one HTTP client for URLs a merchant chose: no private, loopback or link-local hosts.

`requests-hardened` (what Saleor uses) resolves each host once, refuses private addresses and
connects to the address it checked (no DNS rebinding between check and connect), on the first
request and on every redirect. `ALLOW_PRIVATE_OUTBOUND` turns the filter off for development
and tests, where receivers listen on loopback.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from flask import current_app
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress

from ecomapp.jobs.retry import PermanentError

TIMEOUT = (3.05, 10.0)
MAX_REDIRECTS = 5
USER_AGENT = "ecomapp-outbound/1.0"


class OutboundRefused(PermanentError):
    """A merchant URL leads to an address we never call; the message says which."""


def private_allowed() -> bool:
    """Return True when ALLOW_PRIVATE_OUTBOUND lets calls reach private addresses."""
    return bool(current_app.config["SETTINGS"].allow_private_outbound)


def session() -> requests.Session:
    """Return a session with timeouts, checked redirects and (unless allowed) the IP filter."""
    config = Config(
        ip_filter_enable=not private_allowed(),
        ip_filter_allow_loopback_ips=False,
        never_redirect=False,
        default_timeout=TIMEOUT,
        user_agent_override=USER_AGENT,
    )
    hardened = HTTPSession(config)
    hardened.max_redirects = MAX_REDIRECTS
    hardened.trust_env = False  # a proxy from the environment would be checked instead of the host
    return hardened


def post(url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    """POST to a merchant URL; OutboundRefused when it or a redirect reaches a private address."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise OutboundRefused(f"{url} is not an http(s) URL")
    try:
        with session() as client:
            return client.post(url, data=body, headers=headers)
    except InvalidIPAddress as exc:
        raise OutboundRefused(
            f"refused: {url} leads to the private address {exc} (internal addresses are "
            "never called)"
        ) from exc
    except requests.TooManyRedirects as exc:
        raise OutboundRefused(f"refused: {url} redirects more than {MAX_REDIRECTS} times") from exc


def check_public_host(host: str, port: int) -> None:
    """Refuse a host name that resolves to a private address (unless allowed); pass unresolved.

    A check ahead of time, for URLs stored now and called later: every address is checked
    (the client checks the one it connects to). A name that does not resolve is let through,
    since it reaches nothing; the call-time filter guards the connection itself.
    """
    if private_allowed():
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        mapped = getattr(address, "ipv4_mapped", None) or address
        if not mapped.is_global:
            raise OutboundRefused(f"{host} resolves to the private address {mapped}")
