"""Adaptive Card rendering of neutral cards and forms, checked against the official 1.5 schema."""

from __future__ import annotations

import json
import os
import random
import re
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from jsonschema.validators import validator_for

from adapters.teams.render import (
    FORM_SUBMIT_VERB,
    SCHEMA_URL,
    TEXT_LIMIT,
    Submission,
    escape,
    fallback_text,
    render_card,
    render_form,
    submitted,
)
from bot.cards import (
    Actions,
    Button,
    Card,
    Divider,
    Fact,
    Facts,
    Footnote,
    Form,
    Heading,
    Image,
    LinkPreview,
    Option,
    Quote,
    Select,
    Text,
    TextInput,
)
from bot.config import Settings
from bot.handlers.prefs import prefs_form
from bot.nudges import done_card, nudge_card
from bot.preferences import NETWORKS
from bot.services.sharing import (
    LINKEDIN_LIMIT,
    linkedin_post_url,
    linkedin_share_url,
    x_intent_url,
)
from bot.texts import Texts, make_environment
from bot.voice.stored import Suggestion
from bot.voice.style import Style
from storage.models import Delivery, Member, Post, Workspace
from tests.adapters.sample_cards import nudge_like

# The official schema (MIT) lives beside the project, never inside it.
SCHEMA_PATH = Path(os.environ.get(
    "PORTEVOIX_ADAPTIVE_CARD_SCHEMA",
    Path(__file__).resolve().parents[4] / "shared" / "schemas" / "adaptive-card-1.5.json"))
REQUIRED = "Please fill this in."
WJ = "\u2060"

ELEMENTS = {"TextBlock", "Container", "ColumnSet", "Column", "FactSet", "Image", "ImageSet",
            "ActionSet", "RichTextBlock", "TextRun", "Table", "TableRow", "TableCell",
            "Input.Text", "Input.Number", "Input.Date", "Input.Time", "Input.Toggle",
            "Input.ChoiceSet"}
ACTIONS = {"Action.OpenUrl", "Action.Submit", "Action.ShowCard", "Action.ToggleVisibility",
           "Action.Execute"}
# The schema's enum patterns are unanchored ("^(a)|(b)$"): check the values we use exactly.
ENUMS = {"size": {"Small", "Default", "Medium", "Large", "ExtraLarge"},
         "weight": {"Lighter", "Default", "Bolder"}, "spacing": {"None", "Small", "Medium"}}
STYLES = {"TextBlock": {"heading"}, "Container": {"emphasis"}, "TableRow": {"emphasis"},
          "Input.ChoiceSet": {"compact", "expanded"}, "action": {"positive", "destructive"}}


@cache
def _validator() -> Any:
    if not SCHEMA_PATH.is_file():
        return None
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = validator_for(schema)  # the schema's own "$schema": draft-06
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture
def validator() -> Any:
    found = _validator()
    if found is None:
        pytest.skip(f"no Adaptive Card schema at {SCHEMA_PATH}")
    return found


def schema_errors(card: dict[str, Any]) -> list[str]:
    """Errors from the official schema; "msteams" is a Teams extension the schema forbids."""
    validator = _validator()
    if validator is None:
        return []
    bare = {key: value for key, value in card.items() if key != "msteams"}
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(bare)]


def walk(node: Any) -> list[dict[str, Any]]:
    """Every element and action in a card (not descending into action data)."""
    if isinstance(node, list):
        return [found for item in node for found in walk(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if "type" in node else []
    return own + [found for key, value in node.items() if key != "data" for found in walk(value)]


def is_web_url(url: Any) -> bool:
    parts = urlsplit(url) if isinstance(url, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.hostname)


def check_node(node: dict[str, Any]) -> None:
    kind = node["type"]
    assert kind in ELEMENTS | ACTIONS, f"not an Adaptive Cards 1.5 type: {kind}"
    for key, allowed in ENUMS.items():
        assert node.get(key, next(iter(allowed))) in allowed, node
    style = node.get("style")
    if style is not None:
        assert style in STYLES["action" if kind in ACTIONS else kind], node
    if kind == "TextBlock":
        assert isinstance(node["text"], str) and node["text"].strip(), node
        assert node["wrap"] is True
    elif kind == "Image":
        assert is_web_url(node["url"]), node
    elif kind == "FactSet":
        assert node["facts"] and all(isinstance(f["title"], str) and isinstance(f["value"], str)
                                     for f in node["facts"])
    elif kind.startswith("Input."):
        assert isinstance(node["id"], str) and node["id"], node
    elif kind == "Container":
        assert node["items"], node
    elif kind == "ActionSet":
        assert 1 <= len(node["actions"]) <= 5, node
    elif kind == "Action.OpenUrl":
        assert is_web_url(node["url"]), node
    elif kind in ("Action.Submit", "Action.Execute"):
        data = node["data"]
        assert isinstance(data, dict) and (data.get("action_id") or data.get("form_id")), node
        dialog = data.get("msteams")  # a button that opens a dialog (task/fetch)
        assert dialog in (None, {"type": "task/fetch"}) and kind == "Action.Submit" or not dialog
        assert all(isinstance(value, str) for key, value in data.items() if key != "msteams")
        if kind == "Action.Execute":
            assert node["verb"], node


def valid(card: dict[str, Any]) -> dict[str, Any]:
    """The card as Teams gets it: JSON, version 1.5, the schema, known types, required parts."""
    assert json.loads(json.dumps(card)) == card
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["$schema"] == SCHEMA_URL
    assert card["msteams"] == {"width": "Full"}
    assert not schema_errors(card), schema_errors(card)
    assert card["body"], "an empty card"
    nodes = walk(card["body"]) + walk(card.get("actions", []))
    for node in nodes:
        check_node(node)
    ids = [node["id"] for node in nodes if node["type"].startswith("Input.")]
    assert len(ids) == len(set(ids)), ids
    return card


def texts_of(card: dict[str, Any]) -> str:
    """Every Markdown string a person reads: TextBlocks and facts."""
    nodes = walk(card["body"])
    blocks = [n["text"] for n in nodes if n["type"] == "TextBlock"]
    facts = [part for n in nodes if n["type"] == "FactSet"
             for f in n["facts"] for part in (f["title"], f["value"])]
    return "\n".join(blocks + facts)


def card(*blocks: Any, summary: str = "summary") -> Card:
    return Card(summary=summary, blocks=tuple(blocks))


# -- the schema itself ------------------------------------------------------------------


def test_schema_is_draft_6_and_catches_mistakes(validator: Any) -> None:
    assert validator.schema["$schema"] == "http://json-schema.org/draft-06/schema#"
    assert isinstance(validator, jsonschema.Draft6Validator)
    good = {"type": "AdaptiveCard", "version": "1.5", "body": [
        {"type": "TextBlock", "text": "hi"}]}
    assert validator.is_valid(good)
    for bad in (
        {"type": "TextBlock"},  # no text
        {"type": "TextBlock", "text": "hi", "colour": "red"},  # unknown property
        {"type": "Image"},  # no url
        {"type": "FactSet", "facts": [{"title": "t"}]},  # a fact without value
        {"type": "Input.Text", "label": "x"},  # no id
        {"type": "ActionSet", "actions": [{"type": "Action.OpenUrl", "title": "x"}]},  # no url
        {"type": "Markdown", "text": "hi"},  # not an element
    ):
        assert not validator.is_valid({**good, "body": [bad]}), bad
    # Teams' own "msteams" key is outside the schema: schema_errors() takes it out first.
    assert not validator.is_valid({**good, "msteams": {"width": "Full"}})


# -- escaping ---------------------------------------------------------------------------


def test_escape_neutralises_inline_markdown() -> None:
    assert escape("*bold* **strong** _it_ `code` ~~gone~~ a|b") == (
        r"\*bold\* \*\*strong\*\* \_it\_ \`code\` \~\~gone\~\~ a\|b")
    assert escape("[click](https://evil.example) ![img](x)") == (
        r"\[click\](https://evil.example) !\[img\](x)")
    assert escape(r"a \* b \\ c C:\dir") == r"a \\\* b \\\ c C:\dir"  # "\ " is literal
    assert escape("snake_case and __init__ and _x") == r"snake_case and \_\_init\_\_ and \_x"


def test_escape_neutralises_block_markdown_at_line_starts_only() -> None:
    text = "# Title\n## Two\n#hiring\n- item\n+ item\n1. one\n2) two\n---\n===\n> quoted\nx - y + z"
    assert escape(text).split("\n\n") == [
        r"\# Title", r"\## Two", "#hiring", r"\- item", r"\+ item", r"1\. one", r"2\) two",
        r"\---", r"\===", "&gt; quoted", "x - y + z"]
    assert escape("2024 was great. 3.5 % more") == "2024 was great. 3.5 % more"
    assert escape("    indented code\n\n\n   more  ") == "indented code\n\nmore"


def test_escape_neutralises_html_mentions_and_entities() -> None:
    out = escape("<at>Bob</at> <b>x</b> <https://x.com> &amp; &#60; Tom & Jerry 5 > 3")
    assert "<" not in out
    assert out == ("&lt;at>Bob&lt;/at> &lt;b>x&lt;/b> &lt;https://x.com> &amp;amp; &amp;#60; "
                   "Tom & Jerry 5 > 3")


def test_escape_keeps_bare_links_working_and_breaks_date_functions() -> None:
    link = "https://pv.example.com/r/_Ab-c~d_?a=1&b=2"
    assert escape(f"Read it: {link} *now*") == rf"Read it: {link} \*now\*"
    assert escape("{{DATE(2026-01-01T10:00:00Z, SHORT)}} {{x}}") == (
        f"{{{WJ}{{DATE(2026-01-01T10:00:00Z, SHORT)}}}} {{{{x}}}}")


def test_escape_leaves_no_special_character_unescaped() -> None:
    rng = random.Random(7)
    alphabet = "ab _*`[]|~\\<>&;#-+=.1)(!{}\n"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        out = escape(text)
        assert "<" not in out
        for index, char in enumerate(out):
            if char in "*`[]|~":
                run = len(out[:index]) - len(out[:index].rstrip("\\"))
                assert run % 2 == 1, (text, out, index)
        for line in out.split("\n\n"):
            assert not re.match(r"(#{1,6}|[-+>]|\d+[.)])(\s|$)|=+$|--", line), (text, out)


def test_escape_turns_each_line_break_into_a_paragraph() -> None:
    assert escape("one\ntwo\r\n\r\nthree\u2028four") == "one\n\ntwo\n\nthree\n\nfour"
    assert escape("") == escape(" \n\t ") == ""
    assert escape("Fier de l’équipe ! (vraiment) peut-être 100 %") == (
        "Fier de l’équipe ! (vraiment) peut-être 100 %")


def test_rendered_user_text_has_no_live_markup() -> None:
    nasty = "<at>All</at> [x](javascript:alert(1)) **b** # h\n- l\n1. n <script>"
    rendered = valid(render_card(card(
        Heading(nasty), Text(nasty), Quote(nasty), Facts((Fact(nasty, nasty),)),
        Footnote(nasty), LinkPreview("https://example.com/a", nasty, nasty),
    )))
    out = texts_of(rendered)
    assert "<" not in out and "[x](" not in out and "**" not in out
    assert "\n- " not in out and "\n1. " not in out and "\n# " not in out


# -- every block kind -------------------------------------------------------------------


def test_every_block_kind() -> None:
    rendered = valid(render_card(card(
        Heading("Hello"),
        Text("Some *text*"),
        Quote("line one\nline > two"),
        Facts((Fact("Shares", "12"), Fact("Clicks", "340"), Fact(" ", ""))),
        Image("https://example.com/a.png", "A chart"),
        LinkPreview("https://example.com/post", "A post", "What it says"),
        Footnote("small print"),
        Divider(),
        Actions((Button("Go", "go", "1", "primary"), Button("Stop", "stop", style="danger"),
                 Button("Open", "open", url="https://example.com"))),
    )))
    assert "actions" not in rendered and rendered["fallbackText"] == "summary"
    body = rendered["body"]
    assert [b["type"] for b in body] == [
        "TextBlock", "TextBlock", "Container", "FactSet", "Image", "Container", "TextBlock",
        "ActionSet"]
    assert body[0] == {"type": "TextBlock", "text": "Hello", "wrap": True, "size": "Medium",
                       "weight": "Bolder", "style": "heading"}
    assert body[1] == {"type": "TextBlock", "text": r"Some \*text\*", "wrap": True}
    assert body[2] == {"type": "Container", "style": "emphasis", "items": [
        {"type": "TextBlock", "text": "line one\n\nline > two", "wrap": True}]}
    assert body[3] == {"type": "FactSet", "facts": [{"title": "Shares", "value": "12"},
                                                    {"title": "Clicks", "value": "340"}]}
    assert body[4] == {"type": "Image", "url": "https://example.com/a.png", "altText": "A chart"}
    assert body[5] == {"type": "Container", "items": [
        {"type": "TextBlock", "text": "[A post](https://example.com/post)", "wrap": True,
         "weight": "Bolder"},
        {"type": "TextBlock", "text": "What it says", "wrap": True, "isSubtle": True}],
        "selectAction": {"type": "Action.OpenUrl", "title": "A post",
                         "url": "https://example.com/post"}}
    assert body[6] == {"type": "TextBlock", "text": "small print", "wrap": True,
                       "isSubtle": True, "size": "Small"}
    assert body[7] == {"type": "ActionSet", "separator": True, "spacing": "Medium", "actions": [
        {"type": "Action.Submit", "title": "Go", "data": {"action_id": "go", "value": "1"},
         "style": "positive"},
        {"type": "Action.Submit", "title": "Stop", "data": {"action_id": "stop", "value": ""},
         "style": "destructive"},
        {"type": "Action.OpenUrl", "title": "Open", "url": "https://example.com"}]}


def test_empty_blocks_are_skipped_and_an_empty_card_shows_its_summary() -> None:
    rendered = valid(render_card(card(
        Heading(" "), Text(""), Quote("\n"), Footnote(" "), Facts(()), Facts((Fact("", " "),)),
        Actions(()), Divider(), Image("javascript:x", ""), LinkPreview("ftp://x", " ", ""),
        summary="New post: <b>hi</b>")))
    assert rendered["body"] == [
        {"type": "TextBlock", "text": "New post: &lt;b>hi&lt;/b>", "wrap": True}]


def test_dividers_mark_the_next_element_only() -> None:
    body = valid(render_card(card(Divider(), Text("a"), Divider(), Divider(), Text(""),
                                  Text("b"), Divider())))["body"]
    assert [(b["text"], b.get("separator")) for b in body] == [("a", None), ("b", True)]


def test_link_preview_link_is_markdown_safe() -> None:
    url = "https://example.com/a_(b) c?x=1&y=<2>"
    rendered = valid(render_card(card(LinkPreview(url.replace(" ", "%20"), "[Hi] *you*", ""))))
    head = rendered["body"][0]["items"]
    assert head == [{"type": "TextBlock", "weight": "Bolder", "wrap": True, "text":
                     r"[\[Hi\] \*you\*](https://example.com/a_%28b%29%20c?x=1&y=%3C2%3E)"}]
    assert rendered["body"][0]["selectAction"]["url"] == url.replace(" ", "%20")
    backslash = valid(render_card(card(LinkPreview("https://e.com/x", "C:\\", ""))))
    assert backslash["body"][0]["items"][0]["text"] == r"[C:\\](https://e.com/x)"
    untitled = valid(render_card(card(LinkPreview("https://e.com/x", "", "s"))))
    assert untitled["body"][0]["items"][0]["text"] == "[https://e.com/x](https://e.com/x)"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com/x", "", "//x.com",
                                 "https://user:pw@example.com/", "https://e.com/\u200bx"])
def test_link_preview_with_unsafe_url_has_no_link(url: str) -> None:
    rendered = valid(render_card(card(LinkPreview(url, "Click <me>", "summary"))))
    assert rendered["body"] == [{"type": "Container", "items": [
        {"type": "TextBlock", "text": "Click &lt;me>", "wrap": True, "weight": "Bolder"},
        {"type": "TextBlock", "text": "summary", "wrap": True, "isSubtle": True}]}]


def test_image_with_unsafe_url_shows_its_description() -> None:
    rendered = valid(render_card(card(Image("data:image/png;base64,AAAA", "A <chart>"))))
    assert rendered["body"] == [{"type": "TextBlock", "text": "A &lt;chart>", "wrap": True}]
    no_alt = valid(render_card(card(Image("https://e.com/a.png", " "))))
    assert no_alt["body"] == [{"type": "Image", "url": "https://e.com/a.png"}]


# -- lengths ----------------------------------------------------------------------------


def test_long_text_is_cut_on_a_word() -> None:
    text = " ".join(f"word{i}" for i in range(2000))
    out = valid(render_card(card(Text(text))))["body"][0]["text"]
    assert len(out) <= TEXT_LIMIT and out.endswith("…")
    assert text.startswith(out[:-1] + " ")


def test_long_text_cut_after_escaping_never_splits_an_escape() -> None:
    out = valid(render_card(card(Quote("<* " * 3000))))["body"][0]["items"][0]["text"]
    assert 4000 < len(out) <= TEXT_LIMIT and out.endswith("…")
    assert out.replace("&lt;\\* ", "") == "&lt;\\*…"
    heading = valid(render_card(card(Heading("title " * 200))))["body"][0]["text"]
    assert len(heading) <= 500 and heading.endswith("…")


def test_fallback_text_is_plain_and_cut() -> None:
    assert fallback_text(card(summary=" New post: *We* <hire> ")) == "New post: *We* <hire>"
    long = fallback_text(card(summary="word " * 400))
    assert len(long) <= 1000 and long.endswith("…")
    in_card = valid(render_card(card(Text("x"), summary="*New* <at>x</at> " * 100)))
    assert in_card["fallbackText"].startswith(r"\*New\* &lt;at>x&lt;/at> \*New\*")
    assert len(in_card["fallbackText"]) <= 1000  # "may contain markdown": escaped


# -- buttons ----------------------------------------------------------------------------


def test_url_buttons_keep_safe_links_only() -> None:
    long_link = linkedin_post_url("Fière " + "é" * 400, "https://pv.example.com/r/Ab_c")
    assert long_link is not None
    rendered = valid(render_card(card(Actions((
        Button("LinkedIn", "share.linkedin", url=linkedin_share_url("https://pv.example.com/r/x"),
               style="primary"),
        Button("X", "share.x", url=long_link),
        Button("Evil", "evil", url="javascript:alert(1)"),
        Button("Ftp", "ftp", url="ftp://example.com/file"),
        Button("Spaced", "sp", url="https://example.com/a b"),
    )))))
    links = rendered["body"][0]["actions"]
    assert [a["title"] for a in links] == ["LinkedIn", "X"]
    assert links[0]["style"] == "positive"
    assert links[1] == {"type": "Action.OpenUrl", "title": "X", "url": long_link}
    assert len(long_link) > 2048


def test_only_unsafe_buttons_leave_no_action_set() -> None:
    rendered = valid(render_card(card(Text("t"), Actions((Button("x", "x", url="file:///"),)))))
    assert [b["type"] for b in rendered["body"]] == ["TextBlock"]


def test_buttons_split_by_five_and_labels_cut() -> None:
    buttons = tuple(Button(f"b{i}", f"act{i}", str(i)) for i in range(12))
    rendered = valid(render_card(card(Actions(buttons + (Button("word " * 30, "long"),)))))
    sets = rendered["body"]
    assert [len(s["actions"]) for s in sets] == [5, 5, 3]
    assert [a["data"]["value"] for s in sets for a in s["actions"]][:12] == [
        str(i) for i in range(12)]
    label = sets[-1]["actions"][-1]["title"]
    assert len(label) <= 75 and label.endswith("…")


def test_a_button_without_action_id_or_url_is_refused() -> None:
    with pytest.raises(ValueError):
        render_card(card(Actions((Button("b", ""),))))


def test_execute_makes_universal_actions() -> None:
    rendered = valid(render_card(card(Actions((
        Button("Use #1", "nudge.pick", "7:0", "primary"),
        Button("Open", "open", url="https://example.com"))),
    ), execute=True))
    pick, link = rendered["body"][0]["actions"]
    assert pick == {"type": "Action.Execute", "title": "Use #1", "verb": "nudge.pick",
                    "data": {"action_id": "nudge.pick", "value": "7:0"}, "style": "positive",
                    "fallback": {"type": "Action.Submit", "title": "Use #1",
                                 "data": {"action_id": "nudge.pick", "value": "7:0"}}}
    assert link["type"] == "Action.OpenUrl"


# -- the product's cards ----------------------------------------------------------------




@pytest.mark.parametrize("execute", [False, True])
@pytest.mark.parametrize("suggestion", ["Proud of my team! <at>All</at> *wow*", "é " * 2900])
def test_nudge_like_card(suggestion: str, execute: bool) -> None:
    rendered = valid(render_card(nudge_like(suggestion), execute=execute))
    body = rendered["body"]
    assert [b["type"] for b in body] == ["TextBlock", "Container", "TextBlock", "TextBlock"] + [
        "Container", "ActionSet"] * 3 + ["ActionSet", "TextBlock"]
    assert body[1]["items"][0]["text"] == (
        "[We are hiring &lt;devs>](https://example.com/jobs/42?utm=a&b=c)")
    assert body[2]["text"] == "• remote friendly\n\n• great team"
    picks = [s["actions"] for s in body if s["type"] == "ActionSet"]
    assert [[a["data"]["value"] for a in acts] for acts in picks] == [
        ["7:0"], ["7:1"], ["7:2"], ["7:own", "7", "7"]]
    assert {a["type"] for acts in picks for a in acts} == {
        "Action.Execute" if execute else "Action.Submit"}
    assert "<at>" not in json.dumps(rendered)
    assert fallback_text(nudge_like(suggestion)) == "New post: We are hiring <devs>"


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_the_products_own_nudge_and_done_cards(locale: str) -> None:
    texts = Texts(make_environment())
    post = Post(language=locale, url="https://example.com/a?x=1&y=2",
                title="We <3 <at>Team</at> *launch*",
                summary="Sum & more " * 400, key_points=["one [x](y)", "two"])
    post.hashtags = []
    delivery = Delivery(id=7, language=locale)
    ideas = [Suggestion(text, "proud", "Proud <b>") for text in
             ("Proud! #team", "é " * 1600, "<b>c</b>")]
    card = nudge_card(texts, post, delivery, ideas, Member(prefs={}),
                      Workspace(weekly_cap=2, disclosure_hashtag="#a <at>x</at>"), Style())
    nudge = valid(render_card(card))
    # The ideas as one choice, then one primary action with the quiet ones in its menu.
    [choice] = [b for b in nudge["body"] if b["type"] == "Input.ChoiceSet"]
    assert [c["value"] for c in choice["choices"]] == ["7:0", "7:1", "7:2"]
    [actions] = [b["actions"] for b in nudge["body"] if b["type"] == "ActionSet"]
    assert [(a["data"]["action_id"], a.get("style"), a.get("mode")) for a in actions] == [
        ("nudge.pick", "positive", None), ("nudge.pick", None, "secondary"),
        ("nudge.skip", None, "secondary"), ("nudge.decline", None, "secondary")]
    assert "value" not in actions[0]["data"]  # the choice's input gives it
    out = texts_of(nudge)
    assert "<" not in out and "*launch*" not in out and "[x](y)" not in out
    valid(render_card(done_card(texts, locale, post, "Shared <at>everyone</at>")))


def test_share_ready_card_with_a_long_accented_text() -> None:
    text, link = "Très fière de l’équipe ! " * 120, "https://pv.example.com/r/_AbC-123"
    rendered = valid(render_card(card(
        Heading("Ready"), Text("Copy it:"), Quote(f"{text}\n\n{link}"),
        Actions((Button("LinkedIn", "share.linkedin", url=linkedin_share_url(link),
                        style="primary"),
                 Button("X", "share.x", url=x_intent_url(text, link)),
                 Button("I posted it", "share.posted", "12"))),
        Footnote("You rewrote 40 % of the suggestion."),
    )))
    quote = rendered["body"][2]["items"][0]["text"]
    assert quote.endswith("\n\n" + link)  # the link stays copyable as it is
    assert [a["type"] for a in rendered["body"][3]["actions"]] == [
        "Action.OpenUrl", "Action.OpenUrl", "Action.Submit"]


# -- forms ------------------------------------------------------------------------------

NETWORK_OPTIONS = (Option("linkedin", "LinkedIn"), Option("x", "X"),
                   Option("mastodon", "Mastodon"))


def share_form(**changes: Any) -> Form:
    values: dict[str, Any] = dict(
        form_id="share.edit", title="Make it yours", submit_label="Share",
        intro="Edit the text for *We are hiring <devs>*", private="7:0",
        inputs=(
            TextInput("text", "Your text", "Proud of my team & more", multiline=True,
                      max_length=3000),
            Select("network", "Network", NETWORK_OPTIONS, "x"),
            Select("networks", "Networks", NETWORK_OPTIONS, "linkedin, mastodon,bogus,linkedin",
                   multiple=True),
            TextInput("topics", "Topics", required=False, max_length=500,
                      placeholder="jobs, tech"),
        ),
    )
    values.update(changes)
    return Form(**values)


def test_form() -> None:
    rendered = valid(render_form(share_form(), required_message=REQUIRED))
    title, intro, text, network, networks, topics = rendered["body"]
    assert title == {"type": "TextBlock", "text": "Make it yours", "wrap": True,
                     "size": "Medium", "weight": "Bolder", "style": "heading"}
    assert intro["text"] == r"Edit the text for \*We are hiring &lt;devs>\*"
    assert text == {"type": "Input.Text", "id": "text", "label": "Your text", "isRequired": True,
                    "errorMessage": REQUIRED, "isMultiline": True,
                    "value": "Proud of my team & more", "maxLength": 3000}
    assert network == {"type": "Input.ChoiceSet", "id": "network", "label": "Network",
                       "isRequired": True, "errorMessage": REQUIRED, "choices": [
                           {"title": "LinkedIn", "value": "linkedin"},
                           {"title": "X", "value": "x"},
                           {"title": "Mastodon", "value": "mastodon"}],
                       "style": "compact", "isMultiSelect": False, "value": "x"}
    assert networks["isMultiSelect"] is True and networks["value"] == "linkedin,mastodon"
    assert topics == {"type": "Input.Text", "id": "topics", "label": "Topics",
                      "isRequired": False, "isMultiline": False, "maxLength": 500,
                      "placeholder": "jobs, tech"}
    assert rendered["actions"] == [{"type": "Action.Submit", "title": "Share",
                                    "data": {"form_id": "share.edit", "private": "7:0"},
                                    "style": "positive"}]
    assert rendered["fallbackText"] == "Make it yours"


def test_form_values_that_do_not_fit_are_cut_or_left_out() -> None:
    rendered = valid(render_form(share_form(inputs=(
        TextInput("text", "Text", "word " * 10, max_length=12),
        TextInput("free", "Free", "v " * 3000, max_length=0),
        Select("pick", "Pick", NETWORK_OPTIONS, "bogus"),
        Select("many", "Many", NETWORK_OPTIONS, "", multiple=True),
        Select("none", "None", NETWORK_OPTIONS),
    )), required_message=REQUIRED))
    text, free, pick, many, none = rendered["body"][2:]
    assert text["value"] == "word word…" and text["maxLength"] == 12
    assert "maxLength" not in free and len(free["value"]) == 6000
    assert all("value" not in select for select in (pick, many, none))


def test_form_with_buttons_and_execute() -> None:
    form = share_form(blocks=(Quote("Suggestion <1>"),
                              Actions((Button("Reset", "share.reset", "7"),))))
    rendered = valid(render_form(form, required_message=REQUIRED, execute=True))
    quote, buttons = rendered["body"][2:4]
    assert quote["items"][0]["text"] == "Suggestion &lt;1>"
    submit = {"title": "Reset", "data": {"action_id": "share.reset", "value": "7"},
              "associatedInputs": "none"}
    assert buttons["actions"] == [{"type": "Action.Execute", "verb": "share.reset", **submit,
                                   "fallback": {"type": "Action.Submit", **submit}}]
    data = {"form_id": "share.edit", "private": "7:0"}
    assert rendered["actions"] == [{"type": "Action.Execute", "verb": FORM_SUBMIT_VERB,
                                    "title": "Share", "data": data, "style": "positive",
                                    "fallback": {"type": "Action.Submit", "title": "Share",
                                                 "data": data}}]


@pytest.mark.parametrize("inputs", [
    (TextInput("a", "A"), TextInput("a", "B")),
    (TextInput("", "A"),),
    (TextInput("private", "P"),),
    (TextInput("action_id", "P"),),
    (Select("s", "S", ()),),
    (Select("s", "S", (Option("", "empty"),)),),
    (Select("s", "S", (Option("a,b", "comma"),), multiple=True),),
])
def test_forms_the_round_trip_could_not_carry_are_refused(inputs: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError):
        render_form(share_form(inputs=inputs), required_message=REQUIRED)
    with pytest.raises(ValueError):
        render_form(share_form(form_id=""), required_message=REQUIRED)


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_the_products_share_edit_and_prefs_forms(locale: str) -> None:
    texts = Texts(make_environment())

    def say(key: str, **values: Any) -> str:
        return texts.say(locale, key, **values)

    share = Form(  # as bot/handlers/nudge.py builds it
        form_id="share.edit", title=say("share.form_title"), submit_label=say("share.form_submit"),
        intro=say("share.form_intro", title="We <3 *you*"), private="7:1",
        inputs=(TextInput("text", say("share.form_text", limit=LINKEDIN_LIMIT), "Proud! " * 500,
                          multiline=True,
                          max_length=LINKEDIN_LIMIT),
                Select("network", say("share.form_network"),
                       tuple(Option(n, say(f"common.network_{n}")) for n in NETWORKS), "x")))
    rendered = valid(render_form(share, required_message=REQUIRED))
    assert len(rendered["body"][2]["value"]) <= LINKEDIN_LIMIT
    member = SimpleNamespace(prefs={"networks": ["x", "linkedin"]}, locale=locale, job_title="")
    ctx = SimpleNamespace(member=member, workspace=SimpleNamespace(weekly_cap=2, locale="en",
                                                                   ai_drafts=True),
                          rt=SimpleNamespace(settings=Settings(llm_url="http://127.0.0.1:1/v1",
                                                               llm_model="m")),
                          say=say, locale=locale)
    prefs = valid(render_form(prefs_form(ctx), required_message=REQUIRED))  # type: ignore[arg-type]
    inputs = {n["id"]: n for n in prefs["body"] if n["type"].startswith("Input.")}
    assert inputs["networks"]["value"] == "x,linkedin"
    assert inputs["weekly_cap"]["value"] == "2" and inputs["language"]["value"] == locale
    assert inputs["topics"]["isRequired"] is False and "errorMessage" not in inputs["topics"]
    assert (inputs["quiet_start"]["type"], inputs["quiet_start"]["value"]) == ("Input.Time",
                                                                               "19:00")
    assert (inputs["weekends"]["type"], inputs["weekends"]["value"]) == ("Input.Toggle", "false")
    assert inputs["languages"]["isMultiSelect"] is True and inputs["languages"]["value"] == locale
    assert inputs["role"]["isRequired"] is False and inputs["about"]["maxLength"] == 200
    assert [choice["value"] for choice in inputs["ai"]["choices"]] == ["yes", "examples", "no"]


# -- reading submissions back -----------------------------------------------------------


def test_submitted_button() -> None:
    assert submitted({"action_id": "nudge.pick", "value": "7:0"}) == Submission(
        "action", action_id="nudge.pick", value="7:0")
    assert submitted({"action_id": "prefs.open"}) == Submission("action", action_id="prefs.open")
    with_inputs = submitted({"action_id": "share.reset", "value": 7, "text": "hi",
                             "msteams": {"type": "messageBack"}})
    assert with_inputs == Submission("action", action_id="share.reset", value="7",
                                     values={"text": "hi"})


def test_submitted_form_as_teams_sends_it() -> None:
    rendered = render_form(share_form(), required_message=REQUIRED)
    data = rendered["actions"][0]["data"]
    value = {**data, "text": "My words", "network": "x", "networks": "linkedin,mastodon",
             "topics": "", "agree": True, "count": 3, "gone": None, "odd": {"a": 1},
             "list": ["a", "b"], 4: "not a name"}
    assert submitted(value) == Submission(
        "form", form_id="share.edit", private="7:0", values={
            "text": "My words", "network": "x", "networks": "linkedin,mastodon", "topics": "",
            "agree": "true", "count": "3", "gone": "", "list": "a,b"})
    invoke_data = {**render_form(share_form(), required_message=REQUIRED, execute=True)[
        "actions"][0]["data"], "text": "hi"}
    found = submitted(invoke_data)
    assert found is not None and found.kind == "form" and found.values == {"text": "hi"}


@pytest.mark.parametrize("junk", [None, "nudge.pick", ["action_id"], 3, {}, {"value": "1"},
                                  {"action_id": ""}, {"action_id": 3}, {"form_id": ""},
                                  {"form_id": ["share.edit"]}, {"text": "hi"}])
def test_submitted_junk_is_none(junk: Any) -> None:
    assert submitted(junk) is None


# -- every kind of card against the official schema ------------------------------------


def gallery() -> dict[str, dict[str, Any]]:
    """One of each: every block kind, the product's card shapes, forms, both action kinds."""
    every = card(Heading("H"), Text("T"), Quote("Q"), Facts((Fact("F", "V"),)),
                 Image("https://e.com/a.png", "alt"), Image("bad", "alt"),
                 LinkPreview("https://e.com/p", "P", "S"), LinkPreview("bad", "P", "S"),
                 Footnote("N"), Divider(),
                 Actions(tuple(Button(f"B{i}", "b", str(i), "danger") for i in range(7))
                         + (Button("U", "u", url="https://e.com"),)))
    form = share_form(blocks=(Text("t"), Actions((Button("B", "b"),))))
    return {
        "every block": render_card(every),
        "every block, execute": render_card(every, execute=True),
        "nudge": render_card(nudge_like("Proud <at>x</at>")),
        "empty": render_card(card()),
        "form": render_form(form, required_message=REQUIRED),
        "form, execute": render_form(form, required_message=REQUIRED, execute=True),
    }


@pytest.mark.parametrize("name", list(gallery()))
def test_gallery_matches_the_official_schema(validator: Any, name: str) -> None:
    rendered = gallery()[name]
    bare = {key: value for key, value in rendered.items() if key != "msteams"}
    assert not [e.message for e in validator.iter_errors(bare)]
    valid(rendered)
