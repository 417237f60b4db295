"""How fast /slack/events acknowledges button presses under load, against GET /healthz.

The real app (`porte-voix serve`'s Slack hook, SQLite in a temporary file) listens on a free
port of 127.0.0.1; a mock Slack Web API answers in its own thread and event loop, as Slack is
another machine. A volunteer receives a real nudge, then 200 signed presses of its Skip button
arrive at once: each is timed from sending to the ack. The baseline is 200 concurrent
GET /healthz (one SQL query each) on the same server, in the same run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from adapters.slack.plugin import EVENTS_PATH, serve
from bot.clock import ManualClock
from bot.config import Settings
from bot.dispatch import Bot
from bot.runtime import open_runtime
from bot.web.listeners import make_app
from scheduler.runner import Jobs
from tests.adapters.slack import payloads
from tests.adapters.slack.mock_slack import MockSlack

REQUESTS = 200
REQUEST_TIMEOUT = 10.0
SETTLE_TIMEOUT = 20.0
TOKEN = "xoxb-bench-token"
SECRET = "bench-signing-secret-0123456789abcdef"
ADMIN, VOLUNTEER = "U0ADMIN", "U0ALICE"
# A Monday morning in Paris: the nudge may go out whatever the wall clock says.
MONDAY_MORNING = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@dataclass
class Series:
    """One batch of concurrent requests: latencies in seconds of those answered 2xx."""

    name: str
    latencies: list[float]
    failures: int


@dataclass
class Result:
    baseline: Series
    measured: list[Series]
    notes: list[str]


class RemoteSlack:
    """MockSlack served from its own thread and event loop, like a server elsewhere."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="mock-slack",
                                       daemon=True)
        self.mock = MockSlack(token=TOKEN)

    async def _there(self, work: Coroutine[Any, Any, object]) -> object:
        future = asyncio.run_coroutine_threadsafe(work, self.loop)
        return await asyncio.wait_for(asyncio.wrap_future(future), SETTLE_TIMEOUT)

    async def __aenter__(self) -> MockSlack:
        self.thread.start()
        await self._there(self.mock.start())
        self.mock.add_user(ADMIN, "camille", "Camille Martin", tz="Europe/Paris", locale="fr-FR")
        self.mock.add_user(VOLUNTEER, "alice", "Alice Smith", tz="Europe/London",
                           locale="en-GB")
        return self.mock

    async def __aexit__(self, *exc_info: object) -> None:
        with contextlib.suppress(Exception):
            await self._there(self.mock.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        if not self.thread.is_alive():
            self.loop.close()


async def until(check: Callable[[], bool], what: str, timeout: float = SETTLE_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"bench setup: {what} never happened")
        await asyncio.sleep(0.01)


async def quiet(mock: MockSlack, expected_updates: int) -> None:
    """Wait for the work Bolt runs after the acks: every chat.update made, then nothing more."""
    await until(lambda: mock.count("chat.update") >= expected_updates, "every chat.update")
    deadline = time.monotonic() + SETTLE_TIMEOUT
    calls, tasks = -1, -1
    while (calls, tasks) != (len(mock.calls), len(asyncio.all_tasks())):
        if time.monotonic() > deadline:
            raise TimeoutError("bench: the work after the acks never settled")
        calls, tasks = len(mock.calls), len(asyncio.all_tasks())
        await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def porte_voix(mock: MockSlack) -> AsyncIterator[tuple[str, Jobs]]:
    """The app as `porte-voix serve` builds it, on a free port; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="pv-bench-") as folder:
        settings = Settings.model_validate({
            "database_url": f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
            "admins": [ADMIN], "public_url": "https://pv.example",
            "SLACK_BOT_TOKEN": SecretStr(TOKEN), "SLACK_SIGNING_SECRET": SecretStr(SECRET),
            "SLACK_API_URL": mock.base_url})
        rt = await open_runtime(settings, ManualClock(MONDAY_MORNING))
        app = make_app(rt)
        close_slack = await serve(rt, Bot(rt), app)
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            host, port = runner.addresses[0][:2]
            yield f"http://{host}:{port}", Jobs(rt)
        finally:
            await runner.cleanup()
            if close_slack is not None:
                await close_slack()
            await rt.close()


class Driver:
    """Signed requests from Slack to the app, over one client session."""

    def __init__(self, http: aiohttp.ClientSession, base: str, mock: MockSlack) -> None:
        self.http, self.base, self.mock = http, base, mock

    async def post(self, body: str, content_type: str,
                   headers: dict[str, str] | None = None) -> int:
        """POST a body as Slack does; `headers` already signed, else signed now."""
        headers = headers or payloads.signed_headers(body, SECRET, content_type=content_type)
        async with self.http.post(self.base + EVENTS_PATH, data=body.encode(),
                                  headers=headers) as response:
            await response.read()
            return response.status

    def press_body(self, action_id: str, value: str, ts: str) -> str:
        return payloads.block_actions(VOLUNTEER, action_id, value, message_ts=ts,
                                      channel=self.mock.dm_channel(VOLUNTEER))

    async def nudged_volunteer(self, jobs: Jobs) -> tuple[str, str]:
        """Alice joins, the admin queues a post, the outbox nudges her: (delivery id, ts)."""
        event = payloads.event_callback(payloads.message_im(VOLUNTEER, "join"))
        await self.post(json.dumps(event), payloads.JSON)
        await until(lambda: self.mock.count("chat.postMessage") == 1, "the charter card")
        charter = self.mock.messages(VOLUNTEER)[-1]
        await self.post(self.press_body("charter.accept", jobs.rt.charter.version,
                                        charter["ts"]), payloads.FORM)
        await until(lambda: self.mock.count("chat.update") == 1, "the charter accepted")
        command = payloads.slash_command(ADMIN, "queue https://acme.example/news/lyon "
                                         '--title "Our Lyon office"', channel_id="C0GENERAL",
                                         response_url=self.mock.response_url)
        await self.post(command, payloads.FORM)
        await until(lambda: self.mock.count("response_url") == 1, "the post queued")
        await jobs.plan()
        if await jobs.send() != {"sent": 1}:
            raise RuntimeError("bench setup: the nudge was not sent")
        nudge = self.mock.messages(VOLUNTEER)[-1]
        key = nudge["metadata"]["event_payload"]["key"]
        return key.removeprefix("delivery-"), nudge["ts"]


async def timed(name: str, requests: list[Callable[[], Awaitable[int]]]) -> Series:
    """Fire every request at once; each is timed from its start to its response."""

    async def one(request: Callable[[], Awaitable[int]]) -> float | None:
        started = time.perf_counter()
        try:
            status = await request()
        except (aiohttp.ClientError, TimeoutError):
            return None
        return time.perf_counter() - started if 200 <= status < 300 else None

    results = await asyncio.gather(*(one(request) for request in requests))
    latencies = [r for r in results if r is not None]
    return Series(name, latencies, len(results) - len(latencies))


async def run(n: int = REQUESTS) -> Result:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=0)  # n requests really in flight together
    async with RemoteSlack() as mock, porte_voix(mock) as (base, jobs), \
            aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        driver = Driver(http, base, mock)
        delivery_id, ts = await driver.nudged_volunteer(jobs)

        async def healthz() -> int:
            async with http.get(base + "/healthz") as response:
                await response.read()
                return response.status

        # Warm up: the n connections opened, Bolt's auth.test and the profile cached.
        await timed("warm-up", [healthz] * n)
        await driver.post(driver.press_body("nudge.skip", delivery_id, ts), payloads.FORM)
        await quiet(mock, expected_updates=2)

        baseline = await timed("GET /healthz (baseline)", [healthz] * n)
        bodies = [driver.press_body("nudge.skip", delivery_id, ts) for _ in range(n)]
        signed = [(body, payloads.signed_headers(body, SECRET, content_type=payloads.FORM))
                  for body in bodies]  # signed beforehand: Slack's work, not ours
        started = time.perf_counter()
        presses = await timed("POST /slack/events block_actions: ack",
                              [partial(driver.post, body, payloads.FORM, headers)
                               for body, headers in signed])
        expected = 2 + n - presses.failures
        await until(lambda: mock.count("chat.update") >= expected, "every chat.update")
        finished = time.perf_counter() - started
        await quiet(mock, expected_updates=expected)
        problems = mock.problems()
        if problems:
            logging.getLogger(__name__).warning("mock Slack refused: %s", problems[:3])
    notes = [f"{n} concurrent requests per row, one aiohttp session, app and SQLite on "
             f"127.0.0.1; the {n} presses' work after the ack (nudge updated in place by "
             f"chat.update) was all done {finished * 1000:.0f} ms after the first press."]
    return Result(baseline, [presses], notes)
