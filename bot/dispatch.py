"""The bot: turns a neutral event into the right handler, inside one database transaction."""

from __future__ import annotations

import logging
from typing import Any

from bot import handlers  # noqa: F401  (registers every handler on the router)
from bot.audit import audit
from bot.context import Context
from bot.errors import UserError
from bot.events import CardAction, Command, DirectMessage, Event, FormSubmitted, MemberJoined
from bot.handlers import help as help_handlers
from bot.handlers.teams import on_member_joined
from bot.ports import Responder
from bot.refs import conversation_to_json
from bot.router import Route, Router, router
from bot.runtime import Runtime

log = logging.getLogger(__name__)
MAX_TEXT = 4000


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
        async with self.rt.sessions() as session:
            ctx = await Context.open(self.rt, session, event.actor, responder)
            if isinstance(event, DirectMessage):
                # Where to reach them later with nudges.
                ctx.member.conversation = conversation_to_json(event.conversation)
            await session.commit()
            try:
                await self._route(ctx, event)
                await session.commit()
            except UserError as refusal:
                await session.rollback()
                if refusal.key == "errors.not_admin":
                    audit(ctx, "denied", event=type(event).__name__)
                    await session.commit()
                await responder.reply(ctx.say(refusal.key, **refusal.values))
            except Exception:
                log.exception("handler failed for %s", type(event).__name__)
                await session.rollback()
                await responder.reply(ctx.say("errors.unexpected"))

    async def _route(self, ctx: Context, event: Event) -> None:
        if isinstance(event, MemberJoined):
            await on_member_joined(ctx, event)
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
            word, _ = first_word(event.text)
            command = self.routes.commands.get(word)
            if command is not None:
                self._authorise(ctx, command)
                await command.handler(ctx, event)
            elif word in self.routes.words:
                as_dm = DirectMessage(event.actor, event.text, event.conversation)
                await self.routes.words[word].handler(ctx, as_dm)
            elif word:
                raise UserError("errors.unknown_command", command=word)
            else:
                await help_handlers.command_help(ctx, event)
        elif isinstance(event, CardAction):
            action = self.routes.actions.get(event.action_id)
            if action is None:
                raise UserError("errors.unknown_action")
            self._authorise(ctx, action)
            await action.handler(ctx, event)
        elif isinstance(event, FormSubmitted):
            form = self.routes.forms.get(event.form_id)
            if form is None:
                raise UserError("errors.unknown_action")
            self._authorise(ctx, form)
            await form.handler(ctx, event)

    @staticmethod
    def _authorise(ctx: Context, route: Route[Any]) -> None:
        if route.admin and not ctx.member.is_admin:
            raise UserError("errors.not_admin")
