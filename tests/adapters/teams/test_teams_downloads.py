"""'my data' on Teams: no upload there, so a card with two one-time links, sent through the
fake connector, and a real GET of each on the served /data/<token> route."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from adapters.teams.plugin import serve
from bot.dispatch import Bot
from bot.handlers import privacy  # noqa: F401  (registered, as bot/handlers/__init__.py will)
from bot.web.listeners import make_app
from tests.adapters.teams import activities
from tests.adapters.teams.conftest import TeamsSide
from tests.helpers import says


@pytest.fixture
async def teams(rt, connector) -> AsyncIterator[TeamsSide]:
    rt.settings = rt.settings.model_copy(update={
        "teams_local": True, "link_secret": SecretStr("k" * 40),
        "admins": [activities.aad_id_of("camille")]})
    app = make_app(rt)
    await serve(rt, Bot(rt), app)
    async with TestClient(TestServer(app)) as client:
        yield TeamsSide(client, connector, rt)


def open_urls(card: dict) -> list[str]:
    return [action["url"] for action in _actions(card)
            if action.get("type") == "Action.OpenUrl"]


def _actions(node: object) -> list[dict]:
    if isinstance(node, dict):
        found = [node] if "type" in node and str(node["type"]).startswith("Action.") else []
        return found + [a for value in node.values() for a in _actions(value)]
    if isinstance(node, list):
        return [a for item in node for a in _actions(item)]
    return []


async def test_my_data_on_teams_is_two_links_each_served_once(teams, rt):
    assert (await teams.dm("alice", "my data")).status in (200, 201)
    await teams.settle(lambda: bool(teams.cards()))
    assert teams.connector.problems() == []
    _, card = teams.cards()[-1]
    assert says(rt, "privacy.links_title") in json.dumps(card, ensure_ascii=False)
    urls = open_urls(card)
    assert len(urls) == 2 and all(u.startswith("https://pv.example/data/") for u in urls)

    first = await teams.client.get(urls[0].removeprefix("https://pv.example"))
    assert first.status == 200
    data = json.loads(await first.read())
    assert data["platform"] == "teams"
    assert data["profile"]["conversation"]["conversation_id"]
    second = await teams.client.get(urls[1].removeprefix("https://pv.example"))
    assert second.status == 200 and second.headers["Content-Type"].startswith("text/csv")
    again = await teams.client.get(urls[0].removeprefix("https://pv.example"))
    assert again.status == 410
