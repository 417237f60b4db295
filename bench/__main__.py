"""`python -m bench`: run every benchmark and print ONE table of results against baselines.

A benchmark is a module of this package with `async def run() -> list[Row]` (and, if it
needs more than DEFAULT_TIMEOUT seconds, a module-level `TIMEOUT`). Each `Row` is one
measure: its value, the baseline measured in the same run (the table shows the ratio), the
target and whether it was met. A module that is missing, fails or overruns its time gets a
row saying so; the others still run. The exit status is 1 when a target was missed or a
benchmark failed.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType

BENCHMARKS = ("bench.slack_ack", "bench.latency", "bench.stop_race", "bench.fanout",
              "bench.restart", "bench.planning", "bench.digest_scale", "bench.clicks_load",
              "bench.voice", "bench.ai", "bench.privacy_erase", "bench.dashboard")
DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True)
class Row:
    """One measured figure. `value` None means not measured (the note says why)."""

    benchmark: str
    measure: str
    value: float | None
    unit: str = ""
    baseline: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100 or value == int(value):
        text = f"{value:,.0f}"
    else:
        text = f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return f"{text} {unit}".strip()


def _ratio(row: Row) -> str:
    if row.value is None or not row.baseline:
        return ""
    return f"{row.value / row.baseline:.2f}×"


def _verdict(row: Row) -> str:
    return {True: "yes", False: "NO", None: ""}[row.met]


def _slack_ack_rows(result: object) -> list[Row]:
    """bench.slack_ack returns latency series: p50 and p99 of each, against /healthz."""
    from bench.slack_ack import Result
    assert isinstance(result, Result)
    base = result.baseline
    rows = []
    for series in (base, *result.measured):
        for p in (50, 99):
            value = percentile(series.latencies, p) * 1000 if series.latencies else None
            baseline = (percentile(base.latencies, p) * 1000
                        if series is not base and base.latencies else None)
            rows.append(Row("slack ack", f"{series.name}: p{p}", value, "ms", baseline))
    failed = sum(series.failures for series in (base, *result.measured))
    rows.append(Row("slack ack", "failed requests", failed, "", target="0", met=failed == 0))
    return rows + [Row("slack ack", "", None, note=f"slack ack: {note}")
                   for note in result.notes]


async def _collect(name: str) -> list[Row]:
    short = name.removeprefix("bench.").replace("_", " ")
    try:
        module: ModuleType = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return [Row(short, "not run", None, note=f"{short}: {name} is not there yet.")]
    run: Callable[[], Awaitable[object]] = module.run
    timeout = float(getattr(module, "TIMEOUT", DEFAULT_TIMEOUT))
    started = time.monotonic()
    try:
        result = await asyncio.wait_for(run(), timeout)
    except TimeoutError:
        return [Row(short, "did not finish", None, met=False,
                    note=f"{short}: stopped after {timeout:.0f} s.")]
    except Exception as error:  # one broken benchmark must not hide the others
        logging.getLogger(__name__).exception("benchmark %s failed", name)
        return [Row(short, "failed", None, met=False, note=f"{short}: {error!r}")]
    rows = _slack_ack_rows(result) if name == "bench.slack_ack" else list(result)  # type: ignore[call-overload]
    logging.getLogger(__name__).info("%s: %.1f s", name, time.monotonic() - started)
    return rows


async def main(names: tuple[str, ...] = BENCHMARKS) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        rows += await _collect(name)
    return rows


def render(rows: list[Row]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Porte-Voix benchmarks (baselines measured in the same run)")
    for column in ("benchmark", "measure", "value", "baseline", "÷ base", "target", "met"):
        table.add_column(column, justify="left" if column in ("benchmark", "measure")
                         else "right")
    previous = None
    for row in rows:
        if not row.measure and row.value is None:
            continue  # a note only
        if previous is not None and row.benchmark != previous:
            table.add_section()
        previous = row.benchmark
        table.add_row(row.benchmark, row.measure, _number(row.value, row.unit),
                      _number(row.baseline, row.unit) if row.baseline is not None else "",
                      _ratio(row), row.target, _verdict(row))
    console = Console(width=max(Console().width, 120))
    console.print(table)
    for note in dict.fromkeys(row.note for row in rows if row.note):
        console.print(note, soft_wrap=True)


class _DropBoltTokenNotice(logging.Filter):
    """Bolt warns that `token` is unused when a client is given too: expected, not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def run(argv: list[str] | None = None) -> int:
    """Run the benchmarks named on the command line (e.g. `planning`), or all of them."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("slack_bolt", "slack_bolt.AsyncApp"):
        logging.getLogger(name).addFilter(_DropBoltTokenNotice())
    chosen = tuple(f"bench.{name}" for name in (argv or [])) or BENCHMARKS
    rows = asyncio.run(main(chosen))
    render(rows)
    return 1 if any(row.met is False for row in rows) else 0


if __name__ == "__main__":
    # Run as `python -m bench`, this file is the module `__main__`: hand over to the module
    # `bench.__main__`, so that benchmarks and runner share one `Row` class.
    from bench.__main__ import run as _run
    sys.exit(_run(sys.argv[1:]))
