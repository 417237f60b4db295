"""Proactive sending to Teams: nudges to personal chats, digests to team channels.

Teams gives a bot no way to read a chat's history, so a resend after a crash cannot be
checked: Teams deliveries are at least once in that window (docs/delivery.md)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ChannelAccount, ConversationParameters, ConversationReference

from adapters.teams.errors import CONNECTOR_ERRORS, send_error
from adapters.teams.inbound import PLATFORM
from adapters.teams.responder import card_activity
from bot.cards import Card
from bot.events import ConversationRef, MessageRef

CHANNEL = "msteams"
# Teams takes about 50 requests a second to one tenant.
RATE_PER_TENANT = 50.0
Logic = Callable[[TurnContext], Awaitable[None]]


def _reference(target: ConversationRef) -> ConversationReference:
    return ConversationReference().deserialize(target.data["reference"])


def _viewers(reference: ConversationReference) -> tuple[str, ...]:
    """Who reads a personal chat's cards (they refresh for them); a channel's: nobody alone."""
    conversation = reference.conversation
    personal = conversation is None or conversation.conversation_type in (None, "personal")
    return (str(reference.user.id),) if personal and reference.user and reference.user.id \
        else ()


class TeamsMessenger:
    """continue_conversation with a stored reference; for a person known only from a team
    roster, the 1:1 chat is created first (Teams returns the same chat if it exists)."""

    platform = PLATFORM
    # Teams allows 1,800 messages an hour to one conversation: about one every 2 s.
    rate_per_target: float | None = 0.5
    # Teams has no lookup (find_sent answers from nothing): no lookup limit.
    lookup_rate_per_workspace: float | None = None

    def __init__(self, adapter: CloudAdapter, app_id: str | None,
                 rate_per_workspace: float | None = RATE_PER_TENANT) -> None:
        """`rate_per_workspace`: sends a second to one tenant, all replicas together
        (PORTEVOIX_TEAMS_TENANT_RATE)."""
        self.adapter = adapter
        self.app_id = app_id or None
        self.rate_per_workspace = rate_per_workspace

    async def send(self, target: ConversationRef, card: Card, *, key: str) -> MessageRef:
        reference = _reference(target)
        sent: dict[str, Any] = {}

        async def write(turn: TurnContext) -> None:
            # The continuation activity has a made-up id: without this the card would be
            # posted as a reply to a message that does not exist.
            turn.activity.id = None
            response = await turn.send_activity(card_activity(card, _viewers(reference)))
            sent["id"] = response.id if response else ""
            sent["reference"] = TurnContext.get_conversation_reference(turn.activity)

        if target.data.get("provisional"):
            user = reference.user
            parameters = ConversationParameters(
                is_group=False, bot=reference.bot, tenant_id=target.workspace_id,
                members=[ChannelAccount(id=user.id, name=user.name)],
                channel_data={"tenant": {"id": target.workspace_id}})
            await self._turn(write, lambda logic: self.adapter.create_conversation(
                self.app_id, logic, parameters, CHANNEL, reference.service_url))
        else:
            await self._turn(write, lambda logic: self.adapter.continue_conversation(
                reference, logic, self.app_id))
        where: ConversationReference = sent["reference"]
        conversation = ConversationRef(PLATFORM, target.workspace_id, str(where.conversation.id),
                                       {"reference": where.serialize()})
        return MessageRef(conversation, str(sent["id"]))

    async def update(self, ref: MessageRef, card: Card) -> None:
        reference = _reference(ref.conversation)

        async def write(turn: TurnContext) -> None:
            activity = card_activity(card, _viewers(reference))
            activity.id = ref.message_id
            await turn.update_activity(activity)

        await self._turn(write, lambda logic: self.adapter.continue_conversation(
            reference, logic, self.app_id))

    async def find_sent(self, target: ConversationRef, key: str, since: datetime,
                        until: datetime | None = None) -> MessageRef | None:
        """Always None: a bot cannot read a Teams chat's history (at least once)."""
        return None

    @staticmethod
    async def _turn(write: Logic, run: Callable[[Logic], Awaitable[Any]]) -> None:
        """Run a proactive turn and raise what the connector refused as a SendError.

        botbuilder hands an exception raised inside the turn to the adapter's on_turn_error
        (which logs it and ends the turn quietly) rather than to the caller: the turn keeps
        the error itself and it is raised here."""
        failed: list[Exception] = []

        async def logic(turn: TurnContext) -> None:
            try:
                await write(turn)
            except Exception as error:
                failed.append(error)

        try:
            await run(logic)
        except CONNECTOR_ERRORS as error:
            raise send_error(error) from error
        if failed and isinstance(failed[0], CONNECTOR_ERRORS):
            raise send_error(failed[0]) from failed[0]
        if failed:
            raise failed[0]
