"""Token buckets per platform and target, pausable for a 429's Retry-After."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float
    paused_until: float = 0.0


class RateLimiter:
    """`rate` sends a second with bursts of `burst`, per key; real (monotonic) time."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        return bucket

    def delay(self, key: str) -> float:
        """Seconds to wait before `key` may send; takes the token when it is 0."""
        now = time.monotonic()
        bucket = self._bucket(key, now)
        if bucket.paused_until > now:
            return bucket.paused_until - now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    async def acquire(self, key: str) -> None:
        while (wait := self.delay(key)) > 0:
            await asyncio.sleep(wait)

    def pause(self, key: str, seconds: float) -> None:
        """Hold every send on `key` for `seconds` (the platform said Retry-After)."""
        bucket = self._bucket(key, time.monotonic())
        bucket.paused_until = max(bucket.paused_until, time.monotonic() + seconds)
