"""Share links that carry the volunteer's words, the disclosure that holds, and the measure
of how much a volunteer made a text their own.

LinkedIn: `feed/?shareActive=true&text=` opens the post box with text and link (not an
official API, the person must be signed in); `sharing/share-offsite/?url=` carries the link
only, and is the fallback when the first would be too long for a button. X: an intent
carries at most 280 characters, every link counted as 23: the prose is cut, never the link
nor the trailing hashtags (the post's and the disclosure hashtag).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlencode

from rapidfuzz.distance import Indel

from bot.services.textfit import ELLIPSIS

X_LIMIT = 280
X_URL_WEIGHT = 23  # X counts every link as 23 characters, whatever its length
X_TEXT_BUDGET = X_LIMIT - X_URL_WEIGHT - 1  # the intent's link follows the text after a space
LINKEDIN_LIMIT = 3000
# The longest share link a card button may hold. Slack refuses a button url over 3000
# characters (and the whole message with it); Teams documents no limit for Action.OpenUrl,
# but its clients hand the link to the browser and the mobile OS, where a few thousand
# characters are safe and tens of thousands are not; LinkedIn's front servers accept
# request lines well beyond 3000. One card serves every platform: 3000 holds everywhere.
SHARE_URL_LIMIT = 3000
LINKEDIN_POST = "https://www.linkedin.com/feed/?shareActive=true&text="
_TOKENS = re.compile(r"\w+|[^\w\s]")
_WORDS = re.compile(r"\s*\S+")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_TRAILING_TAGS = re.compile(r"(?<!\S)#\w+(?:\s+#\w+)*\s*\Z")
_TRIM = " \n\t,;:.-"
# twitter-text's weights: these code points count 1, every other one 2 (emoji, CJK…).
# An emoji of several code points (👩‍💻) counts 2 on X and more here: a cut errs on the
# short side. Links are those written with http(s)://, the ones people paste.
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def edit_ratio(suggested: str, final: str) -> float:
    """0.0 for the suggestion untouched, 1.0 for a text sharing no word with it."""
    a = _TOKENS.findall(suggested.lower())
    b = _TOKENS.findall(final.lower())
    return round(Indel.normalized_distance(a, b), 3)


def new_link_token() -> str:
    return secrets.token_urlsafe(9)


def shared_text(text: str, link: str) -> str:
    """What the volunteer posts: their text, then their tracked link."""
    return f"{text}\n\n{link}"


# -- hashtags and the disclosure ---------------------------------------------------------

def hashtag_line(hashtags: list[str], disclosure: str) -> str:
    """The post's hashtags and the disclosure hashtag, as the product adds them to every
    text it prepares for sharing."""
    tags = ["#" + tag.strip().lstrip("#") for tag in hashtags if tag.strip("# ")]
    if disclosure.strip("# "):
        tags.append("#" + disclosure.strip().lstrip("#"))
    return " ".join(dict.fromkeys(tags))


def with_hashtags(text: str, hashtags: list[str], disclosure: str) -> str:
    """A suggestion as the share form offers it: its words, then the hashtags line."""
    line = hashtag_line(hashtags, disclosure)
    return f"{text}\n\n{line}" if line else text


def has_hashtag(text: str, tag: str) -> bool:
    """Whether `text` holds the hashtag `tag` ('#Acme'), in any case, as a whole word."""
    return bool(re.search(rf"(?<![\w#]){re.escape(tag)}(?!\w)", text, re.IGNORECASE))


def split_hashtags(text: str) -> tuple[str, str, str]:
    """(prose, separator, trailing hashtags): the hashtags that end the text, on their own
    line or not, apart from the words before them."""
    text = text.strip()
    found = _TRAILING_TAGS.search(text)
    if found is None:
        return text, "", ""
    prose = text[:found.start()].rstrip()
    gap = text[len(prose):found.start()]
    return prose, "\n\n" if "\n" in gap else " ", " ".join(found.group().split())


def with_disclosure(text: str, hashtag: str) -> str:
    """`text` ending with the disclosure hashtag: unchanged when it holds it already, else
    the hashtag joins its trailing hashtags, or a line of its own."""
    text = text.strip()
    if not hashtag or has_hashtag(text, hashtag):
        return text
    trailing_tags = split_hashtags(text)[2]
    return f"{text} {hashtag}" if trailing_tags else f"{text}\n\n{hashtag}"


# -- LinkedIn -----------------------------------------------------------------------------

def linkedin_share_url(link: str) -> str:
    """LinkedIn's share box with the link only: the text has to be pasted."""
    return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": link})


def linkedin_post_url(text: str, link: str) -> str | None:
    """LinkedIn's post box opened with the text and the link; None when that URL would be
    longer than a button may hold."""
    url = LINKEDIN_POST + quote(shared_text(text, link), safe="")
    return url if len(url) <= SHARE_URL_LIMIT else None


# -- X ------------------------------------------------------------------------------------

def x_weight(text: str) -> int:
    """The length X counts: links 23, most alphabets 1 a character, the rest 2."""
    links = len(_URL.findall(text))
    return links * X_URL_WEIGHT + sum(_char_weight(c) for c in _URL.sub("", text))


def _char_weight(char: str) -> int:
    point = ord(char)
    return 1 if any(low <= point <= high for low, high in _LIGHT) else 2


def x_text(text: str, keep: Sequence[str] = ()) -> str:
    """The text fitted to one post on X beside its link. Only the prose is cut, on a word
    and with an ellipsis; the trailing hashtags stay, and so does any hashtag of `keep`
    (the disclosure first, then the post's) that the cut would have dropped."""
    text = text.strip()
    if x_weight(text) <= X_TEXT_BUDGET:
        return text
    prose, sep, tags = split_hashtags(text)
    rescued = [t for t in keep if t and has_hashtag(prose, t) and not has_hashtag(tags, t)]
    tail = " ".join([tags, *rescued]).strip()
    if not tail:
        return _cut_prose(prose, X_TEXT_BUDGET)
    if x_weight(tail) > X_TEXT_BUDGET:
        return _fit_tags(tail.split(), keep)
    sep = sep or "\n\n"
    cut = _cut_prose(prose, X_TEXT_BUDGET - x_weight(sep + tail))
    if not cut:
        return tail
    # A rescued hashtag the cut kept in the prose need not be repeated at the end.
    tail = " ".join(t for t in tail.split() if not (t in rescued and has_hashtag(cut, t)))
    return f"{cut}{sep}{tail}" if tail else cut


def _cut_prose(prose: str, budget: int) -> str:
    """The longest word prefix of `prose` that, with an ellipsis, weighs at most `budget`;
    cut inside the next word when whole words would leave most of the room unused (a run of
    emoji, a very long word), as `cut_on_word` does."""
    room = budget - x_weight(ELLIPSIS)
    used, end = 0, 0
    for word in _WORDS.finditer(prose):
        weight = x_weight(word.group())
        if used + weight > room:
            break
        used, end = used + weight, word.end()
    if used <= room // 2 and not _URL.match(prose[end:].lstrip()):  # never half a link
        while end < len(prose) and used + _char_weight(prose[end]) <= room:
            used, end = used + _char_weight(prose[end]), end + 1
    head = prose[:end].rstrip(_TRIM)
    return head + ELLIPSIS if head else ""


def _fit_tags(tags: list[str], first: Iterable[str]) -> str:
    """As many hashtags as fit, those in `first` (the disclosure, the post's) chosen before
    the others, kept in their order in the text."""
    wanted = {tag.lower() for tag in first}
    chosen: list[str] = []
    for tag in sorted(tags, key=lambda t: t.lower() not in wanted):
        if x_weight(" ".join([*chosen, tag])) <= X_TEXT_BUDGET:
            chosen.append(tag)
    return " ".join(t for t in tags if t in chosen)


def x_intent_url(text: str, link: str, keep: Sequence[str] = ()) -> str:
    return (
        "https://x.com/intent/post?text="
        + quote(x_text(text, keep), safe="")
        + "&url="
        + quote(link, safe="")
    )
