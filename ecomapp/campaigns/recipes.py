"""Campaign recipes: ready-made newsletters a merchant starts from and then edits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ecomapp.campaigns.schedule import next_slot
from ecomapp.extensions import db
from ecomapp.i18n import N_
from ecomapp.models import Campaign, CampaignStatus, CampaignVersion, Store, utcnow

HELLO = "Hello {{ customer.first_name }},\n\n"


@dataclass(frozen=True)
class Recipe:
    """A campaign to start from: name, schedule (or none) and versions, fallback last."""

    label: str
    description: str
    schedule: dict[str, Any]
    versions: tuple[dict[str, Any], ...]


RECIPES: dict[str, Recipe] = {
    "monthly_newsletter": Recipe(
        N_("Monthly newsletter"),
        N_(
            "First Monday of each month at 10:00: one version for business customers, "
            "one for everyone else, with your best sellers."
        ),
        {"every": "month", "nth": "1", "weekday": "mon", "at": "10:00"},
        (
            {
                "name": "Business customers",
                "audience": {"kind": "b2b"},
                "subject": "This month for your business",
                "blocks": [
                    {"type": "text", "text": HELLO + "Our news for trade customers."},
                    {"type": "products", "source": "best_sellers"},
                ],
            },
            {
                "name": "Everyone else",
                "fallback": True,
                "subject": "Our news this month",
                "blocks": [
                    {"type": "text", "text": HELLO + "Here is what is new this month."},
                    {"type": "products", "source": "best_sellers"},
                ],
            },
        ),
    ),
    "b2b_vs_b2c": Recipe(
        N_("Business vs individual customers"),
        N_("One campaign, a version for B2B and one for B2C customers; send when you are ready."),
        {},
        (
            {
                "name": "B2B",
                "audience": {"kind": "b2b"},
                "subject": "Trade offer",
                "blocks": [{"type": "text", "text": HELLO + "Volume prices for your business."}],
            },
            {
                "name": "B2C",
                "fallback": True,
                "subject": "A treat for you",
                "blocks": [{"type": "text", "text": HELLO + "Something new for you."}],
            },
        ),
    ),
    "winback_at_risk": Recipe(
        N_("Win back customers at risk"),
        N_('For the RFM group "at risk" (scored nightly for every customer): a win-back offer.'),
        {},
        (
            {
                "name": "At risk",
                "audience": {"kind": "rfm", "value": "at_risk"},
                "subject": "We miss you",
                "blocks": [{"type": "text", "text": HELLO + "It has been a while."}],
            },
        ),
    ),
}


def create_from_recipe(store: Store, key: str) -> Campaign:
    """Create a draft campaign from a recipe (scheduled when the recipe has a schedule)."""
    recipe = RECIPES[key]
    campaign = Campaign(store_id=store.id, name=_(recipe.label), schedule=recipe.schedule)
    campaign.status = CampaignStatus.DRAFT.value
    db.session.add(campaign)
    db.session.flush()
    for position, spec in enumerate(recipe.versions):
        fallback = bool(spec.get("fallback"))
        db.session.add(
            CampaignVersion(
                store_id=store.id, campaign_id=campaign.id, name=spec["name"],
                position=999 if fallback else position, is_fallback=fallback,
                audience=spec.get("audience", {"kind": "all"}), subject=spec["subject"],
                blocks=spec["blocks"],
            )
        )  # fmt: skip
    if recipe.schedule:
        campaign.next_run_at = next_slot(recipe.schedule, utcnow(), store.timezone)
    db.session.flush()
    return campaign
