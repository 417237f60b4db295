"""The fatigue job: ease off for volunteers who leave their nudges, ask them once, and check
in after a month of silence (the rule: bot/fatigue/rule.py).

A singleton (runner.py). Volunteers are read in id batches with two grouped queries each
(their last action, their nudges left unanswered). Each message is claimed in the database
before it is sent (a conditional update of the member's marker, committed): a restart or a
second replica never sends it twice; a send refused for now (rate limit, transient error)
gives the claim back for the next run. Sends wait for the outbox's limiters, outside quiet
hours. Stopped, erased or paused volunteers, and workspaces paused or in crisis, get nothing.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import member_locale
from bot.fatigue.cards import asking_card
from bot.fatigue.rule import (
    CHECKIN,
    QUESTION,
    STREAK,
    left_in_a_row,
    lowered,
    may_ask,
    silent,
)
from bot.ports import Messenger, SendError
from bot.preferences import preferences
from bot.refs import conversation_from_json
from bot.runtime import Runtime
from bot.services.quiet_hours import next_allowed
from bot.services.timeparse import zone
from scheduler.plan import eligible
from scheduler.ratelimit import Limits
from storage.models import ConsentEvent, Delivery, Member, Workspace

log = logging.getLogger(__name__)
BATCH = 2000
MAX_WAIT = 10.0  # seconds a send may wait for its turn; further away, the next run goes on


class Fatigue:
    def __init__(self, rt: Runtime, limits: Limits) -> None:
        self.rt = rt
        self.limits = limits

    async def run(self) -> dict[str, int]:
        """A count per outcome: "eased" (cap halved, question sent), "checkin", "restored"
        (they acted again), "failed"."""
        counts: Counter[str] = Counter()
        async with self.rt.sessions() as session:
            workspaces = (await session.scalars(
                select(Workspace).where(Workspace.paused.is_(False)))).all()
        for workspace in workspaces:
            try:
                messenger = self.rt.messenger(workspace.platform)
            except LookupError:  # this replica has no adapter for it
                continue
            if not await self._workspace(workspace, messenger, counts):
                break  # a platform wants a pause: the next run goes on
        return dict(counts)

    async def _workspace(self, workspace: Workspace, messenger: Messenger,
                         counts: Counter[str]) -> bool:
        after = 0
        while True:
            now = self.rt.clock.now()
            async with self.rt.sessions() as session:
                members = (await session.scalars(select(Member).where(
                    eligible(workspace.id, self.rt.charter.version, now), Member.id > after)
                    .order_by(Member.id).limit(BATCH))).all()
                if not members:
                    return True
                after = members[-1].id
                acted, left = await _history(session, members[0].id, after)
                # They acted since it was eased off: their own cap again.
                restored = {m.id for m in members if m.fatigue_cap is not None
                            and _last_action(m, acted) > (m.fatigue_asked_at or now)}
                if restored:
                    await session.execute(update(Member).where(Member.id.in_(restored))
                                          .values(fatigue_cap=None))
                    counts["restored"] += len(restored)
                await session.commit()
            for member in members:
                if member.id in restored:
                    continue
                last = _last_action(member, acted)
                sent = left.get(member.id, [])
                if left_in_a_row(sent, last, now) >= STREAK and may_ask(member.fatigue_asked_at,
                                                                   last):
                    kind = QUESTION
                elif sent and max(sent) >= last and silent(last, member.checkin_at, now):
                    kind = CHECKIN
                else:
                    continue
                if not self._awake(member, workspace, now):
                    continue  # their quiet hours: a later run asks
                outcome = await self._ask(messenger, workspace, member, kind, now)
                if outcome is None:
                    return False
                counts[outcome] += 1

    def _awake(self, member: Member, workspace: Workspace, now: datetime) -> bool:
        prefs = preferences(member.prefs, workspace.weekly_cap)
        start, end = prefs.quiet
        tz = zone(member.timezone, workspace.timezone)
        return next_allowed(now, tz, start, end, prefs.weekends) <= now

    async def _ask(self, messenger: Messenger, workspace: Workspace, member: Member,
                   kind: str, now: datetime) -> str | None:
        """Claim, then send the question or the check-in; None when the run must stop."""
        target = conversation_from_json(member.conversation)
        if target is None:
            return "failed"
        if await self.limits.wait(messenger, target, MAX_WAIT):
            return None
        cap = preferences(member.prefs, workspace.weekly_cap).weekly_cap
        if kind == QUESTION:
            marker, claimed = Member.fatigue_asked_at, {"fatigue_asked_at": now,
                                                         "fatigue_cap": lowered(cap)}
            before: dict[str, Any] = {"fatigue_asked_at": member.fatigue_asked_at,
                                      "fatigue_cap": member.fatigue_cap}
        else:
            marker, claimed = Member.checkin_at, {"checkin_at": now}
            before = {"checkin_at": member.checkin_at}
        was = getattr(member, marker.key)
        if not await self._swap(member.id, marker, was, claimed):
            return "claimed"  # another run got there first
        card = asking_card(self.rt.texts, member_locale(member, workspace), kind,
                           lowered(cap))
        try:
            await messenger.send(target, card, key=f"fatigue-{kind}-{member.id}-{now:%Y%m%d}")
        except SendError as error:
            if error.kind == "permanent":
                log.warning("fatigue %s to member %d not sent, given up: %s", kind,
                            member.id, error)
                return "failed"
            await self._swap(member.id, marker, now, before)
            if error.kind == "rate_limited":
                self.limits.rate_limited(messenger, target, error.retry_after or 1.0)
            return None
        self.limits.succeeded(messenger, target)
        return "eased" if kind == QUESTION else CHECKIN

    async def _swap(self, member_id: int, marker: Any, was: datetime | None,
                    values: dict[str, Any]) -> bool:
        """Set `values` if `marker` still holds `was`: the claim (or its return)."""
        async with self.rt.sessions() as session:
            still = marker.is_(None) if was is None else marker == was
            done = await session.execute(update(Member).where(Member.id == member_id, still)
                                         .values(values))
            await session.commit()
        return bool(done.rowcount)  # type: ignore[attr-defined]


def _last_action(member: Member, acted: dict[int, datetime]) -> datetime:
    """Their latest pick, skip, decline or share, answer to a question, consent (a join, a
    pause, a resume), or the end of their pause: a pause is no silence."""
    moments = [at for at in (acted.get(member.id), member.fatigue_answered_at,
                             member.paused_until, member.opted_in_at, member.created_at)
               if at is not None]
    return max(moments)


async def _history(session: AsyncSession, first: int, last: int
                   ) -> tuple[dict[int, datetime], dict[int, list[datetime]]]:
    """For members with ids in [first, last]: their last action on a nudge or on their
    consent, and when each nudge they never acted upon was sent."""
    in_range = Delivery.member_id.between(first, last)
    acted: dict[int, datetime] = {}
    for query in (select(Delivery.member_id, func.max(Delivery.acted_at))
                  .where(in_range, Delivery.acted_at.is_not(None)).group_by(Delivery.member_id),
                  select(ConsentEvent.member_id, func.max(ConsentEvent.at))
                  .where(ConsentEvent.member_id.between(first, last))
                  .group_by(ConsentEvent.member_id)):
        for member_id, at in (await session.execute(query)).all():
            if at is not None and (member_id not in acted or at > acted[member_id]):
                acted[member_id] = at
    left: dict[int, list[datetime]] = defaultdict(list)
    for member_id, sent_at in (await session.execute(
            select(Delivery.member_id, Delivery.sent_at).where(
                in_range, Delivery.status == "sent", Delivery.acted_at.is_(None),
                Delivery.sent_at.is_not(None)))).all():
        if sent_at is not None:
            left[member_id].append(sent_at)
    return acted, left
