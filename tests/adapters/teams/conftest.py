"""A running Porte-Voix with Teams enabled (local mode) and a fake Bot Framework connector."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.plugin import MESSAGES_PATH, serve
from bot.dispatch import Bot
from bot.runtime import Runtime
from bot.web.listeners import make_app
from tests.adapters.teams import activities
from tests.adapters.teams.fake_connector import FakeConnector

ADMIN = "camille"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


@dataclass
class TeamsSide:
    """Posts activities as Teams does, and reads what the bot sent back."""

    client: TestClient
    connector: FakeConnector
    rt: Runtime

    async def post(self, activity: dict[str, Any], **headers: str) -> ClientResponse:
        return await self.client.post(MESSAGES_PATH, json=activity, headers=headers)

    async def dm(self, user: str, text: str) -> ClientResponse:
        return await self.post(activities.personal_message(
            user, text, name=user.capitalize(), aad_object_id=activities.aad_id_of(user),
            service_url=self.connector.service_url, locale="en-GB"))

    def cards(self) -> list[tuple[str, dict[str, Any]]]:
        """(conversation id, adaptive card) of every card sent, oldest first."""
        return [(conversation, attachment["content"])
                for conversation, activity in self.connector.sent()
                for attachment in activity.get("attachments") or []]

    async def settle(self, check: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, "Teams never reached the expected state"
            await asyncio.sleep(0.02)


@pytest.fixture
async def teams(rt: Runtime, connector: FakeConnector) -> AsyncIterator[TeamsSide]:
    rt.settings = rt.settings.model_copy(update={
        "teams_local": True, "admins": [activities.aad_id_of(ADMIN)]})
    app = make_app(rt)
    await serve(rt, Bot(rt), app)
    async with TestClient(TestServer(app)) as client:
        yield TeamsSide(client, connector, rt)
