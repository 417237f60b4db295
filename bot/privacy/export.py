"""Everything stored about one member, as a JSON file and a CSV file they can read."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.privacy.erase import identifiers
from bot.privacy.fields import TABLES
from storage.models import AuditLog, Base, Click, Member, Post, Share, Workspace

Record = dict[str, Any]
FILE_NAME = "porte-voix-data"  # then .json or .csv


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def _owned(session: AsyncSession, name: str, member_id: int) -> list[Record]:
    """The member's rows of one table, their personal columns only, oldest first."""
    fields, table = TABLES[name], Base.metadata.tables[name]
    assert fields.owner is not None
    query = select(*(table.c[column] for column in fields.personal)).where(
        table.c[fields.owner] == member_id).order_by(*table.primary_key.columns)
    return [{key: _plain(value) for key, value in row._mapping.items()}
            for row in (await session.execute(query)).all()]


async def _posts(session: AsyncSession, ids: set[int]) -> dict[int, Post]:
    if not ids:
        return {}
    return {post.id: post for post in await session.scalars(select(Post).where(Post.id.in_(ids)))}


async def _clicks(session: AsyncSession, member_id: int) -> dict[str, tuple[int, int]]:
    """Per link token of theirs: the clicks counted, and those by link-preview robots."""
    rows = await session.execute(
        select(Share.link_token, func.count(Click.id), func.count(Click.id).filter(Click.is_bot))
        .join(Click, Click.share_id == Share.id).where(Share.member_id == member_id)
        .group_by(Share.link_token))
    return {token: (total - bots, bots) for token, total, bots in rows.all()}


async def _audit(session: AsyncSession, member: Member) -> list[Record]:
    """Admin actions by the person, and those naming them."""
    detail = cast(AuditLog.detail, String)
    about = [detail.contains(needle, autoescape=True) for needle in identifiers(member)]
    query = select(AuditLog).where(AuditLog.workspace_id == member.workspace_id,
                                   or_(AuditLog.actor_id == member.id, *about))
    return [{"action": entry.action, "at": _plain(entry.at), "detail": entry.detail,
             "by_you": entry.actor_id == member.id}
            for entry in await session.scalars(query.order_by(AuditLog.id))]


async def export(session: AsyncSession, member: Member, public_url: str,
                 now: datetime) -> Record:
    """What is held about `member`: profile, preferences, then a section per table of theirs."""
    workspace = await session.get(Workspace, member.workspace_id)
    profile = {column: _plain(getattr(member, column))
               for column in TABLES[Member.__tablename__].personal if column != "prefs"}
    data: Record = {"exported_at": _plain(now),
                    "platform": workspace.platform if workspace else "",
                    "profile": profile, "preferences": member.prefs}
    for name, fields in TABLES.items():
        if fields.owner and name != Member.__tablename__:
            data[name] = await _owned(session, name, member.id)
    posts = await _posts(session, {row["post_id"] for row in data["deliveries"]})
    for row in data["deliveries"]:
        post = posts.get(row["post_id"])
        row.update(post_title=post.title if post else "", post_url=post.url if post else "")
    clicks = await _clicks(session, member.id)
    link_base = public_url.rstrip("/") + "/r/"
    for row in data["shares"]:
        people, robots = clicks.get(row["link_token"], (0, 0))
        row.update(link=link_base + row["link_token"], clicks=people,
                   clicks_by_link_previews=robots)
    data["audit_log"] = await _audit(session, member)
    return data


def as_json(data: Record) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def as_csv(data: Record) -> bytes:
    """One line per value: section, item (from 1, 0 for a single record), field, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("section", "item", "field", "value"))
    for section, content in data.items():
        if isinstance(content, list):
            items = list(enumerate(content, 1))
        else:
            items = [(0, content if isinstance(content, dict) else {section: content})]
        for index, record in items:
            for key, value in record.items():
                shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                writer.writerow((section, index, key, shown))
    # With a byte-order mark, spreadsheets read the accents right.
    return out.getvalue().encode("utf-8-sig")


def as_files(data: Record) -> dict[str, bytes]:
    """The export in each format offered, keyed by format (and file extension)."""
    return {"json": as_json(data), "csv": as_csv(data)}
