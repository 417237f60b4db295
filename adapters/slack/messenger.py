"""Sending to Slack for the outbox and digests, with Slack's errors mapped to SendError, and
the resend check: is a delivery's message (tagged in its metadata) already in the DM?"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.inbound import PLATFORM, conversation
from adapters.slack.render import fallback_text, render_blocks
from bot.cards import Card
from bot.events import ConversationRef, MessageRef
from bot.ports import SendError, retry_after_seconds

log = logging.getLogger(__name__)

# The target is gone or the bot may not write there: retrying cannot help.
PERMANENT = {
    "user_not_found", "account_inactive", "channel_not_found", "not_in_channel",
    "is_archived", "user_disabled", "cannot_dm_bot", "messages_tab_disabled",
}
# The token may not look into DMs: the resend check cannot be made until the app's scopes
# are fixed; it is retried, never skipped (see docs/delivery.md).
CANNOT_LOOK = {"missing_scope", "not_allowed_token_type", "no_permission"}
METADATA_EVENT = "porte_voix_delivery"
API_ERRORS = (TimeoutError, SlackApiError, aiohttp.ClientError)
# Slack's workspace-wide pace for chat.postMessage is not published; 20 a second is well
# under what workspaces take in practice (PORTEVOIX_SLACK_WORKSPACE_RATE, all replicas).
RATE_PER_WORKSPACE = 20.0
# conversations.history is Tier 3 (about 50 a minute) for an app installed in its own
# workspace; 1 a minute for one distributed outside the Marketplace since 2025
# (PORTEVOIX_SLACK_HISTORY_PER_MINUTE).
LOOKUP_RATE_PER_WORKSPACE = 50 / 60
# The resend check reads the DM's history from the previous attempt on (a few minutes, a
# handful of messages): at most HISTORY_PAGES pages of HISTORY_LIMIT messages, the most a
# distributed app may ask for since 2025. The outbox's lookup level paces each check, not
# each page: a second page is rare (the window spans one attempt), and a 429 on it puts the
# check back for Retry-After like any other.
HISTORY_LIMIT = 15
HISTORY_PAGES = 3


def send_error(error: Exception) -> SendError:
    """What the outbox should do about a failed Web API call."""
    if isinstance(error, SlackApiError):
        response = error.response
        # slack_sdk gives its SlackResponse, or aiohttp's response for a body it could not
        # parse; a 5xx may come with a plain-text body: only a dict carries an error code.
        status = int(getattr(response, "status_code", None) or getattr(response, "status", None)
                     or 0)
        data = getattr(response, "data", None)
        headers: Mapping[str, Any] = getattr(response, "headers", None) or {}
        code = str(data.get("error") or "") if isinstance(data, dict) else ""
        if status == 429 or code == "ratelimited":
            return SendError("rate_limited", code or "HTTP 429",
                             retry_after_seconds(headers.get("Retry-After")))
        if status >= 500:
            return SendError("transient", f"HTTP {status}")
        if code in PERMANENT:
            return SendError("permanent", code)
        return SendError("transient", code or f"HTTP {status}")
    return SendError("transient", type(error).__name__)


def _tagged(message: Mapping[str, Any], key: str) -> bool:
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != METADATA_EVENT:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, Mapping) and payload.get("key") == key


class SlackMessenger:
    """chat.postMessage and chat.update on a client without retry handlers: the outbox
    owns retries, honouring Retry-After under its rate limiter."""

    platform = PLATFORM
    rate_per_target: float | None = 1.0  # Slack: about one message a second per channel

    def __init__(self, client: AsyncWebClient,
                 rate_per_workspace: float | None = RATE_PER_WORKSPACE,
                 lookup_rate_per_workspace: float | None = LOOKUP_RATE_PER_WORKSPACE) -> None:
        """`rate_per_workspace`: messages a second to one workspace, all replicas together;
        `lookup_rate_per_workspace`: resend checks (conversations.history requests) a
        second to one workspace, paced apart from the messages; None for no limit."""
        self.client = client
        self.rate_per_workspace = rate_per_workspace
        self.lookup_rate_per_workspace = lookup_rate_per_workspace
        self._dm: dict[str, str] = {}  # user id -> DM channel id, learnt from Slack's answers

    async def send(self, target: ConversationRef, card: Card, *, key: str) -> MessageRef:
        try:
            response = await self.client.chat_postMessage(
                channel=target.conversation_id, text=fallback_text(card),
                blocks=render_blocks(card), unfurl_links=False, unfurl_media=False,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
            )
        except API_ERRORS as error:
            raise send_error(error) from error
        channel = str(response["channel"])
        if target.conversation_id != channel:
            self._dm[target.conversation_id] = channel
        return MessageRef(conversation(target.workspace_id, channel), str(response["ts"]))

    async def update(self, ref: MessageRef, card: Card) -> None:
        await update_message(self.client, ref, card)

    async def find_sent(self, target: ConversationRef, key: str, since: datetime,
                        until: datetime | None = None) -> MessageRef | None:
        """The message whose metadata carries `key`, in the DM (a user id is opened to its
        D… channel with conversations.open) or channel, posted between `since` and
        `until`: the span of one attempt holds a handful of messages, one page."""
        oldest = f"{since.timestamp():.6f}"
        latest = None if until is None else f"{until.timestamp():.6f}"
        try:
            channel = await self._channel(target.conversation_id)
            cursor: str | None = None
            for _ in range(HISTORY_PAGES):
                page = await self.client.conversations_history(
                    channel=channel, oldest=oldest, latest=latest, limit=HISTORY_LIMIT,
                    include_all_metadata=True, cursor=cursor)
                for message in page.get("messages") or []:
                    if _tagged(message, key):
                        return MessageRef(conversation(target.workspace_id, channel),
                                          str(message["ts"]))
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not page.get("has_more") or cursor is None:
                    return None
        except API_ERRORS as error:
            refused = send_error(error)
            if refused.detail in CANNOT_LOOK:
                log.error("Slack: cannot read DM history (%s): nudges that may have been "
                          "posted wait until the app has the im:history scope",
                          refused.detail)
                raise SendError("transient", refused.detail) from error
            raise refused from error
        log.warning("Slack: %s not in the last %d messages of %s: sending", key,
                    HISTORY_LIMIT * HISTORY_PAGES, channel)
        return None

    async def _channel(self, conversation_id: str) -> str:
        """A channel id as is (C…, G…, D…); a user id (U…, W…) opened to their DM's id."""
        if conversation_id[:1] not in ("U", "W"):
            return conversation_id
        if conversation_id not in self._dm:
            opened = await self.client.conversations_open(users=conversation_id)
            self._dm[conversation_id] = str(opened["channel"]["id"])
        return self._dm[conversation_id]


async def update_message(client: AsyncWebClient, ref: MessageRef, card: Card) -> None:
    """chat.update of a message the bot sent (its DM or channel id and ts)."""
    try:
        await client.chat_update(channel=ref.conversation.conversation_id, ts=ref.message_id,
                                 text=fallback_text(card), blocks=render_blocks(card))
    except API_ERRORS as error:
        raise send_error(error) from error
