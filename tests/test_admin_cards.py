"""The admin's cards as an admin reads them: stats as a table, a list with Stats and Cancel per
post, settings in plain words, the queue form's date and time pickers and team choices, dates
in words; on the console, on Slack and on Teams."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.console.render import card_to_text
from bot.cards import (
    Actions,
    Card,
    DateInput,
    Facts,
    Figures,
    Footnote,
    Point,
    Select,
    Table,
    TextInput,
    TimeInput,
)
from bot.clicks import follow
from storage.models import Post, Share, Team
from tests.adapters.slack import conftest as on_slack
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import ADMIN_ID as SLACK_ADMIN
from tests.adapters.teams import activities
from tests.adapters.teams import conftest as on_teams
from tests.adapters.teams.test_teams_security import shown_text
from tests.conftest import ADMIN, enlist
from tests.helpers import (
    NEWS_URL,
    assert_reads,
    count,
    delivery_of,
    last_text,
    one,
    queue,
    rows,
    says,
    speak,
)

side, slack = on_slack.side, on_slack.slack  # the fixtures of the Slack tests below
teams, connector = on_teams.teams, on_teams.connector  # and of the Teams ones
JOBS_URL = "https://example.com/jobs/data-engineer"
LONG_TITLE = "New office in Lyon: 200 jobs by May 2027, and a garden"
NBSP = "\u00a0"
RAW_KEYS = {"hashtag", "blocked", "language", "timezone", "cap", "gap", "digest", "ai", "pause"}


def blocks_of(card: Card | str, kind: type) -> list[Any]:
    assert isinstance(card, Card), card
    return [block for block in card.blocks if isinstance(block, kind)]


def table_of(card: Card | str) -> Table:
    [table] = blocks_of(card, Table)
    return table


def figures_of(card: Card | str) -> list[tuple[str, str]]:
    return [(fact.value, fact.label) for block in blocks_of(card, Figures)
            for fact in block.figures]


def facts_of(card: Card | str) -> dict[str, str]:
    return {fact.label: fact.value for block in blocks_of(card, Facts) for fact in block.facts}


def inputs_of(console, user: str = ADMIN) -> dict[str, Any]:
    return {spec.name: spec for spec in console.forms[user].inputs}


async def one_share_of_two(console, jobs, rt, *, clicks: int = 1) -> Post:
    """Alice and Bob get "Lyon"; Alice shares it and her link is followed `clicks` times."""
    await enlist(console, "alice")
    await enlist(console, "bob")
    await queue(console, f'{NEWS_URL} --title "{LONG_TITLE}"')
    await jobs.tick()
    await console.click("alice", "Edit idea 1")
    await console.submit("alice")
    token = (await one(rt, Share)).link_token
    for _ in range(clicks):
        await follow(rt, token, "Mozilla/5.0")
    return await one(rt, Post)


# Stats


@pytest.mark.parametrize(("locale", "columns", "shared", "headline"), [
    ("en", ("Post", "Sent", "Shared", "Clicks"), "1 (50%)",
     [("2", "sent"), ("1", "shared"), ("1", "click")]),
    ("fr", ("Publication", "Envois", "Partages", "Clics"), f"1 (50{NBSP}%)",
     [("2", "envois"), ("1", "partage"), ("1", "clic")]),
])
async def test_stats_is_a_table_of_the_latest_posts_under_their_totals(
        console, jobs, rt, locale, columns, shared, headline):
    post = await one_share_of_two(console, jobs, rt)
    await queue(console, f'{JOBS_URL} --title "Engineer"')
    engineer = (await rows(rt, Post))[-1]
    speak(console, ADMIN, locale)
    await console.say(ADMIN, "/voix stats")
    card = console.last(ADMIN)
    assert card.summary == says(rt, "admin.stats_title", locale)
    assert figures_of(card) == headline  # plurals right: 1 click, 1 partage, 2 envois
    table = table_of(card)
    assert table.columns == columns
    # Newest first; a long title is cut on a word, the figures are the post's own.
    assert table.rows == ((f"#{engineer.id} Engineer", "0", "0", "0"),
                          (f"#{post.id} New office in Lyon: 200 jobs by May…", "2", shared, "1"))
    [hint] = blocks_of(card, Footnote)
    assert "/voix stats" in hint.text and "`" not in card_to_text(card)


async def test_a_posts_stats_say_what_share_of_its_readers_shared_it(console, jobs, rt):
    post = await one_share_of_two(console, jobs, rt, clicks=2)
    speak(console, ADMIN, "fr")
    await console.say(ADMIN, f"/voix stats {post.id}")
    card = console.last(ADMIN)
    assert card.summary == f"#{post.id} {LONG_TITLE}"
    assert figures_of(card) == [("2", "envois"), ("1", "réaction"), ("1", "partage"),
                                ("2", "clics")]
    assert f"Partagée par 50{NBSP}% des volontaires qui l’ont reçue." in card_to_text(card)

    speak(console, ADMIN, "en")
    await queue(console, f'{JOBS_URL} --title "Engineer"')
    await console.say(ADMIN, f"/voix stats {(await rows(rt, Post))[-1].id}")
    card = console.last(ADMIN)
    assert figures_of(card) == [("0", "sent"), ("0", "responded"), ("0", "shared"),
                                ("0", "clicks")]
    assert says(rt, "admin.not_sent_yet") in card_to_text(card)


async def test_stats_before_any_post_say_how_to_queue_one(console, rt):
    await console.say(ADMIN, "/voix stats")
    assert_reads(console, rt, ADMIN, "admin.stats_empty")
    assert "`" not in says(rt, "admin.stats_empty") + says(rt, "admin.stats_empty", "fr")


# The list, its Stats and Cancel buttons


async def test_each_listed_post_has_its_stats_and_a_cancel_that_withdraws_it(console, jobs, rt):
    await enlist(console, "alice")
    await queue(console, f'{NEWS_URL} --title "Lyon"')
    await queue(console, f'{JOBS_URL} --title "Engineer" --at 2026-12-07T09:00')
    await jobs.plan()  # Alice's nudge for Lyon is planned, not sent yet
    lyon, engineer = await rows(rt, Post)
    speak(console, ADMIN, "fr")
    await console.say(ADMIN, "/voix list")
    card = console.last(ADMIN)
    assert [point.lead for point in blocks_of(card, Point)] == [f"#{lyon.id} Lyon",
                                                                 f"#{engineer.id} Engineer"]
    assert blocks_of(card, Point)[1].text == (
        "offre d’emploi · anglais · programmée · à partir du lundi 7 décembre à 09:00")
    *per_post, last = blocks_of(card, Actions)
    for actions, post in zip(per_post, (lyon, engineer), strict=True):
        stats, edit, cancel = actions.buttons
        assert (stats.label, stats.action_id, stats.value) == (
            "Chiffres", "admin.post.stats", str(post.id))
        assert (edit.label, edit.action_id, edit.value, edit.form) == (
            "Modifier", "admin.post.edit", str(post.id), True)
        assert (cancel.label, cancel.action_id, cancel.style) == (
            "Annuler", "admin.post.cancel", "danger")
    [another] = last.buttons  # the card's one primary action
    assert (another.label, another.style, another.form) == (
        "Programmer une publication", "primary", True)

    await console.click(ADMIN, "Chiffres")
    assert console.last(ADMIN).summary == f"#{lyon.id} Lyon"

    listing = len(console.dm(ADMIN)) - 2  # the list, then the stats card
    await console.click(ADMIN, "Annuler")
    assert_reads(console, rt, ADMIN, "admin.cancelled", "fr", id=lyon.id, title="Lyon", count=1)
    assert ((await one(rt, Post, Post.id == lyon.id)).status,
            (await delivery_of(rt, "alice")).status) == ("cancelled", "cancelled")
    # The list, updated in place: the withdrawn post and its buttons are gone.
    shown = console.dm(ADMIN)[listing].body
    assert [point.lead for point in blocks_of(shown, Point)] == [f"#{engineer.id} Engineer"]
    await console.press(ADMIN, "admin.post.cancel", str(lyon.id))  # an old card pressed again
    assert_reads(console, rt, ADMIN, "admin.already_closed", "fr", id=lyon.id,
                 status=says(rt, "admin.status_name", "fr", status="cancelled"))


async def test_queue_a_post_from_the_list_opens_the_queue_form(console, rt):
    await queue(console, f'{NEWS_URL} --title "Lyon"')
    await console.say(ADMIN, "/voix list")
    await console.click(ADMIN, "Queue a post")
    assert console.forms[ADMIN].form_id == "admin.queue"
    await console.submit(ADMIN, url=JOBS_URL, title="Engineer")
    assert [post.title for post in await rows(rt, Post)] == ["Lyon", "Engineer"]


async def test_the_list_buttons_are_for_admins_only(console, rt):
    await queue(console, f'{NEWS_URL} --title "Lyon"')
    post = await one(rt, Post)
    for action in ("admin.post.stats", "admin.post.edit", "admin.post.cancel",
                   "admin.queue.form"):
        await console.press("dave", action, str(post.id))
        assert_reads(console, rt, "dave", "errors.not_admin")
    assert (await one(rt, Post)).status == "active" and "dave" not in console.forms


async def test_a_long_list_stays_within_slacks_blocks_and_says_how_many_more(side, rt):
    for number in range(22):
        await side.ask(SLACK_ADMIN, f'queue {NEWS_URL}?n={number} --title "Post {number}"')
    listed = await side.ask(SLACK_ADMIN, "list")
    assert listed.valid, listed.problems
    blocks = listed.params["blocks"]
    assert len(blocks) <= 50
    assert sum(1 for block in blocks if block["type"] == "actions") == 20 + 1  # and Queue
    assert says(rt, "admin.list_more", "fr", count=2) in json.dumps(blocks, ensure_ascii=False)


async def test_on_slack_a_posts_stats_button_answers_and_stats_is_a_table(side, rt):
    await side.ask(SLACK_ADMIN, f'queue {NEWS_URL} --title "Lyon"')
    post = await one(rt, Post)
    listed = await side.ask(SLACK_ADMIN, "list")
    [stats, _, cancel, _] = [element for block in listed.params["blocks"]
                          if block["type"] == "actions" for element in block["elements"]]
    assert (stats["action_id"], stats["value"]) == ("admin.post.stats", str(post.id))
    assert cancel["style"] == "danger"
    posted = side.mock.count("chat.postMessage")
    await side.press(SLACK_ADMIN, stats["action_id"], stats["value"],
                     channel=side.mock.dm_channel(SLACK_ADMIN), message_ts=f"{time.time():.6f}")
    await side.settle(lambda: side.mock.count("chat.postMessage") == posted + 1)
    answer = side.mock.calls_to("chat.postMessage")[-1]
    assert answer.valid, answer.problems
    assert answer.params["text"] == f"#{post.id} Lyon"
    assert says(rt, "admin.not_sent_yet", "fr") in json.dumps(answer.params, ensure_ascii=False)

    stats = await side.ask(SLACK_ADMIN, "stats")
    assert stats.valid, stats.problems
    [table] = [block for block in stats.params["blocks"] if block["type"] == "table"]
    assert [[cell["text"] for cell in row] for row in table["rows"]] == [
        ["Publication", "Envois", "Partages", "Clics"], [f"#{post.id} Lyon", "0", "0", "0"]]
    assert side.mock.problems() == []


async def teams_press(teams, user: str, action: dict[str, Any], reply_to_id: str
                      ) -> dict[str, Any] | None:
    """Press a button of a Teams card as Teams posts it; the card pressed, as Teams shows it
    after an Action.Execute (the invoke's answer), or updated through the connector."""
    where = {"conversation_id": activities.personal_conversation_id(user),
             "service_url": teams.connector.service_url, "locale": "en-GB",
             "aad_object_id": activities.aad_id_of(user), "name": user.capitalize()}
    if action["type"] != "Action.Execute":
        await teams.post(activities.submit_action(user, action["data"], reply_to_id=reply_to_id,
                                                  **where))
        updated = [card for _, activity_id, card in teams.connector.updated()
                   if activity_id == reply_to_id]
        return updated[-1] if updated else None
    response = await teams.post(activities.execute_invoke(
        user, action["verb"], action["data"], reply_to_id=reply_to_id, **where))
    answer = await response.json()
    return answer.get("value") if answer.get("type") == "application/vnd.microsoft.card.adaptive" \
        else None


def teams_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action of an Adaptive Card, in its body's action sets and its own."""
    found: list[dict[str, Any]] = list(card.get("actions", []))

    def walk(elements: list[dict[str, Any]]) -> None:
        for element in elements:
            found.extend(element.get("actions", []) if element.get("type") == "ActionSet"
                         else [])
            walk(element.get("items", []))
    walk(card.get("body", []))
    return found


def last_teams_card(teams) -> dict[str, Any]:
    """The latest activity the bot sent with a card."""
    return [a for _, a in teams.connector.sent() if a.get("attachments")][-1]


async def test_on_teams_the_lists_stats_and_cancel_answer_and_withdraw(teams, rt, jobs):
    admin = on_teams.ADMIN
    await teams.dm("alice", "join")
    await teams_press(teams, "alice", {"type": "Action.Submit", "data": {
        "action_id": "charter.accept", "value": rt.charter.version}}, last_teams_card(teams)["id"])
    await teams.dm(admin, f'/voix queue {NEWS_URL} --title "Our Lyon office"')
    await jobs.plan()  # Alice's nudge is planned, not sent yet
    await teams.dm(admin, "/voix list")
    listing = last_teams_card(teams)
    by_id = {action["data"]["action_id"]: action
             for action in teams_actions(listing["attachments"][0]["content"])
             if "data" in action}
    assert by_id["admin.post.cancel"]["style"] == "destructive"

    await teams_press(teams, admin, by_id["admin.post.stats"], listing["id"])
    stats = json.dumps(last_teams_card(teams), ensure_ascii=False)
    assert says(rt, "admin.not_sent_yet") in stats and "Our Lyon office" in stats

    relisted = await teams_press(teams, admin, by_id["admin.post.cancel"], listing["id"])
    post = await one(rt, Post)
    assert (post.status, (await delivery_of(rt, activities.aad_id_of("alice"))).status) == (
        "cancelled", "cancelled")
    said = says(rt, "admin.cancelled", id=post.id, title="Our Lyon office", count=1)
    assert shown_text(last_teams_card(teams)["attachments"][0]["content"]) == said
    assert relisted is not None  # the list, in place, without the withdrawn post
    assert shown_text(relisted) == says(rt, "admin.list_empty")
    assert teams.connector.problems() == []


async def teams_task(teams, user: str, name: str, data: dict[str, Any]) -> Any:
    """A task/fetch or task/submit invoke (a dialog opened or submitted), and its answer."""
    response = await teams.post(activities.task_invoke(
        user, name, data, conversation_id=activities.personal_conversation_id(user),
        service_url=teams.connector.service_url))
    assert response.status == 200
    return json.loads(await response.read() or b"null")


async def test_on_teams_the_queue_form_is_a_dialog_that_keeps_a_refused_day(teams, rt):
    admin = on_teams.ADMIN
    await teams.dm(admin, f'/voix queue {NEWS_URL} --title "Our Lyon office"')
    await teams.dm(admin, "/voix list")
    listing = last_teams_card(teams)["attachments"][0]["content"]
    [another] = [action for action in teams_actions(listing) if action.get("style") == "positive"]
    assert another["data"]["msteams"] == {"type": "task/fetch"}  # it opens a dialog
    dialog = (await teams_task(teams, admin, "task/fetch", another["data"]))["task"]["value"]
    fields = {node["id"]: node for node in dialog["card"]["content"]["body"]
              if node["type"].startswith("Input.")}
    assert (fields["at_date"]["type"], fields["at_time"]["type"]) == ("Input.Date", "Input.Time")
    [submit] = dialog["card"]["content"]["actions"]
    typed = {"url": JOBS_URL, "title": "Engineer", "lang": "auto", "kind": "job",
             "at_date": "2026-02-30", "at_time": "09:00"}

    again = await teams_task(teams, admin, "task/submit", {**submit["data"], **typed})
    shown = again["task"]["value"]["card"]["content"]
    kept = {node["id"]: node.get("value") for node in shown["body"]
            if node["type"].startswith("Input.")}
    assert (kept["url"], kept["title"], kept["kind"], kept["at_time"]) == (
        JOBS_URL, "Engineer", "job", "09:00")
    body = shown["body"]
    [at_date] = [node for node in body if node.get("id") == "at_date"]
    below = body[body.index(at_date) + 1]  # the refusal, right under the day's input
    assert below["type"] == "TextBlock" and below["color"] == "Attention"
    assert says(rt, "admin.bad_day_picked", value="2026-02-30") in shown_text(below)
    assert await count(rt, Post) == 1

    closed = await teams_task(teams, admin, "task/submit",
                              {**submit["data"], **typed, "at_date": "2026-12-07"})
    assert closed is None  # the dialog closes; the confirmation arrives in the chat
    engineer = (await rows(rt, Post))[-1]
    assert (engineer.title, engineer.publish_at) == ("Engineer",
                                                     datetime(2026, 12, 7, 8, tzinfo=UTC))
    assert teams.connector.problems() == []


async def test_on_teams_stats_is_an_adaptive_cards_table(teams, rt):
    await teams.dm(on_teams.ADMIN, f'/voix queue {NEWS_URL} --title "Our Lyon office"')
    await teams.dm(on_teams.ADMIN, "/voix stats")
    card = teams.cards()[-1][1]
    [table] = [element for element in card["body"] if element["type"] == "Table"]
    cells = [[cell["items"][0]["text"] for cell in row["cells"]] for row in table["rows"]]
    post = await one(rt, Post)
    assert cells == [["Post", "Sent", "Shared", "Clicks"],
                     [f"#{post.id} Our Lyon office", "0", "0", "0"]]
    assert teams.connector.problems() == []


# Settings in plain words


async def test_settings_read_in_plain_french_for_a_french_admin(console, rt):
    speak(console, ADMIN, "fr")
    await console.say(ADMIN, "/voix réglages")
    card = console.last(ADMIN)
    facts = facts_of(card)
    assert not RAW_KEYS & set(facts)
    assert facts == {
        "Hashtag de transparence": f"Aucun{NBSP}: les suggestions partent sans",
        "Termes bloqués": "Aucun",
        "Langue": "anglais",
        "Fuseau horaire": "Europe/Paris",
        "Rythme par défaut": "Au plus 2 publications par semaine et par volontaire",
        "Espacement": "Au moins 1 jour entre deux publications",
        "Récapitulatif": "Le lundi à 09:00",
        "Envois": "Ils partent comme prévu",
        "Brouillons de l’IA": says(rt, "settings.ai_none", "fr"),
        "Propositions": "Envoyées aux admins en message privé",
        "Charte": "Version du 1er novembre 2026",  # charter.md's version is 2026-11-1
    }
    [how] = blocks_of(card, Footnote)
    assert "/voix set" in how.text and "gap 72" in how.text  # what to type stays discreet
    assert "`" not in card_to_text(card)


async def test_settings_say_each_change_in_words_with_plurals(console, rt):
    for command in ("cap 1", "gap 36", "digest friday 16", "hashtag IWorkAtAcme"):
        await console.say(ADMIN, f"/voix set {command}")
    await console.say(ADMIN, "/voix pause")
    await console.say(ADMIN, "/voix settings")
    facts = facts_of(console.last(ADMIN))
    assert (facts["Default pace"], facts["Spacing"], facts["Weekly digest"],
            facts["Disclosure hashtag"], facts["Sending"]) == (
        "At most 1 post a week per volunteer", "At least 36 hours between two posts",
        "Fridays at 16:00", "#IWorkAtAcme", "Paused: nothing goes out until /voix resume")
    assert facts["Charter"] == "Version of 1 November 2026"


# The queue form: date and time pickers, the teams to choose


async def test_the_queue_form_picks_a_day_a_time_and_teams(console, rt):
    for channel in ("sales", "data"):
        await console.join_channel(f"someone-{channel}", channel)
    speak(console, ADMIN, "fr")
    await console.say(ADMIN, "/voix queue")
    inputs = inputs_of(console)
    assert isinstance(inputs["at_date"], DateInput) and isinstance(inputs["at_time"], TimeInput)
    assert not inputs["at_date"].required and not inputs["at_time"].required
    assert isinstance(inputs["teams"], Select) and inputs["teams"].multiple
    assert [(o.value, o.label) for o in inputs["teams"].options] == [("data", "#data"),
                                                                      ("sales", "#sales")]
    assert all(isinstance(inputs[name], Select) for name in ("lang", "kind"))

    await console.submit(ADMIN, url=NEWS_URL, title="Nouveau bureau à Lyon", teams="sales,data",
                         at_date="2026-12-07", at_time="09:00", lang="fr", kind="news")
    post = await one(rt, Post)
    assert (post.status, post.publish_at) == ("scheduled", datetime(2026, 12, 7, 8, tzinfo=UTC))
    assert sorted(post.audience) == sorted(team.id for team in await rows(rt, Team))
    assert facts_of(console.last(ADMIN))["Publication"] == "lundi 7 décembre à 09:00"


async def test_the_queue_form_without_known_teams_keeps_a_text_field(console, rt):
    await console.say(ADMIN, "/voix queue")
    assert isinstance(inputs_of(console)["teams"], TextInput)


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize(("typed", "name", "key", "values"), [
    ({"at_date": "2026-02-30", "at_time": "09:00"}, "at_date", "admin.bad_day_picked",
     {"value": "2026-02-30"}),
    ({"at_date": "07/12/2026", "at_time": "09:00"}, "at_date", "admin.bad_day_picked",
     {"value": "07/12/2026"}),
    ({"at_date": "2026-12-07"}, "at_time", "admin.time_needed", {}),
    ({"at_date": "2026-12-07", "at_time": "25:00"}, "at_time", "admin.bad_time_picked",
     {"value": "25:00"}),
    ({"topics": "hiring, bad topic!"}, "topics", "admin.bad_tag", {"tag": "bad topic!"}),
    ({"teams": "sales,marketing"}, "teams", "admin.unknown_teams",
     {"names": "marketing", "known": "sales"}),
])
async def test_a_refused_input_is_shown_beside_it_with_everything_else_kept(
        console, rt, locale, typed, name, key, values):
    await console.join_channel("bob", "sales")
    speak(console, ADMIN, locale)
    await console.say(ADMIN, "/voix queue")
    given = {"url": NEWS_URL, "title": "New office in Lyon", "summary": "Our third office.",
             "points": "200 jobs\nMay", "teams": "sales", **typed}
    await console.submit(ADMIN, **given)
    said = says(rt, key, locale, **values)
    assert last_text(console, ADMIN) == said
    form = console.forms[ADMIN]  # open again, as typed
    assert form.form_id == "admin.queue" and dict(form.errors) == {name: said}
    assert {n: spec.value for n, spec in inputs_of(console).items() if n in given} == given
    assert await count(rt, Post) == 0

    await console.submit(ADMIN, at_date="2026-12-07", at_time="09:00", topics="", teams="sales")
    post = await one(rt, Post)
    assert (post.title, post.key_points, post.publish_at) == (
        "New office in Lyon", ["200 jobs", "May"], datetime(2026, 12, 7, 8, tzinfo=UTC))


async def test_a_time_alone_is_today(console, rt):
    await console.say(ADMIN, "/voix queue")
    await console.submit(ADMIN, url=NEWS_URL, title="Lyon", at_time="17:30")
    assert (await one(rt, Post)).publish_at == datetime(2026, 11, 30, 16, 30, tzinfo=UTC)


async def test_editing_a_draft_shows_its_day_and_time_in_the_pickers(console, rt):
    await console.join_channel("bob", "sales")
    await queue(console, f'{NEWS_URL} --at 2026-12-07T09:15 --teams sales')  # no title: a draft
    await console.click(ADMIN, "Edit")
    inputs = inputs_of(console)
    assert (inputs["at_date"].value, inputs["at_time"].value, inputs["teams"].value) == (
        "2026-12-07", "09:15", "sales")


async def test_a_refused_version_form_comes_back_as_typed(console, rt):
    await queue(console, f'{NEWS_URL} --title "New office in Lyon" --lang en')
    post = await one(rt, Post)
    await console.say(ADMIN, f"/voix translate {post.id} fr")
    await console.submit(ADMIN, title="", summary="Notre troisième bureau.")
    said = says(rt, "admin.translate_needs_title")
    assert last_text(console, ADMIN) == said
    assert dict(console.forms[ADMIN].errors) == {"title": said}
    assert inputs_of(console)["summary"].value == "Notre troisième bureau."
    await console.submit(ADMIN, title="Nouveau bureau à Lyon")
    assert (await one(rt, Post)).versions["fr"]["summary"] == "Notre troisième bureau."


def _picked(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """What Slack sends back for one element of the queue modal holding `value`."""
    kind = element["type"]
    if kind == "datepicker":
        return {"type": kind, "selected_date": value or None}
    if kind == "timepicker":
        return {"type": kind, "selected_time": value or None}
    options = element.get("options", [])
    if kind == "multi_static_select":
        return {"type": kind, "selected_options": [o for o in options if o["value"] in value]}
    if kind == "static_select":
        return {"type": kind, "selected_option": next(o for o in options if o["value"] == value)}
    return {"type": kind, "value": value or None}


async def test_on_slack_a_bad_day_is_refused_beside_the_datepicker_and_the_modal_stays(side, rt):
    side.mock.add_channel("C0SALES", "sales", ["U0BOB"])
    await side.event(payloads.member_joined_channel("U0BOB", "C0SALES"))
    await side.settle_db(lambda: count(rt, Team))
    opened = side.mock.count("views.open")
    await side.command(SLACK_ADMIN, "queue")
    await side.settle(lambda: side.mock.count("views.open") == opened + 1)
    call = side.mock.calls_to("views.open")[-1]
    assert call.valid, call.problems
    view = call.params["view"]
    elements = {block["block_id"]: block["element"] for block in view["blocks"]
                if block["type"] == "input"}
    assert (elements["at_date"]["type"], elements["at_time"]["type"]) == ("datepicker",
                                                                          "timepicker")
    typed = {"url": NEWS_URL, "title": "Lyon", "lang": "auto", "kind": "auto",
             "at_date": "2026-11-31", "at_time": "09:00"}
    state = {name: {name: _picked(element, typed.get(name, ""))}
             for name, element in elements.items()}
    response = await side.submit(SLACK_ADMIN, "admin.queue", state)
    assert response.status == 200
    assert json.loads(await response.text()) == {
        "response_action": "errors",
        "errors": {"at_date": says(rt, "admin.bad_day_picked", "fr", value="2026-11-31")}}
    assert await count(rt, Post) == 0

    state["at_date"] = {"at_date": _picked(elements["at_date"], "2026-12-07")}
    response = await side.submit(SLACK_ADMIN, "admin.queue", state)
    assert response.status == 200

    async def queued() -> bool:
        return await count(rt, Post) == 1
    await side.settle_db(queued)
    assert (await one(rt, Post)).publish_at == datetime(2026, 12, 7, 8, tzinfo=UTC)


# Dates in words


async def test_a_past_time_and_another_years_day_read_in_words(console, rt):
    speak(console, ADMIN, "fr")
    await queue(console, f'{NEWS_URL} --title "Lyon" --at 2026-11-29T10:00')
    assert says(rt, "admin.draft_past", "fr", at="dimanche 29 novembre à 10:00") in last_text(
        console, ADMIN)
    await queue(console, f'{JOBS_URL} --title "Engineer" --at 2027-01-01T09:00')
    assert facts_of(console.last(ADMIN))["Publication"] == "vendredi 1er janvier 2027 à 09:00"
    speak(console, ADMIN, "en")
    await console.say(ADMIN, "/voix list")
    assert "from Friday 1 January 2027 at 09:00" in last_text(console, ADMIN)
