"""Recognising a platform's retry of an event already handled, across replicas."""

from __future__ import annotations

from bot.runtime import Runtime
from storage.models import InboundEvent
from storage.upsert import insert_ignore_rows


async def first_time(rt: Runtime, platform: str, event_id: str) -> bool:
    """True the first time `event_id` is seen on `platform`, False for any repeat."""
    async with rt.sessions() as session:
        inserted = await insert_ignore_rows(session, InboundEvent, [
            {"platform": platform, "event_id": event_id[:128], "received_at": rt.clock.now()}])
        await session.commit()
    return inserted == 1
