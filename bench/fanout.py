"""Fan-out of one post to many volunteers by `porte-voix serve` itself, against the mock Slack.

The deliveries are inserted due now (bench/seeding.py); the product, started as an operator
starts it and left to its DEFAULT settings unless said otherwise, sends them to the mock
(bench/limited_slack.py, its own process) which counts what each volunteer received:

1. three replicas on one PostgreSQL database, against a mock whose workspace ceiling is
   the product's default workspace rate (20/s) and which faults every method it answers
   (5 % 429, 2 % 500, 1 % connections lost, half of them after the call took effect); the
   first replica is SIGKILLed once KILL_AT of the nudges are received. Efficiency is the
   steady rate (10th to 90th percentile of arrival times) ÷ the ceiling; the 429s the
   replicas caused themselves (over the ceiling or a channel's 1/s, not injected) are
   counted against their sends; duplicates and lost volunteers as the platform saw them,
   after the killed replica's claims had their lease (5 minutes) and the retries their
   backoff;
2. one process on SQLite, the ceiling and the product's workspace rate both at
   BENCH_CPU_CEILING (default 100/s), no faults injected: the product's CPU time (user +
   system, read from /proc, from the moment it answers /healthz) per delivery, and its rate;
3. the naive baseline, in a process of its own against the same mock: a sequential loop of
   chat_postMessage on slack_sdk's default client; its CPU per message and rate.

Sizes from the environment: BENCH_FANOUT_N (replicas, default 2,000), BENCH_CPU_N (default
3,000), BENCH_NAIVE_N (default 500). PostgreSQL: PORTEVOIX_BENCH_DATABASE_URL's server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.__main__ import Row
from bench.limited_slack import ROOT, Limits, SlackUnderTest, limited_slack, until_received
from bench.naive_loop import Result, naive_key
from bench.planning import Unavailable, scratch_database
from bench.seeding import seed_fanout, statuses
from bench.served import START_TIMEOUT, STOP_TIMEOUT, Served
from bench.slack_record import Report

REPLICA_N = int(os.environ.get("BENCH_FANOUT_N", "2000"))
CPU_N = int(os.environ.get("BENCH_CPU_N", "3000"))
NAIVE_N = int(os.environ.get("BENCH_NAIVE_N", "500"))
CEILING = 20.0  # the product's default workspace rate (bot/config.py)
CPU_CEILING = float(os.environ.get("BENCH_CPU_CEILING", "100"))
REPLICAS = 3
KILL_AT = 0.3
LEASE = 300.0  # seconds: the product's claim lease, which a SIGKILLed replica's claims await
TAIL = 240.0  # seconds of retries after the last first attempt (backoff 30 s, 1 min, 2 min)
IDLE = 10.0  # seconds without a new nudge after which the database is asked what is left
FAULTY = Limits(ceiling=CEILING)
FAST = Limits(ceiling=CPU_CEILING).without_faults()
CPU_SETTINGS = {"PORTEVOIX_SLACK_WORKSPACE_RATE": f"{CPU_CEILING:g}"}
CPU_TARGET_MS = 3.0
NAIVE_TIMEOUT = NAIVE_N * 0.2 + 60


def replicas_wait(n: int, ceiling: float) -> float:
    """The same with a SIGKILL: the victim's claims await their lease, retries their backoff."""
    return 1.5 * n / ceiling + LEASE + TAIL


def drain_wait(n: int, ceiling: float) -> float:
    """Seconds a fan-out may take at most: twice its time at the ceiling, and a minute."""
    return 2 * n / ceiling + 60


TIMEOUT = (3 * START_TIMEOUT + replicas_wait(REPLICA_N, CEILING) + drain_wait(CPU_N, CPU_CEILING)
           + NAIVE_TIMEOUT + 4 * STOP_TIMEOUT + 60)


@dataclass
class Fanout:
    """One run, as the platform saw it."""

    name: str
    expected: set[str]
    report: Report
    seconds: float  # from the product's start to the last nudge (or giving up)
    statuses: Counter[str] = field(default_factory=Counter)  # the deliveries' at the end
    cpu: float | None = None  # CPU seconds of the sender over `cpu_deliveries`
    cpu_deliveries: int = 0
    note: str = ""

    @property
    def duplicates(self) -> int:
        return self.report.duplicates()

    @property
    def lost(self) -> int:
        return self.report.lost(self.expected)

    @property
    def rate(self) -> float:
        return self.report.steady_rate()

    @property
    def sends(self) -> int:
        return sum(1 for call in self.report.calls if call.method == "chat.postMessage")

    @property
    def self_limited(self) -> int:
        """429s the sender caused itself, over the ceiling or a channel's limit."""
        return self.report.count("chat.postMessage", "429 workspace ceiling",
                                 "429 channel limit")

    @property
    def cpu_ms(self) -> float | None:
        return 1000 * self.cpu / self.cpu_deliveries if self.cpu and self.cpu_deliveries \
            else None


async def pending(url: str) -> int:
    """Deliveries still to send: planned, or claimed and not finished."""
    found = await statuses(url)
    return found["planned"] + found["sending"]


async def until_delivered(slack: SlackUnderTest, url: str, n: int, timeout: float) -> None:
    """Until every volunteer has their nudge, or nothing is left to send (no nudge for IDLE
    seconds and the database holds no delivery planned or claimed), or `timeout`."""
    deadline = time.monotonic() + timeout
    seen, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        delivered = await slack.delivered()
        if delivered >= n:
            return
        if delivered != seen:
            seen, since = delivered, time.monotonic()
        elif time.monotonic() - since >= IDLE:
            if await pending(url) == 0:
                return
            since = time.monotonic()
        await asyncio.sleep(0.5)


async def replicas(n: int = REPLICA_N, limits: Limits = FAULTY,
                   settings: dict[str, str] | None = None) -> Fanout:
    """REPLICAS `porte-voix serve` on one PostgreSQL database; the first is SIGKILLed."""
    async with scratch_database("postgresql") as url:
        expected = {nudge.key for nudge in await seed_fanout(url, n)}
        with tempfile.TemporaryDirectory(prefix="pv-replicas-") as folder:
            async with limited_slack(limits, remote=True) as slack, \
                    contextlib.AsyncExitStack() as stack:
                servers = [Served(url, slack.base_url, Path(folder) / f"serve-{i}.log",
                                  settings) for i in range(REPLICAS)]
                for server in servers:
                    stack.push_async_callback(server.stop)
                await asyncio.gather(*(server.start() for server in servers))
                received = await until_received(slack, int(n * KILL_AT),
                                                drain_wait(n, limits.ceiling))
                await servers[0].kill()
                killed = time.monotonic() - servers[0].spawned
                await until_delivered(slack, url, n, replicas_wait(n, limits.ceiling))
                seconds = time.monotonic() - servers[0].spawned
                report = await slack.report()
        at_end = await statuses(url)
    note = (f"replica 1 of {REPLICAS} SIGKILLed {killed:.1f} s after its start, {received:,} "
            f"of {n:,} nudges received")
    return Fanout(f"{REPLICAS} replicas, kill (PostgreSQL)", expected, report, seconds,
                  at_end, note=note)


async def one_process(n: int = CPU_N, limits: Limits = FAST,
                      settings: dict[str, str] | None = None, *, remote: bool = True) -> Fanout:
    """One `porte-voix serve` on SQLite; its CPU time from /healthz to the last nudge."""
    async with scratch_database("sqlite") as url:
        expected = {nudge.key for nudge in await seed_fanout(url, n)}
        with tempfile.TemporaryDirectory(prefix="pv-fanout-") as folder:
            async with limited_slack(limits, remote=remote) as slack, \
                    Served(url, slack.base_url, Path(folder) / "serve.log", settings) as served:
                cpu, before = served.cpu(), await slack.delivered()
                await until_delivered(slack, url, n, drain_wait(n, limits.ceiling))
                cpu, after = served.cpu() - cpu, await slack.delivered()
                seconds = time.monotonic() - served.spawned
                report = await slack.report()
        at_end = await statuses(url)
    return Fanout("1 process (SQLite)", expected, report, seconds, at_end, cpu, after - before)


async def naive(n: int = NAIVE_N, limits: Limits = FAST) -> Fanout:
    """bench/naive_loop.py in its own process against its own mock."""
    async with limited_slack(limits, remote=True) as slack:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.naive_loop", f"--slack-url={slack.base_url}",
            f"--n={n}", cwd=ROOT, stdout=asyncio.subprocess.PIPE)
        try:
            out, _ = await asyncio.wait_for(child.communicate(), NAIVE_TIMEOUT)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
        result = Result(**json.loads(out.decode().strip().splitlines()[-1]))
        report = await slack.report()
    expected = {naive_key(i) for i in range(n)}
    return Fanout("naive loop", expected, report, result.seconds, cpu=result.cpu,
                  cpu_deliveries=report.delivered(expected),
                  note=f"client errors {result.failures}")


def _common(run: Fanout, ceiling: float, *, lost_what: str = "") -> list[Row]:
    name = f"fan-out: {run.name}"
    n = len(run.expected)
    return [
        Row(name, "delivered/s (steady part)", run.rate, "/s", ceiling, "≥ 0.9× ceiling",
            run.rate / ceiling >= 0.9),
        Row(name, f"duplicates of {n:,}", run.duplicates, "", target="0",
            met=run.duplicates == 0),
        Row(name, f"lost of {n:,}{lost_what}", run.lost, "", target="0", met=run.lost == 0),
        Row(name, "total time", run.seconds, "s"),
        Row(name, "", None, note=f"fan-out, {run.name}: {run.note + '; ' if run.note else ''}"
            f"mock: {run.report.summary()}; deliveries at the end: {dict(run.statuses)}."),
    ]


def replica_rows(run: Fanout) -> list[Row]:
    name = f"fan-out: {run.name}"
    share = 100 * run.self_limited / run.sends if run.sends else 0.0
    return [*_common(run, CEILING, lost_what=" (faults on every method)"),
            Row(name, "429s over the ceiling, share of sends", share, "%", target="≤ 1 %",
                met=share <= 1.0)]


def cpu_rows(run: Fanout, base: Fanout, ceiling: float) -> list[Row]:
    name = f"fan-out: {run.name}"
    naive_name = f"fan-out: {base.name}"
    return [
        Row(name, "CPU per delivery (base: naive loop)", run.cpu_ms, "ms", base.cpu_ms,
            f"< {CPU_TARGET_MS:.0f} ms",
            run.cpu_ms is not None and run.cpu_ms < CPU_TARGET_MS),
        *_common(run, ceiling),
        Row(naive_name, "CPU per message", base.cpu_ms, "ms"),
        Row(naive_name, "delivered/s (start to end)",
            base.report.delivered(base.expected) / base.seconds if base.seconds else None,
            "/s", ceiling),
        Row(naive_name, f"lost of {len(base.expected):,}", base.lost),
        Row(naive_name, "", None, note=f"fan-out, {base.name}: {base.note}; mock: "
            f"{base.report.summary()}."),
    ]


async def run() -> list[Row]:
    found = [Row("fan-out", "", None, note=(
        f"fan-out: `porte-voix serve` itself sends one post to each volunteer. 3 replicas: "
        f"{REPLICA_N:,} volunteers, PostgreSQL, default settings, the mock's ceiling "
        f"{CEILING:.0f}/s (the product's default rate), faults on every method (5 % 429, "
        f"2 % 500, 1 % connections lost), replica 1 SIGKILLed at {KILL_AT:.0%}. 1 process: "
        f"{CPU_N:,} volunteers, SQLite, ceiling and PORTEVOIX_SLACK_WORKSPACE_RATE "
        f"{CPU_CEILING:.0f}/s, no faults; CPU = user + system from /healthz to the last "
        f"nudge ÷ nudges in between. Naive loop: sequential chat_postMessage on slack_sdk's "
        f"default client, {NAIVE_N:,} DMs, its own process and mock. Steady part: 10th to "
        f"90th percentile of arrival times. Lost: not received when the wait ended (every "
        f"nudge received, or nothing left planned or claimed, or the bound: 2× the time at "
        f"the ceiling + 60 s; with the SIGKILL, 1.5× + the {LEASE:.0f} s lease + "
        f"{TAIL:.0f} s of backoff)."))]
    try:
        found += replica_rows(await replicas())
    except Unavailable as error:
        found.append(Row(f"fan-out: {REPLICAS} replicas, kill", "not run", None,
                         note=f"fan-out, replicas: {error}"))
    found += cpu_rows(await one_process(settings=CPU_SETTINGS), await naive(), CPU_CEILING)
    return found
