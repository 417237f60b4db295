"""Retention: stopped members erased after PORTEVOIX_RETENTION_STOPPED_DAYS; shares, clicks,
audit entries and the texts of deliveries older than PORTEVOIX_RETENTION_DAYS let go."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.privacy.erase import erase
from bot.privacy.fields import TABLES
from storage.models import AuditLog, Click, ConsentEvent, Delivery, Member, Share

BATCH = 200  # stopped members erased per run: the next run takes the rest


async def erase_stopped(session: AsyncSession, now: datetime, days: int) -> int:
    """Erase the members who stopped more than `days` ago and have not come back."""
    cutoff = now - timedelta(days=days)
    last_stop = (select(ConsentEvent.member_id, func.max(ConsentEvent.at).label("at"))
                 .where(ConsentEvent.kind == "stopped").group_by(ConsentEvent.member_id)
                 .subquery())
    due = await session.scalars(
        select(Member).join(last_stop, last_stop.c.member_id == Member.id)
        .where(Member.status == "stopped", last_stop.c.at < cutoff)
        .order_by(Member.id).limit(BATCH))
    erased = 0
    for member in due.all():
        await erase(session, member)
        erased += 1
    return erased


async def expire_old(session: AsyncSession, now: datetime, days: int) -> dict[str, int]:
    """Delete shares (and their clicks), clicks and audit entries older than `days`; empty
    the texts and message references of older deliveries, whose counts stay."""
    cutoff = now - timedelta(days=days)
    clicks = await session.execute(delete(Click).where(Click.at < cutoff))
    shares = await session.execute(delete(Share).where(Share.created_at < cutoff))
    audit = await session.execute(delete(AuditLog).where(AuditLog.at < cutoff))
    await session.execute(update(Delivery).where(Delivery.created_at < cutoff, or_(
        Delivery.last_error.is_not(None), *(cast(column, String) != empty for column, empty in (
            (Delivery.message_ref, "{}"), (Delivery.suggestions, "[]"), (Delivery.draft, "{}")))))
        .values(TABLES["deliveries"].erased_values()))
    return {"clicks_purged": clicks.rowcount or 0,  # type: ignore[attr-defined]
            "shares_purged": shares.rowcount or 0,  # type: ignore[attr-defined]
            "audit_purged": audit.rowcount or 0}  # type: ignore[attr-defined]


async def apply(session: AsyncSession, settings: Settings, now: datetime) -> dict[str, int]:
    """Both, in the caller's transaction."""
    return {"members_erased": await erase_stopped(session, now,
                                                  settings.retention_stopped_days),
            **await expire_old(session, now, settings.retention_days)}
