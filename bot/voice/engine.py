"""The suggestion engine: three texts for one volunteer and one version of a post, fitted
to its kind, written wholly in its language, personal, and unlike their colleagues'."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache, lru_cache

from rapidfuzz import fuzz, process

from bot.services.dates import day_and_month
from bot.texts import Texts, sentence
from bot.voice import assign, phrasing
from bot.voice.angles import ANGLES, DEFAULT_KIND
from bot.voice.checks import repeats_headline
from bot.voice.facts import find_facts
from bot.voice.person import Person, about_sentence, as_role, said_role, team_phrases
from bot.voice.stored import Suggestion
from bot.voice.style import Style
from bot.voice.versions import Version

# Colleagues' suggestions for one post stay under this rapidfuzz token_sort_ratio: above
# it, two texts read as one text with a few words changed.
MAX_SIMILAR = 70
RECENT = 30  # colleagues' texts compared whatever their angle: the last ten colleagues'
# What one member's suggestions may cost: phrasings tried, renderings compared in all and
# per phrasing. Past the first turn of a big post's rotation most texts are close to some
# colleague's, and the search must stop soon.
MAX_PICKS = 24
MAX_RENDERS = 40
PER_PICK = 4
# What a phrasing is given on its n-th use, n turning through these: each one takes its
# template down another branch, so colleagues sharing a phrasing do not read one text.
LEAVE_OUT: tuple[tuple[str, ...], ...] = (
    (), ("gist",), ("about", "point2"), ("gist", "about"), ("point",), ("gist", "point2"),
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_WORD = re.compile(r"[\s'’]")
# Words that start a clause in lower case when a key point is woven into a sentence.
_LOWER_STARTS: dict[str, frozenset[str]] = {
    "en": frozenset((
        "a", "an", "the", "our", "we", "it", "its", "this", "these", "those", "every",
        "each", "all", "more", "new", "now", "one", "two", "three", "four", "five", "six",
        "seven", "eight", "nine", "ten", "some", "many", "most", "their", "there", "you",
        "your", "they", "over", "under", "up", "to", "from", "with",
    )),
    "fr": frozenset((
        "le", "la", "les", "l", "un", "une", "des", "du", "de", "notre", "nos", "nous",
        "on", "il", "elle", "ils", "elles", "ce", "cet", "cette", "ces", "chaque", "tous",
        "toutes", "tout", "toute", "plus", "nouveau", "nouvelle", "nouveaux", "nouvelles",
        "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "sa",
        "son", "ses", "leur", "leurs", "votre", "vos", "vous", "depuis", "avec", "pour",
    )),
}


@dataclass(frozen=True)
class Request:
    post_id: int
    kind: str
    version: Version
    person: Person
    slot: int
    today: date
    style: Style = Style()
    colleagues: tuple[Said, ...] = ()  # what colleagues were already given for the post

    def colleagues_by_angle(self) -> dict[str, list[str]]:
        """For each angle, the colleagues' texts a text of that angle is compared with: all
        of that angle, and all of the RECENT latest whatever their angle (the same gist can
        bring two angles close)."""
        recent = len(self.colleagues) - RECENT
        found: dict[str, list[str]] = {}
        latest = [said.words for said in self.colleagues[max(recent, 0):]]
        for said in self.colleagues[:max(recent, 0)]:
            found.setdefault(said.angle, []).append(said.words)
        return defaultdict(lambda: latest, {angle: texts + latest
                                            for angle, texts in found.items()})


@dataclass(frozen=True)
class Said:
    """A colleague's suggestion as the engine compares it: its angle, its words sorted (as
    token_sort_ratio compares them, sorted once)."""

    angle: str
    words: str

    @classmethod
    def of(cls, suggestion: Suggestion) -> Said:
        return cls(suggestion.angle, sort_words(suggestion.text))


def sort_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def known_kind(kind: str) -> str:
    return kind if kind in ANGLES else DEFAULT_KIND


def clause(point: str, language: str) -> str:
    """A key point as a clause to weave into a sentence: no final stop, lower-case first
    letter when it starts with an ordinary word."""
    text = " ".join(point.split()).rstrip(" .;:,!")
    first = _WORD.split(text, maxsplit=1)[0]
    if first.lower() in _LOWER_STARTS.get(language, frozenset()) and (
            len(first) == 1 or first[1:].islower()):
        return text[:1].lower() + text[1:]
    return text


def _date_phrases(day: date | None, language: str, today: date) -> tuple[str, str]:
    if day is None:
        return "", ""
    soon = timedelta(0) <= day - today < timedelta(days=300)  # no year needed to tell it
    said = day_and_month(day, language, year=not soon)
    return said, f"le {said}" if language == "fr" else f"on {said}"


@dataclass(frozen=True)
class Content:
    """The post's substance: the summary's sentences and the key points (as clauses).
    Turn k says the k-th of the sentences and the points (as sentences) as the gist and
    dwells on two of the other points, so that colleagues say different parts of it."""

    sentences: list[str]
    points: list[str]

    @property
    def turns(self) -> int:
        return max(len(self.sentences) + len(self.points), 1)

    def at(self, k: int) -> tuple[str, str, str]:
        pool = [*self.sentences, *(sentence(point) for point in self.points)]
        if not pool:
            return "", "", ""
        k %= len(pool)
        gist = pool[k]
        rest = [p for i, p in enumerate(self.points) if i != k - len(self.sentences)]
        if not rest:
            return gist, "", ""
        point2 = rest[(k + 1) % len(rest)] if len(rest) > 1 else ""
        return gist, rest[k % len(rest)], point2


class Engine:
    """Renders the picks of bot/voice/assign.py with the templates of one language."""

    def __init__(self, texts: Texts) -> None:
        self.texts = texts

    @cache  # noqa: B019 - one engine per process, a handful of (locale, kind) keys
    def _variants(self, locale: str, kind: str) -> dict[str, list[str]]:
        return {angle: phrasing.variants(self.texts, locale, kind, angle)
                for angle in ANGLES[kind]}

    @cache  # noqa: B019
    def _label(self, locale: str, kind: str, angle: str) -> str:
        return phrasing.label(self.texts, locale, kind, angle)

    @cache  # noqa: B019
    def _leads(self, locale: str) -> list[str]:
        return phrasing.leads(self.texts, locale)

    @cache  # noqa: B019
    def _takes_lead(self, locale: str, kind: str) -> frozenset[assign.Phrasing]:
        """The phrasings that open with the lead (rendered once with a marker)."""
        marker = phrasing.Params(lead="\u2063 ")
        return frozenset(
            assign.Phrasing(angle, variant)
            for angle, found in self._variants(locale, kind).items() for variant in found
            if phrasing.render(self.texts, locale, kind, angle, variant, marker)
            .startswith("\u2063"))

    @lru_cache(maxsize=256)  # noqa: B019 - a few live posts at a time, per process
    def rotation(self, locale: str, kind: str, post_id: int) -> assign.Rotation:
        """The order this post's suggestions take in this language."""
        kind = known_kind(kind)
        return assign.Rotation(assign.order(post_id, self._variants(locale, kind)),
                               self._takes_lead(locale, kind), len(self._leads(locale)))

    def suggest(self, request: Request) -> list[Suggestion]:
        """Three texts of three angles, each under MAX_SIMILAR to what colleagues got
        where the phrasings allow it (else the least close found within MAX_RENDERS)."""
        version = request.version
        locale = version.language
        kind = known_kind(request.kind)
        base, content = self._params(request)
        leads = self._leads(locale)
        rotation = self.rotation(locale, kind, request.post_id)
        # Past the rotation's first turn every phrasing went out already: the others' are
        # no further from the colleagues' than this member's own three.
        fresh = assign.PER_MEMBER * request.slot < rotation.cycle
        picks = list(itertools.islice(rotation.picks(request.slot, content.turns),
                                      MAX_PICKS if fresh else assign.PER_MEMBER))
        colleagues = request.colleagues_by_angle()
        chosen: dict[str, Suggestion] = {}
        spare: dict[str, tuple[float, Suggestion]] = {}  # per angle, the least close one
        budget = MAX_RENDERS
        for pick in picks:
            angle = pick.phrasing.angle
            if angle in chosen or budget <= 0:
                continue
            text, closeness, used = self._least_close(
                request, kind, pick, self._variations(pick, base, content, leads),
                colleagues[angle], min(PER_PICK if fresh else 1, budget))
            budget -= used
            if text and closeness < MAX_SIMILAR:
                chosen[angle] = self._suggestion(locale, kind, pick, text)
                if len(chosen) == assign.PER_MEMBER:
                    break
            elif text and closeness < spare.get(angle, (101.0,))[0]:
                spare[angle] = (closeness, self._suggestion(locale, kind, pick, text))
        for _, suggestion in sorted(spare.values(), key=lambda item: item[0]):
            if len(chosen) < assign.PER_MEMBER:
                chosen.setdefault(suggestion.angle, suggestion)
        for pick in picks:  # the budget ran out first: the member's own, unchecked
            if len(chosen) < assign.PER_MEMBER and pick.phrasing.angle not in chosen:
                text = next((t for t in map(lambda p: self._render(request, kind, pick, p),
                                             self._variations(pick, base, content, leads))
                             if t), "")
                if text:
                    chosen[pick.phrasing.angle] = self._suggestion(locale, kind, pick, text)
        found = list(chosen.values())
        if request.style.short_first:
            found.sort(key=lambda suggestion: len(suggestion.text))
        return found

    def _suggestion(self, locale: str, kind: str, pick: assign.Pick, text: str) -> Suggestion:
        return Suggestion(text, pick.phrasing.angle,
                          self._label(locale, kind, pick.phrasing.angle))

    def _params(self, request: Request) -> tuple[phrasing.Params, Content]:
        """What every phrasing may say for this person and version, and the post's
        substance, which turns between colleagues."""
        version, person, language = request.version, request.person, request.version.language
        sentences = [s for s in _SENTENCE_END.split(version.summary.strip()) if s]
        sentences = [s for s in sentences if not repeats_headline(s, version.title)]
        points = [clause(p, language) for p in version.key_points
                  if p.strip() and not repeats_headline(p, version.title)]
        facts = find_facts("\n".join([version.title, version.summary, *version.key_points]),
                           language, request.today)
        day, when = _date_phrases(facts.date, language, request.today)
        team, our_team = team_phrases(person.team_name, language)
        place = facts.place
        where = (f"à {place}" if language == "fr" else f"in {place}") if place else ""
        return phrasing.Params(
            first_name=person.first_name, role=said_role(person.role, language),
            as_role=as_role(person.role, language), team_name=person.team_name, team=team,
            our_team=our_team, about=about_sentence(person.about, language),
            date=day, when=when, place=place, where=where,
            job=facts.job if request.kind == "job" else "",
        ), Content(sentences, points)

    def _variations(self, pick: assign.Pick, base: phrasing.Params, content: Content,
                    leads: list[str]) -> Iterator[phrasing.Params]:
        """What the pick may be given, in turn: the content it is due, then the next, and
        each use of a phrasing leaving out other fields (never all it could say)."""
        for left_out, turn in itertools.product(_turned(LEAVE_OUT, pick.use),
                                                range(content.turns)):
            given = dict(zip(("gist", "point", "point2"), content.at(pick.point + turn),
                             strict=True), about=base.about)
            kept = {name: "" if name in left_out else value for name, value in given.items()}
            if _says_something(kept) or not _says_something(given):
                yield replace(base, lead=leads[pick.lead], **kept)

    @lru_cache(maxsize=4096)  # noqa: B019 - colleagues alike in what a phrasing says
    def _phrased(self, locale: str, kind: str, phrasing_: assign.Phrasing,
                 params: phrasing.Params) -> str:
        return phrasing.render(self.texts, locale, kind, phrasing_.angle, phrasing_.variant,
                               params)

    def _render(self, request: Request, kind: str, pick: assign.Pick,
                params: phrasing.Params) -> str:
        """The text, with the member's sign-off; '' if it holds the headline."""
        body = self._phrased(request.version.language, kind, pick.phrasing, params)
        if request.style.sign_off and request.style.sign_off not in body:
            body = f"{body}\n\n{request.style.sign_off}"
        return "" if repeats_headline(body, request.version.title) else body

    def _least_close(self, request: Request, kind: str, pick: assign.Pick,
                     variations: Iterator[phrasing.Params], others: list[str],
                     tries: int) -> tuple[str, float, int]:
        """The first of `tries` renderings under MAX_SIMILAR to every colleague's text in
        `others`, else the least close: (text, closeness, renderings made)."""
        best, best_closeness, used = "", 101.0, 0
        for params in itertools.islice(variations, tries):
            used += 1
            text = self._render(request, kind, pick, params)
            if not text:
                continue
            closest = process.extractOne(sort_words(text), others, scorer=fuzz.ratio,
                                         processor=None, score_cutoff=MAX_SIMILAR)
            closeness = closest[1] if closest else 0.0  # 0: under MAX_SIMILAR
            if closeness < best_closeness:
                best, best_closeness = text, closeness
            if closeness < MAX_SIMILAR:
                break
        return best, best_closeness, used


def _says_something(fields: dict[str, str]) -> bool:
    return bool(fields["gist"] or fields["point"] or fields["about"])


def _turned(items: tuple[tuple[str, ...], ...], start: int) -> list[tuple[str, ...]]:
    start %= len(items)
    return [*items[start:], *items[:start]]


@cache
def engine(texts: Texts) -> Engine:
    """The process's engine for these templates."""
    return Engine(texts)
