"""Posts have a language and a kind, volunteers say which languages they post in, and a post
reaches only those who post in one of its versions."""

from __future__ import annotations

from datetime import date

import pytest

from bot.preferences import posting_languages
from bot.texts import LOCALES
from bot.voice.angles import KINDS
from bot.voice.facts import Facts, find_facts
from bot.voice.kinds import infer_kind
from storage.models import AuditLog, Delivery, Post, Workspace
from tests.conftest import ADMIN, enlist
from tests.fakes import set_prefs
from tests.helpers import (
    NEWS_URL,
    assert_reads,
    count,
    crafted_form,
    delivery_of,
    last_text,
    member,
    one,
    queue,
    rows,
    says,
    speak,
)

TODAY = date(2026, 11, 30)
FRENCH_JOB = ('https://example.com/offres/dev-python --title "Nous recrutons un·e développeur·se '
              'Python à Nantes" --summary "Rejoignez une équipe de six personnes qui construit '
              'nos outils de facturation."')


# What a text says plainly


@pytest.mark.parametrize(("text", "language", "facts"), [
    ("We're hiring: Data Engineer in Lyon", "en", Facts(None, "Lyon", "Data Engineer")),
    ("Nous recrutons un·e développeur·se Python à Nantes", "fr",
     Facts(None, "Nantes", "développeur·se Python")),
    ("We are hiring eight data engineers", "en", Facts(None, "", "data engineers")),
    ("On recrute : chef·fe de projet en CDI", "fr", Facts(None, "", "chef·fe de projet")),
    ("Join us on 12 March 2027 at Station F", "en", Facts(date(2027, 3, 12), "Station F", "")),
    ("Meetup on March 12 in New York", "en", Facts(date(2027, 3, 12), "New York", "")),
    ("Rendez-vous le 12 mars au Palais des Congrès", "fr",
     Facts(date(2027, 3, 12), "Palais des Congrès", "")),
    ("Le 1er décembre à Saint-Étienne", "fr", Facts(date(2026, 12, 1), "Saint-Étienne", "")),
    ("Deadline: 12/03/2027", "en", Facts(date(2027, 3, 12), "", "")),
    ("Doors open 2027-03-12", "en", Facts(date(2027, 3, 12), "", "")),
    ("Opening in May in Paris", "en", Facts(None, "Paris", "")),
    ("Our new office in lyon", "en", Facts()),
    ("Published in English on 31 April", "en", Facts()),
])
def test_find_facts_reads_dates_places_and_roles_in_both_languages(text, language, facts):
    assert find_facts(text, language, TODAY) == facts


@pytest.mark.parametrize(("title", "summary", "language", "url", "kind"), [
    ("We're hiring: Data Engineer in Lyon", "", "en", NEWS_URL, "job"),
    ("Nous recrutons un·e développeur·se Python", "", "fr", NEWS_URL, "job"),
    ("Meet the team", "", "en", "https://example.com/careers/meet-the-team", "job"),
    ("See you at VivaTech", "", "en", NEWS_URL, "event"),
    ("Le 12 mars au Palais des Congrès", "", "fr", NEWS_URL, "event"),
    ("Acme launches Nova", "", "en", NEWS_URL, "product"),
    ("Acme remporte le prix de l'innovation", "", "fr", NEWS_URL, "award"),
    ("Our CEO's interview", "On leadership.", "en", NEWS_URL, "article"),
    ("Notre tribune dans Les Échos", "", "fr", NEWS_URL, "article"),
    ("Thoughts on our year", "", "en", "https://www.linkedin.com/posts/jane-doe_activity-1",
     "leader"),
    ("New office in Lyon", "200 people by May.", "en", NEWS_URL, "news"),
])
def test_infer_kind_follows_a_small_rule_table(title, summary, language, url, kind):
    assert infer_kind(title, summary, [], language, url) == kind


# Language and kind at queue time


async def test_queue_takes_lang_and_kind_and_says_so(console, rt):
    await queue(console, f'{NEWS_URL} --title "Opening in Lyon" --lang fr --kind event')
    post = await one(rt, Post)
    assert (post.language, post.kind, post.versions) == ("fr", "event", {})
    text = last_text(console, ADMIN)
    assert "Language: French\n" in text and "Kind: event\n" in text
    assert "(detected)" not in text and "/voix cancel" not in text


async def test_without_lang_and_kind_they_are_detected_and_the_way_to_correct_them_shown(
        console, rt):
    await queue(console, FRENCH_JOB)
    post = await one(rt, Post)
    assert (post.language, post.kind) == ("fr", "job")
    text = last_text(console, ADMIN)
    assert says(rt, "admin.detected", value="French") in text
    assert says(rt, "admin.inferred", value="job offer") in text
    assert says(rt, "admin.correct_hint", id=post.id, detected=True, inferred=True,
                others=["en"], kinds=", ".join(KINDS)) in text
    assert "--lang en" in text and "--kind" in text


async def test_a_text_too_short_to_tell_takes_the_workspace_language(console, rt):
    async with rt.sessions() as session:
        await session.execute(Workspace.__table__.insert().values(
            platform="console", external_id="local", locale="fr", created_at=rt.clock.now()))
        await session.commit()
    await queue(console, f'{NEWS_URL} --title "Lyon"')
    assert (await one(rt, Post)).language == "fr"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("option", "key", "values"), [
    ("--lang de", "admin.bad_language", {"value": "de", "known": "en, fr"}),
    ("--kind blog", "admin.bad_kind",
     {"value": "blog", "known": "news, job, event, product, award, article, leader"}),
])
async def test_an_unknown_lang_or_kind_is_refused_clearly(console, rt, locale, option, key,
                                                          values):
    speak(console, ADMIN, locale)
    await queue(console, f'{NEWS_URL} --title "Lyon" {option}')
    assert_reads(console, rt, ADMIN, key, locale, **values)
    assert await count(rt, Post) == 0


async def test_the_queue_form_offers_language_and_kind_with_detect_for_me(console, rt):
    await console.say(ADMIN, "/voix queue")
    form = console.forms[ADMIN]
    selects = {field.name: field for field in form.inputs if hasattr(field, "options")}
    assert [o.value for o in selects["lang"].options] == ["auto", "en", "fr"]
    assert [o.value for o in selects["kind"].options][:3] == ["auto", "news", "job"]
    assert selects["lang"].value == selects["kind"].value == "auto"
    assert selects["lang"].options[0].label == says(rt, "admin.lang_auto")
    await console.submit(ADMIN, url=NEWS_URL, title="Ouverture à Lyon", kind="award")
    post = await one(rt, Post)
    assert (post.language, post.kind) == ("fr", "award")


async def test_a_forged_queue_form_with_a_bad_kind_is_refused(console, rt):
    crafted_form(console, ADMIN, "admin.queue", url=NEWS_URL, title="Lyon", kind="gossip")
    await console.submit(ADMIN)
    assert last_text(console, ADMIN).startswith('"gossip" is not a kind of post.')
    assert await count(rt, Post) == 0


async def test_list_shows_each_posts_kind_and_languages(console, rt):
    await queue(console, FRENCH_JOB)
    post = await one(rt, Post)
    await console.say(ADMIN, f'/voix translate {post.id} en --title "Hiring a Python developer"')
    speak(console, ADMIN, "fr")
    await console.say(ADMIN, "/voix liste")
    assert "offre d’emploi · français, anglais · active" in last_text(console, ADMIN)


# Versions in other languages


async def test_translate_adds_then_replaces_a_version_audited(console, rt):
    await queue(console, FRENCH_JOB)
    post = await one(rt, Post)
    await console.say(ADMIN, f'/voix translate {post.id} en --title "We are hiring in Nantes" '
                             '--summary "Join a team of six." --points "Python; hybrid"')
    assert_reads(console, rt, ADMIN, "admin.translated", id=post.id,
                 title="We are hiring in Nantes", language="English", replaced=False)
    assert (await one(rt, Post)).versions == {"en": {
        "title": "We are hiring in Nantes", "summary": "Join a team of six.",
        "key_points": ["Python", "hybrid"]}}
    await console.say(ADMIN, f'/voix traduire #{post.id} EN --title "Python developer, Nantes"')
    assert_reads(console, rt, ADMIN, "admin.translated", id=post.id,
                 title="Python developer, Nantes", language="English", replaced=True)
    assert (await one(rt, Post)).versions["en"] == {
        "title": "Python developer, Nantes", "summary": "", "key_points": []}
    entries = await rows(rt, AuditLog, AuditLog.action == "translate")
    assert [e.detail for e in entries] == [
        {"post_id": post.id, "language": "en", "replaced": False},
        {"post_id": post.id, "language": "en", "replaced": True}]


async def test_translate_without_texts_opens_a_prefilled_form(console, rt):
    speak(console, ADMIN, "fr")
    await queue(console, f'{NEWS_URL} --title "New office in Lyon" --lang en')
    post = await one(rt, Post)
    await console.say(ADMIN, f"/voix traduire {post.id} fr")
    form = console.forms[ADMIN]
    assert (form.form_id, form.private) == ("admin.translate", f"{post.id}:fr")
    assert form.title == says(rt, "admin.translate_form_title", "fr", id=post.id,
                              language="français")
    await console.submit(ADMIN, title="Nouveau bureau à Lyon",
                         points="200 postes\nouverture en mai")
    assert_reads(console, rt, ADMIN, "admin.translated", "fr", id=post.id,
                 title="Nouveau bureau à Lyon", language="français", replaced=False)
    await console.say(ADMIN, f"/voix traduire {post.id} fr")
    shown = {field.name: field.value for field in console.forms[ADMIN].inputs}
    assert shown == {"title": "Nouveau bureau à Lyon", "summary": "",
                     "points": "200 postes\nouverture en mai"}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("args", "key", "values"), [
    ("", "admin.translate_usage", {"detail": ""}),
    ("{id}", "admin.translate_usage", {"detail": ""}),
    ("999 en --title x", "admin.unknown_post", {"id": "999"}),
    ("abc en --title x", "admin.unknown_post", {"id": "abc"}),
    ("{id} de --title x", "admin.bad_language", {"value": "de", "known": "en, fr"}),
    ("{id} fr --title x", "admin.same_language", {"id": "{id}", "language": "{fr}"}),
    ("{id} en --summary 'No title'", "admin.translate_needs_title", {}),
    ("{id} en --title x --points 'a;b;c;d;e;f'", "admin.too_many_points",
     {"count": 5, "limit": 300}),
    ("{id} en --title 'unclosed", "admin.translate_usage",
     {"detail": "No closing quotation"}),
    ("{id} en --colour red", "admin.translate_usage",
     {"detail": "unrecognized arguments: --colour red"}),
])
async def test_a_bad_translate_is_explained_and_changes_nothing(console, rt, locale, args, key,
                                                                values):
    await queue(console, FRENCH_JOB)
    post = await one(rt, Post)
    speak(console, ADMIN, locale)
    filled = {"{id}": post.id, "{fr}": says(rt, "admin.language_name", locale, code="fr")}
    values = {k: filled.get(v, v) if isinstance(v, str) else v for k, v in values.items()}
    await console.say(ADMIN, f"/voix translate {args.format(id=post.id)}".strip())
    assert_reads(console, rt, ADMIN, key, locale, **values)
    assert (await one(rt, Post)).versions == {}


async def test_a_withdrawn_post_gets_no_version(console, rt):
    await queue(console, FRENCH_JOB)
    post = await one(rt, Post)
    await console.say(ADMIN, f"/voix cancel {post.id}")
    await console.say(ADMIN, f'/voix translate {post.id} en --title "Hiring"')
    assert_reads(console, rt, ADMIN, "admin.already_closed", id=post.id,
                 status=says(rt, "admin.status_name", status="cancelled"))


async def test_translate_is_for_admins_only(console, rt):
    await queue(console, FRENCH_JOB)
    post = await one(rt, Post)
    await console.say("dave", f'/voix translate {post.id} en --title "Mine"')
    assert_reads(console, rt, "dave", "errors.not_admin")
    crafted_form(console, "dave", "admin.translate", private=f"{post.id}:en", title="Mine")
    await console.submit("dave")
    assert_reads(console, rt, "dave", "errors.not_admin")
    assert (await one(rt, Post)).versions == {}


# The languages volunteers post in


async def test_prefs_offer_languages_role_and_about(console, rt):
    await enlist(console, "alice", locale="fr-CA")
    await console.say("alice", "prefs")
    fields = {field.name: field for field in console.forms["alice"].inputs}
    assert fields["languages"].multiple and fields["languages"].value == "fr"
    assert [o.value for o in fields["languages"].options] == list(LOCALES)
    assert (fields["role"].value, fields["about"].value) == ("", "")
    await console.submit("alice", languages="fr,en", role="  Data   Engineer ",
                         about="Je construis la plateforme de données de nos clients.")
    prefs = (await member(rt, "alice")).prefs
    assert (prefs["languages"], prefs["role"], prefs["about"]) == (
        ["fr", "en"], "Data Engineer", "Je construis la plateforme de données de nos clients.")
    assert_reads(console, rt, "alice", "prefs.saved", "fr", cap=2, start="19:00", end="09:00",
                 languages=["fr", "en"])
    assert "en français et en anglais" in last_text(console, "alice")
    await console.say("alice", "préférences")
    shown = {field.name: field.value for field in console.forms["alice"].inputs}
    assert (shown["languages"], shown["role"]) == ("fr,en", "Data Engineer")


@pytest.mark.parametrize(("values", "key", "name", "extra"), [
    ({"languages": ""}, "prefs.languages_needed", "languages", {}),
    ({"languages": "en,klingon"}, "prefs.invalid", "languages", {}),
    ({"role": "x" * 101}, "prefs.too_long", "role", {"limit": 100}),
    ({"about": "x" * 201}, "prefs.too_long", "about", {"limit": 200}),
    ({"role": "Head of Project Falcon"}, "prefs.blocked_term", "role",
     {"term": "Project Falcon"}),
    ({"about": "I build project falcon."}, "prefs.blocked_term", "about",
     {"term": "Project Falcon"}),
])
async def test_prefs_refuse_bad_languages_long_or_blocked_words(console, rt, values, key, name,
                                                               extra):
    await console.say(ADMIN, "/voix set blocked Project Falcon")
    await enlist(console, "alice")
    await set_prefs(console, "alice", role="Engineer")
    saved = (await member(rt, "alice")).prefs
    await console.say("alice", "prefs")
    await console.submit("alice", **values)
    assert_reads(console, rt, "alice", key, **extra)
    assert console.forms["alice"].errors == {name: says(rt, key, **extra)}  # beside its input
    assert (await member(rt, "alice")).prefs == saved


async def test_posting_languages_default_to_what_the_member_reads(console, rt):
    speak(console, "bob", "fr-FR")
    await console.say("bob", "hello")
    speak(console, "eve", "de-DE")  # not one of ours: the workspace's
    await console.say("eve", "hello")
    workspace = await one(rt, Workspace)
    assert posting_languages(await member(rt, "bob"), workspace) == ["fr"]
    assert posting_languages(await member(rt, "eve"), workspace) == ["en"]


# Targeting


async def test_a_french_post_reaches_french_volunteers_only_until_it_has_an_english_version(
        console, jobs, rt):
    await enlist(console, "amelie", locale="fr")
    await enlist(console, "baptiste", locale="fr-FR")
    await enlist(console, "alice", locale="en")
    await queue(console, FRENCH_JOB)
    post = await one(rt, Post)
    await jobs.plan()
    assert {(await delivery_of(rt, user, post)).language for user in ("amelie", "baptiste")} \
        == {"fr"}
    alice = await member(rt, "alice")
    assert await count(rt, Delivery, Delivery.member_id == alice.id) == 0

    await console.say(ADMIN, f'/voix translate {post.id} en --title "We are hiring a Python '
                             'developer in Nantes"')
    await jobs.plan()
    assert (await delivery_of(rt, "alice", post)).language == "en"
    # Each delivery has its rank among the post's, which colleagues' suggestions follow.
    assert sorted(d.slot for d in await rows(rt, Delivery)) == [0, 1, 2]


async def test_a_bilingual_volunteer_gets_the_version_of_their_first_language(console, jobs, rt):
    await enlist(console, "alice", locale="en")
    await set_prefs(console, "alice", languages="fr,en")
    await enlist(console, "ben", locale="en")
    await set_prefs(console, "ben", languages="fr")  # reads English cards, posts in French
    await queue(console, f'{NEWS_URL} --title "New office in Lyon" --lang en')
    post = await one(rt, Post)
    await console.say(ADMIN, f'/voix translate {post.id} fr --title "Nouveau bureau à Lyon"')
    await jobs.plan()
    assert (await delivery_of(rt, "alice", post)).language == "fr"
    assert (await delivery_of(rt, "ben", post)).language == "fr"
