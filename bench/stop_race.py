"""Stop means stop: volunteers write "stop" while their nudges are being sent.

BENCH_STOP_N volunteers (default 500) have a nudge due; `porte-voix serve` (default
settings) sends them through the mock Slack in its own process (limits on, the workspace
ceiling at the product's default 20/s, no faults injected). Once the platform has received
a fifth of them, 50 volunteers each write "stop" in their DM (signed events into
/slack/events, one every SPACING seconds), each chosen so that their nudge is about LEAD
seconds of sending away: claimed by the outbox, most likely, but not yet sent.

Seen from outside, a stop is committed when its confirmation reaches the mock (the product
answers after its transaction commits, bot/deferred.py). For each stopper, a nudge whose
request reached the mock after that instant is a violation (goal 0); one that arrived
between the stop's request and its confirmation is in the race window; one that had arrived
but was not yet answered at the instant was on the wire. The product's own count of sends on
the wire at a stop is read from /metrics (a sample whose name holds one of METRIC_HINTS),
if it has one.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.__main__ import Row
from bench.fanout import drain_wait
from bench.limited_slack import Limits, SlackUnderTest, limited_slack, until_received
from bench.planning import Unavailable, scratch_database
from bench.seeding import Nudge, seed_fanout, statuses
from bench.served import START_TIMEOUT, STOP_TIMEOUT, Served, SlackSide
from bench.slack_record import Call, Report

N = int(os.environ.get("BENCH_STOP_N", "500"))
STOPPERS = 50
LIMITS = Limits().without_faults()
LEAD = 2.0  # seconds of sending between the platform's count and a stopper's nudge
SPACING = 0.2  # seconds between two stops
BEGUN = 0.2  # share of the nudges received before the first stop
BEGIN_WAIT = 60.0  # seconds for the fan-out to get that far
QUIET = 3.0  # seconds without a new nudge that end the fan-out
METRIC_HINTS = ("in_flight", "on_the_wire")
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


TIMEOUT = len(KINDS) * (START_TIMEOUT + BEGIN_WAIT + STOPPERS * (SPACING + 1)
                        + drain_wait(N, LIMITS.ceiling) + STOP_TIMEOUT + 30)


@dataclass(frozen=True)
class Stop:
    nudge: Nudge
    sent: float  # when the "stop" request left
    status: int  # its ack


@dataclass
class Race:
    """What the platform saw of the stoppers, and the product's own count."""

    stops: list[Stop]
    after_commit: int = 0  # nudges received after the stop was confirmed
    victims: int = 0  # stoppers who got one
    in_window: int = 0  # nudges received between the stop's request and its confirmation
    on_the_wire: int = 0  # nudge requests received, not yet answered, at the confirmation
    unconfirmed: int = 0  # stops never confirmed
    too_late: int = 0  # stoppers whose nudge had arrived before they wrote "stop"
    confirm_delays: list[float] = field(default_factory=list)
    metric: dict[str, float] | None = None
    at_end: Counter[str] = field(default_factory=Counter)  # the stoppers' deliveries
    nudges: int = 0


def analyse(race: Race, report: Report) -> Race:
    by_channel: dict[str, list[Call]] = {}
    for call in report.calls:
        by_channel.setdefault(call.channel, []).append(call)
    for stop in race.stops:
        calls = by_channel.get(stop.nudge.channel, [])
        confirm = next((c for c in calls if not c.nudge and c.done and c.arrived >= stop.sent),
                       None)
        if confirm is None:
            race.unconfirmed += 1
            continue
        committed = confirm.arrived
        race.confirm_delays.append(committed - stop.sent)
        nudges = [c for c in calls if c.nudge and c.done]
        race.too_late += any(c.arrived < stop.sent for c in nudges)
        late = sum(1 for c in nudges if c.arrived > committed)
        race.after_commit += late
        race.victims += late > 0
        race.in_window += sum(1 for c in nudges if stop.sent <= c.arrived <= committed)
        race.on_the_wire += sum(1 for c in calls if c.nudge and c.arrived <= committed
                                and (c.answered is None or c.answered > committed))
    race.nudges = len(report.nudges())
    return race


async def _stop_some(side: SlackSide, slack: SlackUnderTest, nudges: list[Nudge],
                     stoppers: int, ceiling: float) -> list[Stop]:
    """Each stopper the volunteer whose nudge is LEAD seconds ahead of the platform's count."""
    stops: list[Stop] = []
    rank = -1
    while len(stops) < stoppers:
        rank = max(rank + 1, await slack.accepted() + int(LEAD * ceiling))
        if rank >= len(nudges):
            break
        sent = time.monotonic()
        stops.append(Stop(nudges[rank], sent, await side.dm(nudges[rank].user, "stop")))
        await asyncio.sleep(SPACING)
    return stops


async def _drained(slack: SlackUnderTest, expected: int, timeout: float) -> None:
    """Until `expected` nudges arrived and none came for QUIET seconds, or `timeout`."""
    deadline = time.monotonic() + timeout
    seen, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = await slack.accepted()
        if count != seen:
            seen, since = count, time.monotonic()
        elif count >= expected and time.monotonic() - since >= QUIET:
            return
        await asyncio.sleep(0.25)


async def measure(url: str, n: int = N, stoppers: int = STOPPERS, limits: Limits = LIMITS, *,
                  remote: bool = True) -> Race:
    nudges = await seed_fanout(url, n)
    with tempfile.TemporaryDirectory(prefix="pv-stop-") as folder:
        async with limited_slack(limits, remote=remote) as slack, \
                Served(url, slack.base_url, Path(folder) / "serve.log") as served, \
                SlackSide(served, slack.respond_url) as side:
            if await until_received(slack, int(n * BEGUN), BEGIN_WAIT) < n * BEGUN:
                raise TimeoutError(f"the fan-out had not received {n * BEGUN:.0f} nudges "
                                   f"{BEGIN_WAIT:.0f} s after the start")
            race = Race(await _stop_some(side, slack, nudges, stoppers, limits.ceiling))
            await _drained(slack, n - len(race.stops), drain_wait(n, limits.ceiling))
            race.metric = await served.metrics(METRIC_HINTS)
            report = await slack.report()
    race.at_end = await statuses(url, [stop.nudge.user for stop in race.stops])
    refused = [stop.status for stop in race.stops if stop.status != 200]
    if refused:
        raise RuntimeError(f"{len(refused)} stops were refused: HTTP {refused[:5]}")
    return analyse(race, report)


def _said(metric: dict[str, float] | None) -> str:
    if metric is None:
        return "no /metrics answered"
    return ", ".join(f"{k} = {v:g}" for k, v in metric.items()) or "absent"


def rows(race: Race, label: str) -> list[Row]:
    name = f"stop race ({label})"
    delays = sorted(race.confirm_delays)
    confirmed = (f"stop → confirmation {delays[len(delays) // 2]:.2f} s median"
                 if delays else "no stop confirmed")
    return [
        Row(name, f"nudges received after the stop was committed ({len(race.stops)} stops)",
            race.after_commit, "", target="0", met=race.after_commit == 0),
        Row(name, "stoppers who received one", race.victims, "", target="0",
            met=race.victims == 0),
        Row(name, "nudges in the race window (stop sent → confirmed)", race.in_window),
        Row(name, "nudge requests on the wire at the commit (mock)", race.on_the_wire),
        Row(name, "sends on the wire at a stop (product metric)",
            sum(race.metric.values()) if race.metric else None),
        Row(name, "stops never confirmed", race.unconfirmed, "", target="0",
            met=race.unconfirmed == 0),
        Row(name, "", None, note=(
            f"{name}: {race.nudges} nudges received in all; {confirmed}; stoppers whose "
            f"nudge had arrived before their stop: {race.too_late}; the stoppers' "
            f"deliveries at the end: {dict(race.at_end)}; product metric "
            f"({', '.join(METRIC_HINTS)}): {_said(race.metric)}.")),
    ]


async def run() -> list[Row]:
    found = [Row("stop race", "", None, note=(
        f"stop race: {N} nudges due, `porte-voix serve` with default settings against the "
        f"mock Slack ({LIMITS.ceiling:.0f}/s ceiling, no faults injected); {STOPPERS} "
        f"volunteers write \"stop\" {SPACING} s apart once {BEGUN:.0%} are received, each "
        f"{LEAD:.0f} s of sending ahead. Committed = the stop's confirmation reached the mock."))]
    for kind, label in KINDS.items():
        try:
            async with scratch_database(kind) as url:
                found += rows(await measure(url), label)
        except Unavailable as error:
            found.append(Row(f"stop race ({label})", "not run", None,
                             note=f"stop race ({label}): {error}"))
    return found
