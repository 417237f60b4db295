"""The bot: turns a neutral event into the right handler, inside one database transaction."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, TypeVar

from bot import handlers  # noqa: F401  (registers every handler on the router)
from bot.context import Context
from bot.deferred import DeferredResponder
from bot.errors import InputError, UserError
from bot.events import (
    CardAction,
    Command,
    DirectMessage,
    Event,
    FormSubmitted,
    HomeOpened,
    MemberJoined,
)
from bot.handlers import help as help_handlers
from bot.handlers.home import home
from bot.handlers.teams import on_member_joined
from bot.ports import Responder
from bot.refs import conversation_to_json
from bot.router import Route, Router, router
from bot.runtime import Runtime
from storage.models import AuditLog

log = logging.getLogger(__name__)
R = TypeVar("R", bound=Route[Any])
MAX_TEXT = 4000


def without_nul(event: Event) -> Event:
    """Drop NUL characters, which PostgreSQL cannot store and no person means to type."""
    if isinstance(event, DirectMessage | Command):
        return replace(event, text=event.text.replace("\x00", ""))
    if isinstance(event, FormSubmitted):
        values = {k: v.replace("\x00", "") for k, v in event.values.items()}
        return replace(event, values=values)
    return event


def first_word(text: str) -> tuple[str, str]:
    word, _, rest = text.strip().partition(" ")
    return word.lower(), rest.strip()


class Bot:
    """Platform-neutral entry point that every adapter calls."""

    def __init__(self, runtime: Runtime, routes: Router = router) -> None:
        self.rt = runtime
        self.routes = routes

    async def dispatch(self, event: Event, responder: Responder) -> None:
        """Handle one event; bad input is answered, errors are logged and answered politely."""
        event = without_nul(event)
        answers = DeferredResponder(responder)
        async with self.rt.sessions() as session:
            ctx = await Context.open(self.rt, session, event.actor, answers)
            dm = event.actor.dm
            # A provisional reference (a person known only from a roster) never replaces a
            # real conversation with them.
            if dm is not None and not (dm.data.get("provisional") and ctx.member.conversation):
                ctx.member.conversation = conversation_to_json(dm)
            await session.commit()
            # A rollback expires every loaded object: answer from values taken now.
            locale, workspace_id, member_id = ctx.locale, ctx.workspace.id, ctx.member.id
            try:
                await self._route(ctx, event)
                await session.commit()
            except UserError as refusal:
                await session.rollback()
                answers.discard()
                if refusal.key == "errors.not_admin":
                    session.add(AuditLog(workspace_id=workspace_id, actor_id=member_id,
                                         action="denied", detail={"event": type(event).__name__},
                                         at=self.rt.clock.now()))
                    await session.commit()
                shown = isinstance(refusal, InputError) and refusal.form is not None \
                    and await responder.refuse(refusal.form)
                if not shown:
                    await responder.reply(self.rt.texts.say(locale, refusal.key,
                                                            **refusal.values))
            except Exception:
                log.exception("handler failed for %s", type(event).__name__)
                await session.rollback()
                answers.discard()
                await responder.reply(self.rt.texts.say(locale, "errors.unexpected"))
            else:
                self.rt.wakeups.wake(*ctx.wakes)
                await answers.flush()

    def is_command(self, text: str) -> bool:
        """Whether `text` starts with a `/voix` sub-command rather than a volunteer's word,
        for platforms where both are typed in the same chat. A word that is both (pause,
        resume, help) is the volunteer's there: the workspace-wide one needs `/voix`."""
        word, _ = first_word(text)
        return word in self.routes.commands and word not in self.routes.words

    async def _route(self, ctx: Context, event: Event) -> None:
        if isinstance(event, MemberJoined):
            await on_member_joined(ctx, event)
            return
        if isinstance(event, HomeOpened):
            await ctx.reply(await home(ctx))
            return
        if isinstance(event, DirectMessage | Command) and len(event.text) > MAX_TEXT:
            raise UserError("errors.too_long", limit=MAX_TEXT)
        if isinstance(event, DirectMessage):
            word, _ = first_word(event.text)
            route = self.routes.words.get(word)
            if route is None:
                await help_handlers.volunteer_help(ctx, event)
                return
            await route.handler(ctx, event)
        elif isinstance(event, Command):
            word, rest = first_word(event.text)
            command = self.routes.commands.get(word)
            if command is not None and word in self.routes.words and rest:
                # `/voix pause 2w` is a volunteer's own pause, even typed by an admin.
                command = None
            if command is not None:
                await self._authorised(ctx, command).handler(ctx, event)
            elif word in self.routes.words:
                as_dm = DirectMessage(event.actor, event.text, event.conversation)
                await self.routes.words[word].handler(ctx, as_dm)
            elif word:
                raise UserError("errors.unknown_command", command=word)
            else:
                await help_handlers.command_help(ctx, event)
        elif isinstance(event, CardAction):
            action = self._authorised(ctx, self.routes.actions.get(event.action_id))
            await action.handler(ctx, event)
        elif isinstance(event, FormSubmitted):
            form = self._authorised(ctx, self.routes.forms.get(event.form_id))
            try:
                await form.handler(ctx, event)
            except InputError as refusal:
                if form.reopen is not None:  # rebuilt now: the rollback will expire the rows
                    beside = {refusal.name: ctx.say(refusal.key, **refusal.values)}
                    refusal.form = (await form.reopen(ctx, event)).refused(event.values, beside)
                raise

    @staticmethod
    def _authorised(ctx: Context, route: R | None) -> R:
        """The route of a button or form, if it exists and the member may use it."""
        if route is None:
            raise UserError("errors.unknown_action")
        if route.admin and not ctx.member.is_admin:
            raise UserError("errors.not_admin")
        return route
