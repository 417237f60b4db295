"""Typed registration of handlers: words, commands, card actions and forms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.cards import Form
from bot.context import Context
from bot.events import CardAction, Command, DirectMessage, FormSubmitted

E = TypeVar("E")
Handler = Callable[[Context, E], Awaitable[None]]
Reopen = Callable[[Context, FormSubmitted], Awaitable[Form]]


@dataclass(frozen=True)
class Route(Generic[E]):
    """A handler; a form's route may also rebuild the form a submission came from
    (`reopen`), to show it again when an input is refused."""

    handler: Handler[E]
    admin: bool = False
    reopen: Reopen | None = None


@dataclass
class Router:
    """Maps the first word of a DM or command, an action id or a form id to a handler."""

    words: dict[str, Route[DirectMessage]] = field(default_factory=dict)
    commands: dict[str, Route[Command]] = field(default_factory=dict)
    actions: dict[str, Route[CardAction]] = field(default_factory=dict)
    forms: dict[str, Route[FormSubmitted]] = field(default_factory=dict)

    def word(self, *names: str) -> Callable[[Handler[DirectMessage]], Handler[DirectMessage]]:
        def register(fn: Handler[DirectMessage]) -> Handler[DirectMessage]:
            for name in names:
                self.words[name] = Route(fn)
            return fn
        return register

    def command(
        self, *names: str, admin: bool = True
    ) -> Callable[[Handler[Command]], Handler[Command]]:
        def register(fn: Handler[Command]) -> Handler[Command]:
            for name in names:
                self.commands[name] = Route(fn, admin)
            return fn
        return register

    def action(
        self, action_id: str, admin: bool = False
    ) -> Callable[[Handler[CardAction]], Handler[CardAction]]:
        def register(fn: Handler[CardAction]) -> Handler[CardAction]:
            self.actions[action_id] = Route(fn, admin)
            return fn
        return register

    def form(
        self, form_id: str, admin: bool = False, reopen: Reopen | None = None
    ) -> Callable[[Handler[FormSubmitted]], Handler[FormSubmitted]]:
        def register(fn: Handler[FormSubmitted]) -> Handler[FormSubmitted]:
            self.forms[form_id] = Route(fn, admin, reopen)
            return fn
        return register


router = Router()
