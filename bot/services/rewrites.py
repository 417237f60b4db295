"""Suggested personal rewrites: angle templates filled for one member and one post."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.services.textfit import cut_on_word
from bot.texts import Texts

SUGGESTIONS = 3
MAX_SUGGESTION = 1200  # well under LinkedIn's 3,000 and a Slack section's 3,000


@dataclass(frozen=True)
class RewriteInput:
    post_id: int
    member_id: int
    title: str
    summary: str
    key_points: list[str]
    hashtags: list[str]
    first_name: str
    team: str
    role: str
    disclosure: str


def _rank(seed: str) -> int:
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")


def format_hashtags(tags: list[str]) -> str:
    return " ".join("#" + tag.lstrip("#") for tag in tags if tag.strip("# "))


def suggest(texts: Texts, locale: str, data: RewriteInput) -> list[str]:
    """Three suggestions, stable for a (member, post) pair and varied across members."""
    angles = texts.list(locale, "rewrites")
    seed = f"{data.post_id}:{data.member_id}"
    chosen = sorted(angles, key=lambda angle: _rank(f"{seed}:{angle}"))
    suggestions: list[str] = []
    for index, angle in enumerate(chosen):
        point = ""
        if data.key_points:
            point = data.key_points[_rank(f"{seed}:{index}") % len(data.key_points)]
        text = texts.render(
            locale,
            f"rewrites/{angle}",
            first_name=data.first_name,
            team=data.team,
            role=data.role,
            title=data.title,
            point=point,
            hashtags=format_hashtags(data.hashtags),
            disclosure=data.disclosure,
        )
        text = cut_on_word(text, MAX_SUGGESTION)
        if text and text.strip() != data.summary.strip() and text not in suggestions:
            suggestions.append(text)
        if len(suggestions) == SUGGESTIONS:
            break
    return suggestions
