"""The cards job: cards already delivered brought in line with what changed, at the platforms' pace.

A change leaves a pass to make, a phase and a cursor on the row it is about. A crisis
(bot/crisis.py) leaves two on its workspace: open cards to turn "on hold" or back
(`crisis_cards`, by delivery id) and a note to each active volunteer, the brief or the end
(`crisis_news`, by member id). A post edited, cancelled or expired leaves one on the post
(`cards_pass`, by delivery id): its open cards shown as it is now, or withdrawn. This job
walks them in id order under the outbox's limiters (shared with it, so the two never add up
past a platform's limits), and writes the cursor after each call: a restart goes on where it
stopped, a 429 pauses the limiter and ends the pass (the next run goes on), and a change
meanwhile (a crisis started or ended, the post edited again) restarts the pass from its first
row. Whatever the pass, a card shows its nudge as it stands: on hold during a crisis,
withdrawn, or open with the post's current words. A singleton (runner.py).
A brief whose answer was lost (timeout, crash) may be sent twice; an update is idempotent.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot import crisis
from bot.cards import Card
from bot.context import member_locale
from bot.events import ConversationRef, MessageRef
from bot.nudges import composed_card, withdrawn, withdrawn_card
from bot.ports import Messenger, SendError
from bot.refs import conversation_from_json, message_from_json
from bot.runtime import Runtime
from bot.voice.compose import Batch
from scheduler.ratelimit import Limits
from storage.models import Delivery, Member, Post, Workspace

log = logging.getLogger(__name__)
BATCH = 50  # rows loaded at a time
MAX_WAIT = 10.0  # seconds a call may wait for its turn; further away, the next run goes on
MAX_TRIES = 3  # transient failures of one call before it is given up
BUDGET = 120.0  # seconds one run goes on for, so that it ends and runs again


@dataclass(frozen=True)
class _Call:
    """One platform call of a pass: the row it is for, where it goes, and the call."""

    row_id: int
    target: ConversationRef
    go: Callable[[Messenger], Awaitable[Any]]


# Loads the calls of a pass after the cursor, and the last row id they covered: from the
# session, the workspace, the row holding the pass (the workspace or a post), its phase.
Loader = Callable[[AsyncSession, Workspace, Any, str, int],
                  Awaitable[tuple[list[_Call], int]]]


@dataclass(frozen=True)
class _Pass:
    """A pass to make: the row holding its phase and cursor, those columns, its loader."""

    model: type[Workspace] | type[Post]
    row_id: int
    phase: InstrumentedAttribute[str]
    cursor: InstrumentedAttribute[int]
    load: Loader


class CardSync:
    def __init__(self, rt: Runtime, limits: Limits, budget: float = BUDGET) -> None:
        self.rt = rt
        self.limits = limits
        self.budget = budget
        self._tries: Counter[str] = Counter()

    async def run(self) -> dict[str, int]:
        """A count per outcome of the calls made ("updated", "sent", "failed") and of the
        passes finished ("done")."""
        counts: Counter[str] = Counter()
        deadline = time.monotonic() + self.budget
        async with self.rt.sessions() as session:
            workspaces = (await session.scalars(select(Workspace.id).where(or_(
                Workspace.crisis_cards != "", Workspace.crisis_news != "")))).all()
            posts = (await session.scalars(select(Post.id).where(Post.cards_pass != "")
                                           .order_by(Post.id))).all()
        for workspace_id in workspaces:
            for phase, cursor, load in (
                    (Workspace.crisis_cards, Workspace.crisis_cards_after, self._crisis_cards),
                    (Workspace.crisis_news, Workspace.crisis_news_after, self._news)):
                if not await self._pass(_Pass(Workspace, workspace_id, phase, cursor, load),
                                        counts, deadline):
                    break  # the platform wants a pause: the other pass waits for it too
        for post_id in posts:
            if time.monotonic() >= deadline:
                break
            await self._pass(_Pass(Post, post_id, Post.cards_pass, Post.cards_after,
                                   self._post_cards), counts, deadline)
        return dict(counts)

    async def _pass(self, job: _Pass, counts: Counter[str], deadline: float) -> bool:
        """Make one pass's calls until it is done (True) or must stop for now (False)."""
        while time.monotonic() < deadline:
            async with self.rt.sessions() as session:
                holder: Workspace | Post | None = await session.get(job.model, job.row_id)
                if holder is None:
                    return True
                phase, after = getattr(holder, job.phase.key), getattr(holder, job.cursor.key)
                if not phase:
                    return True
                workspace = await session.get(Workspace, holder.workspace_id) \
                    if isinstance(holder, Post) else holder
                if workspace is None:
                    return True
                try:
                    messenger = self.rt.messenger(workspace.platform)
                except LookupError:  # this replica has no adapter for it
                    return False
                calls, last = await job.load(session, workspace, holder, phase, after)
                await session.commit()  # suggestions composed for the cards shown open
            for call in calls:
                outcome = await self._call(messenger, call)
                if outcome is None:
                    return False
                if not await self._advance(job, phase, call.row_id):
                    return True  # what it was for changed: its new pass starts next run
                counts[outcome] += 1
                if time.monotonic() >= deadline:
                    return False
            if last == after:  # nothing left after the cursor
                await self._done(job, phase, after)
                counts["done"] += 1
                return True
            if not await self._advance(job, phase, last):
                return True
        return False

    async def _call(self, messenger: Messenger, call: _Call) -> str | None:
        """"updated"/"sent", "failed" (given up), or None when the run must stop for now."""
        if await self.limits.wait(messenger, call.target, MAX_WAIT):
            return None
        key = f"{call.target.conversation_id}:{call.row_id}"
        try:
            outcome = await call.go(messenger)
        except SendError as error:
            if error.kind == "rate_limited":
                wait = 1.0 if error.retry_after is None else error.retry_after
                self.limits.rate_limited(messenger, call.target, wait)
                return None
            self._tries[key] += 1
            if error.kind == "transient" and self._tries[key] < MAX_TRIES:
                return None
            log.warning("card %s not brought in line, given up: %s", key, error)
            del self._tries[key]
            return "failed"
        self._tries.pop(key, None)
        self.limits.succeeded(messenger, call.target)
        return str(outcome)

    async def _advance(self, job: _Pass, phase: str, row_id: int) -> bool:
        """Move the cursor to `row_id` unless the pass changed meanwhile (False)."""
        async with self.rt.sessions() as session:
            moved = await session.execute(update(job.model).where(
                job.model.id == job.row_id, job.phase == phase).values({job.cursor: row_id}))
            await session.commit()
        return bool(moved.rowcount)  # type: ignore[attr-defined]

    async def _done(self, job: _Pass, phase: str, after: int) -> None:
        async with self.rt.sessions() as session:
            await session.execute(update(job.model).where(
                job.model.id == job.row_id, job.phase == phase, job.cursor == after)
                .values({job.phase: ""}))
            await session.commit()

    async def _crisis_cards(self, session: AsyncSession, workspace: Workspace,
                            holder: Workspace, phase: str, after: int
                            ) -> tuple[list[_Call], int]:
        return await self._open_cards(session, workspace, after,
                                      Member.workspace_id == workspace.id)

    async def _post_cards(self, session: AsyncSession, workspace: Workspace, post: Post,
                          phase: str, after: int) -> tuple[list[_Call], int]:
        return await self._open_cards(session, workspace, after, Delivery.post_id == post.id)

    async def _open_cards(self, session: AsyncSession, workspace: Workspace, after: int,
                          picked: ColumnElement[bool]) -> tuple[list[_Call], int]:
        """The open cards `picked` after `after`, each shown as its nudge stands now."""
        rows = (await session.execute(
            select(Delivery, Member, Post).join(Member, Member.id == Delivery.member_id)
            .join(Post, Post.id == Delivery.post_id)
            .where(picked, Delivery.id > after, Delivery.status == "sent")
            .order_by(Delivery.id).limit(BATCH))).all()
        held = crisis.in_crisis(workspace)
        batch = None if held else await Batch.of(session, [member.id for _, member, _ in rows])
        calls = []
        for delivery, member, post in rows:
            ref = message_from_json(delivery.message_ref)
            if ref is None:
                continue
            card = crisis.held_card(self.rt.texts, post, delivery) if batch is None \
                else await self._current(session, delivery, member, post, workspace, batch)
            calls.append(_Call(delivery.id, ref.conversation, _updating(ref, card)))
        return calls, rows[-1][0].id if rows else after

    async def _current(self, session: AsyncSession, delivery: Delivery, member: Member,
                       post: Post, workspace: Workspace, batch: Batch) -> Card:
        """The nudge open, with its post's current words, or withdrawn (or expired)."""
        if withdrawn(post, delivery) or (post.expires_at is not None
                                         and post.expires_at <= self.rt.clock.now()):
            return withdrawn_card(self.rt.texts, member_locale(member, workspace), post)
        return await composed_card(session, self.rt.texts, delivery, post, member, workspace,
                                   batch)

    async def _news(self, session: AsyncSession, workspace: Workspace, holder: Workspace,
                    phase: str, after: int) -> tuple[list[_Call], int]:
        """Active volunteers after `after`, each sent the brief or the end note."""
        members = (await session.scalars(select(Member).where(
            Member.workspace_id == workspace.id, Member.id > after, Member.status == "active")
            .order_by(Member.id).limit(BATCH))).all()
        admins = await crisis.admin_names(session, workspace.id) if members else []
        calls = []
        for member in members:
            target = conversation_from_json(member.conversation)
            if target is None:
                continue
            locale = member_locale(member, workspace)
            card = crisis.brief_card(self.rt.texts, locale, workspace, admins) \
                if phase == crisis.BRIEF else crisis.end_card(self.rt.texts, locale)
            calls.append(_Call(member.id, target,
                               _sending(target, card, f"crisis-{phase}-{member.id}")))
        return calls, members[-1].id if members else after


def _updating(ref: MessageRef, card: Card) -> Callable[[Messenger], Awaitable[str]]:
    async def go(messenger: Messenger) -> str:
        await messenger.update(ref, card)
        return "updated"
    return go


def _sending(target: ConversationRef, card: Card,
             key: str) -> Callable[[Messenger], Awaitable[str]]:
    async def go(messenger: Messenger) -> str:
        await messenger.send(target, card, key=key)
        return "sent"
    return go
