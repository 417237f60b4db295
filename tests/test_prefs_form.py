"""The preferences form as people meet it: filled in, switches and time pickers, short labels,
only what matters required, a refused input shown beside it; on the console and on Slack."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.cards import Select, TextInput, TimeInput, Toggle
from tests.adapters.slack import conftest as on_slack
from tests.adapters.slack.conftest import ADMIN_ID
from tests.adapters.slack.test_slack_flows import ALICE, join, member
from tests.adapters.slack.test_slack_home_and_teams import open_prefs_form
from tests.conftest import ADMIN, enlist
from tests.helpers import assert_reads, last_text, says
from tests.helpers import member as console_member

LONGEST_LABEL = 35  # characters: a dialog is 450 to 600 px wide
OPTIONAL = {"topics", "role", "about"}
TOGGLES = ("weekends", "in_digest", "impact_notes")
side, slack = on_slack.side, on_slack.slack  # its fixtures, for the tests on Slack below


def shown(console, user: str) -> dict[str, Any]:
    return {spec.name: spec for spec in console.forms[user].inputs}


# On the console


@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_the_form_reads_at_a_glance(console, rt, locale):
    await enlist(console, "alice", locale=locale)
    await console.say("alice", "prefs")
    inputs = shown(console, "alice")
    assert isinstance(inputs["weekends"], Toggle) and isinstance(inputs["in_digest"], Toggle)
    assert all(isinstance(inputs[n], TimeInput) for n in ("quiet_start", "quiet_end"))
    assert isinstance(inputs["networks"], Select) and inputs["networks"].multiple
    # Only what a person may not leave empty is required; the rest says it is optional.
    required = {spec.name for spec in inputs.values()
                if not isinstance(spec, Toggle) and spec.required}
    assert required == set(inputs) - OPTIONAL - set(TOGGLES)
    assert all(isinstance(inputs[n], TextInput) and inputs[n].placeholder for n in OPTIONAL)
    assert all(isinstance(inputs[n], Toggle) for n in TOGGLES)
    labels = [spec.label for spec in inputs.values()] + [inputs[n].text for n in TOGGLES]
    assert all(0 < len(label) <= LONGEST_LABEL and "HH" not in label for label in labels), labels
    assert labels == [says(rt, f"prefs.{name}", locale) for name in inputs] + [
        says(rt, f"prefs.{name}_text", locale) for name in TOGGLES]
    caps = [option.label for option in inputs["weekly_cap"].options]
    expected = {"en": ["1 post a week", "2 posts a week"],
                "fr": ["1 publication par semaine", "2 publications par semaine"]}[locale]
    assert caps[:2] == expected and len(caps) == 7


async def test_toggles_and_times_are_saved_and_the_form_opens_with_them(console, rt):
    await enlist(console, "alice")
    await console.say("alice", "prefs")
    await console.submit("alice", weekly_cap="1", quiet_start="21:30", quiet_end="7h15",
                         weekends="true", in_digest="true")
    prefs = (await console_member(rt, "alice")).prefs
    assert {k: prefs[k] for k in ("weekly_cap", "quiet_start", "quiet_end", "weekends",
                                  "in_digest")} == {
        "weekly_cap": 1, "quiet_start": "21:30", "quiet_end": "07:15", "weekends": True,
        "in_digest": True}
    assert_reads(console, rt, "alice", "prefs.saved", cap=1, start="21:30", end="07:15",
                 weekends=True, languages=["en"])
    assert last_text(console, "alice") == ("All set: up to 1 post a week, weekends included, "
                                           "never between 21:30 and 07:15, in English.")

    await console.say("alice", "prefs")
    inputs = shown(console, "alice")
    assert [inputs[n].value for n in ("weekly_cap", "quiet_start", "quiet_end", "weekends",
                                      "in_digest")] == ["1", "21:30", "07:15", True, True]
    await console.submit("alice")  # left as it is: saved as it was
    assert (await console_member(rt, "alice")).prefs == prefs

    await console.say("alice", "prefs")
    await console.submit("alice", weekends="false", in_digest="false", topics="", role="")
    after = (await console_member(rt, "alice")).prefs
    assert (after["weekends"], after["in_digest"], after["quiet_start"]) == (False, False, "21:30")
    assert_reads(console, rt, "alice", "prefs.saved", cap=1, start="21:30", end="07:15",
                 weekends=False, languages=["en"])


@pytest.mark.parametrize(("name", "typed", "key", "values"), [
    ("quiet_end", "9 o'clock", "prefs.bad_time", {}),
    ("role", "Head of Project Falcon", "prefs.blocked_term", {"term": "Project Falcon"}),
    ("about", "x" * 201, "prefs.too_long", {"limit": 200}),
    ("topics", "y" * 501, "prefs.too_long", {"limit": 500}),
    ("languages", "", "prefs.languages_needed", {}),
])
async def test_a_refused_input_comes_back_beside_it_with_the_rest_as_typed(console, rt, name,
                                                                           typed, key, values):
    await console.say(ADMIN, "/voix set blocked Project Falcon")
    await enlist(console, "alice")
    await console.say("alice", "prefs")
    before = (await console_member(rt, "alice")).prefs
    await console.submit("alice", weekly_cap="5", weekends="true", **{name: typed})
    assert_reads(console, rt, "alice", key, **values)
    assert (await console_member(rt, "alice")).prefs == before
    form = console.forms["alice"]
    assert form.errors == {name: says(rt, key, **values)}
    inputs = shown(console, "alice")
    assert (inputs["weekly_cap"].value, inputs["weekends"].value, inputs[name].value) == (
        "5", True, typed)


async def test_in_french_the_form_and_its_answers_are_french(console, rt):
    await enlist(console, "alice", locale="fr")
    await console.say("alice", "préférences")
    form = console.forms["alice"]
    assert form.title == "Vos préférences"
    assert shown(console, "alice")["quiet_start"].label == "Tranquillité à partir de"
    await console.submit("alice", quiet_start="25:99")
    assert_reads(console, rt, "alice", "prefs.bad_time", "fr")
    assert last_text(console, "alice") == "Indiquez une heure comme 19:00."
    await console.submit("alice", quiet_start="22:00", weekly_cap="3", languages="fr,en")
    assert_reads(console, rt, "alice", "prefs.saved", "fr", cap=3, start="22:00", end="09:00",
                 weekends=False, languages=["fr", "en"])
    assert last_text(console, "alice") == (
        "C’est noté\u00a0: jusqu’à 3 publications par semaine, jamais le week-end ni entre "
        "22:00 et 09:00, en français et en anglais.")


# On Slack: a modal with checkboxes and time pickers, and errors in the submission's ack


def _state(element: dict, value: Any) -> dict:
    """What Slack sends back for one element of the modal holding `value`."""
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": value or None}
    if kind == "timepicker":
        return {"type": kind, "selected_time": value or None}
    options = element.get("options", [])
    if kind == "checkboxes":
        return {"type": kind, "selected_options": options if value else []}
    if kind == "multi_static_select":
        return {"type": kind, "selected_options": [o for o in options if o["value"] in value]}
    return {"type": kind, "selected_option": next(o for o in options if o["value"] == value)}


def _shown(element: dict) -> Any:
    """The value an element opens with."""
    kind = element["type"]
    if kind == "checkboxes":
        return bool(element.get("initial_options"))
    if kind == "timepicker":
        return element.get("initial_time")
    if kind == "multi_static_select":
        return [o["value"] for o in element.get("initial_options", [])]
    if kind == "static_select":
        return element["initial_option"]["value"]
    return element.get("initial_value")


def inputs_of(view: dict) -> dict[str, dict]:
    return {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}


def submitted(view: dict, **changes: Any) -> dict:
    """The modal's state as Slack sends it when submitted: what it showed, with `changes`."""
    return {name: {name: _state(block["element"], changes.get(name, _shown(block["element"])))}
            for name, block in inputs_of(view).items()}


async def test_on_slack_switches_and_time_pickers_are_saved_and_shown_again(side, rt):
    await join(side)
    view = await open_prefs_form(side, ALICE)
    blocks = inputs_of(view)
    assert {name: block["element"]["type"] for name, block in blocks.items()
            if name in ("weekends", "in_digest", "quiet_start", "quiet_end")} == {
        "weekends": "checkboxes", "in_digest": "checkboxes",
        "quiet_start": "timepicker", "quiet_end": "timepicker"}
    assert {name for name, block in blocks.items() if block["optional"]} >= OPTIONAL
    assert (blocks["quiet_start"]["element"]["initial_time"],
            blocks["weekly_cap"]["element"]["initial_option"]["text"]["text"]) == (
        "19:00", "2 posts a week")

    posted = side.mock.count("chat.postMessage")
    response = await side.submit(ALICE, "prefs", submitted(
        view, quiet_start="21:30", quiet_end="07:15", weekends=True, in_digest=True),
        view["private_metadata"])
    assert response.status == 200 and not await response.text()  # the modal closes
    await side.settle(lambda: side.mock.count("chat.postMessage") == posted + 1)
    saved = (await member(rt, ALICE)).prefs
    assert (saved["quiet_start"], saved["quiet_end"], saved["weekends"], saved["in_digest"]) == (
        "21:30", "07:15", True, True)
    assert side.mock.calls_to("chat.postMessage")[-1].params["text"] == says(
        rt, "prefs.saved", "en", cap=2, start="21:30", end="07:15", weekends=True,
        languages=["en"])

    again = inputs_of(await open_prefs_form(side, ALICE))
    assert [_shown(again[n]["element"]) for n in ("quiet_start", "quiet_end", "weekends",
                                                  "in_digest")] == ["21:30", "07:15", True, True]
    assert side.mock.problems() == []


@pytest.mark.parametrize(("user", "locale"), [(ALICE, "en"), (ADMIN_ID, "fr")])
async def test_on_slack_a_bad_quiet_time_is_shown_beside_it_and_nothing_is_saved(side, rt, user,
                                                                                 locale):
    await join(side, user)
    view = await open_prefs_form(side, user, locale)
    before = (await member(rt, user)).prefs
    posted = side.mock.count("chat.postMessage")
    response = await side.submit(user, "prefs", submitted(view, quiet_start="25:99",
                                                          weekends=True),
                                 view["private_metadata"])
    assert response.status == 200
    assert json.loads(await response.text()) == {
        "response_action": "errors",
        "errors": {"quiet_start": says(rt, "prefs.bad_time", locale)}}
    await side.quiet()
    assert side.mock.count("chat.postMessage") == posted  # the modal stays open, no message
    assert (await member(rt, user)).prefs == before
    if locale == "fr":
        assert says(rt, "prefs.bad_time", "fr") == "Indiquez une heure comme 19:00."
        assert inputs_of(view)["quiet_start"]["label"]["text"] == "Tranquillité à partir de"
