"""One outbox run in its own process, for tests/test_crash.py.

    python -m tests.crash_worker DATABASE_URL SLACK_API_URL NOW

It sends through the real Slack messenger to SLACK_API_URL (the test's mock Web API), on a
clock set to NOW (ISO 8601), and prints the run's outcomes as JSON. With
PORTEVOIX_CRASH_AFTER_POSTS=n it stops dead right after its n-th post, before recording it:
it prints "posted <key>" and sleeps until the test kills it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.messenger import SlackMessenger
from bot.cards import Card
from bot.clock import ManualClock
from bot.config import Settings
from bot.events import ConversationRef, MessageRef
from bot.runtime import open_runtime
from scheduler.outbox import Outbox

TOKEN = "xoxb-crash-test"
CRASH_AFTER = "PORTEVOIX_CRASH_AFTER_POSTS"


class DiesAfterPosting:
    """The Slack messenger, frozen after its n-th post: the message is in Slack, and the
    database will never hear of it."""

    def __init__(self, inner: SlackMessenger, posts: int) -> None:
        self.inner = inner
        self.posts = posts
        self.platform = inner.platform
        self.rate_per_target = inner.rate_per_target
        self.rate_per_workspace = inner.rate_per_workspace
        self.lookup_rate_per_workspace = inner.lookup_rate_per_workspace

    async def send(self, target: ConversationRef, card: Card, *, key: str) -> MessageRef:
        sent = await self.inner.send(target, card, key=key)
        self.posts -= 1
        if self.posts == 0:
            print(f"posted {key}", flush=True)
            await asyncio.sleep(3600)  # SIGKILL lands here
        return sent

    async def update(self, ref: MessageRef, card: Card) -> None:
        await self.inner.update(ref, card)

    async def find_sent(self, target: ConversationRef, key: str, since: datetime,
                        until: datetime | None = None) -> MessageRef | None:
        return await self.inner.find_sent(target, key, since, until)


async def main(database_url: str, api_url: str, now: str) -> None:
    rt = await open_runtime(Settings(database_url=database_url),
                            ManualClock(datetime.fromisoformat(now)), migrate=False)
    slack = SlackMessenger(AsyncWebClient(token=TOKEN, base_url=api_url, timeout=5,
                                          retry_handlers=[]), rate_per_workspace=None)
    crash_after = os.environ.get(CRASH_AFTER)
    rt.messengers[slack.platform] = DiesAfterPosting(slack, int(crash_after)) \
        if crash_after else slack
    try:
        outcomes = await Outbox(rt, f"worker-{os.getpid()}", concurrency=1).run()
    finally:
        await rt.close()
    print(json.dumps(outcomes, sort_keys=True), flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
