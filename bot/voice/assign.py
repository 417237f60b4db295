"""Which angle, phrasing, lead and key point each of a post's volunteers gets.

The volunteers of a post are numbered in the order the plan gave them the post (`slot`).
Suggestion g = 3 × slot + i walks a rotation: first every phrasing of the kind, shuffled
per post and one angle after another, then again with each lead in turn for the phrasings
that take one. No opener repeats until every phrasing has gone out with every lead, and a
member's three take three different angles."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

PER_MEMBER = 3


@dataclass(frozen=True)
class Phrasing:
    angle: str
    variant: str


@dataclass(frozen=True)
class Pick:
    phrasing: Phrasing
    lead: int
    point: int
    use: int = 0  # how many times this phrasing went out before (bot/voice/engine.py)


def _rank(seed: str) -> int:
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")


def order(post_id: int, variants: dict[str, list[str]]) -> list[Phrasing]:
    """The kind's phrasings in this post's order: round r holds each angle's r-th phrasing,
    the angles shuffled by the post so that posts do not all open alike."""
    angles = sorted(variants, key=lambda angle: _rank(f"{post_id}:{angle}"))
    rounds = max(len(found) for found in variants.values())
    return [Phrasing(angle, variants[angle][r]) for r in range(rounds) for angle in angles
            if r < len(variants[angle])]


class Rotation:
    """The sequence of (phrasing, lead) a post's suggestions take, one turn per lead, cut
    into members' threes, each of three different angles."""

    def __init__(self, phrasings: list[Phrasing], takes_lead: frozenset[Phrasing],
                 leads: int) -> None:
        self.size = len(phrasings)
        self.leads = leads
        sequence = [(p, turn) for turn in range(leads) for p in phrasings
                    if turn == 0 or p in takes_lead]
        # Whole threes only: the last one or two openers of a cycle are left for the next.
        sequence = sequence[:len(sequence) - len(sequence) % PER_MEMBER] or sequence
        self.sequence = _distinct_threes(sequence)
        self.cycle = len(self.sequence)

    def at(self, g: int) -> tuple[Phrasing, int]:
        """Suggestion g's phrasing and lead."""
        return self.sequence[g % self.cycle]

    def picks(self, slot: int, points: int) -> Iterator[Pick]:
        """The picks of the member in `slot`: their own three first, then others' from half
        a cycle ahead (not given yet), for when one is refused as too close to what a
        colleague got or shares an angle with one already taken."""
        start = PER_MEMBER * slot
        ahead = start + (self.cycle // 2 // PER_MEMBER) * PER_MEMBER
        for g in [*range(start, start + PER_MEMBER), *range(ahead, ahead + self.cycle)]:
            phrasing, lead = self.at(g)
            yield Pick(phrasing, lead, (g + g // self.size) % max(points, 1),
                       lead + g // self.cycle * self.leads)


Entry = tuple[Phrasing, int]


def _distinct_threes(sequence: list[Entry]) -> list[Entry]:
    """The sequence with entries swapped forward so that each aligned three holds three
    angles (where the kind has three)."""
    items = list(sequence)
    for start in range(0, len(items) - PER_MEMBER + 1, PER_MEMBER):
        for i in range(start, start + PER_MEMBER):
            taken = {items[j][0].angle for j in range(start, i)}
            if items[i][0].angle not in taken:
                continue
            for j in range(start + PER_MEMBER, len(items)):
                if items[j][0].angle not in taken:
                    items[i], items[j] = items[j], items[i]
                    break
    return items
