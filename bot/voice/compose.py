"""Gathering from the database what the engine needs for one delivery, and keeping its
suggestions on the delivery."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, repeat
from typing import Any

from sqlalchemy import ColumnElement, Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.preferences import preferences
from bot.texts import Texts
from bot.voice.engine import Request, Said, engine
from bot.voice.person import Person
from bot.voice.stored import Suggestion, stored
from bot.voice.style import LOOKBACK, PastShare, Style, learn
from bot.voice.teamname import team_display
from bot.voice.versions import version
from storage.models import Delivery, Member, Post, Share, Team, Workspace

COMPARED = 60  # slots: every phrasing of the kind went out in about 27 of them


def first_name(member: Member) -> str:
    name = (member.display_name or member.external_id).strip()
    return name.split()[0] if name else ""


async def _slot(session: AsyncSession, delivery: Delivery) -> int:
    """The delivery's rank among its post's, as the plan gave it; counted for the
    deliveries planned before ranks were kept."""
    if delivery.slot is not None:
        return delivery.slot
    return int(await session.scalar(select(func.count()).where(
        Delivery.post_id == delivery.post_id, Delivery.id < delivery.id)) or 0)


class Batch:
    """What composing a batch of deliveries reads once: the members' styles, and what the
    volunteers of their posts were given by slot (the COMPARED slots before each,
    completed as the batch's suggestions are made)."""

    def __init__(self, styles: dict[int, Style] | None = None) -> None:
        self.styles = styles or {}
        self._given: dict[int, dict[int, list[Said]]] = {}
        self._read: dict[int, tuple[int, int]] = {}  # per post, the slots known, first to last

    @classmethod
    async def of(cls, session: AsyncSession, member_ids: list[int]) -> Batch:
        return cls(await styles_of(session, member_ids))

    def style(self, member_id: int) -> Style:
        return self.styles.get(member_id, Style())

    async def before(self, session: AsyncSession, post_id: int,
                     slot: int) -> tuple[Said, ...]:
        """What the COMPARED colleagues planned just before `slot` were given: beyond them,
        every phrasing has gone out anyway."""
        return await self._given_in(session, post_id, slot, range(slot - COMPARED, slot))

    async def around(self, session: AsyncSession, post_id: int,
                     slot: int) -> tuple[Said, ...]:
        """What the COMPARED colleagues planned on either side of `slot` were given: AI
        drafts are written soonest due first, so a later slot may be drafted already."""
        return await self._given_in(session, post_id, slot, (
            *range(slot - COMPARED, slot), *range(slot + 1, slot + COMPARED + 1)))

    async def _given_in(self, session: AsyncSession, post_id: int, slot: int,
                        ranks: Sequence[int]) -> tuple[Said, ...]:
        ranks = [rank for rank in ranks if rank >= 0]
        if not ranks:
            return ()
        first, last = ranks[0], ranks[-1]
        given = self._given.setdefault(post_id, {})
        known = self._read.get(post_id)
        if known is None or first < known[0] or last > known[1]:
            for rank, suggestions in (await session.execute(
                    select(Delivery.slot, Delivery.suggestions).where(
                        Delivery.post_id == post_id, Delivery.slot.between(first, last)))):
                given.setdefault(rank, [Said.of(s) for s in stored(list(suggestions or []))])
            overlaps = known is not None and first <= known[1] + 1 and last >= known[0] - 1
            self._read[post_id] = (min(first, known[0]), max(last, known[1])) \
                if overlaps and known is not None else (first, last)
        return tuple(chain.from_iterable(map(given.get, ranks, repeat(()))))

    def add(self, post_id: int, slot: int, suggestions: list[Suggestion]) -> None:
        self._given.setdefault(post_id, {})[slot] = [Said.of(s) for s in suggestions]
        first, last = self._read.get(post_id, (slot, slot - 1))
        if slot == last + 1:
            self._read[post_id] = (first, slot)


async def _latest_shares(session: AsyncSession, member_ids: list[int], count: int,
                         *columns: Any) -> dict[int, list[Row[Any]]]:
    """`columns` of each member's `count` latest shares, newest first, in one query."""
    latest = select(
        Share.member_id, *columns,
        func.row_number().over(partition_by=Share.member_id,
                               order_by=(Share.created_at.desc(), Share.id.desc())).label("n"),
    ).where(Share.member_id.in_(member_ids)).subquery()
    found: dict[int, list[Row[Any]]] = {}
    for row in (await session.execute(
            select(latest).where(latest.c.n <= count)
            .order_by(latest.c.member_id, latest.c.n))).all():
        found.setdefault(row.member_id, []).append(row)
    return found


async def styles_of(session: AsyncSession, member_ids: list[int]) -> dict[int, Style]:
    """The habits of these members, from their last LOOKBACK shares (bot/voice/style.py),
    in one query; members who never shared have none."""
    found = await _latest_shares(session, member_ids, LOOKBACK, Share.suggested_text,
                                 Share.final_text, Share.edit_ratio)
    return {member_id: learn([PastShare(row.suggested_text, row.final_text, row.edit_ratio)
                              for row in rows]) for member_id, rows in found.items()}


async def past_texts(session: AsyncSession, member_ids: list[int],
                     count: int) -> dict[int, list[str]]:
    """The texts these members shared last, newest first: examples of their own style."""
    found = await _latest_shares(session, member_ids, count, Share.final_text)
    return {member_id: [row.final_text for row in rows] for member_id, rows in found.items()}


async def request_for(session: AsyncSession, texts: Texts, delivery: Delivery, post: Post,
                      member: Member, workspace: Workspace, batch: Batch) -> Request:
    """What the engine is asked for this delivery."""
    team = await session.get(Team, member.team_id) if member.team_id else None
    prefs = preferences(member.prefs, workspace.weekly_cap)
    post_version = version(post, delivery.language)
    slot = await _slot(session, delivery)
    return Request(
        post_id=post.id, kind=post.kind, version=post_version,
        person=Person(first_name=first_name(member), role=prefs.role or member.job_title,
                      team_name=team_display(team) if team else "", about=prefs.about),
        slot=slot, today=post.publish_at.date(), style=batch.style(member.id),
        colleagues=await batch.before(session, post.id, slot),
    )


async def compose(session: AsyncSession, texts: Texts, delivery: Delivery, post: Post,
                  member: Member, workspace: Workspace,
                  batch: Batch) -> tuple[list[Suggestion], Style]:
    """The delivery's suggestions, made once and kept so the edit form and the share
    reuse them, and the member's style (which the card follows too)."""
    style = batch.style(member.id)
    if delivery.suggestions:
        return stored(list(delivery.suggestions)), style
    with session.no_autoflush:  # the batch's suggestions are written together at commit
        request = await request_for(session, texts, delivery, post, member, workspace, batch)
    suggestions = engine(texts).suggest(request)
    delivery.suggestions = [suggestion.to_json() for suggestion in suggestions]
    batch.add(post.id, request.slot, suggestions)
    return suggestions, style


async def forget_suggestions(session: AsyncSession, *picked: ColumnElement[bool]) -> None:
    """Drop the suggestions of the deliveries `picked`: composed again when next sent or
    shown, they follow what just changed."""
    await session.execute(update(Delivery).where(*picked).values(suggestions=[])
                          .execution_options(synchronize_session=False))


async def forget_drafts(session: AsyncSession, members: ColumnElement[bool]) -> None:
    """Drop the suggestions made ahead for the planned nudges of the `members` picked (a
    condition on Member), after a choice just changed (AI drafts turned off for a workspace
    or by a volunteer)."""
    await forget_suggestions(session, Delivery.status == "planned",
                             Delivery.member_id.in_(select(Member.id).where(members)))
