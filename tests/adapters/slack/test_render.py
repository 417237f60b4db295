"""Block Kit rendering of neutral cards and forms, checked against slack_sdk's models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.slack.render import (
    base_action_id,
    escape,
    fallback_text,
    form_values,
    render_blocks,
    render_modal,
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
from bot.nudges import done_card, nudge_card
from bot.services.sharing import linkedin_share_url, x_intent_url
from bot.texts import Texts, make_environment
from bot.voice.stored import Suggestion
from bot.voice.style import Style
from storage.models import Delivery, Member, Post, Workspace
from tests.adapters.sample_cards import nudge_like

WJ = "\u2060"
NASTY = "Tom & Jerry <!channel> <@U123|bob> <!subteam^S1|@team> <#C1> @here @Everyone *bold* _it_"


def assert_kept(sent: Any, parsed: Any, where: str = "") -> None:
    """Everything we set survives slack_sdk's model (it silently drops unknown keys)."""
    if isinstance(sent, dict):
        assert isinstance(parsed, dict), where
        for key, value in sent.items():
            assert key in parsed, f"{where}.{key} dropped by slack_sdk"
            assert_kept(value, parsed[key], f"{where}.{key}")
    elif isinstance(sent, list):
        assert isinstance(parsed, list) and len(parsed) == len(sent), where
        for index, (a, b) in enumerate(zip(sent, parsed, strict=True)):
            assert_kept(a, b, f"{where}[{index}]")
    else:
        assert sent == parsed, where


def check_what_slack_sdk_does_not(block: dict[str, Any]) -> None:
    """Limits the Slack API enforces but slack_sdk's models leave unchecked."""
    assert all(text.strip() for text in all_texts(block)), f"blank text in {block}"
    assert all(len(f["text"]) <= 2000 for f in block.get("fields", [])), "field over 2000"
    if block["type"] == "context":
        assert all(len(e["text"]) <= 3000 for e in block["elements"]), "context over 3000"
    if block["type"] == "actions":
        ids = [e["action_id"] for e in block["elements"]]
        assert len(ids) == len(set(ids)), f"duplicate action_id in one block: {ids}"
    element = block.get("element", {})
    options = element.get("options", [])
    chosen = list(element.get("initial_options", []))
    if "initial_option" in element:
        chosen.append(element["initial_option"])
    assert all(option in options for option in chosen), "initial option not among options"


def valid(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for index, block in enumerate(blocks):
        model = Block.parse(block)
        assert model is not None, block
        model.validate_json()  # the block's own limits
        assert_kept(block, model.to_dict(), f"[{index}]")  # to_dict validates nested objects
        check_what_slack_sdk_does_not(block)
    json.dumps(blocks)
    return blocks


def valid_view(view: dict[str, Any]) -> dict[str, Any]:
    model = View(**view)
    model.validate_json()
    assert_kept(view, model.to_dict())
    valid(view["blocks"])
    block_ids = [b["block_id"] for b in view["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    return view


def all_texts(node: Any, kinds: tuple[str, ...] = ("mrkdwn", "plain_text")) -> list[str]:
    """Every text object's string in a block tree."""
    if isinstance(node, list):
        return [text for value in node for text in all_texts(value, kinds)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") in kinds else []
    return own + [text for value in node.values() for text in all_texts(value, kinds)]


def texts_of(blocks: list[dict[str, Any]]) -> str:
    """Every mrkdwn string in the blocks, joined."""
    return "\n".join(all_texts(blocks, ("mrkdwn",)))


def card(*blocks: Any, summary: str = "summary") -> Card:
    return Card(summary=summary, blocks=tuple(blocks))


# -- escaping ----------------------------------------------------------------------------


def test_escape_makes_mentions_and_links_inert() -> None:
    out = escape(NASTY)
    assert "<" not in out and ">" not in out
    assert "Tom &amp; Jerry" in out
    assert "&lt;!channel&gt;" in out and "&lt;@U123|bob&gt;" in out
    assert "@here" not in out and f"@{WJ}here" in out
    assert f"@{WJ}Everyone" in out
    assert "*bold* _it_" in out


def test_escape_neutralises_broadcast_words_only() -> None:
    assert escape("@channel, @HERE!") == f"@{WJ}channel, @{WJ}HERE!"
    assert escape("@herefordshire and @channels") == "@herefordshire and @channels"
    assert escape("~strike~ 5 > 3") == "~strike~ 5 &gt; 3"


def test_rendered_user_text_has_no_raw_mentions() -> None:
    blocks = valid(render_blocks(card(
        Text(NASTY), Quote(NASTY), Facts((Fact(NASTY, NASTY),)), Footnote(NASTY),
        LinkPreview("https://example.com/a?b=1&c=2", NASTY, NASTY),
    )))
    out = texts_of(blocks)
    assert "<!" not in out and "<@" not in out and "<#" not in out
    assert "@here" not in out.replace(f"@{WJ}here", "")
    assert "@Everyone" not in out
    assert fallback_text(card(summary=NASTY)) == escape(NASTY)
    long = fallback_text(card(summary="&" * 4000))
    assert len(long) <= 3000 and long.endswith("&amp;…")


# -- every block kind ------------------------------------------------------------------


def test_every_block_kind() -> None:
    blocks = valid(render_blocks(card(
        Heading("Hello"),
        Text("Some *text*"),
        Quote("line one\n\nline > two"),
        Facts((Fact("Shares", "12"), Fact("Clicks", "340"))),
        Image("https://example.com/a.png", "A chart"),
        LinkPreview("https://example.com/post", "A post", "What it says"),
        Footnote("small print"),
        Divider(),
        Actions((Button("Go", "go", "1", "primary"),
                 Button("Open", "open", url="https://example.com"))),
    )))
    assert [b["type"] for b in blocks] == [
        "header", "section", "section", "section", "image", "section", "context", "divider",
        "actions"]
    assert blocks[0]["text"] == {"type": "plain_text", "text": "Hello", "emoji": True}
    assert blocks[2]["text"]["text"] == "> line one\n>\n> line &gt; two"
    assert blocks[3]["fields"][0] == {"type": "mrkdwn", "text": "*Shares*\n12"}
    assert blocks[4] == {"type": "image", "image_url": "https://example.com/a.png",
                         "alt_text": "A chart"}
    assert blocks[5]["text"]["text"] == "*<https://example.com/post|A post>*\nWhat it says"
    assert blocks[6]["elements"] == [{"type": "mrkdwn", "text": "small print"}]
    go, link = blocks[8]["elements"]
    assert go == {"type": "button", "text": {"type": "plain_text", "text": "Go", "emoji": True},
                  "action_id": "go", "value": "1", "style": "primary"}
    assert link["url"] == "https://example.com" and "value" not in link and "style" not in link
    assert link["action_id"] == "open"


def test_empty_texts_are_skipped() -> None:
    assert render_blocks(card(Heading(" "), Text(""), Text("  \n"), Quote(""), Footnote(""),
                              Facts(()), Actions(()))) == []


def test_heading_cut_to_150() -> None:
    blocks = valid(render_blocks(card(Heading("word " * 100))))
    assert len(blocks[0]["text"]["text"]) <= 150
    assert blocks[0]["text"]["text"].endswith("…")


# -- lengths ---------------------------------------------------------------------------


def test_long_text_cut_on_a_word() -> None:
    text = " ".join(f"word{i}" for i in range(2000))
    assert len(text) > 10_000
    section = valid(render_blocks(card(Text(text))))[0]["text"]["text"]
    assert len(section) <= 3000 and section.endswith("…")
    assert text.startswith(section[:-1] + " ")


def test_long_text_full_of_ampersands_stays_under_3000_after_escaping() -> None:
    text = "& " * 5000
    section = valid(render_blocks(card(Text(text))))[0]["text"]["text"]
    assert 2000 < len(section) <= 3000 and section.endswith("…")
    assert section.count("&") == section.count("&amp;")  # no entity cut in half
    quote = valid(render_blocks(card(Quote("<>\n" * 2000))))[0]["text"]["text"]
    assert len(quote) <= 3000 and quote.startswith("> &lt;&gt;\n> &lt;&gt;")


def test_facts_split_by_ten_and_fields_fit() -> None:
    facts = tuple(Fact(f"label {i}", f"value {i}") for i in range(12))
    blocks = valid(render_blocks(card(Facts(facts))))
    assert [len(b["fields"]) for b in blocks] == [10, 2]
    long = valid(render_blocks(card(Facts((Fact("L" * 900, "&" * 3000),)))))
    assert len(long[0]["fields"][0]["text"]) <= 2000


def test_link_preview_escapes_title_and_url() -> None:
    blocks = valid(render_blocks(card(LinkPreview(
        "https://example.com/?a=1&b=<2>|3", "A | B > C", "x " * 3000))))
    text = blocks[0]["text"]["text"]
    assert text.startswith(
        "*<https://example.com/?a=1&amp;b=%3C2%3E%7C3|A ¦ B &gt; C>*\nx x")
    assert len(text) <= 3000 and text.endswith("…")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com/x", "", "//x.com"])
def test_link_preview_with_unsafe_url_renders_no_link(url: str) -> None:
    blocks = valid(render_blocks(card(LinkPreview(url, "Click <me>", "summary"))))
    assert blocks[0]["text"]["text"] == "*Click &lt;me&gt;*\nsummary"
    assert "<" not in texts_of(blocks) and "javascript" not in texts_of(blocks)


def test_image_with_unsafe_url_shows_its_description() -> None:
    blocks = valid(render_blocks(card(Image("javascript:alert(1)", "A <chart>"))))
    assert blocks == [{"type": "context",
                       "elements": [{"type": "mrkdwn", "text": "A &lt;chart&gt;"}]}]
    long_alt = valid(render_blocks(card(Image("https://e.com/a.png", "a " * 2000))))
    assert len(long_alt[0]["alt_text"]) <= 2000


def test_at_most_50_blocks() -> None:
    blocks = valid(render_blocks(card(*(Text(f"t{i}") for i in range(60)))))
    assert len(blocks) == 50
    assert blocks[48]["text"]["text"] == "t48"
    assert blocks[49] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "…"}]}
    assert len(render_blocks(card(*(Text(f"t{i}") for i in range(50))))) == 50


# -- buttons ---------------------------------------------------------------------------


def test_button_label_cut_to_75() -> None:
    blocks = valid(render_blocks(card(Actions((Button("a" * 100, "x"),
                                               Button("word " * 20, "y"))))))
    labels = [e["text"]["text"] for e in blocks[0]["elements"]]
    assert all(len(label) <= 75 and label.endswith("…") for label in labels)


def test_many_buttons_split_by_25() -> None:
    buttons = tuple(Button(f"b{i}", f"act{i}", str(i)) for i in range(30))
    blocks = valid(render_blocks(card(Actions(buttons))))
    assert [len(b["elements"]) for b in blocks] == [25, 5]


def test_duplicate_action_ids_get_suffixes() -> None:
    blocks = valid(render_blocks(card(Actions((
        Button("One", "nudge.pick", "1:0"), Button("Two", "nudge.pick", "1:1"),
        Button("Skip", "nudge.skip", "1"), Button("Three", "nudge.pick", "1:2"),
    )))))
    ids = [e["action_id"] for e in blocks[0]["elements"]]
    assert ids == ["nudge.pick", "nudge.pick#2", "nudge.skip", "nudge.pick#3"]
    assert [base_action_id(i) for i in ids] == [
        "nudge.pick", "nudge.pick", "nudge.skip", "nudge.pick"]
    assert base_action_id("share.x") == "share.x"


def test_url_buttons() -> None:
    long_x = "https://x.com/intent/post?text=" + "%C3%A9" * 400  # > 2048, <= 3000
    blocks = valid(render_blocks(card(Actions((
        Button("LinkedIn", "share.linkedin", url="https://www.linkedin.com/sharing/?url=a",
               style="primary"),
        Button("X", "share.x", url=long_x),
        Button("Evil", "evil", url="javascript:alert(1)"),
    )))))
    elements = blocks[0]["elements"]
    assert [e["action_id"] for e in elements] == ["share.linkedin", "share.x"]
    assert elements[1]["url"] == long_x


def test_oversized_button_value_is_refused() -> None:
    with pytest.raises(ValueError):
        render_blocks(card(Actions((Button("b", "x", "v" * 2001),))))


# -- a real card -----------------------------------------------------------------------




@pytest.mark.parametrize("suggestion", ["Proud of my team! @channel <!here>", "é" * 2900])
def test_nudge_like_card(suggestion: str) -> None:
    nudge = nudge_like(suggestion)
    blocks = valid(render_blocks(nudge))
    assert len(blocks) == 12
    assert [b["type"] for b in blocks if b["type"] == "actions"] == ["actions"] * 4
    assert blocks[1]["text"]["text"].startswith(
        "*<https://example.com/jobs/42?utm=a&amp;b=c|We are hiring &lt;devs&gt;>*")
    assert "<!" not in texts_of(blocks) and "@channel" not in texts_of(blocks)
    assert fallback_text(nudge) == "New post: We are hiring &lt;devs&gt;"


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_the_products_own_nudge_and_done_cards(locale: str) -> None:
    texts = Texts(make_environment())
    post = Post(language=locale, url="https://example.com/a?x=1&y=2",
                title="We <3 @here <!channel>",
                summary="Sum & more " * 400, key_points=["one <@U1>", "two"])
    post.hashtags = []
    delivery = Delivery(id=7, language=locale)
    ideas = [Suggestion(text, "proud", "Proud @here") for text in
             ("Proud! @channel", "é " * 1600, "<!here> c")]
    nudge = nudge_card(texts, post, delivery, ideas, Member(prefs={}),
                      Workspace(weekly_cap=2, disclosure_hashtag="#a @here"), Style())
    blocks = valid(render_blocks(nudge))
    # Each idea its section; the ideas as radio buttons; one primary button, the ways out
    # beside it.
    choice, buttons = [b["elements"] for b in blocks if b["type"] == "actions"]
    assert [o["value"] for o in choice[0]["options"]] == ["7:0", "7:1", "7:2"]
    assert [(e["action_id"], e.get("style")) for e in buttons] == [
        ("nudge.pick", "primary"), ("nudge.pick#2", None), ("nudge.skip", None),
        ("nudge.decline", None)]
    assert not any("accessory" in b for b in blocks)
    assert "<!" not in texts_of(blocks) and "<@" not in texts_of(blocks)
    assert "<!" not in fallback_text(nudge)
    valid(render_blocks(done_card(texts, locale, post, "Shared @everyone")))


def test_share_ready_card_with_a_long_accented_text() -> None:
    text, link = "Très fière de l’équipe ! " * 120, "https://pv.example.com/r/AbC123"
    blocks = valid(render_blocks(card(
        Heading("Ready"), Text("Copy it:"), Quote(f"{text}\n\n{link}"),
        Actions((Button("LinkedIn", "share.linkedin", url=linkedin_share_url(link),
                        style="primary"),
                 Button("X", "share.x", url=x_intent_url(text, link)),
                 Button("I posted it", "share.posted", "12"))),
        Footnote("You rewrote 40 % of the suggestion."),
    )))
    assert [e["action_id"] for e in blocks[3]["elements"]] == [
        "share.linkedin", "share.x", "share.posted"]


# -- modals ----------------------------------------------------------------------------

NETWORKS = (Option("linkedin", "LinkedIn"), Option("x", "X"), Option("mastodon", "Mastodon"))


def share_form(**changes: Any) -> Form:
    values: dict[str, Any] = dict(
        form_id="share.edit", title="Make it yours", submit_label="Share",
        intro="Edit the text for *We are hiring <devs>*", private="7:0",
        inputs=(
            TextInput("text", "Your text", "Proud of my team & more", multiline=True,
                      max_length=3000),
            Select("network", "Network", NETWORKS, "x"),
            Select("networks", "Networks", NETWORKS, "linkedin,mastodon,bogus", multiple=True),
            TextInput("topics", "Topics", required=False, max_length=5000,
                      placeholder="jobs, tech"),
        ),
    )
    values.update(changes)
    return Form(**values)


def modal(form: Form, private: str = "7:0") -> dict[str, Any]:
    return valid_view(render_modal(form, callback_id=form.form_id, private_metadata=private,
                                   close_label="Cancel"))


def test_modal() -> None:
    view = modal(share_form())
    assert view["type"] == "modal" and view["callback_id"] == "share.edit"
    assert view["close"]["text"] == "Cancel" and view["submit"]["text"] == "Share"
    assert view["private_metadata"] == "7:0"
    intro, text, network, networks, topics = view["blocks"]
    assert intro["text"]["text"] == "Edit the text for *We are hiring &lt;devs&gt;*"
    assert text["block_id"] == "text" and text["optional"] is False
    assert text["element"] == {"type": "plain_text_input", "action_id": "text",
                               "multiline": True, "initial_value": "Proud of my team & more",
                               "max_length": 3000}
    assert network["element"]["type"] == "static_select"
    assert network["element"]["initial_option"]["value"] == "x"
    assert networks["element"]["type"] == "multi_static_select"
    assert [o["value"] for o in networks["element"]["initial_options"]] == [
        "linkedin", "mastodon"]
    assert topics["optional"] is True
    assert topics["element"]["max_length"] == 3000 and "initial_value" not in topics["element"]
    assert topics["element"]["placeholder"]["text"] == "jobs, tech"


def test_modal_cuts_titles_and_values() -> None:
    view = modal(share_form(
        title="A title of thirty characters!!", submit_label="Submit " * 5,
        inputs=(TextInput("text", "L" * 2500, "v " * 2000, max_length=10),
                Select("pick", "Pick", tuple(Option(str(i), "o " * 50) for i in range(120)),
                       "7"))))
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    text, pick = view["blocks"][1:]
    assert len(text["label"]["text"]) <= 2000
    assert len(text["element"]["initial_value"]) <= 10
    assert len(pick["element"]["options"]) == 100
    assert all(len(o["text"]["text"]) <= 75 for o in pick["element"]["options"])
    assert pick["element"]["initial_option"]["value"] == "7"


def test_modal_private_metadata_limit() -> None:
    modal(share_form(), "x" * 3000)
    with pytest.raises(ValueError):
        render_modal(share_form(), callback_id="share.edit", private_metadata="x" * 3001,
                     close_label="Cancel")


def test_modal_with_card_blocks_stays_under_100_blocks() -> None:
    view = modal(share_form(blocks=tuple(Text(f"t{i}") for i in range(120))))
    assert len(view["blocks"]) == 100
    assert [b["type"] for b in view["blocks"][-4:]] == ["input"] * 4


def test_form_values_round_trip() -> None:
    view = modal(share_form())
    network = view["blocks"][2]["element"]
    networks = view["blocks"][3]["element"]
    state = {  # as Slack sends view.state.values in a view_submission
        "text": {"text": {"type": "plain_text_input", "value": "hi"}},
        "network": {"network": {"type": "static_select",
                                "selected_option": network["initial_option"]}},
        "networks": {"networks": {"type": "multi_static_select",
                                  "selected_options": networks["initial_options"]}},
        "topics": {"topics": {"type": "plain_text_input", "value": None}},
    }
    assert form_values(state) == {"text": "hi", "network": "x", "networks": "linkedin,mastodon",
                                  "topics": ""}


def test_form_values_when_nothing_chosen_or_malformed() -> None:
    state: dict[str, Any] = {
        "network": {"network": {"type": "static_select", "selected_option": None}},
        "networks": {"networks": {"type": "multi_static_select", "selected_options": []}},
        "junk": "not a dict",
        "odd": {"odd": {"type": "plain_text_input", "value": 3}},
    }
    assert form_values(state) == {"network": "", "networks": "", "odd": ""}
