"""A store's cart reminder policy: marketing that needs consent, or a service message.

Stores in the EU, the EEA and the UK default to "require marketing consent" (ePrivacy/PECR
treat a cart reminder to someone who did not opt in as direct marketing), and so does a store
whose country is not known yet; elsewhere the default is a service message that carries a
one-click opt-out and honours it.
"""

from __future__ import annotations

from ecomapp.i18n import N_
from ecomapp.models import MessageKind, Store

POLICY_KEY = "cart_reminder_policy"
COUNTRY_KEY = "country"
REQUIRE_CONSENT = "require_consent"
SERVICE_OPT_OUT = "service_opt_out"
POLICIES = {
    REQUIRE_CONSENT: N_("Require marketing consent"),
    SERVICE_OPT_OUT: N_("Service message with one-click opt-out"),
}
# EU member states, the rest of the EEA, and the United Kingdom.
CONSENT_COUNTRIES = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT"}
    | {"LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"}
    | {"GB"}
)


def default_policy(country: str | None) -> str:
    """Return the default policy for a store in this country (ISO 3166 alpha-2)."""
    code = (country or "").split(":")[0].strip().upper()
    return REQUIRE_CONSENT if not code or code in CONSENT_COUNTRIES else SERVICE_OPT_OUT


def cart_reminder_policy(store: Store) -> str:
    """Return the store's chosen policy, else the default for its country."""
    chosen = (store.settings or {}).get(POLICY_KEY)
    if chosen in POLICIES:
        return str(chosen)
    return default_policy((store.settings or {}).get(COUNTRY_KEY))


def needs_consent(store: Store, kind: str) -> bool:
    """Return True when a mail of this kind may only go to someone who opted in."""
    if kind == MessageKind.MARKETING.value:
        return True
    return kind == MessageKind.CART_REMINDER.value and (
        cart_reminder_policy(store) == REQUIRE_CONSENT
    )


def offers_opt_out(kind: str) -> bool:
    """Return True when a mail of this kind carries a one-click unsubscribe and honours it."""
    return kind in (MessageKind.MARKETING.value, MessageKind.CART_REMINDER.value)
