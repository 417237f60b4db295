"""Code checks on a written draft before anyone sees it: why it may not be shown, if it may not."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz, process

from bot.terms import find_blocked
from bot.voice.checks import normal, repeats_headline
from bot.voice.facts import MONTHS, dates_written
from bot.voice.language import sentence_languages
from bot.voice.originality import THRESHOLD
from bot.voice.originality import words as comparable
from bot.voice.versions import Version

REASONS = ("language", "invented_fact", "blocked_term", "mention", "markup", "link",
           "hashtag", "too_long", "headline", "too_close", "empty")

_MENTION = re.compile(
    r"(?<![\w.+-])@[\w.-]*\w"  # @here, @channel, @everyone, @someone
    r"|<[!@#][^>]*>"  # Slack: <!channel>, <!here>, <!subteam^…>, <@U…>, <#C…>
    r"|<at\b[^>]*>.*?</at>",  # Teams
    re.IGNORECASE | re.DOTALL)
_MARKUP = re.compile(
    r"</?[A-Za-z][^<>]*>"  # HTML tags, Slack <url|text>
    r"|\*\*|__|~~|`"
    r"|\[[^\]\n]*\]\([^)\n]*\)"  # [text](url)
    r"|(?<![\w*])\*[^*\s][^*\n]*\*(?![\w*])"  # *bold* (Slack)
    r"|(?<![\w_])_[^_\s][^_\n]*_(?![\w_])"  # _italic_
    r"|^[ \t]*#{1,6}[ \t]",  # a Markdown heading (a hashtag has no space after #)
    re.MULTILINE)
_TLDS = ("com|org|net|io|fr|eu|co|ai|app|dev|ly|me|info|biz|tv|us|uk|de|be|ch|ca|es|it|nl|"
         "gg|xyz|tech|cloud|gouv|jobs|careers|news|site|online|page|link")
_LINK = re.compile(
    rf"\bhttps?://|\bwww\.|\bmailto:|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    rf"|\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b(?![.-]?\w)",
    re.IGNORECASE)
_HASHTAG = re.compile(r"(?<![\w&/#])#(\w+)")
_QUOTED = re.compile(r"«([^»]+)»|“([^”]+)”|\"([^\"]+)\"|‘([^’]+)’")

# Numbers. Digits are always a figure; written-out numbers only when they clearly are one
# (see _figure): "in two lines", "a dozen people", « les deux » are how people talk.
_DIGITS = re.compile(
    r"(?P<int>\d+(?:[,.\u00a0\u202f ]\d{3}(?!\d))*)(?:[.,](?P<frac>\d+))?"
    r"(?:\s*(?:(?P<scale>k|bn|md|thousand|millions?|billions?|mille|milliards?)"
    r"|(?-i:(?P<m>M)))\b)?", re.IGNORECASE)
_LIST_MARKER = re.compile(r"^[ \t]*\d{1,2}[.)](?=\s)", re.MULTILINE)
_UNITS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "dozen": 12,
    "zéro": 0, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "soixante": 60, "douzaine": 12, "quinzaine": 15, "vingtaine": 20,
    "trentaine": 30, "quarantaine": 40, "cinquantaine": 50, "centaine": 100,
}
_WEAK = {"one": 1, "un": 1, "une": 1}  # a number only inside a longer one: "vingt et un"
_HUNDRED = {"hundred", "cent", "cents", "hundreds", "centaines"}
_SCALES = {"thousand": 10**3, "thousands": 10**3, "mille": 10**3, "million": 10**6,
           "millions": 10**6, "billion": 10**9, "billions": 10**9, "milliard": 10**9,
           "milliards": 10**9, "k": 10**3, "m": 10**6, "bn": 10**9, "md": 10**9}
_JOINS = {"and", "et"}
_ORDINALS = {  # read in the post only: its "third office" lets a draft say "3rd"
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "premier": 1, "première": 1, "deuxième": 2,
    "seconde": 2, "troisième": 3, "quatrième": 4, "cinquième": 5,
    "sixième": 6, "septième": 7, "huitième": 8, "neuvième": 9, "dixième": 10, "half": 0.5,
    "moitié": 0.5,
}
_PERCENT = re.compile(r"^\s*(?:%|per\s*cent\b|pour\s*cent\b)", re.IGNORECASE)
_IDIOM = re.compile(r"^\s*(?:times|fois)\b", re.IGNORECASE)  # "a thousand times", « mille fois »
_WORD = re.compile(r"[^\W\d_]+")

# Dates: the post's day and month, month or weekday must be the draft's.
_MONTH_NAMES = {name: number for name, number in MONTHS.items() if len(name) > 4
                or name in ("may", "june", "july", "mars", "mai", "juin", "août", "aout")}
_WEEKDAYS = {
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
    "sunday": 7, "lundi": 1, "mardi": 2, "mercredi": 3, "jeudi": 4, "vendredi": 5,
    "samedi": 6, "dimanche": 7,
}
# "an ordinary Tuesday", « lundi matin » are any week's, not a date: "on Monday morning",
# « ce lundi matin » are one.
_ANY_DAY = {"a", "an", "any", "un", "une", "quel", "quelconque", "n'importe"}
_PART_OF_DAY = {"morning", "mornings", "evening", "night", "matin", "matins", "soir"}
_THIS_DAY = {"on", "this", "next", "last", "coming", "until", "by", "ce", "le", "dès",
             "jusqu", "prochain", "depuis"}
# Everyday capitalised words and initials that name nothing a post could be wrong about.
_COMMON = {"cv", "ceo", "cto", "cfo", "coo", "cmo", "hr", "rh", "ai", "ia", "ux", "ui", "it",
           "ok", "api", "apis", "faq", "pdf", "phd", "mba", "drh", "pdg", "dg"}
MAX_NAME_WORDS = 4  # a line of extra_known this short is a name (role, team), not a sentence
_CLOSE_QUOTES = "\"'«»“”‘’()[]{}-–—•*·"
_SENTENCE_END = ".!?…"


def _key(value: float) -> float:
    return round(value, 6)


@dataclass(frozen=True)
class Facts:
    """What a draft is checked against: the post as the volunteer reads it, what sharing adds
    and forbids, and what colleagues were given. `extra_known` is other text the writer was
    given and may name, one name per line (the volunteer's role, their team, their sentence
    about their work): short lines are names, left out when the language is told."""

    version: Version
    hashtags: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()
    limit: int = 3000
    colleagues: tuple[str, ...] = ()
    extra_known: str = ""

    @cached_property
    def text(self) -> str:
        v = self.version
        return "\n".join([v.title, v.summary, *v.key_points, *self.hashtags, self.extra_known])

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(word.lower() for word in _WORD.findall(self.text))

    @cached_property
    def numbers(self) -> frozenset[float]:
        """Every value the post writes, in digits or in words, whole or in parts."""
        found = {_key(value) for value, _ in _digit_numbers(self.text, parts=True)}
        found |= {_key(value) for value, _, _ in _word_numbers(self.text)}
        found |= {_key(v) for word in self.words
                  for v in (_UNITS.get(word), _ORDINALS.get(word)) if v is not None}
        return frozenset(found)

    @cached_property
    def dates(self) -> dict[tuple[int, int], set[int | None]]:
        found: dict[tuple[int, int], set[int | None]] = {}
        for (day, month, year), _ in dates_written(self.text):
            found.setdefault((day, month), set()).add(year)
        return found

    @cached_property
    def months(self) -> frozenset[int]:
        named = {MONTHS[word] for word in self.words if word in MONTHS}
        return frozenset(named | {month for _, month in self.dates})

    @cached_property
    def weekdays(self) -> frozenset[int]:
        return frozenset(_WEEKDAYS[word] for word in self.words if word in _WEEKDAYS)

    @cached_property
    def said_by_colleagues(self) -> list[str]:
        return [comparable(text) for text in self.colleagues]

    def refusal(self, draft: str) -> str | None:
        """None when the draft may be shown, else the first reason (of REASONS) it may not."""
        if not draft.strip():
            return "empty"
        if len(draft.strip()) > self.limit:
            return "too_long"
        # Mentions before markup: <@U…> and <at> look like tags.
        if _MENTION.search(draft):
            return "mention"
        if _MARKUP.search(draft):
            return "markup"
        if _LINK.search(draft):
            return "link"
        if self._other_hashtag(draft):
            return "hashtag"
        if find_blocked(draft, list(self.blocked)):
            return "blocked_term"
        if self._quotes_headline(draft):
            return "headline"
        if self._invents(draft):
            return "invented_fact"
        if self._too_close(draft):
            return "too_close"
        if any(found != self.version.language
               for found in sentence_languages(self._without_names(draft))):
            return "language"
        return None

    def _other_hashtag(self, draft: str) -> bool:
        """A hashtag that is not one of the post's: the product adds the post's own."""
        own = {tag.lstrip("#").lower() for tag in self.hashtags}
        return any(tag.lower() not in own for tag in _HASHTAG.findall(draft))

    @cached_property
    def _names_given(self) -> re.Pattern[str] | None:
        """The short lines of `extra_known` (a role, a team): names, in whatever language."""
        names = [line.strip() for line in self.extra_known.splitlines()
                 if line.strip() and len(line.split()) <= MAX_NAME_WORDS]
        if not names:
            return None
        alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def _without_names(self, draft: str) -> str:
        # "Signed, one very happy Ingénieur qualité." is English with a French job title.
        return self._names_given.sub(" ", draft) if self._names_given else draft

    def _quotes_headline(self, draft: str) -> bool:
        title = self.version.title
        if repeats_headline(draft, title):
            return True
        headline = normal(title)
        enough = min(4, len(headline.split()))
        for found in _QUOTED.finditer(draft):
            quoted = normal(next(group for group in found.groups() if group is not None))
            if not quoted:
                continue
            if len(quoted.split()) >= enough and f" {quoted} " in f" {headline} ":
                return True
            if headline and fuzz.ratio(quoted, headline) >= 90:
                return True
        return False

    def _invents(self, draft: str) -> bool:
        rest = draft
        for (day, month, year), span in dates_written(draft):
            years = self.dates.get((day, month))
            # The post's "12 March" said with a year is still the post's date.
            if years is None or (year is not None and year not in years and None not in years):
                return True
            rest = rest[:span[0]] + " " * (span[1] - span[0]) + rest[span[1]:]
        rest = _LIST_MARKER.sub(" ", rest)
        if any(_key(value) not in self.numbers for value, _ in _digit_numbers(rest)):
            return True
        if any(figure and _key(value) not in self.numbers
               for value, _, figure in _word_numbers(rest)):
            return True
        return self._invents_date_word(rest) or bool(self._names(rest))

    def _invents_date_word(self, text: str) -> bool:
        words = [(m.group(), m.start()) for m in _WORD.finditer(text)]
        for i, (word, _) in enumerate(words):
            lower = word.lower()
            month = _MONTH_NAMES.get(lower)
            if month is not None and (lower != "may" or word == "May") and (
                    month not in self.months):
                return True
            weekday = _WEEKDAYS.get(lower)
            if weekday is None or weekday in self.weekdays:
                continue
            before = [word.lower() for word, _ in words[max(i - 2, 0):i]]
            after = words[i + 1][0].lower() if i + 1 < len(words) else ""
            if not (_ANY_DAY & set(before) or after in _PART_OF_DAY
                    and not _THIS_DAY & set(before[-1:])):
                return True
        return False

    def _names(self, text: str) -> list[str]:
        """Capitalised words neither the post nor `extra_known` says, but at a sentence's
        start (where every word is capitalised) and "I"."""
        found = []
        for match in _WORD.finditer(text):
            word = match.group()
            lower = word.lower()
            if (len(word) < 2 or not word[0].isupper() or lower in self.words
                    or lower in _COMMON or lower in MONTHS or lower in _WEEKDAYS
                    or _at_start(text, match.start())):
                continue
            found.append(word)
        return found

    def _too_close(self, draft: str) -> bool:
        others = self.said_by_colleagues
        if not others:
            return False
        return process.extractOne(comparable(draft), others, scorer=fuzz.token_sort_ratio,
                                  processor=None, score_cutoff=THRESHOLD) is not None


def refusal(draft: str, *, version: Version, blocked: list[str], limit: int,
            colleagues: Sequence[str], extra_known: str = "",
            hashtags: Sequence[str] = ()) -> str | None:
    """None when the draft may be shown, else why not: one of REASONS. Several drafts for
    one post are checked faster through one `Facts` and its `refusal`."""
    return Facts(version, tuple(hashtags), tuple(blocked), limit, tuple(colleagues),
                 extra_known).refusal(draft)


def _at_start(text: str, at: int) -> bool:
    before = text[:at].rstrip()
    while before and (before[-1] in _CLOSE_QUOTES or not before[-1].isalnum()
                      and before[-1] not in _SENTENCE_END + ",;:'’"):
        before = before[:-1].rstrip()  # opening quotes, bullets, emoji
    return not before or before[-1] in _SENTENCE_END or "\n" in text[len(before):at]


def _digit_numbers(text: str, parts: bool = False) -> Iterator[tuple[float, int]]:
    """The values written in digits ("2 000", "1,5", "30 %", "2 billion", "40k") and where;
    with `parts`, also each value before its scale word is applied."""
    for found in _DIGITS.finditer(text):
        digits = re.sub(r"\D", "", found.group("int"))
        value = float(f"{digits}.{found.group('frac')}" if found.group("frac") else digits)
        scale = found.group("scale") or found.group("m") or ""
        yield value * _SCALES.get(scale.lower(), 1), found.start()
        if parts and scale:
            yield value, found.start()


def _word_numbers(text: str) -> Iterator[tuple[float, int, bool]]:
    """The numbers written in words ("forty", "two billion", « vingt et un », « trente pour
    cent »): (value, where, whether it is a figure rather than a way of talking)."""
    words = list(_WORD.finditer(text))
    i = 0
    while i < len(words):
        word = words[i].group().lower()
        if (_number_word(word) is None or word in _WEAK and not _continues(words, i, text)
                or word == "cent" and i and words[i - 1].group().lower() in ("per", "pour")
                or text[:words[i].start()].rstrip()[-1:].isdigit()):  # "2 billion", "5 000"
            i += 1
            continue
        run = [words[i]]
        while _continues(words, i, text):
            i += 1
            run.append(words[i])
        i += 1
        while run and run[-1].group().lower() in _JOINS:
            run.pop()
        tokens = [match.group().lower() for match in run]
        value = _value(tokens)
        after = text[run[-1].end():]
        scaled = any(token in _HUNDRED or token in _SCALES for token in tokens)
        figure = bool(_PERCENT.match(after)) or not _IDIOM.match(after) and (
            scaled or value >= 13 and not set(tokens) <= {"dozen", "douzaine"})
        yield value, run[0].start(), figure


def _number_word(word: str) -> float | None:
    if word in _UNITS:
        return _UNITS[word]
    if word in _WEAK:
        return _WEAK[word]
    if word in _HUNDRED:
        return 100
    if word in _SCALES and len(word) > 2:
        return _SCALES[word]
    return None


def _continues(words: list[re.Match[str]], i: int, text: str) -> bool:
    """Whether the number word at i goes on into the next word ("twenty-one", "two
    hundred and fifty", « vingt et un »)."""
    if i + 1 >= len(words) or text[words[i].end():words[i + 1].start()].strip(" -\u00a0"):
        return False
    following = words[i + 1].group().lower()
    if following in _JOINS:
        return i + 2 < len(words) and _number_word(words[i + 2].group().lower()) is not None
    return _number_word(following) is not None


def _value(tokens: list[str]) -> float:
    total, current, previous = 0.0, 0.0, ""
    for token in tokens:
        if token in _JOINS:
            continue
        if token in _HUNDRED:
            current = max(current, 1) * 100
        elif token in _SCALES:
            total += max(current, 1) * _SCALES[token]
            current = 0
        elif token.startswith("vingt") and previous == "quatre":
            current += 80 - 4  # quatre-vingt(s): 80
        else:
            current += _UNITS.get(token, _WEAK.get(token, 0))
        previous = token
    return total + current
