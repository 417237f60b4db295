"""SIGTERM during a fan-out, then a restart: how soon delivery resumes, nothing twice or lost.

BENCH_RESTART_N volunteers (default 1,000) have a nudge due; `porte-voix serve` on SQLite,
default settings, sends them to the mock Slack in its own process (ceiling 20/s, the
product's default rate; no faults injected, so that every retry is the restart's doing).
Once STOP_AT of them are received, the process gets SIGTERM; as soon as it has exited the
same command starts again on the same database and port. Measured: the delay from the new
process's spawn to the next nudge the mock receives (goal under 5 s; the baseline is the
delay to its first /healthz answer), the time SIGTERM took, and the duplicates and lost
volunteers once the rest had time to go out at the ceiling plus GRACE seconds: claims the
first process left behind (returned at once, or waiting out their lease) show there.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.__main__ import Row
from bench.fanout import Fanout, drain_wait, until_delivered
from bench.limited_slack import Limits, limited_slack, until_received
from bench.planning import scratch_database
from bench.seeding import seed_fanout, statuses
from bench.served import START_TIMEOUT, STOP_TIMEOUT, Served

N = int(os.environ.get("BENCH_RESTART_N", "1000"))
STOP_AT = 0.3
GRACE = 60.0
TARGET = 5.0
LIMITS = Limits().without_faults()
TIMEOUT = 2 * START_TIMEOUT + 2 * STOP_TIMEOUT + drain_wait(N, LIMITS.ceiling) + GRACE + 60


@dataclass
class Restart:
    run: Fanout
    resumed: float | None  # seconds from the new spawn to the next nudge received
    ready: float  # seconds from the new spawn to its first /healthz answer
    exit_seconds: float | None  # SIGTERM to exit; None: it had to be killed
    received_before: int


async def measure(n: int = N, limits: Limits = LIMITS, *, remote: bool = True) -> Restart:
    async with scratch_database("sqlite") as url:
        expected = {nudge.key for nudge in await seed_fanout(url, n)}
        with tempfile.TemporaryDirectory(prefix="pv-restart-") as folder:
            async with limited_slack(limits, remote=remote) as slack:
                async with Served(url, slack.base_url, Path(folder) / "first.log") as first:
                    received = await until_received(slack, int(n * STOP_AT),
                                                    drain_wait(n, limits.ceiling))
                    exit_seconds = await first.stop()
                again = Served(url, slack.base_url, Path(folder) / "second.log",
                               port=first.port)
                async with again:
                    nudge = await slack.next_call("", again.spawned, nudge=True, timeout=GRACE)
                    await until_delivered(slack, url, n,
                                          (n - received) / limits.ceiling * 1.5 + GRACE)
                    report = await slack.report()
                seconds = time.monotonic() - first.spawned
        at_end = await statuses(url)
    run = Fanout("SIGTERM and restart (SQLite)", expected, report, seconds, at_end)
    return Restart(run, nudge.arrived - again.spawned if nudge else None,
                   again.ready - again.spawned, exit_seconds, received)


def rows(result: Restart) -> list[Row]:
    run = result.run
    name = f"restart: {run.name}"
    n = len(run.expected)
    stopped = (f"it had to be SIGKILLed after {STOP_TIMEOUT:.0f} s"
               if result.exit_seconds is None else f"it exited {result.exit_seconds:.1f} s "
               "after SIGTERM")
    missed = "" if result.resumed is not None else f" no nudge within {GRACE:.0f} s;"
    return [
        Row(name, "restart → next nudge received (base: → /healthz)", result.resumed, "s",
            result.ready, f"< {TARGET:.0f} s",
            result.resumed is not None and result.resumed < TARGET),
        Row(name, "SIGTERM → exit", result.exit_seconds, "s"),
        Row(name, f"duplicates of {n:,}", run.duplicates, "", target="0",
            met=run.duplicates == 0),
        Row(name, f"lost of {n:,}", run.lost, "", target="0", met=run.lost == 0),
        Row(name, "", None, note=(
            f"restart: {n:,} nudges due, SIGTERM once {result.received_before:,} were "
            f"received ({stopped}), then `porte-voix serve` again on the same database;"
            f"{missed} lost = not received {GRACE:.0f} s after the rest could have gone out "
            f"at {LIMITS.ceiling:.0f}/s; deliveries at the end: {dict(run.statuses)}; mock: "
            f"{run.report.summary()}.")),
    ]


async def run() -> list[Row]:
    return rows(await measure())
