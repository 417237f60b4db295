"""From an admin's command to the first nudge the platform receives, against `porte-voix serve`.

Two series on SQLite and on PostgreSQL, each trial driven from outside by signed slash
commands into /slack/events, the mock Slack (limits on, no faults injected: a 500 would
measure the retry backoff, not the scheduling) in its own process:

- queue → first nudge: `/voix queue <url> --topics trial<k>` is sent; the time until the mock
  receives the nudge for the one volunteer who wants that topic;
- resume → first held nudge: `/voix pause` (answered, so committed), then a post queued for
  volunteer k (answered too) and held a second (a nudge then is counted as sent during the
  pause), then `/voix resume`: the time until the mock receives that volunteer's nudge.

The baseline is the product's answer to the same command reaching the mock (at the command's
response_url, or in the channel where it was typed). A trial waits at most BENCH_LATENCY_WAIT
seconds (default 15): a series whose trial saw no nudge by then stops there and says so.
BENCH_LATENCY_TRIALS trials a series (default 20).
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.__main__ import Row, percentile
from bench.limited_slack import Limits, SlackUnderTest, dm_channel, limited_slack
from bench.planning import Unavailable, scratch_database
from bench.seeding import seed_volunteers, volunteer_id
from bench.served import CHANNEL, START_TIMEOUT, STOP_TIMEOUT, Served, SlackSide

TRIALS = int(os.environ.get("BENCH_LATENCY_TRIALS", "20"))
WAIT = float(os.environ.get("BENCH_LATENCY_WAIT", "15"))
HOLD = 1.0  # seconds a post queued during a pause is watched for a leak
TARGET = 2.0
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
LIMITS = Limits().without_faults()
# Each kind: serve's start and stop, then both series at their worst: a safety net only.
TIMEOUT = len(KINDS) * (START_TIMEOUT + STOP_TIMEOUT + 2 * TRIALS * (2 * WAIT + HOLD) + 30)


@dataclass
class Series:
    """One series: each trial's delay to its nudge and the product's answer (the baseline),
    in seconds, until a trial saw no nudge."""

    name: str
    latencies: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    leaks: int = 0  # nudges sent while the workspace was paused
    missed: str = ""


class Trials:
    """The commands of one series, and what the mock saw of them."""

    def __init__(self, side: SlackSide, slack: SlackUnderTest, trials: int,
                 wait: float) -> None:
        self.side, self.slack, self.trials, self.wait = side, slack, trials, wait

    async def command(self, text: str) -> tuple[float, float | None]:
        """Send `/voix <text>`: when it was sent, and the delay to the product's answer."""
        sent = time.monotonic()
        status = await self.side.command(text)
        if status != 200:
            raise RuntimeError(f"/voix {text.split()[0]} was answered HTTP {status}")
        answer = await self.slack.next_call(CHANNEL, sent, nudge=False, timeout=self.wait)
        return sent, (answer.arrived - sent) if answer else None

    async def nudge(self, user: str, after: float, timeout: float) -> float | None:
        """When the mock received a nudge for `user` at or after `after`, if it did."""
        call = await self.slack.next_call(dm_channel(user), after, nudge=True,
                                          timeout=max(timeout, 0.0))
        return call.arrived if call else None

    @staticmethod
    def queue(topic: str) -> str:
        return (f"queue https://acme.example/news/{topic} --title \"Trial {topic}\" "
                f"--topics {topic}")

    async def queued(self, series: Series, user: str, topic: str) -> bool:
        sent, answer = await self.command(self.queue(topic))
        arrived = await self.nudge(user, sent, sent + self.wait - time.monotonic())
        return self._measured(series, arrived, sent, answer)

    async def resumed(self, series: Series, user: str, topic: str) -> bool:
        for text in ("pause", self.queue(topic)):
            sent, answer = await self.command(text)
            if answer is None:
                raise RuntimeError(f"/voix {text.split()[0]} got no answer within {self.wait} s")
        if await self.nudge(user, sent, HOLD) is not None:
            series.leaks += 1
        sent, answer = await self.command("resume")
        arrived = await self.nudge(user, sent, sent + self.wait - time.monotonic())
        return self._measured(series, arrived, sent, answer)

    def _measured(self, series: Series, arrived: float | None, sent: float,
                  answer: float | None) -> bool:
        if answer is not None:
            series.answers.append(answer)
        if arrived is None:
            series.missed = (f"trial {len(series.latencies) + 1} of {self.trials} saw no nudge "
                             f"within {self.wait:.0f} s: the series stopped there")
            return False
        series.latencies.append(arrived - sent)
        return True


async def measure(url: str, trials: int = TRIALS, wait: float = WAIT, *,
                  remote: bool = True) -> tuple[Series, Series]:
    """Both series against one `porte-voix serve` on the database at `url`."""
    queue_users = [volunteer_id(k) for k in range(trials)]
    held_users = [volunteer_id(1000 + k) for k in range(trials)]
    queue_topics = [f"trial{k:02d}" for k in range(trials)]
    held_topics = [f"held{k:02d}" for k in range(trials)]
    await seed_volunteers(url, queue_users + held_users, queue_topics + held_topics)
    queue, resume = Series("queue → first nudge"), Series("resume → first held nudge")
    with tempfile.TemporaryDirectory(prefix="pv-latency-") as folder:
        async with limited_slack(LIMITS, remote=remote) as slack, \
                Served(url, slack.base_url, Path(folder) / "serve.log") as served, \
                SlackSide(served, slack.respond_url) as side:
            run = Trials(side, slack, trials, wait)
            for user, topic in zip(queue_users, queue_topics, strict=True):
                if not await run.queued(queue, user, topic):
                    break
            for user, topic in zip(held_users, held_topics, strict=True):
                if not await run.resumed(resume, user, topic):
                    break
    return queue, resume


def rows(series: Series, label: str) -> list[Row]:
    name = f"latency ({label})"
    found: list[Row] = []
    for p in (50, 99):
        value = percentile(series.latencies, p) if series.latencies else None
        base = percentile(series.answers, p) if series.answers else None
        met = value is not None and not series.missed and value < TARGET
        found.append(Row(name, f"{series.name}: p{p}", value, "s", base, f"< {TARGET:.0f} s",
                         met, f"{name}, {series.name}: {series.missed}." if series.missed
                         else ""))
    if series.name.startswith("resume"):
        found.append(Row(name, "nudges sent while paused", series.leaks, "", target="0",
                         met=series.leaks == 0))
    return found


async def run() -> list[Row]:
    found = [Row("latency", "", None, note=(
        f"latency: {TRIALS} trials a series against `porte-voix serve` (default settings), "
        "commands signed into /slack/events, the mock Slack in its own process (limits on, "
        "no faults injected); a trial's volunteer alone wants its post; base = the "
        "product's answer to the same command reaching the mock. Resume: after "
        f"/voix pause and a post queued and held {HOLD:.0f} s."))]
    for kind, label in KINDS.items():
        try:
            async with scratch_database(kind) as url:
                queue, resume = await measure(url)
        except Unavailable as error:
            found.append(Row(f"latency ({label})", "not run", None,
                             note=f"latency ({label}): {error}"))
            continue
        found += rows(queue, label) + rows(resume, label)
    return found
