"""The maintenance job: expire posts and purge what is past retention."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Click, Delivery, DigestRun, InboundEvent, Post

RETENTION = timedelta(days=400)
DEDUPE = timedelta(days=1)


async def maintain(session: AsyncSession, now: datetime) -> dict[str, int]:
    expiring = select(Post.id).where(Post.status.in_(("scheduled", "active")),
                                     Post.expires_at.is_not(None), Post.expires_at <= now)
    expired_ids = list((await session.scalars(expiring)).all())
    if expired_ids:
        await session.execute(update(Post).where(Post.id.in_(expired_ids))
                              .values(status="expired"))
        await session.execute(update(Delivery).where(
            Delivery.post_id.in_(expired_ids), Delivery.status == "planned"
        ).values(status="cancelled"))
    cutoff = now - RETENTION
    clicks = await session.execute(delete(Click).where(Click.at < cutoff))
    runs = await session.execute(delete(DigestRun).where(DigestRun.created_at < cutoff))
    # Platforms retry within minutes; a day of memory is plenty.
    await session.execute(delete(InboundEvent).where(InboundEvent.received_at < now - DEDUPE))
    await session.commit()
    return {"expired": len(expired_ids), "clicks_purged": clicks.rowcount or 0,  # type: ignore[attr-defined]
            "digests_purged": runs.rowcount or 0}  # type: ignore[attr-defined]
