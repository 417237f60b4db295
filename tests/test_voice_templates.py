"""Every phrasing of every angle, in every language, reads clean whatever is known."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from bench.voice import HIRING
from bot.texts import LOCALES, Texts, make_environment
from bot.voice.angles import ANGLES
from bot.voice.checks import artefacts, foreign_sentences
from bot.voice.phrasing import Params, label, leads, render, variants

MAX_BODY = 600
MAX_LABEL = 22

FULL = {
    "en": Params(first_name="Camille", role="Data Engineer", as_role="as a Data Engineer",
                 team_name="Data platform", team="the Data platform team",
                 our_team="our Data platform team",
                 about="I build the data platform our clients rely on.",
                 gist="Our platform now handles three billion events a day.",
                 point="the whole pipeline was rebuilt in six months",
                 point2="every team can now query its own data",
                 date="12 March", when="on 12 March", place="Lyon", where="in Lyon",
                 job="Data Engineer"),
    "fr": Params(first_name="Camille", role="ingénieure données",
                 as_role="en tant qu'ingénieure données", team_name="Plateforme",
                 team="l'équipe Plateforme", our_team="notre équipe Plateforme",
                 about="Je construis la plateforme de données sur laquelle comptent nos clients.",
                 gist="Notre plateforme traite désormais trois milliards d'événements par jour.",
                 point="toute la chaîne a été reconstruite en six mois",
                 point2="chaque équipe peut désormais interroger ses propres données",
                 date="12 mars", when="le 12 mars", place="Lyon", where="à Lyon",
                 job="ingénieur ou ingénieure données"),
}
OPTIONAL = ("role", "team", "about", "point", "point2", "place", "date", "gist")


def _without(params: Params, names: tuple[str, ...]) -> Params:
    linked = {"role": ("as_role",), "team": ("team_name", "our_team"), "date": ("when",),
              "place": ("where",)}
    cleared = {name: "" for name in names}
    for name in names:
        cleared.update({other: "" for other in linked.get(name, ())})
    return replace(params, **cleared)


def _cases(locale: str) -> list[Params]:
    full = FULL[locale]
    cases = [full, _without(full, OPTIONAL)]
    cases += [_without(full, (name,)) for name in OPTIONAL]
    cases += [_without(full, pair) for pair in itertools.combinations(OPTIONAL, 2)]
    return cases


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts(make_environment())


ALL = [(locale, kind, angle) for locale in LOCALES for kind, angles in ANGLES.items()
       for angle in angles]


@pytest.mark.parametrize(("locale", "kind", "angle"), ALL)
def test_every_phrasing_reads_clean_in_its_language(texts, locale, kind, angle):
    name = label(texts, locale, kind, angle)
    assert name and len(name) <= MAX_LABEL, name
    found = variants(texts, locale, kind, angle)
    assert len(found) >= 3
    leading = 0
    for variant in found:
        with_lead = render(texts, locale, kind, angle, variant,
                           replace(FULL[locale], lead="Zzlead, "))
        leading += with_lead.startswith("Zzlead, ")
        for params in _cases(locale):
            text = render(texts, locale, kind, angle, variant, params)
            where = f"{locale}/{kind}/{angle}/{variant} with {params}:\n{text}"
            assert text, where
            assert len(text) <= MAX_BODY, where
            assert not artefacts(text), (artefacts(text), where)
        text = render(texts, locale, kind, angle, variant, FULL[locale])
        assert foreign_sentences(text, locale) == 0, text
    assert leading >= 2, f"{locale}/{kind}/{angle}: fewer than two phrasings take the lead"


@pytest.mark.parametrize("locale", LOCALES)
def test_leads_are_short_and_many(texts, locale):
    found = leads(texts, locale)
    assert found[0] == "" and len(found) >= 5
    # One word: the phrasing's first four words (distinct in a kind) make the rest of the opener.
    assert all(len(lead.split()) == 1 and lead.endswith(" ") for lead in found[1:])


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", list(ANGLES))
def test_phrasings_of_a_kind_open_differently_and_speak_of_the_person(texts, locale, kind):
    openers: dict[str, str] = {}
    for angle in ANGLES[kind]:
        for variant in variants(texts, locale, kind, angle):
            text = render(texts, locale, kind, angle, variant, FULL[locale])
            opener = " ".join(text.lower().split()[:4])
            assert opener not in openers, f"{angle}/{variant} opens like {openers[opener]}"
            openers[opener] = f"{angle}/{variant}"
            person = FULL[locale]
            assert person.role in text or person.team_name in text, \
                f"{locale}/{kind}/{angle}/{variant} says nothing of the person:\n{text}"


@pytest.mark.parametrize(("locale", "kind", "angle"),
                         [case for case in ALL if case[1] in ("job", "event")])
def test_job_offers_speak_of_hiring_and_events_say_when_or_where(texts, locale, kind, angle):
    for variant in variants(texts, locale, kind, angle):
        for params in (FULL[locale], _without(FULL[locale], ("point", "point2", "gist"))):
            text = render(texts, locale, kind, angle, variant, params).lower()
            if kind == "job":
                assert any(word in text for word in HIRING[locale]), text
            else:
                assert params.date.lower() in text or params.place.lower() in text, text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", list(ANGLES))
def test_phrasings_of_a_kind_are_far_apart(texts, locale, kind):
    """Colleagues get different phrasings: any two of a kind, said of the same person and
    post, stay under a rapidfuzz token_sort_ratio of 70 (docs/voice.md)."""
    from rapidfuzz import fuzz

    rendered = {f"{angle}/{variant}": render(texts, locale, kind, angle, variant, FULL[locale])
                for angle in ANGLES[kind] for variant in variants(texts, locale, kind, angle)}
    assert len(rendered) >= 8 * 8, f"{locale}/{kind}: {len(rendered)} phrasings, 64 wanted"
    close = [(a, b, round(fuzz.token_sort_ratio(rendered[a], rendered[b])))
             for a, b in itertools.combinations(rendered, 2)
             if fuzz.token_sort_ratio(rendered[a], rendered[b]) >= 70]
    assert not close, close
