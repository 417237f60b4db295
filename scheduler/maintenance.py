"""The maintenance job: expire posts and let go of what is past retention (bot/privacy/)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.privacy import retention
from storage.models import Delivery, DigestRun, InboundEvent, Post

DEDUPE = timedelta(days=1)


async def maintain(session: AsyncSession, now: datetime,
                   settings: Settings | None = None) -> dict[str, int]:
    """One pass; without `settings`, the retention periods are the defaults."""
    settings = settings or Settings.model_construct()
    expiring = select(Post.id).where(Post.status.in_(("scheduled", "active")),
                                     Post.expires_at.is_not(None), Post.expires_at <= now)
    expired_ids = list((await session.scalars(expiring)).all())
    if expired_ids:
        await session.execute(update(Post).where(Post.id.in_(expired_ids)).values(
            status="expired", cards_pass=now.isoformat(), cards_after=0))  # cards: withdrawn
        await session.execute(update(Delivery).where(
            Delivery.post_id.in_(expired_ids), Delivery.status == "planned"
        ).values(status="cancelled"))
    purged = await retention.apply(session, settings, now)
    runs = await session.execute(delete(DigestRun).where(
        DigestRun.created_at < now - timedelta(days=settings.retention_days)))
    # Platforms retry within minutes; a day of memory is plenty.
    await session.execute(delete(InboundEvent).where(InboundEvent.received_at < now - DEDUPE))
    await session.commit()
    return {"expired": len(expired_ids), **purged,
            "digests_purged": runs.rowcount or 0}  # type: ignore[attr-defined]
