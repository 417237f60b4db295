"""What reaches /slack/events from anyone but Slack, or not as Slack means it, does nothing."""

from __future__ import annotations

import json
import logging
import time

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from storage.models import Member, Post
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import ADMIN_ID, SECRET
from tests.adapters.slack.test_slack_flows import ALICE, NEWS, join, member, texts_of
from tests.helpers import says

FIVE_MINUTES = 5 * 60
GENERAL = "C0GENERAL"


async def members(rt) -> int:
    async with rt.sessions() as session:
        return await session.scalar(select(func.count(Member.id))) or 0


def dm_join_body() -> str:
    return json.dumps(payloads.event_callback(payloads.message_im(ALICE, "join")))


def strings(value) -> list[str]:
    """Every string inside a JSON value (block texts, labels, values…)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


async def nothing_done(side, *, authorized: bool = False) -> None:
    """No Web API call (but Bolt's auth.test once the signature passed), no member row."""
    await side.quiet(0.1)
    allowed = {"auth.test"} if authorized else set()
    assert [call.method for call in side.mock.calls if call.method not in allowed] == []
    assert await members(side.rt) == 0


async def test_a_bad_signature_is_refused_and_does_nothing(side):
    response = await side.post(dm_join_body(), payloads.JSON, secret="not-the-signing-secret")
    assert response.status == 401
    await nothing_done(side)


async def test_a_request_signed_more_than_five_minutes_ago_is_refused(side):
    stale = int(time.time()) - FIVE_MINUTES - 60
    response = await side.post(dm_join_body(), payloads.JSON, timestamp=stale)
    assert response.status == 401
    await nothing_done(side)


@pytest.mark.parametrize(("body", "content_type"), [
    ("payload=not-json", payloads.FORM),
    ('{"type": ', payloads.JSON),
    ("payload=" + "%7B%22type%22%3A%20", payloads.FORM),
], ids=["form-payload-not-json", "json-truncated", "form-payload-truncated"])
async def test_a_malformed_signed_body_is_a_400_and_the_app_keeps_serving(side, body,
                                                                         content_type):
    response = await side.post(body, content_type)
    assert response.status == 400
    await nothing_done(side)

    await side.dm(ALICE, "join")
    await side.settle(lambda: side.mock.count("chat.postMessage") == 1)
    assert side.mock.calls_to("chat.postMessage")[0].valid


def inner_shape_wrong(kind: str) -> str:
    """A body of a known kind whose inside is not what that kind carries."""
    if kind == "event-not-an-object":
        return json.dumps({**payloads.event_callback(payloads.message_im(ALICE, "hi")),
                           "event": "hi"})
    if kind == "no-action-pressed":
        return payloads.interactivity_body(
            {**payloads.unpack(payloads.block_actions(ALICE, "help.me", "")), "actions": []})
    return payloads.interactivity_body(
        {**payloads.unpack(payloads.view_submission(ALICE, "prefs", {})), "view": "prefs"})


@pytest.mark.parametrize("kind", ["event-not-an-object", "no-action-pressed",
                                  "view-not-an-object"])
async def test_a_known_kind_with_a_malformed_inside_is_a_4xx(side, kind):
    body = inner_shape_wrong(kind)
    content_type = payloads.JSON if body.startswith("{") else payloads.FORM
    response = await side.post(body, content_type)
    assert 400 <= response.status < 500
    await side.quiet(0.1)
    assert [c.method for c in side.mock.calls if c.method.startswith(("chat.", "views."))] == []


@pytest.mark.parametrize("body", [
    {"type": "nonsense"},
    {"type": "nonsense", "team_id": payloads.TEAM_ID, "user": {"id": ALICE}},
    [1, 2, 3],
], ids=["bare", "with-team-and-user", "json-list"])
async def test_a_signed_request_of_no_known_kind_is_a_4xx(side, body):
    response = await side.post(json.dumps(body), payloads.JSON)
    assert 400 <= response.status < 500
    await nothing_done(side, authorized=True)


async def test_the_url_verification_challenge_is_echoed(side):
    response = await side.post(json.dumps(payloads.url_verification("3eZbrw1aBm2rZgRNFdxV")),
                               payloads.JSON)
    assert response.status == 200
    answer = await response.text()
    assert "3eZbrw1aBm2rZgRNFdxV" in answer
    await nothing_done(side, authorized=True)


async def test_a_retried_event_is_handled_once(side):
    body = json.dumps(payloads.event_callback(payloads.message_im(ALICE, "join"),
                                              event_id="Ev0RETRY0001"))
    first = await side.post(body, payloads.JSON)
    assert first.status == 200
    await side.settle(lambda: side.mock.count("chat.postMessage") == 1)

    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    again = await side.post(body, payloads.JSON, extra=retry)
    assert again.status == 200  # else Slack retries again, then disables the subscription
    await side.dm(ALICE, "help")  # a new event after the retry: once it is answered, so was all
    await side.settle(lambda: side.mock.count("chat.postMessage") >= 2)
    await side.quiet(0.1)
    assert side.mock.count("chat.postMessage") == 2
    assert await members(side.rt) == 1


async def test_another_event_with_its_own_id_is_not_taken_for_a_retry(side):
    await side.dm(ALICE, "help")
    await side.settle(lambda: side.mock.count("chat.postMessage") == 1)
    await side.dm(ALICE, "help")
    await side.settle(lambda: side.mock.count("chat.postMessage") == 2)


async def test_an_unknown_button_in_a_channel_gets_a_polite_ephemeral_answer(side, rt):
    response = await side.press(ALICE, "nope.nothing", "42", channel=GENERAL)
    assert response.status == 200
    await side.settle(lambda: side.mock.count("chat.postEphemeral") == 1)
    [answer] = side.mock.calls_to("chat.postEphemeral")
    assert answer.valid, answer.problems
    assert (answer.params["channel"], answer.params["user"]) == (GENERAL, ALICE)
    assert answer.params["text"] == says(rt, "errors.unknown_action", "en")
    assert "Traceback" not in texts_of(answer) and "Error" not in texts_of(answer)
    await side.quiet(0.1)
    assert side.mock.count("chat.postMessage") == 0


async def test_an_unknown_button_in_a_dm_gets_a_polite_answer_that_stays(side, rt):
    response = await side.press(ALICE, "nope.nothing", "42", channel=side.mock.dm_channel(ALICE))
    assert response.status == 200
    await side.settle(lambda: len(side.answers(ALICE)) == 1)
    [answer] = side.answers(ALICE)
    assert answer.valid, answer.problems
    assert answer.params["text"] == says(rt, "errors.unknown_action", "en")
    assert side.mock.messages(ALICE)[-1]["text"] == answer.params["text"]
    await side.quiet(0.1)
    assert side.mock.count("chat.postEphemeral") == 0


async def test_a_suggestion_of_a_withdrawn_post_is_answered_not_opened(side, rt, jobs):
    await join(side)
    await side.ask(ADMIN_ID, f'queue {NEWS} --title "Our Lyon office"')
    await jobs.tick()
    nudge = side.mock.calls_to("chat.postMessage")[-1]
    assert nudge.params["metadata"]["event_payload"]["key"].startswith("delivery-")
    delivery_id = nudge.params["metadata"]["event_payload"]["key"].removeprefix("delivery-")
    posted = side.mock.messages(ALICE)[-1]

    async with rt.sessions() as session:
        post_id = (await session.scalars(select(Post.id))).one()
    await side.ask(ADMIN_ID, f"cancel {post_id}")

    answered = len(side.answers(ALICE))
    await side.press(ALICE, "nudge.pick", f"{delivery_id}:1",
                     channel=side.mock.dm_channel(ALICE), message_ts=posted["ts"])
    await side.settle(lambda: len(side.answers(ALICE)) == answered + 1)
    assert side.answers(ALICE)[-1].params["text"] == says(rt, "nudge.stale", "en")
    await side.quiet(0.1)
    assert side.mock.count("views.open") == 0
    assert (await member(rt, ALICE)).status == "active"


async def test_user_text_in_a_nudge_cannot_ping_or_inject_markup(side, jobs):
    await join(side)
    answer = await side.ask(ADMIN_ID, f'queue {NEWS} --title "<!channel> party & <@U0BOB> @here"')
    confirmation = "\n".join(strings(answer.params))
    assert "<!channel>" not in confirmation and "@here" not in confirmation
    await jobs.tick()

    nudge = side.mock.calls_to("chat.postMessage")[-1]
    assert nudge.params["channel"] == ALICE and nudge.valid, nudge.problems
    shown = "\n".join(strings(nudge.params["blocks"]) + [nudge.params["text"]])
    assert "party" in shown
    assert "<!channel>" not in shown and "<@U0BOB>" not in shown
    assert "@here" not in shown and "@\u2060here" in shown
    assert "&amp;" in shown and "& " not in shown


# -- bodies no one but an attacker sends: never a 500, never a traceback -------------------

DEEP = 100_000


def deep_body(kind: str) -> tuple[bytes, str]:
    if kind == "json":
        return ("[" * DEEP + "]" * DEEP).encode(), payloads.JSON
    if kind == "form-payload":
        return ("payload=" + "%5B" * DEEP + "%5D" * DEEP).encode(), payloads.FORM
    if kind == "just-past-the-limit":  # within what Python parses, past what we read
        return ('{"a":' * 70 + "1" + "}" * 70).encode(), payloads.JSON
    return json.dumps(payloads.event_callback(payloads.message_im(
        ALICE, "\ud800 join"))).encode(), payloads.JSON  # a lone surrogate, JSON-escaped


UNREADABLE = {
    "one-byte-not-utf8": (b"\x83", payloads.FORM),
    "json-not-utf8": (b'{"type": "event_callback", "x": "\xff"}', payloads.JSON),
    **{f"deep-{kind}": deep_body(kind)
       for kind in ("json", "form-payload", "just-past-the-limit")},
    "lone-surrogate": deep_body("surrogate"),
}


def tracebacks(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.exc_info]


@pytest.mark.parametrize("kind", UNREADABLE)
async def test_an_unreadable_body_is_a_401_unsigned_and_a_400_signed(side, caplog, kind):
    body, content_type = UNREADABLE[kind]
    # Slack only sends UTF-8: bytes that are not cannot carry its signature at all.
    when_signed = 401 if isinstance(body, bytes) and not payloads.utf8(body) else 400
    assert (await side.post_unsigned(body, content_type)).status == 401
    assert (await side.post(body, content_type)).status == when_signed
    await nothing_done(side)
    assert tracebacks(caplog) == []
    refusals = [r.getMessage() for r in caplog.records if r.name == "adapters.slack.app"]
    assert [line.split(":")[0] for line in refusals] == [  # one line each
        "Slack request refused (401)", f"Slack request refused ({when_signed})"]



async def test_a_body_over_a_megabyte_is_a_413(side, caplog):
    body = json.dumps({**payloads.event_callback(payloads.message_im(ALICE, "join")),
                       "padding": "x" * (1024 * 1024)})
    assert (await side.post(body, payloads.JSON)).status == 413
    assert (await side.post_unsigned(body, payloads.JSON)).status == 413
    await nothing_done(side)
    assert tracebacks(caplog) == []


@pytest.mark.parametrize("stamp", ["abc", "", " 1700000000", "1e9", "-1", "١٢٣", "9" * 5000])
async def test_a_timestamp_that_is_no_number_is_a_401(side, caplog, stamp):
    """Signed correctly, but over a timestamp slack_sdk's verifier would crash on."""
    response = await side.post(dm_join_body(), payloads.JSON, timestamp=stamp)
    assert response.status == 401
    await nothing_done(side)
    assert tracebacks(caplog) == []


async def test_a_request_without_timestamp_or_signature_is_a_401(side, caplog):
    signed = payloads.signed_headers(dm_join_body(), SECRET, content_type=payloads.JSON)
    for missing in ("X-Slack-Request-Timestamp", "X-Slack-Signature"):
        kept = {k: v for k, v in signed.items() if k not in (missing, "Content-Type")}
        assert (await side.post_unsigned(dm_join_body(), payloads.JSON, **kept)).status == 401
    response = await side.post_unsigned(dm_join_body(), payloads.JSON, **{
        "X-Slack-Request-Timestamp": signed["X-Slack-Request-Timestamp"],
        "X-Slack-Signature": "v0=é" + signed["X-Slack-Signature"][4:]})
    assert response.status == 401
    await nothing_done(side)
    assert tracebacks(caplog) == []


def test_slack_sdk_s_verifier_still_crashes_on_such_timestamps():
    """Why adapters/slack/app.py checks signatures itself; drop that when this fails."""
    with pytest.raises(ValueError):
        SignatureVerifier(SECRET).is_valid(dm_join_body(), "abc", "v0=00")


def _event(**fields) -> str:
    return json.dumps({**payloads.event_callback(payloads.message_im(ALICE, "join")), **fields})


def _press(**fields) -> str:
    return payloads.interactivity_body(
        {**payloads.unpack(payloads.block_actions(ALICE, "help.me", "")), **fields})


WRONG_TYPES = {
    "team-id-a-number": _event(team_id=5),
    "event-type-a-list": _event(event={**payloads.message_im(ALICE, "join"),
                                       "type": ["message"]}),
    "event-user-an-object-of-numbers": _event(event={**payloads.message_im(ALICE, "join"),
                                                     "user": {"id": 5}}),
    "authorizations-a-string": _event(authorizations="x"),
    "enterprise-a-number": _event(enterprise=7),
    "channel-id-too-long": _event(event={**payloads.message_im(ALICE, "join"),
                                         "channel": "D" * 300}),
    "action-id-a-number": _press(actions=[{"action_id": 7, "value": "x"}]),
    "team-a-number": _press(team=5),
    "response-urls-a-dict": _press(response_urls={"response_url": "x"}),
    "view-callback-null": payloads.interactivity_body({**payloads.unpack(
        payloads.view_submission(ALICE, "prefs", {})), "view": {"callback_id": None}}),
    "command-without-channel": payloads.slash_command(ALICE, "help").replace(
        "channel_id=", "channel="),
    "another-command": payloads.slash_command(ALICE, "help", command="/other"),
}


@pytest.mark.parametrize("kind", WRONG_TYPES)
async def test_a_signed_payload_with_fields_of_the_wrong_type_is_a_400(side, caplog, kind):
    body = WRONG_TYPES[kind]
    response = await side.post(body, payloads.JSON if body.startswith("{") else payloads.FORM)
    assert response.status == 400
    await nothing_done(side, authorized=True)
    assert tracebacks(caplog) == []
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING
                and r.name.startswith(("adapters", "slack_bolt"))]) == 1  # one line
