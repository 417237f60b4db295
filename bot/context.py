"""The context of one event: who, where, in which language, with a database session."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards import Card, Form
from bot.events import Actor, ConversationRef, MessageRef
from bot.ports import Responder, SendError
from bot.runtime import Runtime
from bot.services.timeparse import zone
from bot.texts import normalize_locale
from storage import members as member_repo
from storage.models import Member, Workspace

log = logging.getLogger(__name__)


def member_locale(member: Member, workspace: Workspace) -> str:
    """The member's chosen language, else their platform's, else the workspace's."""
    chosen = member.prefs.get("language")
    return normalize_locale(chosen or member.locale, workspace.locale)


def member_zone(member: Member, workspace: Workspace) -> ZoneInfo:
    return zone(member.timezone, workspace.timezone)


@dataclass
class Context:
    rt: Runtime
    session: AsyncSession
    workspace: Workspace
    member: Member
    responder: Responder
    # Jobs to wake once this event's transaction has committed (bot/wakeups.py).
    wakes: set[str] = field(default_factory=set)

    @classmethod
    async def open(
        cls, rt: Runtime, session: AsyncSession, actor: Actor, responder: Responder
    ) -> Context:
        now = rt.clock.now()
        workspace = await member_repo.get_or_create_workspace(
            session, actor.platform, actor.workspace_id, now,
            locale=rt.settings.default_locale, timezone=rt.settings.default_timezone,
        )
        member = await member_repo.get_or_create_member(
            session, workspace, actor.user_id, now,
            {"display_name": actor.display_name, "locale": actor.locale,
             "timezone": actor.timezone, "email": actor.email, "job_title": actor.job_title},
        )
        if actor.job_title == "":  # the platform says they have none now: forget the old one
            member.job_title = ""
        if actor.user_id in rt.settings.admins and not member.is_admin:
            member.is_admin = True
        return cls(rt, session, workspace, member, responder)

    @property
    def now(self) -> datetime:
        return self.rt.clock.now()

    @property
    def locale(self) -> str:
        return member_locale(self.member, self.workspace)

    @property
    def tz(self) -> ZoneInfo:
        return member_zone(self.member, self.workspace)

    def wake(self, *jobs: str) -> None:
        """Run these jobs as soon as what this handler changed is committed."""
        self.wakes.update(jobs)

    def say(self, key: str, **values: Any) -> str:
        return self.rt.texts.say(self.locale, key, **values)

    async def reply(self, message: Card | str) -> MessageRef | None:
        return await self.responder.reply(message)

    async def open_form(self, form: Form) -> None:
        await self.responder.open_form(form)

    async def tell(self, target: ConversationRef, card: Card, *, key: str) -> bool:
        """A card to another conversation of the workspace (an admin, a proposer), sent now;
        False, and logged, when the platform refuses or this process has no adapter for it."""
        try:
            await self.rt.messenger(self.workspace.platform).send(target, card, key=key)
        except (SendError, LookupError) as error:
            log.warning("card %s not sent: %s", key, error)
            return False
        return True

    async def show_outcome(self, acted_on: MessageRef | None, card: Card) -> None:
        """Replace the card whose button was pressed, or reply when there is none to update."""
        if acted_on is not None:
            await self.responder.update(acted_on, card)
        else:
            await self.responder.reply(card)
