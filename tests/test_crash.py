"""Exactly once whatever happens to the sender: a worker process killed between posting a
nudge and recording it, and a fan-out through a Slack that answers with 429s, 500s and
timeouts (some after the message landed). Every volunteer gets each nudge once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from adapters.slack.messenger import SlackMessenger
from bot.events import ConversationRef
from bot.refs import conversation_to_json
from scheduler.outbox import LEASE
from scheduler.ratelimit import Limits
from scheduler.runner import Jobs
from storage.models import Delivery, Member, Post, Workspace
from tests.adapters.slack.mock_slack import MockSlack
from tests.conftest import START
from tests.crash_worker import CRASH_AFTER, TOKEN

ROOT = Path(__file__).resolve().parent.parent
TEAM = "T0001"


async def slack_deliveries(rt, people: int) -> dict[str, int]:
    """`people` Slack volunteers, one live post, a nudge due now for each: user id -> delivery."""
    now = rt.clock.now()
    async with rt.sessions() as session:
        workspace = Workspace(platform="slack", external_id=TEAM, name="Acme", created_at=now)
        session.add(workspace)
        await session.flush()
        post = Post(workspace_id=workspace.id, url="https://acme.example/news/lyon",
                    title="Our Lyon office", publish_at=now - timedelta(hours=1), created_at=now)
        members = [Member(workspace_id=workspace.id, external_id=f"U{n:05d}",
                          display_name=f"Person {n}", status="active",
                          charter_version=rt.charter.version, opted_in_at=now, created_at=now,
                          conversation=conversation_to_json(
                              ConversationRef("slack", TEAM, f"U{n:05d}")))
                   for n in range(people)]
        session.add_all([post, *members])
        await session.flush()
        deliveries = {m.external_id: Delivery(post_id=post.id, member_id=m.id, due_at=now,
                                              created_at=now) for m in members}
        session.add_all(deliveries.values())
        await session.commit()
        return {user: delivery.id for user, delivery in deliveries.items()}


def tagged(slack: MockSlack, user: str) -> list[str]:
    """The delivery keys of the messages in `user`'s DM, one per message."""
    return [m["metadata"]["event_payload"]["key"] for m in slack.messages(user)
            if (m.get("metadata") or {}).get("event_type") == "porte_voix_delivery"]


async def statuses(rt) -> Counter[str]:
    async with rt.sessions() as session:
        return Counter((await session.scalars(select(Delivery.status))).all())


def assert_each_nudge_once(slack: MockSlack, deliveries: dict[str, int]) -> None:
    for user, delivery_id in deliveries.items():
        assert tagged(slack, user) == [f"delivery-{delivery_id}"], user
    assert slack.problems() == []


async def worker(database_url: str, slack: MockSlack, now: datetime,
                 crash_after: int | None = None) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k != CRASH_AFTER}
    if crash_after is not None:
        env[CRASH_AFTER] = str(crash_after)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.crash_worker", database_url, slack.base_url,
        now.isoformat(), cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE)


async def finished(process: asyncio.subprocess.Process) -> dict[str, int]:
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output
    return json.loads(output.decode().strip().splitlines()[-1])


async def test_a_worker_killed_after_posting_and_before_recording_sends_nothing_twice(
        rt, database_url):
    async with MockSlack(token=TOKEN) as slack:
        deliveries = await slack_deliveries(rt, 6)
        now = rt.clock.now()
        # One at a time: it records two, posts the third and dies; three more are claimed.
        doomed = await worker(database_url, slack, now, crash_after=3)
        assert doomed.stdout is not None
        line = await asyncio.wait_for(doomed.stdout.readline(), 30)
        assert line.decode().startswith("posted delivery-"), line
        doomed.send_signal(signal.SIGKILL)
        await doomed.wait()
        at_kill = await statuses(rt)  # records are written in batches: maybe not all yet
        assert at_kill.get("sent", 0) <= 2 and sum(at_kill.values()) == 6
        assert sum(len(tagged(slack, user)) for user in deliveries) == 3

        # While the dead worker's lease holds, nobody touches its claims.
        assert await finished(await worker(database_url, slack, now)) == {}
        # After it, the posted one is found and recorded; the others are sent.
        later = now + LEASE + timedelta(seconds=1)
        assert await finished(await worker(database_url, slack, later)) == {
            "recovered": 3 - at_kill.get("sent", 0), "sent": 3}

        assert await statuses(rt) == {"sent": 6}
        assert_each_nudge_once(slack, deliveries)
        async with rt.sessions() as session:
            recorded = {d.id: d.message_ref["message_id"]
                        for d in (await session.scalars(select(Delivery))).all()}
        for user, delivery_id in deliveries.items():
            [message] = slack.messages(user)
            assert recorded[delivery_id] == message["ts"]


class FaultySlack(MockSlack):
    """The mock Web API with faults on chat.postMessage while `faulty`, drawn in turn from
    `seed`: 429 with Retry-After, a plain-text 500, a timeout before posting, and a timeout
    after posting (the message is in Slack, the answer is lost)."""

    FAULTS = (("429", 0.06), ("500", 0.04), ("hang", 0.03), ("lost", 0.03))

    def __init__(self, seed: int, stall: float) -> None:
        super().__init__(token=TOKEN)
        self.draws = random.Random(seed)
        self.stall = stall
        self.faulty = True
        self.injected: Counter[str] = Counter()

    def fault(self) -> str | None:
        draw = self.draws.random()
        for name, share in self.FAULTS:
            if draw < share:
                self.injected[name] += 1
                return name
            draw -= share
        return None

    async def _stall(self) -> None:
        with contextlib.suppress(TimeoutError):  # close() cuts the wait short
            await asyncio.wait_for(self._closing.wait(), self.stall)

    async def _handle(self, request: web.Request) -> web.Response:
        fault = self.fault() if self.faulty and \
            request.match_info["method"] == "chat.postMessage" else None
        if fault == "429":
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": "1"})
        if fault == "500":
            return web.Response(status=500, text="Internal Server Error")
        if fault == "hang":
            await self._stall()
            return web.json_response({"ok": False, "error": "request_timeout"})
        answer = await super()._handle(request)
        if fault == "lost":
            await self._stall()
        return answer


async def test_a_faulty_fan_out_loses_nothing_and_duplicates_nothing(rt, clock):
    people = 300
    async with FaultySlack(seed=20261130, stall=1.0) as slack:
        deliveries = await slack_deliveries(rt, people)
        jobs = Jobs(rt)
        # Limiter pauses on the test's clock, so that moving it moves them along.
        jobs.outbox.limits = Limits(
            clock=lambda: time.monotonic() + (clock.now() - START).total_seconds())
        rt.messengers["slack"] = SlackMessenger(
            AsyncWebClient(token=TOKEN, base_url=slack.base_url, timeout=0.4,
                           retry_handlers=[]), rate_per_workspace=2000.0,
            lookup_rate_per_workspace=None)
        outcomes: Counter[str] = Counter(await jobs.send())  # each tried once, with faults
        slack.faulty = False
        for _ in range(4):
            clock.advance(LEASE + timedelta(seconds=1))  # past every backoff and lease
            outcomes.update(await jobs.send())
            if (await statuses(rt))["sent"] == people:
                break

        assert await statuses(rt) == {"sent": people}
        assert_each_nudge_once(slack, deliveries)
        assert all(slack.injected[name] > 0 for name, _ in FaultySlack.FAULTS), slack.injected
        # Every answer lost after a post was found by the resend check, not sent again. On
        # a loaded machine a slow answer can also time out on our side (0.4 s): one more
        # retry, and one more recovery when the mock had posted.
        assert outcomes["sent"] + outcomes["recovered"] == people
        assert outcomes["recovered"] >= slack.injected["lost"]
        assert outcomes["rate-limited"] == slack.injected["429"]
        assert outcomes["retry"] >= sum(slack.injected[n] for n in ("500", "hang", "lost"))
