"""When a volunteer seems tired, and what Porte-Voix does about it.

Three nudges in a row left without any action (no pick, skip, decline or share, each out
for two days at least) halve their weekly cap (at least 1) and bring one question: keep as it
was, fewer, pause a month, stop. It is asked once until they act again: answering, or
acting on a nudge, ends the halving, and a later streak may ask again. A month without any
action, with nudges received meanwhile, brings one check-in per silence. A pause, a
resume or a join counts as an action, and the time paused is no silence. Nothing of this
is shown to anyone else nor counted anywhere."""

from __future__ import annotations

from datetime import datetime, timedelta

STREAK = 3  # nudges in a row left without any action
LEFT = timedelta(days=2)  # how long a nudge is out before it counts as left
SILENCE = timedelta(days=30)  # without any action: a check-in
PAUSE = timedelta(days=30)  # "pause a month"

QUESTION, CHECKIN = "question", "checkin"
ANSWERS = ("keep", "fewer", "pause", "stop")


def lowered(cap: int) -> int:
    """Half the weekly cap, at least one nudge a week."""
    return max(1, cap // 2)


def cap_now(chosen: int, fatigue_cap: int | None) -> int:
    """The weekly cap planning honours: theirs, or lower while eased off."""
    return chosen if fatigue_cap is None else min(chosen, fatigue_cap)


def left_in_a_row(sent: list[datetime], last_action: datetime | None, now: datetime) -> int:
    """How many of the nudges sent (their times) since their last action have been left."""
    return sum(1 for at in sent if (last_action is None or at >= last_action)
               and at <= now - LEFT)


def silent(last_action: datetime, checked_in: datetime | None, now: datetime) -> bool:
    """A month without any action, not checked in during this silence yet."""
    return last_action <= now - SILENCE and (checked_in is None or checked_in < last_action)


def may_ask(asked: datetime | None, last_action: datetime | None) -> bool:
    """Asked once until they act again."""
    return asked is None or (last_action is not None and asked < last_action)
