"""Asking the scheduler to run a job now: the core says what changed, the scheduler listens."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

log = logging.getLogger(__name__)
PLAN = "plan"  # something that decides who gets a nudge changed: plan again
OUTBOX = "outbox"  # nudges may be due now: look at the outbox again
CARDS = "cards"  # cards already delivered must show something new: bring them in line


class Wakeups:
    """Callbacks per job name. The core never imports the scheduler (DESIGN.md): handlers
    call `wake`, after their transaction committed; the scheduler registers with `on`."""

    def __init__(self) -> None:
        self._listeners: defaultdict[str, list[Callable[[], None]]] = defaultdict(list)

    def on(self, job: str, callback: Callable[[], None]) -> None:
        self._listeners[job].append(callback)

    def wake(self, *jobs: str) -> None:
        for job in jobs:
            for callback in self._listeners.get(job, ()):
                try:
                    callback()
                except Exception:  # a listener's failure must not undo a committed change
                    log.exception("waking job %s failed", job)
