"""The plan job: offer each live post to eligible volunteers at a good moment for them.

Built for workspaces of 100,000 volunteers: the volunteers are read in keyset batches of
BATCH (only the columns planning needs), each batch's recent nudges come in one query over
its id range (only those that can still matter: pending, or within the cap's week or the
minimum gap), and the batch's new deliveries are inserted at once, insert-or-ignore. Quiet
hours are computed once per (zone, quiet hours, weekends, earliest time), not per person.

A post reaches only volunteers who post in one of its languages (the one queued, or a
version an admin added); the delivery records which version they get.

When several posts compete for a volunteer's slots, those on the topics they favour come
first: an affinity per topic from their own recent history (their shares and the clicks on
their links raise it, skips and "not for me" lower it), read with the batch's other
history. A post on topics they keep skipping comes after the others, though one in
EXPLORE such (by member and post, so that plans are reproducible) is offered as if neutral.
While Porte-Voix eases off for a tired volunteer (bot/fatigue/), their lowered cap holds.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Text, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.fatigue.rule import cap_now
from bot.preferences import Preferences, languages_of, preferences, wants_topics
from bot.services.quiet_hours import next_allowed
from bot.services.timeparse import zone
from bot.voice.versions import languages, pick_language
from storage.models import Click, Delivery, Member, Post, Share, Workspace
from storage.upsert import insert_ignore_rows

WEEK = timedelta(days=7)
NEVER = datetime.max.replace(tzinfo=UTC)
BATCH = 5000
PENDING = ("planned", "sending")
NOT_TAKEN = ("cancelled", "failed")  # a nudge that never reached them uses no cap
AFFINITY_DAYS = timedelta(days=180)  # the history the affinity reads
# What each answer to a nudge says of its topics; clicks add CLICK each, up to CLICKS.
ANSWERED = {"shared": 2.0, "skipped": -1.0, "declined": -2.0}
CLICK, CLICKS = 0.5, 6
EXPLORE = 4


def eligible(workspace_id: int, charter_version: str, now: datetime) -> ColumnElement[bool]:
    """Volunteers who may receive a nudge now: opted in, current charter, not paused."""
    return (
        (Member.workspace_id == workspace_id)
        & (Member.status == "active")
        & (Member.charter_version == charter_version)
        & or_(Member.paused_until.is_(None), Member.paused_until <= now)
    )


Allowed = Callable[[datetime, ZoneInfo, time, time, bool], datetime]
# id, timezone, team_id, locale, prefs (JSON text), fatigue_cap
Volunteer = Row[int, str | None, int | None, str | None, str, int | None]
Affinity = dict[str, float]  # topic -> how much they took to it


def due_time(earliest: datetime, tz: ZoneInfo, prefs: Preferences, quiet: tuple[time, time],
             gap: timedelta, taken: Sequence[datetime], expires_at: datetime | None,
             allowed: Allowed = next_allowed) -> datetime | None:
    """When this member may get one more nudge, or None if their weekly cap is reached.

    `quiet` is `prefs.quiet`, parsed once by the caller. `taken` holds the times of their
    other nudges (sent, or due when not yet sent) that can still matter: within the last
    week or the minimum gap."""
    if taken:
        earliest = max(earliest, max(taken) + gap)
    start, end = quiet
    due = allowed(earliest, tz, start, end, prefs.weekends)
    if sum(1 for t in taken if due - WEEK < t <= due) >= prefs.weekly_cap:
        return None
    if expires_at is not None and due >= expires_at:
        return None
    return due


@dataclass(frozen=True)
class LivePost:
    id: int
    topics: list[str]
    audience: frozenset[int]
    publish_at: datetime
    expires_at: datetime | None
    languages: tuple[str, ...]


class Planner:
    """Chooses each volunteer's next nudge among the live posts of one workspace."""

    def __init__(self, workspace: Workspace, posts: list[LivePost], offered: Counter[int],
                 slots: Counter[int], now: datetime, earliest: datetime | None = None) -> None:
        self.workspace = workspace
        self.posts = posts
        self.offered = offered  # deliveries per post so far: the rotation's measure
        self.slots = slots  # the next rank per post, which colleagues' suggestions follow
        self.now = now
        self.earliest = earliest or now  # no nudge due before this (AI drafts: their lead)
        self.gap = timedelta(hours=workspace.min_gap_hours)
        self.default_prefs = preferences({}, workspace.weekly_cap)
        self._allowed: dict[tuple[Any, ...], datetime] = {}
        self._quiet: dict[tuple[str, str], tuple[time, time]] = {}
        self._languages: dict[str | None, list[str]] = {}

    def allowed(self, moment: datetime, tz: ZoneInfo, start: time, end: time,
                weekends: bool) -> datetime:
        """next_allowed, remembered: most volunteers share a zone and the defaults."""
        key = (moment, tz, start, end, weekends)
        found = self._allowed.get(key)
        if found is None:
            found = self._allowed[key] = next_allowed(moment, tz, start, end, weekends)
        return found

    def quiet(self, prefs: Preferences) -> tuple[time, time]:
        key = (prefs.quiet_start, prefs.quiet_end)
        found = self._quiet.get(key)
        if found is None:
            found = self._quiet[key] = prefs.quiet
        return found

    def languages(self, prefs: Preferences, locale: str | None) -> list[str]:
        """The languages a volunteer posts in; for most (no choice made) their locale's."""
        if prefs is not self.default_prefs:
            return languages_of(prefs, locale, self.workspace.locale)
        found = self._languages.get(locale)
        if found is None:
            found = self._languages[locale] = languages_of(prefs, locale, self.workspace.locale)
        return found

    def _priority(self, post: LivePost) -> tuple[datetime, int, datetime, int]:
        """Soonest expiry first, then the post offered to the fewest so far (rotation)."""
        return (post.expires_at or NEVER, self.offered[post.id], post.publish_at, post.id)

    def next_nudge(self, volunteer: Volunteer, taken: list[datetime], seen: set[int],
                   affinity: Affinity | None = None) -> dict[str, Any] | None:
        """The delivery row to create for this volunteer, if any post may go to them."""
        prefs = (preferences(json.loads(volunteer.prefs) or {}, self.workspace.weekly_cap)
                 if volunteer.prefs and volunteer.prefs != "{}" else self.default_prefs)
        if volunteer.fatigue_cap is not None:
            prefs = replace(prefs, weekly_cap=cap_now(prefs.weekly_cap, volunteer.fatigue_cap))
        theirs = self.languages(prefs, volunteer.locale)
        candidates = sorted(
            ((post, language) for post in self.posts
             if post.id not in seen
             and (not post.audience or volunteer.team_id in post.audience)
             and wants_topics(prefs, post.topics)
             and (language := pick_language(list(post.languages), theirs)) is not None),
            key=lambda candidate: (-_liking(volunteer.id, candidate[0], affinity),
                                   *self._priority(candidate[0])),
        )
        tz = zone(volunteer.timezone, self.workspace.timezone)
        quiet = self.quiet(prefs)
        for post, language in candidates:
            due = due_time(self.earliest, tz, prefs, quiet, self.gap, taken, post.expires_at,
                           self.allowed)
            if due is not None:
                slot = self.slots[post.id]
                self.offered[post.id] += 1
                self.slots[post.id] += 1
                return {"post_id": post.id, "member_id": volunteer.id, "status": "planned",
                        "due_at": due, "attempts": 0, "message_ref": {}, "suggestions": [],
                        "language": language, "slot": slot, "created_at": self.now}
        return None


def _liking(member_id: int, post: LivePost, affinity: Affinity | None) -> float:
    """How much this volunteer took to the post's topics; a disliked post now and then
    counts as neutral, so that they still see some of it."""
    if not affinity:
        return 0.0
    score = sum(affinity.get(topic.lower(), 0.0) for topic in post.topics)
    if score < 0 and (member_id + post.id) % EXPLORE == 0:
        return 0.0
    return score


async def _affinities(session: AsyncSession, first: int, last: int,
                      now: datetime) -> dict[int, Affinity]:
    """For members with ids in [first, last]: their affinity per topic, from their answers
    to nudges of the last AFFINITY_DAYS and the clicks on what they shared."""
    in_range = Delivery.member_id.between(first, last)
    answers = (await session.execute(
        select(Delivery.member_id, Delivery.post_id, Delivery.status).where(
            in_range, Delivery.status.in_(ANSWERED), Delivery.due_at > now - AFFINITY_DAYS)
    )).all()
    if not answers:
        return {}
    clicks = dict(((member_id, post_id), count) for member_id, post_id, count in (
        await session.execute(
            select(Share.member_id, Share.post_id, func.count(Click.id))
            .join(Click, Click.share_id == Share.id)
            .where(Share.member_id.between(first, last), Click.is_bot.is_(False),
                   Share.created_at > now - AFFINITY_DAYS)
            .group_by(Share.member_id, Share.post_id))).all())
    topics: dict[int, list[Any]] = dict((await session.execute(select(Post.id, Post.topics).where(
        Post.id.in_({post_id for _, post_id, _ in answers})))).all())
    found: dict[int, Affinity] = defaultdict(lambda: defaultdict(float))
    for member_id, post_id, status in answers:
        weight = ANSWERED[status] + CLICK * min(clicks.get((member_id, post_id), 0), CLICKS)
        for topic in topics.get(post_id) or ():
            found[member_id][str(topic).lower()] += weight
    return found


async def _live_posts(session: AsyncSession, workspace_id: int, now: datetime
                      ) -> list[LivePost]:
    await session.execute(
        update(Post).where(Post.workspace_id == workspace_id, Post.status == "scheduled",
                           Post.publish_at <= now).values(status="active"))
    found = (await session.scalars(select(Post).where(
        Post.workspace_id == workspace_id, Post.status == "active",
        or_(Post.expires_at.is_(None), Post.expires_at > now),
    ))).all()
    return [LivePost(post.id, list(post.topics or []), frozenset(post.audience or []),
                     post.publish_at, post.expires_at, tuple(languages(post))) for post in found]


async def _history(session: AsyncSession, first: int, last: int, post_ids: list[int],
                   since: datetime) -> tuple[set[int], dict[int, list[datetime]],
                                             dict[int, set[int]]]:
    """For members with ids in [first, last]: who has a nudge pending, the times of
    their nudges since `since`, and which live posts they were already offered."""
    taken_at = func.coalesce(Delivery.sent_at, Delivery.due_at)
    in_range = Delivery.member_id.between(first, last)
    pending: set[int] = set()
    taken: dict[int, list[datetime]] = defaultdict(list)
    for member_id, status, moment in (await session.execute(
        select(Delivery.member_id, Delivery.status, taken_at).where(
            in_range, Delivery.status.not_in(NOT_TAKEN),
            or_(taken_at > since, Delivery.status.in_(PENDING)))
    )).all():
        if status in PENDING:
            pending.add(member_id)
        taken[member_id].append(moment)
    seen: dict[int, set[int]] = defaultdict(set)
    for member_id, post_id in (await session.execute(
        select(Delivery.member_id, Delivery.post_id).where(
            in_range, Delivery.post_id.in_(post_ids))
    )).all():
        seen[member_id].add(post_id)
    return pending, taken, seen


async def plan_workspace(session: AsyncSession, workspace: Workspace, charter_version: str,
                         now: datetime, ai_lead: timedelta = timedelta(0)) -> int:
    """Give each eligible volunteer with no nudge pending their next one, if one is due.
    Where AI drafts are on, a nudge is due `ai_lead` after planning at the soonest: the
    time the drafts job has to write it (docs/ai.md)."""
    posts = await _live_posts(session, workspace.id, now)
    if not posts:
        return 0
    post_ids = [post.id for post in posts]
    offered: Counter[int] = Counter()
    slots: Counter[int] = Counter()
    for post_id, planned, last_slot in (await session.execute(
        select(Delivery.post_id, func.count(), func.max(Delivery.slot))
        .where(Delivery.post_id.in_(post_ids)).group_by(Delivery.post_id))).all():
        offered[post_id] = planned
        # Rows may have been deleted since (an undone stop): ranks go on after the last.
        slots[post_id] = planned if last_slot is None else max(planned, last_slot + 1)
    planner = Planner(workspace, posts, offered, slots, now,
                      now + ai_lead if workspace.ai_drafts else now)
    # Older nudges count neither for the weekly cap nor for the minimum gap.
    since = now - max(WEEK, planner.gap)
    who = eligible(workspace.id, charter_version, now)
    created, after = 0, 0
    while True:
        volunteers = (await session.execute(
            # prefs as text: most are "{}" and need no JSON decoding.
            select(Member.id, Member.timezone, Member.team_id, Member.locale,
                   cast(Member.prefs, Text).label("prefs"), Member.fatigue_cap)
            .where(who, Member.id > after).order_by(Member.id).limit(BATCH))).all()
        if not volunteers:
            return created
        after = volunteers[-1].id
        pending, taken, seen = await _history(session, volunteers[0].id, after, post_ids,
                                              since)
        # Only a choice between posts needs their tastes.
        affinities = await _affinities(session, volunteers[0].id, after, now) \
            if len(posts) > 1 else {}
        rows = [row for volunteer in volunteers if volunteer.id not in pending
                and (row := planner.next_nudge(volunteer, taken.get(volunteer.id, []),
                                               seen.get(volunteer.id, set()),
                                               affinities.get(volunteer.id))) is not None]
        created += await insert_ignore_rows(session, Delivery, rows, batch=BATCH)


async def plan(session: AsyncSession, charter_version: str, now: datetime,
               ai_lead: timedelta = timedelta(0)) -> int:
    """Create the deliveries that are due to exist; returns how many were created."""
    created = 0
    for workspace in (await session.scalars(
            select(Workspace).where(Workspace.paused.is_(False)))).all():
        created += await plan_workspace(session, workspace, charter_version, now, ai_lead)
        await session.commit()
    return created


async def next_change(session: AsyncSession, now: datetime) -> datetime | None:
    """The next moment planning would find something new without anyone acting: a
    scheduled post's publication, or the end of a volunteer's pause."""
    published = await session.scalar(select(func.min(Post.publish_at)).where(
        Post.status == "scheduled", Post.publish_at > now))
    resumed = await session.scalar(select(func.min(Member.paused_until)).where(
        Member.status == "active", Member.paused_until > now))
    return min((at for at in (published, resumed) if at is not None), default=None)
