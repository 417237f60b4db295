"""Sending to Slack for the outbox and digests, with Slack's errors mapped to SendError."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.inbound import PLATFORM, conversation
from adapters.slack.render import fallback_text, render_blocks
from bot.cards import Card
from bot.events import ConversationRef, MessageRef
from bot.ports import SendError

# The target is gone or the bot may not write there: retrying cannot help.
PERMANENT = {
    "user_not_found", "account_inactive", "channel_not_found", "not_in_channel",
    "is_archived", "user_disabled", "cannot_dm_bot", "messages_tab_disabled",
}
METADATA_EVENT = "porte_voix_delivery"
API_ERRORS = (TimeoutError, SlackApiError, aiohttp.ClientError)


def send_error(error: Exception) -> SendError:
    """What the outbox should do about a failed Web API call."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        data = error.response.data
        # A 5xx may come with a plain-text body: only a dict carries an error code.
        code = str(data.get("error") or "") if isinstance(data, dict) else ""
        if status == 429 or code == "ratelimited":
            retry_after = error.response.headers.get("Retry-After", "1")
            return SendError("rate_limited", code, float(retry_after) if
                             str(retry_after).isdigit() else 1.0)
        if status >= 500:
            return SendError("transient", f"HTTP {status}")
        if code in PERMANENT:
            return SendError("permanent", code)
        return SendError("transient", code or f"HTTP {status}")
    return SendError("transient", type(error).__name__)


class SlackMessenger:
    """chat.postMessage and chat.update on a client without retry handlers: the outbox
    owns retries, honouring Retry-After under its rate limiter."""

    platform = PLATFORM
    rate_per_target: float | None = 1.0  # Slack: about one message a second per channel

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def send(self, target: ConversationRef, card: Card, *, key: str) -> MessageRef:
        try:
            response = await self.client.chat_postMessage(
                channel=target.conversation_id, text=fallback_text(card),
                blocks=render_blocks(card), unfurl_links=False, unfurl_media=False,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
            )
        except API_ERRORS as error:
            raise send_error(error) from error
        return MessageRef(conversation(target.workspace_id, str(response["channel"])),
                          str(response["ts"]))

    async def update(self, ref: MessageRef, card: Card) -> None:
        await update_message(self.client, ref, card)


async def update_message(client: AsyncWebClient, ref: MessageRef, card: Card) -> None:
    """chat.update of a message the bot sent (its DM or channel id and ts)."""
    try:
        await client.chat_update(channel=ref.conversation.conversation_id, ts=ref.message_id,
                                 text=fallback_text(card), blocks=render_blocks(card))
    except API_ERRORS as error:
        raise send_error(error) from error
