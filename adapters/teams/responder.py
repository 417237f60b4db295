"""Answering a Teams activity in place: replies, card updates, forms as inline cards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity

from adapters.teams.errors import CONNECTOR_ERRORS, send_error
from adapters.teams.render import fallback_text, render_card, render_form
from bot.cards import Card, Form, Text
from bot.events import ConversationRef, MessageRef

Say = Callable[..., str]


def card_activity(message: Card | str) -> Activity:
    card = message if isinstance(message, Card) else Card(message, (Text(message),))
    activity = MessageFactory.attachment(CardFactory.adaptive_card(render_card(card)))
    activity.summary = fallback_text(card)
    return activity


@dataclass
class TeamsResponder:
    """Replies go to the conversation of the activity. For an Action.Execute invoke, an
    update of the card that was acted on becomes the invoke's answer (Teams shows it)."""

    turn: TurnContext
    where: ConversationRef
    say: Say
    invoke_card_id: str | None = None
    invoke_answer: dict[str, Any] | None = None

    async def reply(self, message: Card | str) -> MessageRef | None:
        try:
            response = await self.turn.send_activity(card_activity(message))
        except CONNECTOR_ERRORS as error:
            raise send_error(error) from error
        return MessageRef(self.where, str(response.id)) if response and response.id else None

    async def update(self, ref: MessageRef, card: Card) -> None:
        if self.invoke_card_id is not None and ref.message_id == self.invoke_card_id:
            self.invoke_answer = render_card(card)
            return
        activity = card_activity(card)
        activity.id = ref.message_id
        try:
            await self.turn.update_activity(activity)
        except CONNECTOR_ERRORS as error:
            raise send_error(error) from error

    async def open_form(self, form: Form) -> None:
        activity = MessageFactory.attachment(CardFactory.adaptive_card(
            render_form(form, required_message=self.say("common.required"))))
        activity.summary = form.title
        try:
            await self.turn.send_activity(activity)
        except CONNECTOR_ERRORS as error:
            raise send_error(error) from error
