"""Original at share time: how close a text is to what colleagues already shared for a post.

A text is compared with the final texts of the post's most recent shares by other members,
hashtags and links stripped first: the post's hashtags and the disclosure hashtag are the
same in everyone's text and say nothing about whose words it is. The measure is rapidfuzz's
`token_sort_ratio` (0-100, word order ignored, so shuffling sentences does not hide a copy).

The threshold is 80. Two people writing about one post in their own words land around
40-60 (the suggestion engine aims for a median under 45 and a maximum under 75 between
colleagues' suggestions); a suggestion shared untouched by two people scores 100, and one
with a few words changed in a forty-word text still scores 85-95. 80 sits above anything
independent writing reaches and below the lightest edit of a colleague's words, so a
volunteer is told only when readers would see the same post twice.

`process.extractOne` finds the best score without a fixed `score_cutoff`: the best score is
recorded on every share, even a low one, and extractOne already raises its cutoff to the
best found so far while it scans, which lets the scorer skip hopeless candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process, utils
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Share

THRESHOLD = 80.0
RECENT_SHARES = 500  # enough for a whole workspace's shares of one post, fast either way
_NOISE = re.compile(r"(?<![\w#])#\w+|\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)


def words(text: str) -> str:
    """The text without hashtags and links, lower-case, punctuation removed."""
    return utils.default_process(_NOISE.sub(" ", text))


def closest(text: str, colleagues: Iterable[str]) -> float | None:
    """The best token_sort_ratio between `text` and colleagues' texts; None with nothing to
    compare (no colleague shared yet, or texts made only of hashtags and links)."""
    own = words(text)
    choices = [w for w in (words(other) for other in colleagues) if w]
    if not own or not choices:
        return None
    best = process.extractOne(own, choices, scorer=fuzz.token_sort_ratio, processor=None)
    return round(best[1], 1) if best else None


def too_close(similarity: float | None) -> bool:
    return similarity is not None and similarity >= THRESHOLD


async def colleagues_texts(session: AsyncSession, post_id: int, member_id: int) -> list[str]:
    """Final texts of the post's most recent shares by other members."""
    query = (select(Share.final_text)
             .where(Share.post_id == post_id, Share.member_id != member_id)
             .order_by(Share.id.desc()).limit(RECENT_SHARES))
    return list((await session.scalars(query)).all())


async def similarity_to_colleagues(session: AsyncSession, post_id: int, member_id: int,
                                   text: str) -> float | None:
    return closest(text, await colleagues_texts(session, post_id, member_id))
