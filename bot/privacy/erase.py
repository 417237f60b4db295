"""Erasing a member: their personal columns blanked, their rows kept anonymous, so that the
counts of past digests and stats still add up (bot/privacy/fields.py says what is what)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import String, Table, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.privacy.fields import TABLES
from bot.privacy.fields import Table as Fields
from bot.volunteers import cancel_pending
from storage.models import Base, Member

SHORTEST = 3  # characters: a shorter name would blank unrelated words


def identifiers(member: Member) -> list[str]:
    """What names the person in free text or keys: platform id, DM, e-mail, name."""
    found = [member.external_id, member.conversation.get("conversation_id"), member.email,
             member.display_name]
    return sorted({value for value in found if isinstance(value, str)
                   and len(value.strip()) >= SHORTEST})


def blanked(value: Any, needles: list[str]) -> Any:
    """`value` (JSON) with every string that holds one of `needles` emptied."""
    if isinstance(value, str):
        folded = value.casefold()
        return "" if any(needle.casefold() in folded for needle in needles) else value
    if isinstance(value, list):
        return [blanked(item, needles) for item in value]
    if isinstance(value, dict):
        return {key: blanked(item, needles) for key, item in value.items()}
    return value


def _spellings(needles: list[str]) -> list[str]:
    """Each needle as typed and as JSON stores it (non-ASCII escaped)."""
    return sorted({form for needle in needles for form in (needle, json.dumps(needle)[1:-1])})


async def _clear_mentions(session: AsyncSession, table: Table, fields: Fields,
                          needles: list[str], workspace_id: int) -> None:
    for name in sorted(fields.mentions):
        column = table.c[name]
        text = column if isinstance(column.type, String) else cast(column, String)
        where = or_(*(text.contains(form, autoescape=True) for form in _spellings(needles)))
        if "workspace_id" in table.c:
            where = where & (table.c.workspace_id == workspace_id)
        if fields.delete:
            await session.execute(delete(table).where(where))
            continue
        for key, value in (await session.execute(select(table.c.id, column).where(where))).all():
            await session.execute(update(table).where(table.c.id == key)
                                  .values({name: blanked(value, needles)}))


async def erase(session: AsyncSession, member: Member) -> None:
    """Erase `member`'s personal data, in the caller's transaction. Their pending nudges are
    cancelled first; afterwards the row is a tombstone that no platform id reaches."""
    await cancel_pending(session, member_id=member.id)
    needles = identifiers(member)
    for name, fields in TABLES.items():
        table = Base.metadata.tables[name]
        if needles and fields.mentions:
            await _clear_mentions(session, table, fields, needles, member.workspace_id)
        if fields.owner is None or name == Member.__tablename__:
            continue
        mine = table.c[fields.owner] == member.id
        if fields.delete:
            await session.execute(delete(table).where(mine))
        elif fields.erased:
            await session.execute(update(table).where(mine).values(fields.erased_values()))
    for column, value in TABLES[Member.__tablename__].erased_values().items():
        setattr(member, column, value)
    await session.flush()
