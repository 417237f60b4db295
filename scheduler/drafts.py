"""The drafts job: AI drafts for planned deliveries, made before they are due, soonest due
first, in workspaces where an admin turned AI drafts on.

A run reads GROUP deliveries not yet drafted (one session: the engine's suggestions, which
give the angles and stand in for refused drafts, the model's brief and the checks' facts),
asks the model for all of them at once (the writer bounds concurrency and waits for the
request budget, with no database session open), checks the answers in slot order (so
colleagues drafted together are compared too), and writes them on each delivery still
planned and undrafted, after reading again whether the member and the workspace still want
AI drafts (either may have said no while the model wrote). The outbox never waits for this:
a delivery due before its drafts are written gets the engine's suggestions at sending, and
the late write changes nothing. Planning leaves them time: where AI drafts are on, a new
nudge is due PORTEVOIX_LLM_LEAD after it is planned at the soonest.

A member who wants no AI drafts gets the engine's suggestions written ahead here, which
the outbox then reuses. The job stops when nothing is left within HORIZON, or when the
model is backed off (a 429, a 5xx, garbage or a timeout); those left unanswered are asked
once more in the same run when the pause is short, else on a later run if still waiting.
A draft is compared with what colleagues on either side of its slot were given (the
soonest due are drafted first, so a later slot may already have its drafts). One replica
drafts at a time (a singleton job).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import ColumnElement, Text, cast, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.preferences import preferences
from bot.runtime import Runtime
from bot.services.sharing import LINKEDIN_LIMIT, hashtag_line
from bot.voice.ai.prompt import MAX_EXAMPLES, Brief, brief
from bot.voice.ai.writer import Writer, checked
from bot.voice.compose import Batch, past_texts, request_for
from bot.voice.engine import engine
from bot.voice.guard import Facts
from bot.voice.stored import AI, Suggestion
from scheduler.ratelimit import RateLimiter
from storage.models import Delivery, Member, Post, Team, Workspace

GROUP = 16  # deliveries drafted together, at least (and four times the concurrency)
HORIZON = timedelta(days=3)  # deliveries due later are drafted by a later run
MAX_DRAFT = 600  # characters: a draft is an idea on a card, not an essay
LINK_ROOM = 100  # what the tracked link and its spacing take in a LinkedIn post
BUDGET = "llm"


@dataclass
class _Job:
    delivery_id: int
    member_id: int
    post_id: int
    slot: int
    assigned: list[Suggestion]
    brief: Brief | None = None  # None: the member wants no AI drafts
    facts: Facts | None = None
    drafts: list[str] | None = None
    sign_off: str = ""  # their usual closing line, which ends the drafts kept


class Drafter:
    """The drafts job of one process: its writer (and the model's backing off) and its
    request budget last from run to run."""

    def __init__(self, rt: Runtime, writer: Writer | None = None) -> None:
        settings = rt.settings
        self.rt = rt
        self.limiter = RateLimiter(settings.llm_per_minute / 60.0,
                                   burst=min(settings.llm_concurrency, settings.llm_per_minute))
        self.writer = writer or Writer(settings, rt.texts,
                                       lambda: self.limiter.reserve(BUDGET))
        self.group = max(GROUP, 4 * settings.llm_concurrency)

    async def close(self) -> None:
        await self.writer.close()

    async def run(self) -> Counter[str]:
        """Deliveries drafted by outcome: ai (at least one AI draft kept), engine (the
        engine's only), late (sent or settled before the drafts were written)."""
        done: Counter[str] = Counter()
        unanswered: set[int] = set()  # asked in this run, no answer yet
        asked_again = False
        while not self.writer.pause_left():
            jobs = await self._read(unanswered)
            if not jobs:
                if not unanswered or asked_again:
                    break
                # The model's pause is over: those it did not answer are asked once more
                # (then they wait for the next run, or go with the engine's when due).
                unanswered.clear()
                asked_again = True
                continue
            asked = [job for job in jobs if job.brief is not None]
            answers = await asyncio.gather(*(self.writer.ask(job.brief) for job in asked
                                             if job.brief is not None))
            for job, drafts in zip(asked, answers, strict=True):
                job.drafts = drafts
                if drafts is None:
                    unanswered.add(job.delivery_id)
            done.update(await self._write([job for job in jobs
                                           if job.brief is None or job.drafts is not None]))
        return done

    async def _read(self, unanswered: set[int]) -> list[_Job]:
        now = self.rt.clock.now()
        async with self.rt.sessions() as session:
            query = (select(Delivery, Member, Post, Workspace)
                     .join(Member, Member.id == Delivery.member_id)
                     .join(Post, Post.id == Delivery.post_id)
                     .join(Workspace, Workspace.id == Member.workspace_id)
                     .where(Delivery.status == "planned", Workspace.ai_drafts.is_(True),
                            _undrafted(), Delivery.due_at <= now + HORIZON)
                     .order_by(Delivery.due_at, Delivery.id).limit(self.group))
            if unanswered:
                query = query.where(Delivery.id.not_in(unanswered))
            rows = (await session.execute(query)).all()
            if not rows:
                return []
            teams = {m.team_id for _, m, _, _ in rows if m.team_id}
            if teams:  # into the session's identity map, for request_for
                (await session.scalars(select(Team).where(Team.id.in_(teams)))).all()
            batch = await Batch.of(session, [m.id for _, m, _, _ in rows])
            prefs = {m.id: preferences(m.prefs, w.weekly_cap) for _, m, _, w in rows}
            examples = await past_texts(session, [
                member_id for member_id, theirs in prefs.items() if theirs.ai_examples
            ], MAX_EXAMPLES)
            return [await self._job(session, delivery, member, post, workspace, batch,
                                    prefs[member.id].ai_drafts, examples.get(member.id, []))
                    for delivery, member, post, workspace in rows]

    async def _job(self, session: AsyncSession, delivery: Delivery, member: Member,
                   post: Post, workspace: Workspace, batch: Batch, wants_ai: bool,
                   examples: list[str]) -> _Job:
        request = await request_for(session, self.rt.texts, delivery, post, member,
                                    workspace, batch)
        assigned = engine(self.rt.texts).suggest(request)
        batch.add(post.id, request.slot, assigned)
        job = _Job(delivery.id, member.id, post.id, request.slot, assigned,
                   sign_off=request.style.sign_off)
        if not wants_ai:
            return job
        tags = hashtag_line(list(post.hashtags), workspace.disclosure_hashtag)
        limit = min(MAX_DRAFT, LINKEDIN_LIMIT - len(tags) - LINK_ROOM)
        person = request.person
        around = await batch.around(session, post.id, request.slot)
        job.facts = Facts(request.version, tuple(tags.split()), tuple(workspace.blocked_terms),
                          limit, tuple(said.words for said in around),
                          "\n".join(filter(None, (person.role, person.team_name,
                                                  person.about))))
        job.brief = brief(request, assigned, hashtags=list(post.hashtags),
                          blocked=list(workspace.blocked_terms), examples=examples,
                          limit=limit)
        return job

    async def _write(self, jobs: list[_Job]) -> Counter[str]:
        """Checked in slot order, each against the drafts of the same post kept before it
        in this group, then written where the delivery still waits undrafted."""
        done: Counter[str] = Counter()
        kept: dict[int, list[str]] = {}
        async with self.rt.sessions() as session:
            wanted = await _still_wanted(session, [job.member_id for job in jobs])
            for job in sorted(jobs, key=lambda job: (job.post_id, job.slot)):
                suggestions = job.assigned
                if job.facts is not None and job.brief is not None and job.drafts \
                        and job.member_id in wanted:
                    group = kept.setdefault(job.post_id, [])
                    facts = replace(job.facts, colleagues=(*job.facts.colleagues, *group))
                    suggestions = checked(job.drafts, job.assigned, facts, job.brief.language,
                                          job.sign_off)
                    group.extend(s.text for s in suggestions if s.source == AI)
                written = await session.execute(
                    update(Delivery).where(Delivery.id == job.delivery_id,
                                           Delivery.status == "planned", _undrafted())
                    .values(suggestions=[s.to_json() for s in suggestions])
                    .execution_options(synchronize_session=False))
                outcome = ("late" if not written.rowcount  # type: ignore[attr-defined]
                           else "ai" if any(s.source == AI for s in suggestions) else "engine")
                done[outcome] += 1
            await session.commit()
        return done


async def _still_wanted(session: AsyncSession, member_ids: list[int]) -> set[int]:
    """Those of these members who still want AI drafts, in a workspace that still has them:
    either may have said no while the model was writing."""
    return {member_id for member_id, prefs, cap in (await session.execute(
        select(Member.id, Member.prefs, Workspace.weekly_cap)
        .join(Workspace, Workspace.id == Member.workspace_id)
        .where(Member.id.in_(member_ids), Workspace.ai_drafts.is_(True)))).all()
        if preferences(prefs, cap).ai_drafts}


def _undrafted() -> ColumnElement[bool]:
    # Suggestions are a JSON list; "[]" is how SQLAlchemy writes an empty one everywhere.
    return cast(Delivery.suggestions, Text) == "[]"
