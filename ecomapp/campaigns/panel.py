"""The panel's Campaigns pages: list and recipes, versions, preview, test, schedule, sends."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.wrappers import Response

from ecomapp.campaigns import recipes
from ecomapp.campaigns.assign import assigned_version
from ecomapp.campaigns.audience import KINDS, LABELS
from ecomapp.campaigns.forms import InvalidVersion, apply_form, form_of, parse_ab
from ecomapp.campaigns.render import GridMaker, Recipient, Signer, personalise, prepare
from ecomapp.campaigns.results import progress, version_results
from ecomapp.campaigns.schedule import InvalidSchedule, describe, next_slot, parse_schedule
from ecomapp.campaigns.sending import Claimed, Deliverer, versions_of
from ecomapp.campaigns.starts import start_send
from ecomapp.campaigns.words import status_label, translated, weekday_name
from ecomapp.extensions import db
from ecomapp.mail.effective_settings import effective_settings
from ecomapp.models import (
    Campaign,
    CampaignSend,
    CampaignStatus,
    CampaignVersion,
    Customer,
    Message,
    MessageStatus,
    SendStatus,
    utcnow,
)

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


@bp.context_processor
def _words() -> dict[str, Callable[..., str]]:
    return {"status_label": status_label, "translated": translated, "weekday_name": weekday_name}


def _campaign(campaign_id: int) -> Campaign:
    row = db.session.get(Campaign, campaign_id)
    if row is None or row.store_id != g.store.id:
        abort(404)
    return row


def _send(send_id: int) -> CampaignSend:
    row = db.session.get(CampaignSend, send_id)
    if row is None or row.store_id != g.store.id:
        abort(404)
    return row


@bp.route("/")
def index() -> str:
    """List the store's campaigns and the recipe gallery."""
    rows = db.session.scalars(
        select(Campaign).where(Campaign.store_id == g.store.id).order_by(Campaign.id.desc())
    ).all()
    return render_template(
        "campaigns/index.html", campaigns=rows, recipes=recipes.RECIPES, describe=describe
    )


@bp.post("/new")
def create() -> Response | tuple[str, int]:
    """Create a draft campaign with a fallback version."""
    name = request.form.get("name", "").strip()
    if not name or len(name) > 255:
        return _("name: is required (at most 255 characters)"), 400
    campaign = Campaign(store_id=g.store.id, name=name, status=CampaignStatus.DRAFT.value)
    db.session.add(campaign)
    db.session.flush()
    db.session.add(
        CampaignVersion(
            store_id=g.store.id, campaign_id=campaign.id, name="Everyone else",
            is_fallback=True, audience={"kind": "all"}, subject=name, position=999,
            blocks=[{"type": "text", "text": "Hello {{ customer.first_name }},"}],
        )
    )  # fmt: skip
    db.session.commit()
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/recipes/<key>")
def from_recipe(key: str) -> Response:
    """Create a campaign from a recipe of the gallery."""
    if key not in recipes.RECIPES:
        abort(404)
    campaign = recipes.create_from_recipe(g.store, key)
    db.session.commit()
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>")
def show(campaign_id: int) -> str:
    """Show a campaign: versions, schedule, sends with progress, results with a chart."""
    campaign = _campaign(campaign_id)
    sends = db.session.scalars(
        select(CampaignSend)
        .where(CampaignSend.store_id == g.store.id, CampaignSend.campaign_id == campaign.id)
        .order_by(CampaignSend.id.desc())
    ).all()
    versions = versions_of(campaign.id)
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        versions=versions,
        forms={v.id: form_of(v) for v in versions},
        sends=[(s, progress(s)) for s in sends],
        results=version_results(g.store.id, campaign.id),
        kinds=KINDS,
        labels=LABELS,
        schedule_text=describe(campaign.schedule),
        error=request.args.get("error"),
    )


@bp.post("/<int:campaign_id>/versions")
def save_version(campaign_id: int) -> Response | tuple[str, int]:
    """Add a version or change one; a malformed field is refused with its name."""
    campaign = _campaign(campaign_id)
    version_id = request.form.get("version_id", type=int)
    version = db.session.get(CampaignVersion, version_id) if version_id else None
    if version is not None and version.campaign_id != campaign.id:
        abort(404)
    version = version or CampaignVersion(store_id=g.store.id, campaign_id=campaign.id)
    try:
        apply_form(version, request.form)
    except InvalidVersion as exc:
        return str(exc), 400
    db.session.add(version)
    if version.is_fallback:
        for other in versions_of(campaign.id):
            if other.id != version.id:
                other.is_fallback = False
    db.session.commit()
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


def _sample(campaign: Campaign, version: CampaignVersion) -> Customer | None:
    chosen = assigned_version(g.store.id, versions_of(campaign.id)).subquery()
    customer_id = db.session.scalar(
        select(chosen.c.id).where(chosen.c.version_id == version.id).order_by(chosen.c.id).limit(1)
    )
    return db.session.get(Customer, customer_id) if customer_id else None


@bp.route("/<int:campaign_id>/versions/<int:version_id>/preview")
def preview(campaign_id: int, version_id: int) -> str:
    """Render one version as a real recipient who would get it."""
    campaign = _campaign(campaign_id)
    version = db.session.get(CampaignVersion, version_id)
    if version is None or version.campaign_id != campaign.id:
        abort(404)
    sample = _sample(campaign, version)
    prepared = prepare(g.store, version, effective_settings(g.store))
    who = Recipient(
        0, sample.first_name if sample else "", "", sample.email or "" if sample else ""
    )
    grids = None
    if prepared.grids:
        maker = GridMaker(g.store)
        maker.load([sample.id] if sample is not None else [])
        grids = maker.grids(prepared, sample.id if sample is not None else None)
    person = personalise(prepared, Signer(), who, grids)
    return render_template("campaigns/_preview.html", person=person, sample=sample)


@bp.post("/<int:campaign_id>/test")
def send_test(campaign_id: int) -> str | tuple[str, int]:
    """Send each version once to a test address, now, whatever the schedule."""
    campaign = _campaign(campaign_id)
    to = request.form.get("to", "").strip()
    if "@" not in to or len(to) > 255:
        return _("to: must be an e-mail address"), 400
    claimed = []
    for version in versions_of(campaign.id):
        row = Message(
            store_id=g.store.id, idempotency_key=f"campaign-test:{version.id}:{uuid.uuid4().hex}",
            kind="transactional", template_key="campaign-test", to_email=to,
            subject=version.subject, status=MessageStatus.SENDING.value, sending_at=utcnow(),
            attempts=1, campaign_version_id=version.id,
        )  # fmt: skip
        db.session.add(row)
        db.session.flush()
        claimed.append(Claimed(row.id, to, None, version.id, "Test"))
    db.session.commit()
    Deliverer(g.store, effective_settings(g.store)).deliver(claimed)
    return render_template("campaigns/_test_result.html", to=to, count=len(claimed))


@bp.post("/<int:campaign_id>/schedule")
def schedule(campaign_id: int) -> Response | tuple[str, int]:
    """Schedule the campaign once or on a recurrence in the store's time zone."""
    campaign = _campaign(campaign_id)
    if not any(v.is_fallback for v in versions_of(campaign.id)):
        return _("versions: a fallback version is needed"), 400
    try:
        plan = parse_schedule(request.form.to_dict())
    except InvalidSchedule as exc:
        return str(exc), 400
    slot = next_slot(plan, utcnow(), g.store.timezone)
    if slot is None:
        return _("date: must be in the future"), 400
    campaign.schedule, campaign.next_run_at = plan, slot
    campaign.status = CampaignStatus.SCHEDULED.value
    db.session.commit()
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/ab")
def ab_test(campaign_id: int) -> Response | tuple[str, int]:
    """Set the A/B subject test: sample share, wait, and the metric that picks the winner."""
    campaign = _campaign(campaign_id)
    try:
        campaign.ab_percent, campaign.ab_hours, campaign.ab_metric = parse_ab(request.form)
    except InvalidVersion as exc:
        return str(exc), 400
    db.session.commit()
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/send-now")
def send_now(campaign_id: int) -> Response | tuple[str, int]:
    """Start a send of the campaign now (quiet hours still hold it)."""
    campaign = _campaign(campaign_id)
    if not any(v.is_fallback for v in versions_of(campaign.id)):
        return _("versions: a fallback version is needed"), 400
    start_send(campaign, utcnow())
    db.session.commit()
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/unschedule")
def unschedule(campaign_id: int) -> Response:
    """Stop future slots (sends already running go on)."""
    campaign = _campaign(campaign_id)
    campaign.status, campaign.next_run_at = CampaignStatus.DRAFT.value, None
    db.session.commit()
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.route("/sends/<int:send_id>/progress")
def send_progress(send_id: int) -> str:
    """Return a send's progress bar (polled by htmx while it runs)."""
    send = _send(send_id)
    return render_template("campaigns/_progress.html", send=send, progress=progress(send))


@bp.post("/sends/<int:send_id>/<action>")
def control(send_id: int, action: str) -> str | tuple[str, int]:
    """Pause, resume or cancel a send."""
    send = _send(send_id)
    moves = {
        "pause": ({SendStatus.RUNNING.value}, SendStatus.PAUSED),
        "resume": ({SendStatus.PAUSED.value}, SendStatus.RUNNING),
        "cancel": ({SendStatus.RUNNING.value, SendStatus.PAUSED.value}, SendStatus.CANCELLED),
    }
    if action not in moves:
        abort(404)
    allowed, target = moves[action]
    if send.status not in allowed:
        return _("action: not possible while the send is %(status)s", status=send.status), 409
    send.status = target.value
    if target is SendStatus.RUNNING:
        from ecomapp.campaigns.sending import run_send
        from ecomapp.jobs import enqueue_after_commit

        enqueue_after_commit(run_send, send.id, store_id=send.store_id)
    if target is SendStatus.CANCELLED:
        send.finished_at = utcnow()
        db.session.execute(
            update(Message)
            .where(
                Message.store_id == g.store.id,
                Message.campaign_send_id == send.id,
                Message.status == MessageStatus.PENDING.value,
            )
            .values(status=MessageStatus.SUPPRESSED.value, error="campaign cancelled")
        )
    db.session.commit()
    return render_template("campaigns/_progress.html", send=send, progress=progress(send))
