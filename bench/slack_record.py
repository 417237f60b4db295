"""What the bench's mock Slack saw: every call with its arrival and answer times, and counts.

Times are `time.monotonic()` seconds, which on Linux is one clock for every process of the
machine: the mock (its own process), the product and the benchmark compare them directly.
A delivery's message carries its key in its metadata; a call without a key is not a nudge
(an answer to a person, a resend check, ...).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

Payload = dict[str, Any]


@dataclass
class Call:
    """One request to the mock: what it asked, where, and what became of it.

    `done` is True when its effect took place (a message posted, updated, a page read),
    even when the answer was then lost in a timeout."""

    method: str
    channel: str
    key: str
    arrived: float
    outcome: str = ""
    done: bool = False
    answered: float | None = None

    @property
    def nudge(self) -> bool:
        return self.method == "chat.postMessage" and bool(self.key)

    @classmethod
    def from_json(cls, data: Payload) -> Call:
        return cls(**data)


@dataclass
class Report:
    """Every call in arrival order, and a count per "method outcome"."""

    calls: list[Call] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def nudges(self) -> list[Call]:
        """The nudges the platform accepted, in arrival order."""
        return [call for call in self.calls if call.nudge and call.done]

    def keys(self) -> Counter[str]:
        return Counter(call.key for call in self.nudges())

    def duplicates(self) -> int:
        """Messages beyond the first for the same key: DMs a volunteer got twice."""
        return sum(n - 1 for n in self.keys().values() if n > 1)

    def lost(self, expected: set[str]) -> int:
        return len(expected - set(self.keys()))

    def delivered(self, expected: set[str]) -> int:
        return len(expected & set(self.keys()))

    def steady_rate(self, low: float = 0.1, high: float = 0.9) -> float:
        """Accepted nudges a second between the `low` and `high` quantiles of their times."""
        times = sorted(call.arrived for call in self.nudges())
        if len(times) < 10:
            return 0.0
        first, last = int(len(times) * low), int(len(times) * high) - 1
        span = times[last] - times[first]
        return (last - first) / span if span > 0 else 0.0

    def count(self, method: str, *outcomes: str) -> int:
        return sum(self.counts.get(f"{method} {outcome}", 0) for outcome in outcomes)

    def summary(self) -> str:
        """The counts as one line, grouped by method."""
        return "; ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))

    def to_json(self) -> Payload:
        return {"calls": [asdict(call) for call in self.calls], "counts": dict(self.counts)}

    @classmethod
    def from_json(cls, data: Payload) -> Report:
        return cls([Call.from_json(call) for call in data["calls"]], dict(data["counts"]))
