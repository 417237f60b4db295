"""One Porte-Voix replica for the fan-out benchmark: the real outbox, drained until done.

    python -m bench.fanout_worker --database-url URL --slack-url URL [tuning...]

builds the runtime as `porte-voix serve` does (SystemClock, SlackMessenger on a Web API
client without retry handlers, here pointed at bench/limited_slack.py), prints "ready",
waits for a line on stdin (so that every replica starts together), then runs
`scheduler.runner.Jobs.send` in `lanes` concurrent loops until no delivery is planned or
being sent, and prints its outcomes as one JSON line. bench/fanout.py runs `drain` in its
own process for the one-replica run and starts three of these for the SIGKILL run.

Two knobs exist for the benchmark's time budget only: the claim lease (5 minutes in
production: a replica killed mid-run would hold its claims that long), an Outbox argument,
and a scale on the retry backoff (30 s, 1 min, ...: the tail of 5xx and timeout retries
would outlast the run), applied by patching `scheduler.outbox.backoff`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

import scheduler.outbox as outbox_module
from adapters.slack.messenger import SlackMessenger
from bench.limited_slack import TOKEN
from bot.clock import SystemClock
from bot.config import Settings
from bot.runtime import Runtime, open_runtime
from scheduler.outbox import Outbox
from scheduler.runner import Jobs
from storage.models import Delivery

IDLE = 0.05  # seconds a lane waits when nothing is due


@dataclass(frozen=True)
class Tuning:
    """How a replica drains: `lanes` outbox runs at once, each keeping up to `batch`
    deliveries claimed and sending `concurrency` of them at a time, at most `rate` a second
    to the workspace (the configured ceiling); bench-only lease and backoff scale."""

    rate: float = 100.0
    batch: int = 100
    concurrency: int = 16
    lanes: int = 1
    client_timeout: float = 2.0  # production: 10 s (adapters/slack/app.py)
    lease: float = 10.0  # production: 5 minutes
    backoff_scale: float = 0.1
    deadline: float = 600.0  # give up draining after this many seconds


def slack_messenger(base_url: str, tuning: Tuning) -> SlackMessenger:
    """The outbox's Slack messenger as adapters/slack/plugin.py builds it: no retries."""
    client = AsyncWebClient(token=TOKEN, base_url=base_url,
                            timeout=int(max(1, tuning.client_timeout)), retry_handlers=[])
    return SlackMessenger(client, rate_per_workspace=tuning.rate)


@contextlib.contextmanager
def bench_outbox(tuning: Tuning) -> Iterator[None]:
    """The outbox with the bench's backoff scale and quiet; put back as it was on exit."""
    original: Callable[..., timedelta] = outbox_module.backoff

    def scaled(*args: Any, **kwargs: Any) -> timedelta:
        return original(*args, **kwargs) * tuning.backoff_scale

    outbox_module.backoff = scaled
    logger = logging.getLogger(outbox_module.__name__)
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # one line per 429 or lost answer would drown the table
    try:
        yield
    finally:
        outbox_module.backoff = original
        logger.setLevel(level)


async def pending(rt: Runtime) -> int:
    """Deliveries still to send: planned (due now or later) or claimed and not finished."""
    async with rt.sessions() as session:
        return int(await session.scalar(
            select(func.count()).select_from(Delivery)
            .where(Delivery.status.in_(("planned", "sending")))) or 0)


def make_jobs(rt: Runtime, slack_url: str, tuning: Tuning) -> Jobs:
    """The replica's jobs, its outbox tuned (`porte-voix serve` takes Outbox's defaults)."""
    rt.messengers["slack"] = slack_messenger(slack_url, tuning)
    jobs = Jobs(rt)
    jobs.outbox = Outbox(rt, jobs.worker, batch=tuning.batch, concurrency=tuning.concurrency,
                         lease=timedelta(seconds=tuning.lease))
    return jobs


async def drain(jobs: Jobs, tuning: Tuning) -> Counter[str]:
    """Run the outbox in `lanes` loops until nothing is left to send (or the deadline)."""
    outcomes: Counter[str] = Counter()
    deadline = time.monotonic() + tuning.deadline

    async def lane() -> None:
        while time.monotonic() < deadline:
            done = await jobs.send()
            outcomes.update(done)
            if not done:
                if await pending(jobs.rt) == 0:
                    return
                await asyncio.sleep(IDLE)

    await asyncio.gather(*(lane() for _ in range(tuning.lanes)))
    return outcomes


async def replica(database_url: str, slack_url: str, tuning: Tuning) -> None:
    rt = await open_runtime(Settings(database_url=database_url), SystemClock(), migrate=False)
    try:
        jobs = make_jobs(rt, slack_url, tuning)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        with bench_outbox(tuning):
            outcomes = await drain(jobs, tuning)
        print(json.dumps({"worker": jobs.worker, "outcomes": dict(outcomes)}), flush=True)
    finally:
        await rt.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--slack-url", required=True)
    for name, default in Tuning.__dataclass_fields__.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default.default),
                            default=default.default)
    args = vars(parser.parse_args(argv))
    database_url, slack_url = args.pop("database_url"), args.pop("slack_url")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(replica(database_url, slack_url, Tuning(**args)))


if __name__ == "__main__":
    main()
