"""Start sends when their slot comes (the ticker's periodic job) and keep running ones going."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ecomapp.campaigns.audience import base_condition
from ecomapp.campaigns.schedule import next_slot
from ecomapp.campaigns.sending import run_send, versions_of
from ecomapp.extensions import db
from ecomapp.jobs import enqueue_after_commit
from ecomapp.models import Campaign, CampaignSend, CampaignStatus, Customer, SendStatus, Store
from ecomapp.models.types import utcnow


def start_send(campaign: Campaign, slot: datetime) -> CampaignSend | None:
    """Create the send of one slot (once: unique per campaign and slot) and enqueue it."""
    total = db.session.scalar(
        select(func.count(Customer.id)).where(base_condition(campaign.store_id))
    )
    send = CampaignSend(
        store_id=campaign.store_id,
        campaign_id=campaign.id,
        slot=slot,
        status=SendStatus.RUNNING.value,
        total=int(total or 0),
    )
    if campaign.ab_percent > 0 and any(v.subject_b for v in versions_of(campaign.id)):
        send.phase = "test"
        send.decide_at = utcnow() + timedelta(hours=campaign.ab_hours)
    try:
        with db.session.begin_nested():
            db.session.add(send)
    except IntegrityError:
        return None
    enqueue_after_commit(run_send, send.id, store_id=campaign.store_id)
    return send


def start_due(now: datetime | None = None) -> int:
    """Start every scheduled campaign whose slot has come; move it to its next slot."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Campaign, Store)
        .join(Store, Store.id == Campaign.store_id)
        .where(Campaign.status == CampaignStatus.SCHEDULED.value, Campaign.next_run_at <= now)
        .where(Store.uninstalled_at.is_(None))
    ).all()
    started = 0
    for campaign, store in rows:
        assert campaign.next_run_at is not None
        if start_send(campaign, campaign.next_run_at):
            started += 1
        campaign.next_run_at = next_slot(campaign.schedule, now, store.timezone)
        if campaign.next_run_at is None:
            campaign.status = CampaignStatus.DONE.value
    db.session.commit()
    return started


def keep_running() -> int:
    """Enqueue every running send again (a killed worker's send goes on); claims keep it safe."""
    ids = db.session.execute(
        select(CampaignSend.id, CampaignSend.store_id).where(
            CampaignSend.status == SendStatus.RUNNING.value
        )
    ).all()
    for send_id, store_id in ids:
        enqueue_after_commit(run_send, send_id, store_id=store_id)
    db.session.commit()
    return len(ids)
