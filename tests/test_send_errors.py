"""What each platform's failures mean to the outbox (rate limited, transient, permanent), and
Slack's resend check (a delivery's key in the DM's history), through the mock Web API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from aiohttp import web
from botframework.connector import models
from msrest import Deserializer
from msrest.exceptions import ClientRequestError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.messenger import HISTORY_PAGES, METADATA_EVENT, SlackMessenger
from adapters.teams.errors import send_error as teams_error
from adapters.teams.messenger import TeamsMessenger
from bot.cards import Card, Text
from bot.events import ConversationRef
from bot.ports import SendError, retry_after_seconds
from tests.adapters.slack.mock_slack import MockSlack

TOKEN = "xoxb-errors"
ALICE = "U0ALICE"
CARD = Card("News", (Text("Our Lyon office is open."),))
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
async def mock() -> AsyncIterator[MockSlack]:
    async with MockSlack(token=TOKEN) as slack:
        yield slack


def messenger_for(base_url: str, timeout: float = 2.0) -> SlackMessenger:
    return SlackMessenger(AsyncWebClient(token=TOKEN, base_url=base_url, timeout=timeout,
                                         retry_handlers=[]))


def to(conversation: str) -> ConversationRef:
    return ConversationRef("slack", "T0001", conversation)


async def refused(messenger: SlackMessenger, conversation: str = ALICE) -> SendError:
    with pytest.raises(SendError) as caught:
        await messenger.send(to(conversation), CARD, key="delivery-1")
    return caught.value


@pytest.mark.parametrize(("status", "error", "retry_after", "kind", "wait"), [
    (429, None, 7, "rate_limited", 7.0),
    (429, None, None, "rate_limited", 1.0),
    (200, "ratelimited", None, "rate_limited", 1.0),
    (500, "Internal Server Error", None, "transient", None),
    (503, "upstream connect error", None, "transient", None),
    (200, "user_not_found", None, "permanent", None),
    (200, "channel_not_found", None, "permanent", None),
    (200, "is_archived", None, "permanent", None),
    (200, "cannot_dm_bot", None, "permanent", None),
    (200, "messages_tab_disabled", None, "permanent", None),
    (200, "invalid_auth", None, "transient", None),  # our setup, not the person: not unreachable
    (200, "internal_error", None, "transient", None),
    (400, "invalid_arguments", None, "transient", None),
])
async def test_slack_answers_map_to_what_the_outbox_does(mock, status, error, retry_after, kind,
                                                         wait):
    mock.fail_next("chat.postMessage", status=status, error=error, retry_after=retry_after)
    failure = await refused(messenger_for(mock.base_url))
    assert (failure.kind, failure.retry_after) == (kind, wait)
    if status >= 500:
        assert failure.detail == f"HTTP {status}"  # a plain-text body has no error code
    assert mock.messages(ALICE) == []


async def test_a_slack_timeout_is_transient(mock):
    mock.delay("chat.postMessage", 1.0)
    failure = await refused(messenger_for(mock.base_url, timeout=0.2))
    assert (failure.kind, failure.detail) == ("transient", "TimeoutError")


async def test_an_unreachable_slack_is_transient():
    failure = await refused(messenger_for("http://127.0.0.1:9/api/"))
    assert failure.kind == "transient"


async def test_a_5xx_claiming_json_but_sending_garbage_is_transient():
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>bad gateway", content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/api/{method}", broken)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        port = runner.addresses[0][1]
        failure = await refused(messenger_for(f"http://127.0.0.1:{port}/api/"))
    finally:
        await runner.cleanup()
    assert (failure.kind, failure.detail) == ("transient", "HTTP 502")


@pytest.mark.parametrize(("header", "seconds"), [
    ("5", 5.0), ("1.5", 1.5), (" 30 ", 30.0), ("-3", 0.0), ("", 1.0), (None, 1.0),
    ("soon", 1.0), ("inf", 1.0),
])
def test_retry_after_is_read_in_seconds(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_retry_after_may_be_an_http_date():
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert retry_after_seconds(header, now=now) == 42.0


def connector_error(status: int, retry_after: str | None = None) -> Exception:
    """What botframework's connector raises for an HTTP error answer."""
    response = requests.Response()
    response.status_code = status
    response._content = b'{"error": {"code": "Injected", "message": "injected"}}'
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    classes = {k: v for k, v in models.__dict__.items() if isinstance(v, type)}
    return models.ErrorResponseException(Deserializer(classes), response)


@pytest.mark.parametrize(("error", "kind", "wait"), [
    (connector_error(429, "7"), "rate_limited", 7.0),
    (connector_error(429), "rate_limited", 1.0),
    (connector_error(403), "permanent", None),
    (connector_error(404), "permanent", None),
    (connector_error(500), "transient", None),
    (connector_error(502), "transient", None),
    (ClientRequestError("Max retries exceeded"), "transient", None),
    (TimeoutError(), "transient", None),
    (ConnectionResetError(), "transient", None),
])
def test_teams_connector_errors_map_to_what_the_outbox_does(error, kind, wait):
    failure = teams_error(error)
    assert (failure.kind, failure.retry_after) == (kind, wait)


async def ends_the_turn_quietly(logic) -> None:
    """What CloudAdapter does with an on_turn_error handler: the caller never sees an error."""
    with contextlib.suppress(Exception):  # logged by the adapter, not raised
        await logic(object())


@pytest.mark.parametrize(("error", "kind"), [
    (connector_error(429, "3"), "rate_limited"), (connector_error(403), "permanent"),
    (ClientRequestError("gone"), "transient"),
])
async def test_a_teams_error_inside_a_proactive_turn_reaches_the_outbox(error, kind):
    async def write(turn) -> None:
        raise error

    with pytest.raises(SendError) as caught:
        await TeamsMessenger._turn(write, ends_the_turn_quietly)
    assert caught.value.kind == kind


async def test_teams_cannot_look_for_a_sent_message():
    messenger = TeamsMessenger(adapter=None, app_id=None)
    assert (messenger.rate_per_target, messenger.rate_per_workspace) == (0.5, 50.0)
    assert await messenger.find_sent(to("a:chat"), "delivery-1", SINCE) is None


async def test_a_sent_nudge_is_found_in_the_dm_by_its_key(mock):
    messenger = messenger_for(mock.base_url)
    messenger_after_restart = messenger_for(mock.base_url)
    sent = await messenger.send(to(ALICE), CARD, key="delivery-7")
    await messenger.send(to(ALICE), CARD, key="delivery-8")

    found = await messenger_after_restart.find_sent(to(ALICE), "delivery-7", SINCE)
    assert found == sent
    assert found is not None and found.conversation.conversation_id == mock.dm_channel(ALICE)
    assert await messenger_after_restart.find_sent(to(ALICE), "delivery-9", SINCE) is None
    [opened] = mock.calls_to("conversations.open")
    assert opened.params["users"] == ALICE
    history = mock.calls_to("conversations.history")[-1].params
    assert history["channel"] == mock.dm_channel(ALICE)
    assert float(history["oldest"]) == SINCE.timestamp()
    assert history["include_all_metadata"] in ("1", "true", "True", True)
    assert mock.problems() == []


async def test_a_channel_is_searched_directly_and_untagged_messages_do_not_count(mock):
    messenger = messenger_for(mock.base_url)
    await messenger.client.chat_postMessage(channel="C0SALES", text="delivery-3")
    await messenger.client.chat_postMessage(
        channel="C0SALES", text="other app",
        metadata={"event_type": "someone_else", "event_payload": {"key": "delivery-3"}})
    assert await messenger.find_sent(to("C0SALES"), "delivery-3", SINCE) is None
    await messenger.send(to("C0SALES"), CARD, key="delivery-3")
    assert await messenger.find_sent(to("C0SALES"), "delivery-3", SINCE) is not None
    assert mock.count("conversations.open") == 0


async def test_the_dm_learnt_from_a_send_saves_opening_it(mock):
    messenger = messenger_for(mock.base_url)
    await messenger.send(to(ALICE), CARD, key="delivery-1")
    assert await messenger.find_sent(to(ALICE), "delivery-1", SINCE) is not None
    assert mock.count("conversations.open") == 0


@pytest.mark.parametrize(("status", "error", "kind"), [
    (429, None, "rate_limited"), (500, None, "transient"), (200, "user_not_found", "permanent"),
])
async def test_a_refused_history_is_an_error_not_an_absence(mock, status, error, kind):
    mock.fail_next("conversations.history", status=status, error=error, retry_after=3)
    with pytest.raises(SendError) as caught:
        await messenger_for(mock.base_url).find_sent(to(ALICE), "delivery-1", SINCE)
    assert caught.value.kind == kind


async def test_without_the_scope_to_look_the_check_waits_rather_than_says_absent(mock, caplog):
    mock.fail_next("conversations.open", error="missing_scope")
    with pytest.raises(SendError) as refused:
        await messenger_for(mock.base_url).find_sent(to(ALICE), "delivery-1", SINCE)
    assert refused.value.kind == "transient"  # asked again later, never sent blindly
    assert any("im:history" in record.message for record in caplog.records)


class PagedHistory:
    """A client whose DM history comes in pages of unrelated messages, `key` on page `at`."""

    def __init__(self, key: str, at: int) -> None:
        self.key, self.at, self.pages = key, at, 0

    async def conversations_history(self, **params):
        self.pages += 1
        tagged = {"ts": "1.000200", "metadata": {"event_type": METADATA_EVENT,
                                                 "event_payload": {"key": self.key}}}
        messages = [{"ts": f"1.{self.pages:06d}", "text": "chatter"}]
        if self.pages == self.at:
            messages.append(tagged)
        assert params["cursor"] == (None if self.pages == 1 else f"page-{self.pages}")
        return {"ok": True, "messages": messages, "has_more": True,
                "response_metadata": {"next_cursor": f"page-{self.pages + 1}"}}


async def test_the_history_is_paged_but_only_so_far():
    deep = PagedHistory("delivery-5", at=2)
    found = await SlackMessenger(deep).find_sent(to("D0ALICE"), "delivery-5", SINCE)
    assert found is not None and (found.message_id, deep.pages) == ("1.000200", 2)

    too_deep = PagedHistory("delivery-5", at=HISTORY_PAGES + 1)
    assert await SlackMessenger(too_deep).find_sent(to("D0ALICE"), "delivery-5", SINCE) is None
    assert too_deep.pages == HISTORY_PAGES
