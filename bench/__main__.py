"""`python -m bench`: run every benchmark and print one table of ratios to its baseline."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable

from rich.console import Console
from rich.table import Table

from bench import slack_ack
from bench.slack_ack import Result, Series

BENCHMARKS: list[Callable[[], Awaitable[Result]]] = [slack_ack.run]
TOTAL_TIMEOUT = 50.0


class _DropBoltTokenNotice(logging.Filter):
    """Bolt warns that `token` is unused when a client is given too: expected, not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _row(table: Table, series: Series, base: Series | None) -> None:
    if not series.latencies:
        table.add_row(series.name, "0", str(series.failures), "-", "-", "-", "-", "-")
        return
    p50, p99 = percentile(series.latencies, 50), percentile(series.latencies, 99)
    if base is None:
        ratios = ("1.00×", "1.00×")
    else:
        b50, b99 = percentile(base.latencies, 50), percentile(base.latencies, 99)
        ratios = (f"{p50 / b50:.2f}×", f"{p99 / b99:.2f}×")
    table.add_row(series.name, str(len(series.latencies)), str(series.failures), _ms(p50),
                  _ms(p99), _ms(max(series.latencies)), *ratios)


async def main() -> list[Result]:
    return [await asyncio.wait_for(bench(), TOTAL_TIMEOUT) for bench in BENCHMARKS]


def run() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("slack_bolt").addFilter(_DropBoltTokenNotice())
    logging.getLogger("slack_bolt.AsyncApp").addFilter(_DropBoltTokenNotice())
    results = asyncio.run(main())
    table = Table(title="Porte-Voix benchmarks: time to the response, against a baseline "
                        "measured in the same run")
    for column in ("benchmark", "ok", "failed", "p50 ms", "p99 ms", "max ms", "p50 ÷ base",
                   "p99 ÷ base"):
        table.add_column(column, justify="left" if column == "benchmark" else "right")
    failed = 0
    for result in results:
        if not result.baseline.latencies:
            raise SystemExit("the baseline had no successful request")
        _row(table, result.baseline, None)
        for series in result.measured:
            _row(table, series, result.baseline)
            failed += series.failures
        failed += result.baseline.failures
    console = Console(width=max(Console().width, 120))
    console.print(table)
    for result in results:
        for note in result.notes:
            console.print(note, soft_wrap=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run())
