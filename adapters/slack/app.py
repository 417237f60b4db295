"""The Slack app: Bolt listeners that ack at once, then hand neutral events to the core."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound, shapes
from adapters.slack.profiles import Profiles
from adapters.slack.render import IDEA_CHOICE, base_action_id, form_values, render_modal
from adapters.slack.responder import FORM_ACTION, PendingForms, SlackResponder
from adapters.untrusted_json import unusable
from bot.dedupe import first_time
from bot.dispatch import Bot
from bot.events import Event, HomeOpened, MemberJoined
from bot.texts import normalize_locale

log = logging.getLogger(__name__)
MEMBERS_PAGE = 200
TIMEOUT = 10


def interactive_client(token: str, base_url: str) -> AsyncWebClient:
    """For answers while a person waits: a short retry on 429, 5xx and dropped connections."""
    return AsyncWebClient(token=token, base_url=base_url, timeout=TIMEOUT, retry_handlers=[
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
        AsyncRateLimitErrorRetryHandler(max_retry_count=1),
        AsyncServerErrorRetryHandler(max_retry_count=1),
    ])


def signed(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether Slack signed these raw bytes, as slack_sdk's SignatureVerifier checks it (v0
    signature, timestamp within 5 minutes). It int()s the timestamp and decodes the body as
    UTF-8, raising on `abc` or on bytes that Slack never sends: those are not Slack's, and are
    refused before it sees them (headers lower-case)."""
    stamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12 and signature.isascii()):
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return verifier.is_valid(text, stamp, signature)


def _refuse(status: int, why: str) -> web.Response:
    log.warning("Slack request refused (%s): %s", status, why)
    return web.Response(status=status, text=why)


Listener = Callable[..., Awaitable[None]]


def reported(listener: Listener) -> Listener:
    """A listener whose errors are logged here rather than raised to Bolt: its runner would
    replace the ack already sent with the error, then wait three seconds for an ack and
    answer 400. A payload lacking what its kind carries is one line, anything else a
    traceback."""

    @functools.wraps(listener)  # Bolt reads the argument names through __wrapped__
    async def run(*args: Any, **kwargs: Any) -> None:
        try:
            await listener(*args, **kwargs)
        except inbound.BadPayload as error:
            log.warning("Slack payload not handled by %s: %s", listener.__name__, error)
        except Exception:
            log.exception("Slack listener %s failed", listener.__name__)

    return run


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
        self.app.event("message")(self.on_message)
        self.app.event("app_home_opened")(self.on_home)
        self.app.event("member_joined_channel")(self.on_member_joined)
        self.app.event(re.compile(".*"))(self.on_other_event)
        self.app.command(inbound.COMMAND)(self.on_command)
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

    async def _first_time(self, body: dict[str, Any]) -> bool:
        """Whether this payload is new. Slack redelivers an event it thinks we missed (same
        event_id); a command or a button press arriving again (same trigger_id, or same
        person, action and action_ts) is someone's replay, since Slack never retries those.
        Asked after the ack, which is the same empty 200 either way."""
        keys = inbound.replay_keys(body)
        if not keys or await first_time(self.bot.rt, *keys[0], *keys[1:]):
            return True
        log.info("Slack %s seen before, ignored: %s", *keys[0])
        return False

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

    @reported
    async def on_message(self, body: dict[str, Any], context: dict[str, Any]) -> None:
        if not inbound.typed_in_dm(body["event"], context.get("bot_user_id")):
            return  # channel messages, edits, deletions, joins, bots: nothing to answer
        if not await self._first_time(body):
            return
        team, user = inbound.team_id(body), inbound.user_id(body)
        actor = await self.profiles.actor(team, user)
        responder = self._responder(team, user, actor.locale,
                                    channel_id=body["event"].get("channel"))
        await self._dispatch(inbound.direct_message(body, actor), responder)

    @reported
    async def on_home(self, body: dict[str, Any]) -> None:
        if body["event"].get("tab") not in (None, "home") or not await self._first_time(body):
            return
        team, user = inbound.team_id(body), inbound.user_id(body)
        actor = await self.profiles.actor(team, user)
        await self._dispatch(HomeOpened(actor),
                             self._responder(team, user, actor.locale, home=True))

    @reported
    async def on_member_joined(self, body: dict[str, Any], context: dict[str, Any]) -> None:
        if not await self._first_time(body):
            return
        team, user = inbound.team_id(body), inbound.user_id(body)
        channel = inbound.joined_channel(body, team)
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

    @reported
    async def on_command(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        if not await self._first_time(body):
            return
        team, user = inbound.team_id(body), inbound.user_id(body)
        actor = await self.profiles.actor(team, user)
        responder = self._responder(team, user, actor.locale, channel_id=body.get("channel_id"),
                                    trigger_id=body.get("trigger_id"), respond=respond)
        await self._dispatch(inbound.command(body, actor), responder)

    @reported
    async def on_action(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        if not await self._first_time(body):
            return
        team, user = inbound.team_id(body), inbound.user_id(body)
        actor = await self.profiles.actor(team, user)
        container = body.get("container") or {}
        from_home = container.get("type") == "view"
        responder = self._responder(team, user, actor.locale,
                                    channel_id=container.get("channel_id"),
                                    trigger_id=body.get("trigger_id"))
        event = inbound.card_action(body, actor, base_action_id)
        if event is not None and not event.value:  # the ideas' button: the idea picked
            state = (body.get("state") or {}).get("values") or {}
            event = replace(event, value=form_values(state).get(IDEA_CHOICE, ""))
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

    @reported
    async def on_view(self, ack: Any, body: dict[str, Any]) -> None:
        """A modal submitted, handled before the ack (Slack waits 3 s for it): a refused
        input is then shown beside it (response_action: errors) and the modal stays open
        with what was typed; otherwise it closes as the first answer goes out."""
        responder: SlackResponder | None = None
        try:
            if not await self._first_time(body):
                return
            team, user = inbound.team_id(body), inbound.user_id(body)
            actor = await self.profiles.actor(team, user)
            values = form_values(((body.get("view") or {}).get("state") or {})
                                 .get("values") or {})
            responder = self._responder(team, user, actor.locale, ack=ack)
            await self._dispatch(inbound.form_submitted(body, actor, values), responder)
        finally:
            await (responder.settle() if responder is not None else ack())

    # -- HTTP ----------------------------------------------------------------------

    async def handle_http(self, request: web.Request) -> web.Response:
        """POST /slack/events. The signature is checked on the raw bytes before anything is
        parsed (401); the body must then be UTF-8 JSON or form data, nested within a sane
        depth, of a kind and shape Porte-Voix handles (400). Past the app's client_max_size
        it is a 413. Only then does Bolt see it."""
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413, "body too large")
        headers = {name.lower(): value for name, value in request.headers.items()}
        if self.verifier is not None and not signed(self.verifier, raw, headers):
            return _refuse(401, "invalid signature")
        try:
            # Bolt parses the body (JSON, a form, or a form's JSON `payload`) as it is built.
            bolt_request = AsyncBoltRequest(body=raw.decode("utf-8"), query=request.query_string,
                                            headers=dict[str, str | Sequence[str]](headers))
        except RecursionError:
            problem: str | None = "JSON nested too deep"
        except (ValueError, TypeError, LookupError, AttributeError) as error:
            problem = f"unreadable body ({type(error).__name__})"
        else:
            problem = unusable(bolt_request.body) or shapes.shape_problem(bolt_request.body)
        if problem:
            return _refuse(400, problem)
        response = await self.app.async_dispatch(bolt_request)
        if response.status == 404:
            return _refuse(400, f"no listener for a {shapes.kind_of(bolt_request.body)} request")
        return await to_aiohttp_response(response)
