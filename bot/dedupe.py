"""Recognising a platform's retry, or anyone's replay, of an input already handled, across
replicas: the unique key of InboundEvent decides which replica saw it first."""

from __future__ import annotations

import hashlib

from bot.runtime import Runtime
from storage.models import InboundEvent
from storage.upsert import insert_ignore_rows

MAX_KEY = 128  # InboundEvent.event_id


def _key(event_id: str) -> str:
    """The id as stored. Platforms' ids are short ASCII; anything else is hashed: two long ids
    cut at the same length could meet, and NUL or a lone surrogate would not be stored."""
    if len(event_id) <= MAX_KEY and event_id.isascii() and "\x00" not in event_id:
        return event_id
    return "sha256:" + hashlib.sha256(event_id.encode("utf-8", "surrogatepass")).hexdigest()


async def first_time(rt: Runtime, platform: str, event_id: str, *more: tuple[str, str]) -> bool:
    """True the first time `event_id` is seen on `platform`, False for any repeat.

    `more` are other (namespace, id) pairs naming the same input: it is a repeat when any of
    them was seen before. All are recorded either way."""
    keys = sorted({(platform, _key(event_id)), *((space, _key(i)) for space, i in more)})
    now = rt.clock.now()
    async with rt.sessions() as session:
        # Sorted, so that two replicas inserting the same keys wait on each other in the same
        # order rather than deadlock.
        inserted = await insert_ignore_rows(session, InboundEvent, [
            {"platform": space, "event_id": key, "received_at": now} for space, key in keys])
        await session.commit()
    return inserted == len(keys)
