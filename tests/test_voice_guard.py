"""The code checks a written draft passes before anyone sees it: honest drafts pass, and each
way a draft can go wrong is refused for what it is."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.texts import Texts, make_environment
from bot.voice.ai.writer import checked
from bot.voice.engine import Engine, Request
from bot.voice.guard import REASONS, Facts, refusal
from bot.voice.person import Person
from bot.voice.stored import AI, Suggestion
from bot.voice.versions import Version

JOB = Version("en", "We're hiring: Data Engineer in Lyon",
              "We are looking for a data engineer to run the platform behind our client "
              "dashboards. The role is hybrid, three days a week at the Lyon office.",
              ["you will own pipelines that process two billion events a day",
               "the team of six works in Python and SQL"])
OFFRE = Version("fr", "Nous recrutons un développeur Python à Nantes",
                "L'équipe produit cherche une personne pour construire nos outils internes "
                "de facturation. Le poste est en CDI, avec deux jours de télétravail.",
                ["une stack Python, Django et PostgreSQL",
                 "un budget formation de deux mille euros par an"])
NEWS = Version("en", "Our data centres now run on renewable energy",
               "Since 3 November every server we rent runs on wind and solar power. Our "
               "power use is down 30 % on last year.",
               ["contracts signed with two regional producers",
                "hourly figures published on our status page"])
ACTU = Version("fr", "Nous ouvrons un bureau à Bordeaux",
               "Après Lyon et Nantes, un troisième bureau ouvre en janvier à Bordeaux, pour "
               "vingt personnes d'ici la fin de l'année.",
               ["un espace pensé pour le travail hybride",
                "un partenariat avec l'université de Bordeaux"])
EVENT = Version("en", "Lyon Data Meetup: our team on stage",
                "Two of our engineers will talk about streaming analytics at the Lyon Data "
                "Meetup on 12 March 2027. Entry is free.",
                ["a talk on replaying a year of events in an afternoon",
                 "drinks with the team after the talks"])
CAMILLE = "Data Engineer\nData"  # her role and team, one per line
LEA = "Chargée de recrutement\nRH"


def check(draft: str, version: Version = NEWS, *, known: str = CAMILLE, limit: int = 700,
          blocked: tuple[str, ...] = ("unicorn", "licenciement"),
          colleagues: tuple[str, ...] = ()) -> str | None:
    return refusal(draft, version=version, blocked=list(blocked), limit=limit,
                   colleagues=colleagues, extra_known=known, hashtags=("climate",))


@pytest.mark.parametrize(("version", "known", "draft"), [
    (NEWS, CAMILLE,
     "Honestly, this is the kind of news I like to share. Since 3 November, everything we "
     "run sits on wind and solar power, and our power use is down 30% on last year. As a "
     "Data Engineer in the Data team, I'm proud of it."),
    (NEWS, CAMILLE,
     "Power use down thirty per cent, with contracts signed with 2 regional producers. "
     "I didn't expect it this soon, and it makes me happy to work here."),
    (JOB, CAMILLE,
     "We're looking for a data engineer to join us in Lyon. You would own pipelines that "
     "process 2 billion events a day, with a team of six working in Python and SQL. If "
     "that sounds like you, apply!"),
    (OFFRE, LEA,
     "Mon équipe recrute ! On cherche une personne pour construire nos outils internes, "
     "avec une stack Python, Django et PostgreSQL. Et un budget formation de 2 000 € par "
     "an, ce qui est rare."),
    (ACTU, LEA,
     "Quelle fierté de voir un troisième bureau ouvrir à Bordeaux en janvier ! Après Lyon "
     "et Nantes, c'est 20 personnes de plus d'ici la fin de l'année. J'ai hâte d'y passer."),
    (EVENT, CAMILLE,
     "I'll be in the room on 12 March to hear two of our engineers talk about streaming "
     "analytics. Entry is free, so come and say hello."),
])
def test_an_honest_draft_passes(version: Version, known: str, draft: str) -> None:
    assert check(draft, version, known=known) is None


@pytest.mark.parametrize(("reason", "version", "draft"), [
    ("invented_fact", NEWS, "Our power use is down 40 % on last year, and I love that."),
    ("invented_fact", NEWS, "Our power use is down forty per cent, and I love that."),
    ("invented_fact", NEWS, "Since 12 October, every server we rent runs on wind power."),
    ("invented_fact", NEWS, "See you on Friday to talk about our greener servers."),
    ("invented_fact", NEWS, "I'm proud that Airbus trusts us with its data now that our "
                            "servers run on wind and solar power."),
    ("invented_fact", JOB, "The team of six works in Python and SQL, with 500 clients "
                           "relying on it. Come and join us!"),
    ("invented_fact", ACTU, "Un troisième bureau ouvre en mars à Bordeaux, et j'ai hâte "
                            "de le visiter."),
    ("invented_fact", ACTU, "Un troisième bureau ouvre à Bordeaux, en partenariat avec "
                            "Capgemini, et j'ai hâte de le visiter."),
    ("invented_fact", OFFRE, "On recrute à Nantes, avec un budget formation de trois mille "
                             "euros par an."),
    ("link", NEWS, "Every server we rent now runs on wind and solar power. Read more at "
                   "https://example.com/green"),
    ("link", NEWS, "Every server we rent now runs on wind and solar power: example.com has "
                   "the figures."),
    ("link", JOB, "Apply at www.example.com/jobs if you love Python and SQL."),
    ("mention", NEWS, "@here every server we rent now runs on wind and solar power!"),
    ("mention", NEWS, "<!channel> every server we rent now runs on wind and solar power!"),
    ("mention", NEWS, "Thanks <@U024BE7LH> for the figures on our status page."),
    ("mention", NEWS, "Thanks <at>Camille</at> for the figures on our status page."),
    ("hashtag", NEWS, "Every server we rent now runs on #renewable wind and solar power."),
    (None, NEWS, "Every server we rent now runs on wind and solar power. #Climate"),
    ("hashtag", ACTU, "Un troisième bureau ouvre à Bordeaux #fierté, et j'ai hâte."),
    ("markup", NEWS, "Every server we rent now runs on **wind and solar** power."),
    ("markup", NEWS, "Every server we rent now runs on <b>wind and solar</b> power."),
    ("markup", NEWS, "The hourly figures are on [our status page](https://status.example)."),
    ("markup", NEWS, "The hourly figures are on <https://status.example|our status page>."),
    ("markup", NEWS, "Our servers run on `renewable` energy, and I'm proud of it."),
    ("language", NEWS, "Every server we rent now runs on wind and solar power. Je suis "
                       "vraiment contente de travailler ici."),
    ("language", ACTU, "Un troisième bureau ouvre à Bordeaux. I really can't wait to visit "
                       "the new office."),
    ("headline", NEWS, "Our data centres now run on renewable energy, and I'm proud of it."),
    ("headline", NEWS, "“Data centres now run on renewable”: that sums it up for me."),
    ("blocked_term", NEWS, "Running on wind and solar power makes us a green Unicorn."),
    ("empty", NEWS, "  \n\t "),
])
def test_a_dishonest_or_unfit_draft_is_refused_for_what_it_is(reason: str, version: Version,
                                                             draft: str) -> None:
    known = LEA if version.language == "fr" else CAMILLE
    assert check(draft, version, known=known) == reason


def test_a_draft_longer_than_the_platform_allows_is_refused() -> None:
    draft = ("Every server we rent now runs on wind and solar power, and our power use is "
             "down 30 % on last year. ") * 3
    assert check(draft, limit=len(draft.strip())) is None
    assert check(draft, limit=200) == "too_long"


def test_a_draft_too_close_to_a_colleagues_is_refused() -> None:
    colleague = ("Honestly, this makes me proud: every server we rent now runs on wind and "
                 "solar power, and our power use is down 30 % on last year.")
    reworded = ("This makes me proud, honestly: every server we rent now runs on solar and "
                "wind power, and our power use is down 30 % on last year. #climate")
    own = ("Since 3 November, our servers run on wind and solar power. I work on the data "
           "side, and seeing our power use fall is a good feeling.")
    assert check(reworded, colleagues=(colleague,)) == "too_close"
    assert check(own, colleagues=(colleague,)) is None


def test_checks_agree_through_facts_built_once_per_post() -> None:
    facts = Facts(NEWS, hashtags=("climate",), blocked=("unicorn",), limit=700,
                  extra_known=CAMILLE)
    assert facts.refusal("Our power use is down 40 % on last year.") == "invented_fact"
    assert facts.refusal("Our #climate work shows: power use is down 30 % on last year.") \
        is None


def test_what_the_volunteer_is_given_may_be_named() -> None:
    draft = "As a Solutions Architect in the Sales team, I'm proud of our wind and solar power."
    assert check(draft) == "invented_fact"
    assert check(draft, known="Solutions Architect\nSales") is None


def test_ordinary_words_are_not_mistaken_for_facts() -> None:
    for draft in (
        "I can think of a dozen people who would care. In two lines: wind, solar.",
        "Reading this taught me a thing or two about what changes on an ordinary Tuesday.",
        "Here's my list.\n1. Share it.\n2. Ask me anything about our wind and solar power.",
        "I've said it a thousand times: power use down 30 % on last year is no small thing.",
    ):
        assert check(draft) is None, draft


PEOPLE = [Person("Camille", "Data Engineer", "Data", "I build the data platform."),
          Person("Léa", "Chargée de recrutement", "RH",
                 "J'aide les futurs collègues à trouver leur place chez nous."),
          Person("Olivia", "Senior Software Engineer", "Backend",
                 "I keep our APIs fast and boring in the best way."),
          Person("Théo", "Ingénieur SRE", "", ""),
          Person("Amelia", "Head of Talent", "People", "")]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(Texts(make_environment()))


@pytest.mark.parametrize(("version", "kind"), [(JOB, "job"), (OFFRE, "job"), (NEWS, "news"),
                                               (ACTU, "news"), (EVENT, "event")])
def test_the_engines_own_suggestions_pass(engine: Engine, version: Version, kind: str) -> None:
    for slot in range(12):
        person = PEOPLE[slot % len(PEOPLE)]
        request = Request(post_id=11, kind=kind, version=version, person=person, slot=slot,
                          today=date(2026, 12, 1))
        # The engine says their role, team and sentence about their work: the caller
        # passes what the writer was given.
        known = "\n".join([person.role, person.team_name, person.about])
        for suggestion in engine.suggest(request):
            assert check(suggestion.text, version, known=known, blocked=()) is None, \
                suggestion.text


FRAGMENTS = ("@", "<", ">", "*", "_", "`", "[", "](", "http://", "www.", ".com", "#", "%",
             "30", " 000", ",5", "12 March", "3 novembre", "1er", "2027-03-12", "12/03/2027",
             "deux mille", "thirty per cent", "quatre-vingt", "et un", "Airbus", "May",
             "Friday", "lundi matin", "«", "»", "“", "”", "\"", "I", ". ", "\n", "-", " ")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=30).map("".join),
       st.sampled_from([NEWS, OFFRE, EVENT]))
def test_never_raises_and_answers_a_known_reason(draft: str, version: Version) -> None:
    assert check(draft, version, colleagues=("Every server we rent runs on wind power.",)) \
        in (None, *REASONS)


def test_a_closing_line_of_hashtags_is_dropped_not_refused() -> None:
    """Models like to end with hashtags: the product adds the post's own, so that line goes
    and the draft stays; a hashtag inside a sentence refuses the draft."""
    facts = Facts(NEWS, limit=700, extra_known=CAMILLE)
    [kept, refused] = checked(
        ["Every server we rent now runs on wind and solar power, and I'm proud of it.\n\n"
         "#greenIT #proud",
         "Every server we rent now runs on #wind and solar power."],
        [Suggestion("Engine one.", "proud"), Suggestion("Engine two.", "learned")], facts, "en")
    assert (kept.source, kept.text) == (AI, "Every server we rent now runs on wind and solar "
                                            "power, and I'm proud of it.")
    assert (refused.source, refused.text) == ("engine", "Engine two.")
