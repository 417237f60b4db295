"""The impact job: each volunteer's private note about last month, on the first working day
of the month at a good hour of their own day, and a note at each lifetime milestone.

Who gets nothing: volunteers who turned "My impact" off (Preferences.impact_notes), who
stopped, were erased, are paused or have not accepted the current charter; everyone in a
paused workspace or in a crisis; anyone inside their quiet hours (the note waits). A month
without a share brings no note: there is nothing to say, and it is never a reproach.

Each note is claimed by a unique ImpactNote row (member, key) committed before it is sent,
so a restart or a second replica never sends it twice (a crash between the claim and the
send loses that note rather than doubling it). Sends go through the outbox's rate limits;
a 429 stops the run, and the notes not sent wait for the next one.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards import Card
from bot.context import member_locale, member_zone
from bot.crisis import in_crisis
from bot.events import ConversationRef
from bot.impact.cards import milestone_card, monthly_card
from bot.impact.figures import month, month_start, previous_month
from bot.impact.milestones import reached, totals
from bot.ports import Messenger, SendError
from bot.preferences import Preferences, preferences
from bot.refs import conversation_from_json
from bot.runtime import Runtime
from bot.services.quiet_hours import in_quiet_time, next_allowed
from bot.volunteers import is_volunteer
from scheduler.ratelimit import Limits
from storage.models import ImpactNote, Member, Workspace
from storage.upsert import insert_ignore

log = logging.getLogger(__name__)
GOOD_HOUR = time(10, 0)  # local time of the monthly note, unless quiet hours say later
LATE_LIMIT = timedelta(days=7)  # a month's note not sent within a week of its day is dropped
MAX_WAIT = 10.0  # seconds a send may wait for its rate limit before the run stops


@dataclass(frozen=True)
class Note:
    member_id: int
    keys: tuple[str, ...]  # the first is the claim; the others are marked with it
    target: ConversationRef
    card: Card


def first_working_day(first: date) -> date:
    day = first
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def month_key(first: date) -> str:
    return f"month-{first:%Y-%m}"


def monthly_due(now: datetime, member: Member, workspace: Workspace,
                prefs: Preferences) -> tuple[date, datetime]:
    """The month whose note is due this month (the last one), and from when: the first
    working day at GOOD_HOUR in their zone, or the end of their quiet hours then."""
    tz = member_zone(member, workspace)
    this = month_start(now.astimezone(tz).date())
    start = datetime.combine(first_working_day(this), GOOD_HOUR, tzinfo=tz)
    return previous_month(this), next_allowed(start, tz, *prefs.quiet, weekends=False)


def _standing(member: Member, workspace: Workspace, charter: str, now: datetime) -> bool:
    """Whether anything may be sent to `member` now."""
    return (is_volunteer(member, charter) and not workspace.paused and not in_crisis(workspace)
            and (member.paused_until is None or member.paused_until <= now))


class ImpactNotes:
    """Runs the impact notes of every workspace, paced by the outbox's `limits`."""

    def __init__(self, rt: Runtime, limits: Limits) -> None:
        self.rt = rt
        self.limits = limits

    async def run(self) -> dict[str, int]:
        now = self.rt.clock.now()
        outcomes: Counter[str] = Counter()
        async with self.rt.sessions() as session:
            workspaces = (await session.scalars(select(Workspace).where(
                Workspace.paused.is_(False), Workspace.crisis_since.is_(None)))).all()
        for workspace in workspaces:
            try:
                messenger = self.rt.messenger(workspace.platform)
            except LookupError:
                continue
            async with self.rt.sessions() as session:
                notes = await self._notes(session, workspace, now)
            for note in notes:
                outcome = await self._send(messenger, note)
                if outcome is None:
                    return dict(outcomes)
                outcomes[outcome] += 1
        return dict(outcomes)

    async def _notes(self, session: AsyncSession, workspace: Workspace,
                     now: datetime) -> list[Note]:
        """At most one note per volunteer who may hear from us now: a milestone first."""
        members = (await session.scalars(select(Member).where(
            Member.workspace_id == workspace.id, Member.status == "active",
            or_(Member.paused_until.is_(None), Member.paused_until <= now))
            .order_by(Member.id))).all()
        wanted = {}
        for member in members:
            prefs = preferences(member.prefs, workspace.weekly_cap)
            target = conversation_from_json(member.conversation)
            if (prefs.impact_notes and target is not None
                    and _standing(member, workspace, self.rt.charter.version, now)
                    and not in_quiet_time(now, member_zone(member, workspace), *prefs.quiet,
                                          prefs.weekends)):
                wanted[member.id] = (member, prefs, target)
        if not wanted:
            return []
        sent: dict[int, set[str]] = {member_id: set() for member_id in wanted}
        for member_id, key in (await session.execute(select(
                ImpactNote.member_id, ImpactNote.key).where(
                ImpactNote.member_id.in_(wanted)))).all():
            sent[member_id].add(key)
        lifetime = await totals(session, list(wanted))
        notes = []
        for member_id, (member, prefs, target) in wanted.items():
            locale = member_locale(member, workspace)
            new = [name for name in reached(*lifetime[member_id]) if name not in sent[member_id]]
            if new:
                notes.append(Note(member_id, tuple(new), target,
                                  milestone_card(self.rt.texts, locale, new)))
                continue
            first, due = monthly_due(now, member, workspace, prefs)
            if month_key(first) in sent[member_id] or not due <= now < due + LATE_LIMIT:
                continue
            tz = member_zone(member, workspace)
            last = await month(session, member_id, first, tz)
            if last.shares:
                before = await month(session, member_id, previous_month(first), tz)
                notes.append(Note(member_id, (month_key(first),), target,
                                  monthly_card(self.rt.texts, locale, last, before)))
        return notes

    async def _claim(self, note: Note) -> bool:
        """The note's marker rows, committed; False when it was claimed before or when the
        volunteer may no longer hear from us (they stopped, paused, a crisis began)."""
        async with self.rt.sessions() as session:
            member = await session.get(Member, note.member_id)
            workspace = await session.get(Workspace, member.workspace_id) if member else None
            if member is None or workspace is None or not _standing(
                    member, workspace, self.rt.charter.version, self.rt.clock.now()):
                return False
            claimed = 0
            for key in note.keys:
                done = await session.execute(insert_ignore(session, ImpactNote).values(
                    member_id=note.member_id, key=key, status="sending",
                    created_at=self.rt.clock.now()))
                claimed = claimed or done.rowcount  # type: ignore[attr-defined]
                if not claimed:
                    break  # the first key is the claim: someone else has it
            await session.commit()
            return bool(claimed)

    async def _mark(self, note: Note, status: str | None) -> None:
        """The note's markers: `status`, or removed (None) so that the next run tries again."""
        async with self.rt.sessions() as session:
            mine = (ImpactNote.member_id == note.member_id) & ImpactNote.key.in_(note.keys)
            await session.execute(delete(ImpactNote).where(mine) if status is None
                                  else update(ImpactNote).where(mine).values(status=status))
            await session.commit()

    async def _send(self, messenger: Messenger, note: Note) -> str | None:
        """"sent", "failed", "done-before", or None when the run must stop (rate limits)."""
        if await self.limits.wait(messenger, note.target, MAX_WAIT):
            return None
        if not await self._claim(note):
            return "done-before"
        try:
            await messenger.send(note.target, note.card,
                                 key=f"impact-{note.member_id}-{note.keys[0]}")
        except SendError as error:
            if error.kind == "rate_limited":
                self.limits.rate_limited(messenger, note.target,
                                         1.0 if error.retry_after is None else error.retry_after)
                await self._mark(note, None)
                return None
            log.warning("impact note %s of member %s not sent: %s", note.keys[0],
                        note.member_id, error)
            await self._mark(note, None if error.kind == "transient" else "failed")
            return "failed"
        self.limits.succeeded(messenger, note.target)
        await self._mark(note, "sent")
        return "sent"
