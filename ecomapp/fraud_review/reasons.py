"""Fraud reasons in the panel's language: the scorer records them in English (they also go to
the platform as risk facts); the review queue shows them translated."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

from ecomapp.i18n import N_

PARTS = {
    "country": N_("country"),
    "region": N_("region"),
    "postcode": N_("postcode"),
    "name": N_("name"),
    "e-mail": N_("e-mail"),
    "IP": N_("IP"),
    "phone": N_("phone"),
    "card": N_("card"),
    "billing": N_("billing"),
    "shipping": N_("shipping"),
}
VELOCITY = {
    "an hour": N_("%(count)s orders from %(kind)s %(value)s within an hour"),
    "a day": N_("%(count)s orders from %(kind)s %(value)s within a day"),
}
MISSING = (
    N_("customer history unknown, first-order check skipped"),
    N_("too few store orders to rank the first order's value"),
    N_("payment attempts not reported"),
    N_("no shipping address, unusual-address check skipped"),
    N_("order time unknown, velocity not checked"),
    N_("no IP address on the order"),
    N_("no address to compare the IP country with"),
    N_("no e-mail address on the order"),
)


def _part(word: str) -> str:
    return _(PARTS[word]) if word in PARTS else word


def _countries(listed: str) -> str:
    found = re.findall(r"(billing|shipping) country (\w+)", listed)
    return ", ".join(_("%(kind)s country %(code)s", kind=_part(k), code=c) for k, c in found)


# (pattern, translation of its groups); the first pattern that matches the whole reason wins.
RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"billing (country|region|postcode|name) (.*), shipping \1 (.*)"),
        lambda m: _(
            "billing %(part)s %(billing)s, shipping %(part)s %(shipping)s",
            part=_part(m[1]),
            billing=m[2],
            shipping=m[3],
        ),
    ),
    (
        re.compile(r"first order, (.+) is above the set (.+)"),
        lambda m: _("first order, %(amount)s is above the set %(limit)s", amount=m[1], limit=m[2]),
    ),
    (
        re.compile(r"first order, (.+) is above (\d+)% of this store's orders"),
        lambda m: _(
            "first order, %(amount)s is above %(share)s%% of this store's orders",
            amount=m[1],
            share=m[2],
        ),
    ),
    (
        re.compile(r"(\d+) failed payment attempts? before this order"),
        lambda m: (
            _("1 failed payment attempt before this order")
            if m[1] == "1"
            else _("%(count)s failed payment attempts before this order", count=m[1])
        ),
    ),
    (
        re.compile(r"new shipping address (.+) on (.+), ([\d.]+)x this customer's usual (.+)"),
        lambda m: _(
            "new shipping address %(address)s on %(total)s, %(times)sx this customer's usual "
            "%(usual)s",
            address=m[1],
            total=m[2],
            times=m[3],
            usual=m[4],
        ),
    ),
    (
        re.compile(r"(\d+) orders from (e-mail|IP|phone|card) (.+) within (an hour|a day)"),
        lambda m: _(VELOCITY[m[4]], count=m[1], kind=_part(m[2]), value=m[3]),
    ),
    (
        re.compile(r"IP country (\w+), (.+)"),
        lambda m: _("IP country %(code)s, %(others)s", code=m[1], others=_countries(m[2])),
    ),
    (
        re.compile(r"e-mail domain (.+) is disposable"),
        lambda m: _("e-mail domain %(domain)s is disposable", domain=m[1]),
    ),
    (
        re.compile(r"the platform's own risk assessment is (.+)"),
        lambda m: _("the platform's own risk assessment is %(level)s", level=m[1]),
    ),
    (
        re.compile(r"no (billing|shipping) address, address match not checked"),
        lambda m: _("no %(kind)s address, address match not checked", kind=_part(m[1])),
    ),
    (
        re.compile(r"IP (.+) not in the country database"),
        lambda m: _("IP %(ip)s not in the country database", ip=m[1]),
    ),
)


def reason_text(reason: str) -> str:
    """Return a recorded fraud reason in the panel's language (as recorded when unknown)."""
    if reason.startswith("missing: "):
        return _("missing: %(what)s", what=reason_text(reason.removeprefix("missing: ")))
    if reason in MISSING:
        return _(reason)
    for pattern, translate in RULES:
        found = pattern.fullmatch(reason)
        if found:
            return translate(found)
    return reason
