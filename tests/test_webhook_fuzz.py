"""No input makes either webhook answer 5xx or log a traceback, and the server lives on.

The app is built as `porte-voix serve` builds it (make_app, then every adapter's serve hook),
with Slack over HTTP against the mock Web API and Teams in local mode against the fake
connector, listening on a real port. Hypothesis posts from a thread, so that the event loop
keeps serving: random bytes, random JSON, real payloads with fields deleted or given values
of other types, deep nesting, oversized bodies, under random headers, Slack's signed or not.
Each answer must be a 2xx or a 4xx a platform understands, and an unsigned Slack body is a
401 whatever it holds. The examples are derived from a fixed seed: every run posts the same
ones (PORTEVOIX_FUZZ_EXAMPLES sets how many, for a longer hunt).
"""

from __future__ import annotations

import asyncio
import copy
import http.client
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.dispatch import Bot
from bot.plugins import serve_hooks
from bot.runtime import Runtime
from bot.web.listeners import make_app
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import ADMIN_ID, PEOPLE, SECRET, TOKEN
from tests.adapters.slack.mock_slack import MockSlack
from tests.adapters.teams import activities
from tests.adapters.teams.fake_connector import FakeConnector

SLACK, TEAMS = "/slack/events", "/api/messages"
MAX_BODY = 1024 * 1024
SIGNED_ANSWERS, UNSIGNED_ANSWERS = {200, 400, 413}, {401, 413}
TEAMS_ANSWERS = {200, 201, 400, 401, 413, 415}
EXAMPLES = int(os.environ.get("PORTEVOIX_FUZZ_EXAMPLES", "1200"))  # per webhook and database

settings.register_profile(
    "webhook-fuzz", derandomize=True, deadline=None, database=None, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example])
FUZZ = settings(settings.get_profile("webhook-fuzz"), max_examples=EXAMPLES)

# Hypothesis notes any change of the global random state while it draws an example, and
# the server (slack_sdk's retry jitter) draws from it meanwhile, in the other thread.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies")


@dataclass(frozen=True)
class Sent:
    body: bytes
    headers: dict[str, str]
    signed: bool = False


@dataclass
class Server:
    """The app on 127.0.0.1:`port`; its methods are synchronous, for Hypothesis' thread."""

    port: int
    connector_url: str
    response_url: str

    def request(self, method: str, path: str, sent: Sent) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {name: value.encode() for name, value in sent.headers.items()}  # UTF-8
        try:
            connection.request(method, path, body=sent.body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        except (BrokenPipeError, ConnectionResetError):
            # The server may close on a body it refused (413) before reading all of it.
            assert len(sent.body) > MAX_BODY, "the connection dropped on a small body"
            return 413
        finally:
            connection.close()


@pytest.fixture
async def server(rt: Runtime) -> AsyncIterator[Server]:
    async with MockSlack(token=TOKEN) as slack, FakeConnector() as connector:
        for user_id, (name, real_name, tz, locale) in PEOPLE.items():
            slack.add_user(user_id, name, real_name, tz=tz, locale=locale)
        rt.settings = rt.settings.model_copy(update={
            "slack_bot_token": SecretStr(TOKEN), "slack_signing_secret": SecretStr(SECRET),
            "slack_api_url": slack.base_url, "teams_local": True, "admins": [ADMIN_ID]})
        app = make_app(rt)
        bot = Bot(rt)
        cleanups = [cleanup for hook in serve_hooks() if (cleanup := await hook(rt, bot, app))]
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            yield Server(runner.addresses[0][1], connector.service_url, slack.response_url)
        finally:
            for cleanup in cleanups:
                await cleanup()
            await runner.cleanup()


# -- bodies --------------------------------------------------------------------------------


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    return st.sampled_from([s for weight, s in choices for _ in range(weight)]).flatmap(
        lambda strategy: strategy)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)
# What a field may wrongly hold: another type, or a string that is no usable id.
wrong_values = json_values | st.sampled_from(
    ["", "\x00", "\ud800", "(", "<at>", "D", "U0ALICE", "x" * 5000])


def _slots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a key or an index inside a JSON value."""
    found: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for key, child in items:
        found.append((*path, key))
        found += _slots(child, (*path, key))
    return found


@st.composite
def mutated(draw: st.DrawFn, payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` with one to three fields deleted or given wrong values."""
    payload = copy.deepcopy(payload)
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(payload)
        if not slots:
            break
        *parents, key = draw(st.sampled_from(slots))
        parent: Any = payload
        for step in parents:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = draw(wrong_values)
    return payload


def deep(depth: int, opener: str) -> str:
    return opener * depth + "1" + {"[": "]", '{"a":': "}"}[opener] * depth


def with_deep_field(payload: dict[str, Any], depth: int) -> str:
    """A real payload whose first field holds `depth` nested lists."""
    marked = {**payload, next(iter(payload)): "__DEEP__"}
    return json.dumps(marked).replace('"__DEEP__"', deep(depth, "["))


def dumped(value: Any) -> bytes:
    return json.dumps(value).encode()


def form(fields: dict[str, Any]) -> bytes:
    """A urlencoded form; a lone surrogate goes through as its (invalid) UTF-8 bytes."""
    return urlencode(fields, errors="surrogatepass").encode()


deep_json = st.builds(deep, st.sampled_from([65, 900, 5000, 100_000]),
                      st.sampled_from(["[", '{"a":']))
oversized = st.integers(MAX_BODY + 1, MAX_BODY + 64).map(lambda size: b"[" * size)
random_bytes = st.binary(max_size=400) | st.sampled_from([b"\x83", b"\xff\xfe{}", b""])
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF,
                                    blacklist_characters="\x7f"), max_size=30)


def noise(real: st.SearchStrategy[dict[str, Any]]) -> list[tuple[int, st.SearchStrategy[Any]]]:
    """What no platform sends, for either webhook; `real` ones underlie the deep fields."""
    return [
        (1, random_bytes), (1, json_values.map(dumped)), (1, deep_json.map(str.encode)),
        (1, st.builds(with_deep_field, real, st.sampled_from([70, 3000])).map(str.encode)),
        (1, oversized),
    ]


# -- Slack ---------------------------------------------------------------------------------

ALICE, BOB = "U0ALICE", "U0BOB"
SLACK_EVENTS: list[Callable[[], dict[str, Any]]] = [
    lambda: payloads.event_callback(payloads.message_im(ALICE, "join")),
    lambda: payloads.event_callback(payloads.message_im(BOB, "help")),
    lambda: payloads.event_callback({**payloads.message_im(ALICE, "hi"),
                                     "subtype": "message_changed"}),
    lambda: payloads.event_callback(payloads.app_home_opened(ALICE)),
    lambda: payloads.event_callback(payloads.member_joined_channel(BOB, "C0SALES")),
    lambda: payloads.event_callback(payloads.team_join(payloads.slack_user(BOB, "bob"))),
    lambda: payloads.url_verification("challenge"),
]
SLACK_INTERACTIONS: list[Callable[[], dict[str, Any]]] = [
    lambda: payloads.unpack(payloads.block_actions(ALICE, "charter.accept", "1")),
    lambda: payloads.unpack(payloads.block_actions(ALICE, "nudge.skip", "1", channel="C0X")),
    lambda: payloads.unpack(payloads.view_submission(
        ALICE, "prefs", payloads.text_value("weekly_cap", "3"))),
]
COMMAND_TEXTS = ["help", "list", "", "queue https://acme.example/x --title T"]


def slack_bodies(response_url: str) -> st.SearchStrategy[bytes]:
    events = st.sampled_from(SLACK_EVENTS).map(lambda build: build())
    interactions = st.sampled_from(SLACK_INTERACTIONS).map(lambda build: build())
    commands = st.sampled_from(COMMAND_TEXTS).map(lambda text: dict(parse_qsl(
        payloads.slash_command(ADMIN_ID, text, response_url=response_url))))
    return weighted(
        (1, events.map(dumped)), (1, interactions.map(payloads.interactivity_body)
                                  .map(str.encode)), (1, commands.map(form)),
        (4, events.flatmap(mutated).map(dumped)),
        (3, interactions.flatmap(mutated).map(payloads.interactivity_body).map(str.encode)),
        (2, commands.flatmap(mutated).map(form)),
        (1, deep_json.map(lambda text: form({"payload": text}))),
        (1, st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=4).map(form)),
        *noise(events))


@st.composite
def slack_requests(draw: st.DrawFn, response_url: str) -> Sent:
    body = draw(slack_bodies(response_url))
    kind = payloads.JSON if body.startswith(b"{") else payloads.FORM
    headers = {"Content-Type": draw(st.sampled_from([kind] * 4 + ["", "text/plain"])
                                    | header_text)}
    if draw(st.integers(0, 4)) == 0:
        headers["X-Slack-Retry-Num"] = draw(st.sampled_from(["1", "x"]))
    way = draw(st.sampled_from(["signed"] * 6 + ["none", "wrong", "stale", "junk"]))
    now = str(int(time.time()))
    if way == "signed":
        return Sent(body, {**headers, "X-Slack-Request-Timestamp": now,
                           "X-Slack-Signature": payloads.signature(body, SECRET, now)}, signed=True)
    if way == "wrong":
        headers |= {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": draw(
            st.sampled_from(["v0=00", "", "v0=é", payloads.signature(body + b" ", SECRET, now)])
            | header_text)}
    elif way == "stale":
        stale = str(int(time.time()) - 3600)
        headers |= {"X-Slack-Request-Timestamp": stale,
                    "X-Slack-Signature": payloads.signature(body, SECRET, stale)}
    elif way == "junk":  # correctly signed, over a timestamp that is no number
        stamp = draw(st.sampled_from(["abc", "", "1e9", " 1", "-1", "9" * 40, "²", "١٢٣"])
                     | header_text)
        headers |= {"X-Slack-Request-Timestamp": stamp,
                    "X-Slack-Signature": payloads.signature(body, SECRET, stamp)}
    return Sent(body, headers)


# -- Teams ---------------------------------------------------------------------------------


def teams_activities(url: str) -> st.SearchStrategy[dict[str, Any]]:
    personal = activities.personal_conversation_id("alice")
    return st.sampled_from([
        lambda: activities.personal_message("alice", "join", service_url=url),
        lambda: activities.personal_message("camille", "/voix help", service_url=url),
        lambda: activities.channel_mention("alice", "help", service_url=url),
        lambda: activities.submit_action("alice", {"action_id": "charter.accept", "value": "1"},
                                         reply_to_id="1", conversation_id=personal,
                                         service_url=url),
        lambda: activities.execute_invoke("alice", "nudge.skip", {"action_id": "nudge.skip"},
                                          reply_to_id="1", conversation_id=personal,
                                          service_url=url),
        lambda: activities.conversation_update_bot_added_personal("alice", service_url=url),
        lambda: activities.installation_update("alice", service_url=url),
        lambda: {**activities.personal_message("alice", "x", service_url=url),
                 "type": "messageUpdate"},
    ]).map(lambda build: build())


@st.composite
def teams_requests(draw: st.DrawFn, url: str) -> Sent:
    real = teams_activities(url)
    body = draw(weighted((1, real.map(dumped)), (4, real.flatmap(mutated).map(dumped)),
                         (2, real.flatmap(mutated).flatmap(mutated).map(dumped)),
                         *noise(real)))
    content_type = draw(st.sampled_from(
        ["application/json"] * 20 + ["application/json; charset=utf-8", "text/plain", "",
                                     "application/json; charset=latin-1",
                                     "application/json; charset=bogus", "random"]))
    headers = {"Content-Type": draw(header_text) if content_type == "random" else content_type}
    if draw(st.integers(0, 9)) == 0:  # local mode: any token at all is refused
        headers["Authorization"] = draw(st.sampled_from(["Bearer abc", "junk", "Bearer "]))
    return Sent(body, headers)



# -- the tests -----------------------------------------------------------------------------


async def still_serving(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    status = await asyncio.to_thread(server.request, "GET", "/healthz", Sent(b"", {}))
    assert status == 200
    tracebacks = [f"{r.name}: {r.getMessage()}\n{r.exc_text}" for r in caplog.records
                  if r.exc_info]
    assert tracebacks == []


async def test_no_body_on_the_slack_webhook_gets_a_5xx(server: Server,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)

    @FUZZ
    @given(slack_requests(server.response_url))
    def check(sent: Sent) -> None:
        status = server.request("POST", SLACK, sent)
        # Slack only sends UTF-8: other bytes cannot carry its signature (401 even signed).
        authentic = sent.signed and payloads.utf8(sent.body)
        assert status in (SIGNED_ANSWERS if authentic else UNSIGNED_ANSWERS), status

    await asyncio.to_thread(check)
    await still_serving(server, caplog)


async def test_a_view_without_its_type_is_refused_not_a_5xx(server: Server) -> None:
    """Found by the fuzzing above: Bolt reads view["type"] of every view_submission
    before any listener runs, so a view without one must be refused before Bolt sees it."""
    payload = payloads.unpack(payloads.view_submission(
        ALICE, "prefs", payloads.text_value("weekly_cap", "3")))
    del payload["view"]["type"]
    body = payloads.interactivity_body(payload).encode()
    now = str(int(time.time()))
    sent = Sent(body, {"Content-Type": payloads.FORM, "X-Slack-Request-Timestamp": now,
                       "X-Slack-Signature": payloads.signature(body, SECRET, now)}, signed=True)
    assert await asyncio.to_thread(server.request, "POST", SLACK, sent) == 400


async def test_no_body_on_the_teams_webhook_gets_a_5xx(server: Server,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)

    @FUZZ
    @given(teams_requests(server.connector_url))
    def check(sent: Sent) -> None:
        assert server.request("POST", TEAMS, sent) in TEAMS_ANSWERS

    await asyncio.to_thread(check)
    await still_serving(server, caplog)
