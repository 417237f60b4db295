"""Socket Mode: with SLACK_APP_TOKEN set, the app connects out and needs no public URL."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import parse_qsl

from aiohttp import web
from pydantic import SecretStr

from adapters.slack.plugin import EVENTS_PATH, serve
from bot.dispatch import Bot
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import ADMIN_ID, TOKEN

APP_TOKEN = "xapp-test-app-token"


async def until(check, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "Socket Mode never reached the expected state"
        await asyncio.sleep(0.02)


async def test_socket_mode_receives_events_and_commands_and_acks_them(rt, slack):
    slack.app_token = APP_TOKEN
    rt.settings = rt.settings.model_copy(update={
        "slack_bot_token": SecretStr(TOKEN), "slack_app_token": SecretStr(APP_TOKEN),
        "slack_api_url": slack.base_url, "admins": [ADMIN_ID]})
    app = web.Application()
    close = await serve(rt, Bot(rt), app)
    assert close is not None
    try:
        assert all(route.resource is None or route.resource.canonical != EVENTS_PATH
                   for route in app.router.routes()), "no HTTP route in Socket Mode"
        await until(lambda: slack.socket_connected)

        event = payloads.event_callback(payloads.message_im("U0ALICE", "join"))
        await slack.socket_send("events_api", event, "env-1")
        command = dict(parse_qsl(payloads.slash_command(
            ADMIN_ID, "list", channel_id="C0GENERAL", response_url=slack.response_url)))
        await slack.socket_send("slash_commands", command, "env-2")

        await until(lambda: {a.get("envelope_id") for a in slack.socket_acks} >= {"env-1",
                                                                                 "env-2"})
        await until(lambda: slack.count("chat.postMessage") == 1
                    and slack.count("response_url") == 1)
        charter = slack.calls_to("chat.postMessage")[0]
        assert rt.charter.version in json.dumps(charter.params["blocks"])
        assert slack.calls_to("apps.connections.open")[0].auth_ok
        assert slack.problems() == []
    finally:
        await close()
