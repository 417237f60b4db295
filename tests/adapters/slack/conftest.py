"""A running Porte-Voix with Slack enabled against the mock Slack Web API."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select

from adapters.slack.plugin import EVENTS_PATH, serve
from bot.dispatch import Bot
from bot.runtime import Runtime
from bot.web.listeners import make_app
from storage.models import Share
from tests.adapters.slack import payloads
from tests.adapters.slack.mock_slack import Call, MockSlack

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret-0123456789abcdef"
ADMIN_ID = "U0ADMIN"
PEOPLE = {
    ADMIN_ID: ("camille", "Camille Martin", "Europe/Paris", "fr-FR"),
    "U0ALICE": ("alice", "Alice Smith", "Europe/London", "en-GB"),
    "U0BOB": ("bob", "Bob Jones", "America/Montreal", "en-US"),
}


@pytest.fixture
async def slack() -> AsyncIterator[MockSlack]:
    async with MockSlack(token=TOKEN) as mock:
        for user_id, (name, real_name, tz, locale) in PEOPLE.items():
            mock.add_user(user_id, name, real_name, tz=tz, locale=locale,
                          email=f"{name}@acme.example")
        yield mock


@dataclass
class SlackSide:
    """What a test drives: signed posts to /slack/events, and the mock to read back."""

    client: TestClient
    mock: MockSlack
    rt: Runtime

    async def post(self, body: str | bytes, content_type: str, *,
                   timestamp: int | str | None = None, secret: str = SECRET,
                   extra: dict[str, str] | None = None) -> ClientResponse:
        headers = payloads.signed_headers(body, secret, timestamp=timestamp,
                                          content_type=content_type)
        return await self.client.post(
            EVENTS_PATH, data=body if isinstance(body, bytes) else body.encode(),
            headers={**headers, **(extra or {})})

    async def post_unsigned(self, body: str | bytes, content_type: str,
                            **headers: str) -> ClientResponse:
        return await self.client.post(
            EVENTS_PATH, data=body if isinstance(body, bytes) else body.encode(),
            headers={"Content-Type": content_type, **headers})

    async def event(self, event: dict[str, Any], **options: Any) -> ClientResponse:
        return await self.post(json.dumps(payloads.event_callback(event, **options)),
                               payloads.JSON)

    async def dm(self, user: str, text: str) -> ClientResponse:
        return await self.event(payloads.message_im(user, text))

    async def command(self, user: str, text: str, *, channel: str | None = None
                      ) -> ClientResponse:
        """`/voix text` typed in `channel`, by default the person's DM with the bot."""
        body = payloads.slash_command(user, text, response_url=self.mock.response_url,
                                      channel_id=channel,
                                      trigger_id=f"trigger-{user}-{time.monotonic_ns()}")
        return await self.post(body, payloads.FORM)

    def answers(self, user: str, *, channel: str | None = None) -> list[Call]:
        """The answers a command gets: in a channel through its response_url (ephemeral),
        elsewhere normal messages in the person's DM."""
        if channel:
            return self.mock.calls_to("response_url")
        return [call for call in self.mock.calls_to("chat.postMessage")
                if call.params.get("channel") == user]

    async def ask(self, user: str, text: str, *, channel: str | None = None) -> Call:
        """A command and the answer it got."""
        before = len(self.answers(user, channel=channel))
        await self.command(user, text, channel=channel)
        await self.settle(lambda: len(self.answers(user, channel=channel)) > before)
        return self.answers(user, channel=channel)[-1]

    async def press(self, user: str, action_id: str, value: str, *, channel: str | None = None,
                    message_ts: str | None = None,
                    state: dict[str, Any] | None = None) -> ClientResponse:
        body = payloads.block_actions(user, action_id, value, channel=channel,
                                      message_ts=message_ts, state=state,
                                      trigger_id=f"trigger-{user}-{time.monotonic_ns()}")
        return await self.post(body, payloads.FORM)

    async def submit(self, user: str, callback_id: str, values: dict[str, Any],
                     private_metadata: str = "") -> ClientResponse:
        return await self.post(payloads.view_submission(user, callback_id, values,
                                                        private_metadata), payloads.FORM)

    async def settle(self, check: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait for the work Bolt runs after the ack to show `check()`."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError("the Slack side never reached the expected state")
            await asyncio.sleep(0.02)

    async def settle_db(self, check: Callable[[], Awaitable[bool]],
                        timeout: float = 5.0) -> None:
        """Wait for the handler's transaction: cards are updated before it commits."""
        deadline = time.monotonic() + timeout
        while not await check():
            if time.monotonic() > deadline:
                raise AssertionError("the database never reached the expected state")
            await asyncio.sleep(0.02)

    async def shared(self, count: int = 1) -> None:
        """Wait until `count` shares are recorded."""
        async def enough() -> bool:
            async with self.rt.sessions() as session:
                return len((await session.scalars(select(Share))).all()) >= count
        await self.settle_db(enough)

    async def quiet(self, seconds: float = 0.3) -> None:
        """Let any work Bolt runs after the ack finish (for checks that nothing happened)."""
        calls = -1
        while calls != len(self.mock.calls):
            calls = len(self.mock.calls)
            await asyncio.sleep(seconds)


@pytest.fixture
async def side(rt: Runtime, slack: MockSlack) -> AsyncIterator[SlackSide]:
    rt.settings = rt.settings.model_copy(update={
        "slack_bot_token": SecretStr(TOKEN), "slack_signing_secret": SecretStr(SECRET),
        "slack_api_url": slack.base_url, "admins": [ADMIN_ID],
    })
    app = make_app(rt)
    bot = Bot(rt)
    close = await serve(rt, bot, app)
    assert close is not None  # the outbox's HTTP session
    async with TestClient(TestServer(app)) as client:
        driver = SlackSide(client, slack, rt)
        yield driver
        await driver.quiet(0.1)
    await close()
