"""The Slack app: Bolt listeners that ack at once, then hand neutral events to the core."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound
from adapters.slack.profiles import Profiles
from adapters.slack.render import base_action_id, form_values, render_modal
from adapters.slack.responder import FORM_ACTION, PendingForms, SlackResponder
from bot.dedupe import first_time
from bot.dispatch import Bot
from bot.events import Event, HomeOpened, MemberJoined
from bot.texts import normalize_locale

log = logging.getLogger(__name__)
COMMAND = "/voix"
MEMBERS_PAGE = 200
TIMEOUT = 10


def interactive_client(token: str, base_url: str) -> AsyncWebClient:
    """For answers while a person waits: a short retry on 429, 5xx and dropped connections."""
    return AsyncWebClient(token=token, base_url=base_url, timeout=TIMEOUT, retry_handlers=[
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
        AsyncRateLimitErrorRetryHandler(max_retry_count=1),
        AsyncServerErrorRetryHandler(max_retry_count=1),
    ])


class RetryDedupe(AsyncMiddleware):
    """Slack redelivers an event it thinks we missed (X-Slack-Retry-Num, same event_id):
    acknowledge the repeat and do nothing more."""

    def __init__(self, seen_first: Callable[[str], Awaitable[bool]]) -> None:
        self.seen_first = seen_first

    async def async_process(self, *, req: AsyncBoltRequest, resp: BoltResponse,
                            next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if event_id and not await self.seen_first(str(event_id)):
            log.info("Slack retry of event %s ignored", event_id)
            return BoltResponse(status=200, body="")
        return await next()


class SlackAdapter:
    """One Slack workspace per process (single bot token); storage keys every row by
    workspace, so an OAuth installation store can serve many later without migration."""

    def __init__(self, bot: Bot, *, token: str, signing_secret: str, api_url: str) -> None:
        self.bot = bot
        self.client = interactive_client(token, api_url)
        self.profiles = Profiles(self.client)
        self.forms = PendingForms()
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._channels: dict[str, str] = {}
        self.app = AsyncApp(token=token, client=self.client, signing_secret=signing_secret,
                            request_verification_enabled=bool(signing_secret),
                            process_before_response=False)
        self.app.middleware(RetryDedupe(
            lambda event_id: first_time(bot.rt, inbound.PLATFORM, event_id)))
        self.app.event("message")(self.on_message)
        self.app.event("app_home_opened")(self.on_home)
        self.app.event("member_joined_channel")(self.on_member_joined)
        self.app.event(re.compile(".*"))(self.on_other_event)
        self.app.command(COMMAND)(self.on_command)
        self.app.action(re.compile(".*"))(self.on_action)
        self.app.view(re.compile(".*"))(self.on_view)

    # -- helpers -----------------------------------------------------------------

    def _responder(self, team: str, user: str, locale: str | None,
                   **where: Any) -> SlackResponder:
        texts, fallback = self.bot.rt.texts, self.bot.rt.settings.default_locale
        language = normalize_locale(locale, fallback)
        return SlackResponder(self.client, team, user,
                              lambda key, **values: texts.say(language, key, **values),
                              self.forms, **where)

    async def _dispatch(self, event: Event | None, responder: SlackResponder) -> None:
        if event is not None:
            await self.bot.dispatch(event, responder)

    async def _channel_name(self, channel_id: str) -> str:
        if channel_id not in self._channels:
            try:
                info = await self.client.conversations_info(channel=channel_id)
                self._channels[channel_id] = "#" + str(info["channel"]["name"])
            except SlackApiError:
                return channel_id
        return self._channels[channel_id]

    async def _members(self, channel_id: str) -> list[str]:
        """Every member of a channel, page after page."""
        members: list[str] = []
        cursor = ""
        while True:
            page = await self.client.conversations_members(channel=channel_id,
                                                           limit=MEMBERS_PAGE, cursor=cursor)
            members.extend(page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                return members

    # -- listeners (Bolt injects arguments by name) ---------------------------------

    async def on_message(self, body: dict[str, Any]) -> None:
        team, user = inbound.team_id(body), inbound.user_id(body)
        if body["event"].get("bot_id") or body["event"].get("subtype"):
            return
        actor = await self.profiles.actor(team, user)
        responder = self._responder(team, user, actor.locale,
                                    channel_id=body["event"].get("channel"))
        await self._dispatch(inbound.direct_message(body, actor), responder)

    async def on_home(self, body: dict[str, Any]) -> None:
        if body["event"].get("tab") not in (None, "home"):
            return
        team, user = inbound.team_id(body), inbound.user_id(body)
        actor = await self.profiles.actor(team, user)
        await self._dispatch(HomeOpened(actor),
                             self._responder(team, user, actor.locale, home=True))

    async def on_member_joined(self, body: dict[str, Any], context: dict[str, Any]) -> None:
        team, user = inbound.team_id(body), inbound.user_id(body)
        channel = inbound.conversation(team, str(body["event"]["channel"]))
        name = await self._channel_name(channel.conversation_id)
        if user == context.get("bot_user_id"):
            # The bot was invited: everyone already in the channel belongs to that team.
            people = [m for m in await self._members(channel.conversation_id) if m != user]
        else:
            people = [user]
        for person in people:
            actor = await self.profiles.actor(team, person)
            if not (await self.profiles.get(person)).is_bot:
                await self._dispatch(MemberJoined(actor, channel, name),
                                     self._responder(team, person, actor.locale))

    async def on_other_event(self) -> None:
        """Events we subscribe to but do not use are acknowledged, so Slack won't retry."""

    async def on_command(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        team, user = inbound.team_id(body), inbound.user_id(body)
        actor = await self.profiles.actor(team, user)
        responder = self._responder(team, user, actor.locale, channel_id=body.get("channel_id"),
                                    trigger_id=body.get("trigger_id"), respond=respond)
        await self._dispatch(inbound.command(body, actor), responder)

    async def on_action(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        team, user = inbound.team_id(body), inbound.user_id(body)
        actor = await self.profiles.actor(team, user)
        container = body.get("container") or {}
        from_home = container.get("type") == "view"
        responder = self._responder(team, user, actor.locale,
                                    channel_id=container.get("channel_id"),
                                    trigger_id=body.get("trigger_id"))
        event = inbound.card_action(body, actor, base_action_id)
        if event is not None and event.action_id == FORM_ACTION:
            await self._open_kept_form(event.value, responder, body.get("trigger_id"))
            return
        await self._dispatch(event, responder)
        if from_home and event is not None:
            await self._dispatch(HomeOpened(actor),
                                 self._responder(team, user, actor.locale, home=True))

    async def _open_kept_form(self, key: str, responder: SlackResponder,
                              trigger_id: str | None) -> None:
        form = self.forms.take(key)
        if form is None or not trigger_id:
            await responder.reply(responder.say("common.form_expired"))
            return
        await self.client.views_open(trigger_id=trigger_id, view=render_modal(
            form, callback_id=form.form_id, private_metadata=form.private,
            close_label=responder.say("common.cancel")))

    async def on_view(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        team, user = inbound.team_id(body), inbound.user_id(body)
        actor = await self.profiles.actor(team, user)
        values = form_values(((body.get("view") or {}).get("state") or {}).get("values") or {})
        await self._dispatch(inbound.form_submitted(body, actor, values),
                             self._responder(team, user, actor.locale))

    # -- HTTP ----------------------------------------------------------------------

    async def handle_http(self, request: web.Request) -> web.Response:
        """POST /slack/events: Bolt verifies the signature and answers; a body Bolt cannot
        read is a 400 (401 when its signature is wrong too), never a 500."""
        body = await request.text()
        headers = dict(request.headers.items())
        try:
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string,
                                            headers=dict[str, str | Sequence[str]](headers))
            problem = inbound.shape_problem(bolt_request.body)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            problem = f"unreadable body ({type(error).__name__})"
        if problem:
            if self.verifier and not self.verifier.is_valid_request(body, headers):
                return web.Response(status=401, text="invalid signature")
            log.warning("malformed Slack request: %s", problem)
            return web.Response(status=400, text="malformed body")
        response = await self.app.async_dispatch(bolt_request)
        if response.status == 404:
            log.warning("Slack request of no known kind (%s)", body[:120])
            return web.Response(status=400, text="unsupported request")
        return await to_aiohttp_response(response)
