"""Answering a Teams activity in place: replies, card updates, dialogs and inline forms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity

from adapters.teams.errors import CONNECTOR_ERRORS, send_error
from adapters.teams.render import fallback_text, render_card, render_form
from bot.cards import Card, Form, Text
from bot.events import ConversationRef, MessageRef
from bot.ports import Upload

Say = Callable[..., str]
# What is being answered: a message (a typed text, an old Action.Submit), an Action.Execute
# (adaptiveCard/action), or a dialog being opened (task/fetch) or submitted (task/submit).
Answering = Literal["message", "action", "fetch", "submit"]


def as_card(message: Card | str) -> Card:
    return message if isinstance(message, Card) else Card(message, (Text(message),))


def card_activity(message: Card | str, viewers: tuple[str, ...] = ()) -> Activity:
    """The card as a message; its buttons Universal Actions, refreshed for `viewers`."""
    card = as_card(message)
    activity = MessageFactory.attachment(CardFactory.adaptive_card(
        render_card(card, execute=True, viewers=viewers)))
    activity.summary = fallback_text(card)
    return activity


@dataclass
class TeamsResponder:
    """Replies go to the conversation of the activity. For an Action.Execute invoke, an
    update of the card that was acted on becomes the invoke's answer (Teams shows it); while
    a dialog is opened or submitted, a form becomes the dialog and a short text its message.
    `viewer` is the person's Teams id, for whom the cards sent are refreshed."""

    turn: TurnContext
    where: ConversationRef
    say: Say
    viewer: str = ""
    answering: Answering = "message"
    invoke_card_id: str | None = None
    invoke_answer: dict[str, Any] | None = None
    dialog: Form | None = None
    dialog_message: str | None = None

    @property
    def _viewers(self) -> tuple[str, ...]:
        return (self.viewer,) if self.viewer else ()

    @property
    def in_dialog(self) -> bool:
        return self.answering in ("fetch", "submit")

    async def _send(self, activity: Activity) -> MessageRef | None:
        try:
            response = await self.turn.send_activity(activity)
        except CONNECTOR_ERRORS as error:
            raise send_error(error) from error
        return MessageRef(self.where, str(response.id)) if response and response.id else None

    async def reply(self, message: Card | str) -> MessageRef | None:
        if self.in_dialog and isinstance(message, str):
            self.dialog_message = message  # shown in the dialog, which then closes
            return None
        return await self._send(card_activity(message, self._viewers))

    async def update(self, ref: MessageRef, card: Card) -> None:
        if self.answering == "action" and ref.message_id == self.invoke_card_id:
            self.invoke_answer = render_card(card, execute=True, viewers=self._viewers)
            return
        activity = card_activity(card, self._viewers)
        activity.id = ref.message_id
        try:
            await self.turn.update_activity(activity)
        except CONNECTOR_ERRORS as error:
            raise send_error(error) from error

    def form_card(self, form: Form, *, dialog: bool = False) -> dict[str, Any]:
        return render_form(form, required_message=self.say("common.required"), execute=True,
                           dialog=dialog)

    async def open_form(self, form: Form) -> None:
        if self.in_dialog:
            self.dialog = form
            return
        activity = MessageFactory.attachment(CardFactory.adaptive_card(self.form_card(form)))
        activity.summary = form.title
        await self._send(activity)

    async def refuse(self, form: Form) -> bool:
        """The form again, as typed, with its errors: the same dialog, or the inline form
        card answered in place; an old Action.Submit form cannot be (a message then)."""
        if self.answering == "submit":
            self.dialog = form
            return True
        if self.answering == "action":
            self.invoke_answer = self.form_card(form)
            return True
        return False

    async def upload(self, files: list[Upload], comment: str) -> bool:
        """A bot sends files in Teams only through the person's OneDrive (a consent card and
        Graph permissions Porte-Voix does not ask for): the core sends download links."""
        return False
