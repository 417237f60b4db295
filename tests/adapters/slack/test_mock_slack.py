"""Proves the Slack test doubles against slack_sdk's real client and signature verifier."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.adapters.slack import payloads as p
from tests.adapters.slack.mock_slack import MockSlack

TOKEN = "xoxb-test"
SECRET = "s3cr3t-signing"
SECTION = {"type": "section", "block_id": "intro", "text": {"type": "mrkdwn", "text": "*Hi*"}}
BUTTONS = {"type": "actions", "block_id": "card", "elements": [
    {"type": "button", "action_id": "share", "value": "d-42",
     "text": {"type": "plain_text", "text": "Share"}}]}
METADATA = {"event_type": "porte_voix_delivery", "event_payload": {"delivery_id": "d-42"}}
MODAL = {"type": "modal", "callback_id": "edit", "title": {"type": "plain_text", "text": "Edit"},
         "submit": {"type": "plain_text", "text": "Save"}, "private_metadata": "d-42",
         "blocks": [{"type": "input", "block_id": "final", "label":
                     {"type": "plain_text", "text": "Your words"}, "element":
                     {"type": "plain_text_input", "action_id": "final", "multiline": True}}]}


@pytest.fixture
async def slack() -> AsyncIterator[MockSlack]:
    async with MockSlack(token=TOKEN) as server:
        yield server


@pytest.fixture
def client(slack: MockSlack) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=slack.base_url, retry_handlers=[])


async def slack_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


# -- auth --------------------------------------------------------------------------------------


async def test_auth_test(slack: MockSlack, client: AsyncWebClient) -> None:
    answer = await client.auth_test()
    assert answer["user_id"] == "UBOT" and answer["bot_id"] == "B0001"
    assert answer["team_id"] == "T0001" and answer["team"] == "Acme"
    assert slack.count("auth.test") == 1 and slack.calls[0].auth_ok


@pytest.mark.parametrize("token", ["xoxb-wrong", None])
async def test_wrong_or_missing_token(slack: MockSlack, token: str | None) -> None:
    bad = AsyncWebClient(token=token, base_url=slack.base_url, retry_handlers=[])
    error = await slack_error(bad.chat_postMessage(channel="C1", text="hi"))
    assert error.response.status_code == 200 and error.response["error"] == "invalid_auth"
    assert [c.auth_ok for c in slack.calls_to("chat.postMessage")] == [False]
    assert slack.messages("C1") == []


# -- chat --------------------------------------------------------------------------------------


async def test_post_message_records_parsed_blocks(slack: MockSlack, client: AsyncWebClient
                                                  ) -> None:
    answer = await client.chat_postMessage(channel="C0GEN", text="Hi", blocks=[SECTION, BUTTONS],
                                           metadata=METADATA)
    assert answer["channel"] == "C0GEN" and answer["message"]["blocks"] == [SECTION, BUTTONS]
    call = slack.calls_to("chat.postMessage")[0]
    assert call.params["blocks"] == [SECTION, BUTTONS] and call.params["metadata"] == METADATA
    assert call.content_type == "application/json" and call.valid
    assert slack.messages("C0GEN")[0]["ts"] == answer["ts"]
    assert slack.problems() == []


async def test_post_to_user_lands_in_stable_dm(slack: MockSlack, client: AsyncWebClient) -> None:
    first = await client.chat_postMessage(channel="U0ALICE", text="one")
    second = await client.chat_postMessage(channel="U0ALICE", text="two")
    opened = await client.conversations_open(users="U0ALICE")
    assert first["channel"] == second["channel"] == opened["channel"]["id"] == "D0ALICE"
    assert float(first["ts"]) < float(second["ts"]) and first["ts"] == "1700000000.000100"
    assert [m["text"] for m in slack.messages("U0ALICE")] == ["one", "two"]
    assert slack.messages("D0ALICE") == slack.messages("U0ALICE")


async def test_form_encoded_json_fields_are_parsed(slack: MockSlack, client: AsyncWebClient
                                                   ) -> None:
    await client.api_call("chat.postMessage", data={"channel": "C1", "text": "Hi",
                                                    "blocks": json.dumps([SECTION])})
    call = slack.calls_to("chat.postMessage")[0]
    assert call.content_type == "application/x-www-form-urlencoded"
    assert call.params["blocks"] == [SECTION] and slack.problems() == []


@pytest.mark.parametrize(("blocks", "expected"), [
    ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "3000"),
    ([{"type": "marquee", "text": "?"}], "unknown block type"),
    ([{"type": "section"}], "text or fields"),
    ([SECTION] * 2, "duplicate block_id"),
    ([{"type": "divider"}] * 51, "at most 50"),
])
async def test_invalid_blocks_are_refused(slack: MockSlack, client: AsyncWebClient,
                                          blocks: list[dict[str, Any]], expected: str) -> None:
    error = await slack_error(client.chat_postMessage(channel="C1", text="Hi", blocks=blocks))
    assert error.response["error"] == "invalid_blocks"
    assert any(expected in m for m in error.response["response_metadata"]["messages"])
    call = slack.calls_to("chat.postMessage")[0]
    assert not call.valid and any(expected in problem for problem in call.problems)
    assert slack.problems() and slack.messages("C1") == []


async def test_blocks_without_text_fallback_are_refused(slack: MockSlack, client: AsyncWebClient
                                                        ) -> None:
    with pytest.warns(UserWarning, match="top-level `text`"):  # slack_sdk warns client-side
        error = await slack_error(client.chat_postMessage(channel="C1", blocks=[SECTION]))
    assert error.response["error"] == "invalid_blocks"
    assert slack.problems() == ["chat.postMessage: a top-level text fallback is required"]


async def test_update_in_place_and_unknown_ts(slack: MockSlack, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="U0BOB", text="card", blocks=[SECTION])
    updated = await client.chat_update(channel=posted["channel"], ts=posted["ts"], text="done",
                                       blocks=[BUTTONS])
    assert updated["ts"] == posted["ts"] and updated["text"] == "done"
    assert slack.messages("U0BOB")[0]["blocks"] == [BUTTONS]
    missing = await slack_error(client.chat_update(channel="D0BOB", ts="1.000001", text="x"))
    assert missing.response["error"] == "message_not_found"
    by_user = await slack_error(client.chat_update(channel="U0BOB", ts=posted["ts"], text="x"))
    assert by_user.response["error"] == "channel_not_found"


async def test_post_ephemeral(client: AsyncWebClient) -> None:
    answer = await client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert answer["message_ts"]


async def test_history_newest_first_with_metadata(slack: MockSlack, client: AsyncWebClient
                                                  ) -> None:
    await client.chat_postMessage(channel="D0ANN", text="old", metadata=METADATA)
    await client.chat_postMessage(channel="D0ANN", text="new", blocks=[SECTION])
    full = await client.conversations_history(channel="D0ANN", include_all_metadata=True)
    assert [m["text"] for m in full["messages"]] == ["new", "old"]
    assert full["messages"][1]["metadata"] == METADATA
    assert full["messages"][0]["blocks"] == [SECTION]
    plain = await client.conversations_history(channel="D0ANN", limit=1)
    assert plain["has_more"] and "metadata" not in plain["messages"][0]
    assert slack.calls_to("conversations.history")[0].http_method == "GET"


# -- users, team, views ------------------------------------------------------------------------


async def test_users_info_shape(slack: MockSlack, client: AsyncWebClient) -> None:
    slack.add_user("U0ALICE", "alice", "Alice Martin", tz="America/New_York", locale="en-US")
    user = (await client.users_info(user="U0ALICE", include_locale=True))["user"]
    assert user["locale"] == "en-US" and user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-18000, -14400) and user["team_id"] == "T0001"
    assert user["profile"] == {"real_name": "Alice Martin", "display_name": "alice",
                               "title": "", "email": "alice@acme.example"}
    assert user["deleted"] is False and user["is_bot"] is False
    assert "locale" not in (await client.users_info(user="U0ALICE"))["user"]
    unknown = await slack_error(client.users_info(user="U0NOBODY"))
    assert unknown.response["error"] == "user_not_found"


async def test_team_info(client: AsyncWebClient) -> None:
    assert (await client.team_info())["team"]["id"] == "T0001"


async def test_views_open_update_publish(slack: MockSlack, client: AsyncWebClient) -> None:
    opened = await client.views_open(trigger_id="1.2.abc", view=MODAL)
    view_id = opened["view"]["id"]
    assert view_id.startswith("V") and opened["view"]["callback_id"] == "edit"
    updated = await client.views_update(view_id=view_id, view=MODAL)
    assert updated["view"]["id"] == view_id
    home = {"type": "home", "blocks": [SECTION]}
    assert (await client.views_publish(user_id="U1", view=home))["view"]["type"] == "home"
    missing = await slack_error(client.views_update(view_id="V404", view=MODAL))
    assert missing.response["error"] == "not_found"
    assert slack.problems() == []


@pytest.mark.parametrize(("change", "expected"), [
    ({"title": {"type": "plain_text", "text": "A title far too long for Slack"}}, "at most 24"),
    ({"private_metadata": "x" * 3001}, "3000"),
    ({"submit": None}, "submit"),
])
async def test_invalid_views_are_refused(slack: MockSlack, client: AsyncWebClient,
                                         change: dict[str, Any], expected: str) -> None:
    view = {k: v for k, v in {**MODAL, **change}.items() if v is not None}
    error = await slack_error(client.views_open(trigger_id="1.2.abc", view=view))
    assert error.response["error"] == "invalid_blocks"
    assert any(expected in problem for problem in slack.problems())


# -- faults ------------------------------------------------------------------------------------


async def test_rate_limit_with_retry_after(slack: MockSlack, client: AsyncWebClient) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    error = await slack_error(client.chat_postMessage(channel="C1", text="hi"))
    assert error.response.status_code == 429 and error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    assert (await client.chat_postMessage(channel="C1", text="hi"))["ok"]
    assert [c.injected for c in slack.calls_to("chat.postMessage")] == [True, False]


async def test_default_client_does_not_retry_429(slack: MockSlack) -> None:
    default = AsyncWebClient(token=TOKEN, base_url=slack.base_url)
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    await slack_error(default.chat_postMessage(channel="C1", text="hi"))
    assert slack.count("chat.postMessage") == 1


async def test_rate_limit_handler_retries(slack: MockSlack) -> None:
    patient = AsyncWebClient(token=TOKEN, base_url=slack.base_url,
                             retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    assert (await patient.chat_postMessage(channel="C1", text="hi"))["ok"]
    assert slack.count("chat.postMessage") == 2


async def test_server_error_and_slack_errors(slack: MockSlack, client: AsyncWebClient) -> None:
    slack.fail_next("chat.postMessage", status=500)
    error = await slack_error(client.chat_postMessage(channel="C1", text="hi"))
    assert error.response.status_code == 500
    # a text/plain body stays a str: response["error"] would raise AttributeError here
    assert error.response.data == "Internal Server Error"
    slack.fail_next("users.info", error="user_not_found", times=2)
    slack.add_user("U1", "u1")
    for _ in range(2):
        assert (await slack_error(client.users_info(user="U1"))).response["error"] == \
            "user_not_found"
    assert (await client.users_info(user="U1"))["user"]["id"] == "U1"
    slack.fail_next("chat.postMessage", error="account_inactive")
    inactive = await slack_error(client.chat_postMessage(channel="U1", text="hi"))
    assert inactive.response["error"] == "account_inactive"
    assert slack.messages("U1") == []


async def test_delay_makes_client_time_out(slack: MockSlack) -> None:
    impatient = AsyncWebClient(token=TOKEN, base_url=slack.base_url, timeout=1,
                               retry_handlers=[])
    slack.delay("chat.postMessage", 30)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await impatient.chat_postMessage(channel="C1", text="slow")
    assert time.monotonic() - started < 5 and slack.count("chat.postMessage") == 1


async def test_unknown_method_is_a_problem(slack: MockSlack, client: AsyncWebClient) -> None:
    error = await slack_error(client.api_call("reactions.add"))
    assert error.response["error"] == "unknown_method"
    assert slack.problems() == ["reactions.add: method not implemented by MockSlack"]


# -- signing and payloads ----------------------------------------------------------------------


@pytest.mark.parametrize("body", ['{"type":"url_verification"}', b"payload=%7B%7D"])
def test_signed_headers_verify(body: str | bytes) -> None:
    verifier = SignatureVerifier(SECRET)
    headers = p.signed_headers(body, SECRET, content_type=p.JSON)
    assert headers["Content-Type"] == p.JSON and verifier.is_valid_request(body, headers)
    stale = p.signed_headers(body, SECRET, timestamp=int(time.time()) - 360, content_type=p.JSON)
    assert not verifier.is_valid_request(body, stale)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    tampered = (body.decode() if isinstance(body, bytes) else body) + " "
    assert not verifier.is_valid_request(tampered, headers)


def test_event_payloads_parse_back() -> None:
    assert json.loads(json.dumps(p.url_verification("chal")))["challenge"] == "chal"
    message = p.message_im("U0ALICE", "Bonjour")
    envelope = json.loads(json.dumps(p.event_callback(message)))
    assert {"token", "team_id", "api_app_id", "event", "type", "event_id", "event_time",
            "authorizations", "is_ext_shared_channel", "event_context"} <= envelope.keys()
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert envelope["event_id"] != p.event_callback(message)["event_id"]
    event = envelope["event"]
    assert (event["type"], event["channel_type"], event["channel"]) == ("message", "im", "D0ALICE")
    assert event["ts"] == event["event_ts"] and event["blocks"][0]["type"] == "rich_text"
    assert "blocks" not in p.message_im("U1", "x", with_blocks=False)
    home = p.app_home_opened("U1")
    assert (home["tab"], home["channel"]) == ("home", "D1") and home["event_ts"]
    joined = p.member_joined_channel("U1", "C0TEAM", inviter="U2")
    assert (joined["channel_type"], joined["team"], joined["inviter"]) == ("C", "T0001", "U2")
    user = p.slack_user("U3", "chloe", tz="Europe/Paris")
    assert p.team_join(user)["user"]["tz"] == "Europe/Paris"


def test_slash_command_parses_back() -> None:
    body = parse_qs(p.slash_command("U0ALICE", "post https://acme.example/news"))
    fields = {k: v[0] for k, v in body.items()}
    assert {"token", "team_id", "team_domain", "channel_id", "channel_name", "user_id",
            "user_name", "command", "text", "api_app_id", "is_enterprise_install",
            "response_url", "trigger_id"} == fields.keys()
    assert fields["command"] == "/voix" and fields["text"] == "post https://acme.example/news"
    assert fields["channel_id"] == "D0ALICE" and fields["channel_name"] == "directmessage"


def test_block_actions_parses_back() -> None:
    body = p.block_actions("U0ALICE", "share", "d-42", channel="D0ALICE", message_ts="1.000100",
                           message_blocks=[SECTION, BUTTONS])
    assert list(parse_qs(body)) == ["payload"]
    payload = p.unpack(body)
    assert payload["type"] == "block_actions" and payload["user"]["id"] == "U0ALICE"
    assert payload["container"] == {"type": "message", "message_ts": "1.000100",
                                    "channel_id": "D0ALICE", "is_ephemeral": False}
    action = payload["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"]) == ("share", "card", "d-42")
    assert action["text"]["text"] == "Share" and action["type"] == "button"
    assert payload["message"]["blocks"] == [SECTION, BUTTONS]
    assert {"api_app_id", "token", "trigger_id", "team", "channel", "response_url"} <= set(payload)
    assert p.interactivity_body(payload) == body


def test_view_submission_parses_back() -> None:
    values = {**p.text_value("final", "Mes mots"), **p.select_value("network", "linkedin"),
              **p.multi_select_value("topics", ["tech", "jobs"], block_id="topics_block")}
    view = p.unpack(p.view_submission("U0ALICE", "edit", values, "d-42", view_id="V1"))["view"]
    assert (view["type"], view["callback_id"], view["private_metadata"]) == ("modal", "edit",
                                                                             "d-42")
    state = view["state"]["values"]
    assert state["final"]["final"] == {"type": "plain_text_input", "value": "Mes mots"}
    assert state["network"]["network"]["selected_option"]["value"] == "linkedin"
    assert [o["value"] for o in state["topics_block"]["topics"]["selected_options"]] == [
        "tech", "jobs"]
    assert {"id", "hash", "title", "team_id", "app_id", "bot_id"} <= view.keys()
    assert p.select_value("network", None)["network"]["network"]["selected_option"] is None
