"""The AI model client and its writer against a fake OpenAI-compatible server: what is sent,
how any answer is read, what each failure is called, and how long the writer then waits."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from bench.fake_model import FakeModel, Reply, drafts, error
from bot.config import Settings
from bot.metrics import REGISTRY
from bot.texts import Texts, make_environment
from bot.voice.ai.client import MAX_TOKENS, Model, Unavailable, read_drafts
from bot.voice.ai.prompt import Brief, messages
from bot.voice.ai.writer import BACKOFF, MAX_BACKOFF, Writer

IDEAS = ["Lyon is getting an office of ours.", "Proud of this one.", "Come and join us."]
BRIEF = Brief(language="en", kind="news", title="New office in Lyon", summary="",
              key_points=("200 jobs",), hashtags=(), role="", team="", about="",
              angles=("What it changes", "Why I care", "Proud of this"), examples=(),
              blocked=(), limit=600)
TEXTS = Texts(make_environment())
ASKED = messages(TEXTS, BRIEF)


LISTED = "1. Lyon is getting an office of ours.\n2. Proud of this one.\n3. Come and join us."
PARAGRAPHS = "Lyon is getting an office of ours.\n\nProud of this one.\n\nCome and join us."


@pytest.mark.parametrize(("content", "expected"), [
    pytest.param(json.dumps({"drafts": IDEAS}), IDEAS, id="json"),
    pytest.param(json.dumps(IDEAS), IDEAS, id="json-list"),
    pytest.param(f"```json\n{json.dumps({'drafts': IDEAS}, indent=2)}\n```", IDEAS,
                 id="fenced-json"),
    pytest.param(json.dumps({"drafts": [*IDEAS, "A fourth one."]}), IDEAS, id="four"),
    pytest.param(json.dumps({"drafts": ["  Only one.  ", ""]}), ["Only one."], id="one"),
    pytest.param(LISTED, IDEAS, id="numbered"),
    pytest.param("Here are three drafts:\n\n1) Lyon is getting an office of ours.\n2) Proud "
                 "of this one.\n3) Come and join us.", IDEAS, id="numbered-after-an-introduction"),
    pytest.param("- Lyon is getting an office of ours.\n- Proud of this one.\n- Come and join "
                 "us.", IDEAS, id="bullets"),
    pytest.param(PARAGRAPHS, IDEAS, id="paragraphs"),
    # What chatty models say around the drafts is no draft, nor part of one.
    pytest.param(f"{LISTED}\n\nLet me know if you would like other versions!", IDEAS,
                 id="numbered-then-an-offer"),
    pytest.param(f"Sure! Here are three drafts:\n\n{PARAGRAPHS}", IDEAS,
                 id="paragraphs-after-an-introduction"),
    pytest.param('{"drafts": ["a",', None, id="broken-json"),
    pytest.param(json.dumps({"ideas": IDEAS}), None, id="json-without-drafts"),
    pytest.param(json.dumps({"drafts": [{"text": "a"}]}), None, id="json-not-strings"),
    pytest.param("", None, id="empty"),
    pytest.param(None, None, id="no-content"),
])
def test_drafts_are_read_from_whatever_shape_the_answer_takes(content, expected):
    assert read_drafts(content) == expected


@pytest.fixture
async def server() -> AsyncIterator[FakeModel]:
    fake = FakeModel(lambda body: drafts(*IDEAS))
    await fake.start()
    yield fake
    await fake.stop()


def settings_for(url: str, **values) -> Settings:
    return Settings(llm_url=url, llm_model="tiny", llm_api_key=SecretStr("sk-secret-123"),
                    **values)


@pytest.fixture
async def model(server) -> AsyncIterator[Model]:
    client = Model(settings_for(server.url))
    yield client
    await client.close()


async def test_the_model_is_asked_for_three_drafts_as_json(server, model):
    answer = await model.ask(ASKED)
    assert (answer.drafts, answer.prompt_tokens) == (IDEAS, 420)
    [asked] = server.received
    assert asked.headers["Authorization"] == "Bearer sk-secret-123"
    assert asked.body["messages"] == ASKED
    assert (asked.body["model"], asked.body["max_tokens"]) == ("tiny", MAX_TOKENS)
    schema = asked.body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["drafts"]["minItems"] == 3


async def test_an_unreadable_answer_is_no_drafts_not_a_failure(server, model):
    server.reply = lambda body: Reply('{"drafts": ["a",')
    assert (await model.ask(ASKED)).drafts is None


@pytest.mark.parametrize(("answer", "reason", "retry_after"), [
    (error(429, "Rate limit reached", retry_after=7), "rate_limited", 7.0),
    (error(429, "Rate limit reached"), "rate_limited", None),
    (error(500, "The server had an error"), "server_error", None),
    (error(503, "Overloaded", retry_after=30), "server_error", 30.0),
    (error(401, "Incorrect API key provided"), "refused", None),
    (Reply(raw="<html>Bad gateway</html>"), "garbage", None),
    (Reply(json.dumps({"drafts": IDEAS}), delay=3.0), "timeout", None),
])
async def test_each_failure_is_told_by_its_reason(server, answer, reason, retry_after):
    server.reply = lambda body: answer
    model = Model(settings_for(server.url, llm_timeout=0.5))
    with pytest.raises(Unavailable) as failed:
        await model.ask(ASKED)
    await model.close()
    assert (failed.value.reason, failed.value.retry_after) == (reason, retry_after)
    assert len(server.received) == 1  # the SDK retries nothing: the writer backs off


async def test_a_server_nobody_listens_on_is_unreachable():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    model = Model(settings_for(f"http://127.0.0.1:{port}/v1"))
    with pytest.raises(Unavailable) as failed:
        await model.ask(ASKED)
    await model.close()
    assert failed.value.reason == "unreachable"


async def test_a_server_without_json_schemas_is_asked_in_plain_text_from_then_on(server, model):
    server.json_schema = False
    server.reply = lambda body: Reply("\n".join(f"{n}. {idea}" for n, idea in enumerate(IDEAS, 1)))
    assert (await model.ask(ASKED)).drafts == IDEAS
    assert (await model.ask(ASKED)).drafts == IDEAS
    assert ["response_format" in asked.body for asked in server.received] == [True, False, False]


# -- the writer's backing off ---------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def requests(result: str) -> float:
    return REGISTRY.get_sample_value("portevoix_ai_requests_total", {"result": result}) or 0.0


@pytest.fixture
async def writer(server) -> AsyncIterator[tuple[Writer, Clock]]:
    clock = Clock()
    made = Writer(settings_for(server.url), TEXTS, lambda: 0.0, clock=clock)
    yield made, clock
    await made.close()


async def test_a_failing_model_is_asked_again_after_a_pause_that_doubles(server, writer):
    writer, clock = writer
    server.reply = lambda body: error(500, "The server had an error")
    pauses = []
    for _ in range(10):
        assert await writer.ask(BRIEF) is None
        pauses.append(writer.pause_left())
        assert await writer.ask(BRIEF) is None  # paused: nothing is sent
        clock.now += writer.pause_left()
    assert pauses == [min(MAX_BACKOFF, BACKOFF * 2 ** n) for n in range(10)]
    assert len(server.received) == 10

    server.reply = lambda body: drafts(*IDEAS)
    assert await writer.ask(BRIEF) == IDEAS
    assert writer.pause_left() == 0.0
    server.reply = lambda body: error(500, "The server had an error")
    await writer.ask(BRIEF)
    assert writer.pause_left() == BACKOFF  # a success starts the doubling again


@pytest.mark.parametrize("status", [429, 503])
async def test_a_model_that_says_when_to_come_back_is_left_alone_until_then(server, writer,
                                                                           status):
    writer, clock = writer
    server.reply = lambda body: error(status, "Busy", retry_after=30)
    assert await writer.ask(BRIEF) is None
    assert writer.pause_left() == 30.0
    clock.now += 29.0
    assert await writer.ask(BRIEF) is None
    assert len(server.received) == 1
    clock.now += 1.0
    server.reply = lambda body: drafts(*IDEAS)
    assert await writer.ask(BRIEF) == IDEAS


async def test_an_unreadable_answer_gives_no_drafts_and_a_pause(server, writer):
    writer, _ = writer
    before = requests("garbage")
    server.reply = lambda body: Reply('{"drafts": ["a",')
    assert await writer.ask(BRIEF) == []
    assert (requests("garbage") - before, writer.pause_left()) == (1.0, BACKOFF)
