"""Hosts that mix scripts ("pаypal.com" with a Cyrillic "а"), shown to admins in punycode."""

from __future__ import annotations

from confusable_homoglyphs import categories
from yarl import URL

_NEUTRAL = frozenset({"COMMON", "INHERITED"})  # digits, "-", combining marks
# Mixes a language writes every day (Unicode TS #39, "highly restrictive"), with Latin
# (any TLD such as .com, .jp is Latin).
_USUAL_MIXES = (frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
                frozenset({"LATIN", "HAN", "BOPOMOFO"}),
                frozenset({"LATIN", "HAN", "HANGUL"}))


def mixes_scripts(host: str) -> bool:
    """Whether the host's letters (all its labels together) come from more than one script,
    other than the usual mixes of Japanese, Chinese and Korean names."""
    scripts = categories.unique_aliases(host.replace(".", "")) - _NEUTRAL
    return len(scripts) > 1 and not any(scripts <= mix for mix in _USUAL_MIXES)


def host_warning(url: str) -> str | None:
    """The host in punycode ("xn--pypal-4ve.com") when it mixes scripts, else None; a host
    typed in punycode is read in Unicode first."""
    try:
        parsed = URL(url.strip())
        host, raw = parsed.host, parsed.raw_host
    except (ValueError, UnicodeError):
        return None
    if not host or not raw or not mixes_scripts(host):
        return None
    return raw
