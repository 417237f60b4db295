"""Neutral cards and forms as Slack Block Kit blocks and modals, and modal values read back."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bot.cards import (
    DATE_VALUE,
    TIME_VALUE,
    Actions,
    Block,
    Button,
    Card,
    Copy,
    DateInput,
    Divider,
    Fact,
    Facts,
    Figures,
    Footnote,
    Form,
    Heading,
    Ideas,
    Image,
    Input,
    LinkPreview,
    Point,
    Quote,
    Select,
    Table,
    Text,
    TextInput,
    TimeInput,
    Toggle,
)
from bot.services.textfit import ELLIPSIS, cut_on_word, fit
from bot.services.urls import MAX_URL_LENGTH, web_url

Json = dict[str, Any]

# Block Kit limits (characters, or items for blocks, buttons, fields and options).
MAX_MESSAGE_BLOCKS, MAX_MODAL_BLOCKS = 50, 100
SECTION_TEXT, FIELD_TEXT, HEADER_TEXT, ALT_TEXT = 3000, 2000, 150, 2000
BUTTON_TEXT, BUTTON_VALUE, BUTTON_URL, ACTION_ID = 75, 2000, 3000, 255
BUTTONS_PER_BLOCK, FIELDS_PER_SECTION = 25, 10
LABEL_TEXT, PLACEHOLDER_TEXT, INPUT_TEXT = 2000, 150, 3000
OPTIONS, OPTION_TEXT, OPTION_VALUE = 100, 75, 150
MODAL_TITLE, PRIVATE_METADATA = 24, 3000
TITLE_IN_LINK = 500  # a link title's share of a section's 3000 characters
TABLE_ROWS, TABLE_COLUMNS = 100, 20
TOGGLE_ON = "true"
RADIO_OPTIONS = 10
IDEA_CHOICE = "idea.choice"  # the radio buttons of a card's ideas (never routed)

WORD_JOINER = "\u2060"
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone)(?!\w))", re.IGNORECASE)
_DUPLICATE_SUFFIX = re.compile(r"#\d+$")


def escape(text: str) -> str:
    """User text made inert in mrkdwn: &, <, > as entities, and no bare @here/@channel/@everyone.

    Entities make <!here>, <@U1>, <#C1> and links plain text; a word joiner after the "@" of a
    bare broadcast word keeps it from notifying. *, _ and ~ are left: they are people's text.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + WORD_JOINER, text)


def base_action_id(action_id: str) -> str:
    """The core's action id: without the "#n" suffix render_blocks adds to duplicates.

    Slack wants action ids unique within a block, so the second and later buttons sharing an
    id in one Actions are sent as "id#2", "id#3"…; inbound code must call this before routing
    (core action ids therefore never end in "#" and digits).
    """
    return _DUPLICATE_SUFFIX.sub("", action_id)


def _fit(text: str, limit: int, shape: Callable[[str], str] = escape) -> str:
    return fit(text, limit, shape)


def _quote(text: str) -> str:
    """Escaped text as an mrkdwn block quote: a literal ">" starts every line."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in escape(text).splitlines())


def _plain(text: str, limit: int) -> Json:
    """A plain_text object; Slack rejects empty ones, so an empty text becomes "…"."""
    return {"type": "plain_text", "text": cut_on_word(text.strip(), limit) or ELLIPSIS,
            "emoji": True}


def _section(mrkdwn: str) -> list[Json]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}] if mrkdwn.strip() \
        else []


def _context(mrkdwn: str) -> list[Json]:
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn}]}] \
        if mrkdwn.strip() else []


def _link_target(url: str) -> str:
    """A URL made safe inside <url|title>: & as an entity, <, > and | percent-encoded."""
    return url.replace("&", "&amp;").translate({ord("<"): "%3C", ord(">"): "%3E", ord("|"): "%7C"})


def _field(fact: Fact) -> str:
    label = fact.label.strip()
    head = _fit(label, TITLE_IN_LINK, lambda t: f"*{escape(t)}*" if t else "")
    value = _fit(fact.value.strip(), FIELD_TEXT - len(head) - 1)
    return "\n".join(part for part in (head, value) if part)


def _facts(block: Facts) -> list[Json]:
    fields = [{"type": "mrkdwn", "text": text} for text in map(_field, block.facts) if text]
    return [{"type": "section", "fields": fields[i:i + FIELDS_PER_SECTION]}
            for i in range(0, len(fields), FIELDS_PER_SECTION)]


def _figures(block: Figures) -> list[Json]:
    """The figures as section fields: the value in bold, its label beneath."""
    return _facts(Facts(tuple(Fact(fact.value, fact.label) for fact in block.figures
                              if fact.value.strip())))


def _table(block: Table) -> list[Json]:
    """A table block (its header row first); cells are raw text, which Slack shows as typed."""
    width = min(len(block.columns), TABLE_COLUMNS)
    rows = [block.columns, *block.rows][:TABLE_ROWS]
    cells = [[{"type": "raw_text", "text": cut_on_word(str(cell).strip(), SECTION_TEXT)
               or ELLIPSIS} for cell in (*row, *[""] * width)[:width]] for row in rows]
    return [{"type": "table", "rows": cells}] if width and block.rows else []


def _copy(block: Copy) -> list[Json]:
    """Preformatted rich text: shown as typed, in a box made to be copied whole."""
    text = cut_on_word(block.text.strip(), SECTION_TEXT)
    if not text:
        return []
    label = _context(_fit(block.label, SECTION_TEXT)) if block.label.strip() else []
    return label + [{"type": "rich_text", "elements": [
        {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": text}]}]}]


def _image(block: Image) -> list[Json]:
    url = web_url(block.url, MAX_URL_LENGTH)
    if url is None:  # Slack would reject the whole message: show the description instead
        return _context(_fit(block.alt, SECTION_TEXT))
    alt = cut_on_word(block.alt.strip() or url, ALT_TEXT)
    return [{"type": "image", "image_url": url, "alt_text": alt}]


def _link_preview(block: LinkPreview) -> list[Json]:
    title = block.title.strip()
    url = web_url(block.url, MAX_URL_LENGTH)
    target = _link_target(url) if url else ""
    if target and len(target) <= SECTION_TEXT - TITLE_IN_LINK - 5:
        def linked(t: str) -> str:
            return f"*<{target}|{escape(t.replace('|', '¦'))}>*" if t else f"*<{target}>*"
        head = _fit(title, len(target) + TITLE_IN_LINK, linked)
    else:  # not a web address: the title alone, as text
        head = _fit(title, TITLE_IN_LINK, lambda t: f"*{escape(t)}*" if t else "")
    summary = _fit(block.summary.strip(), SECTION_TEXT - len(head) - 1)
    return _section("\n".join(part for part in (head, summary) if part))


def _button(button: Button, action_id: str) -> Json | None:
    """A button element; None for a link button whose URL Slack would refuse or is unsafe."""
    if not action_id or len(action_id) > ACTION_ID:
        raise ValueError(f"action_id must have 1 to {ACTION_ID} characters: {action_id!r}")
    if len(button.value) > BUTTON_VALUE:
        raise ValueError(f"button value longer than {BUTTON_VALUE}: keep state in the database")
    out: Json = {"type": "button", "text": _plain(button.label, BUTTON_TEXT),
                 "action_id": action_id}
    if button.value:
        out["value"] = button.value
    if button.style:
        out["style"] = button.style
    if button.url is not None:
        url = web_url(button.url, BUTTON_URL)
        if url is None:
            return None
        out["url"] = url
    return out


def _actions(block: Actions) -> list[Json]:
    """Actions blocks of 25 buttons; a repeated action id gets "#2", "#3"… (see base_action_id)."""
    seen: set[str] = set()
    elements: list[Json] = []
    for button in block.buttons:
        action_id, number = button.action_id, 1
        while action_id in seen:
            number += 1
            action_id = f"{button.action_id}#{number}"
        seen.add(action_id)
        element = _button(button, action_id)
        if element is not None:
            elements.append(element)
    return [{"type": "actions", "elements": elements[i:i + BUTTONS_PER_BLOCK]}
            for i in range(0, len(elements), BUTTONS_PER_BLOCK)]


def _ideas(block: Ideas) -> list[Json]:
    """A section per idea (its label in bold, its note beside it, its words quoted), the
    ideas as radio buttons, then one primary button for the one picked and the other ways
    out beside it. The button has no value: Slack sends the radio's choice in the press's
    state, which the adapter reads back (IDEA_CHOICE), as Teams merges a card's inputs."""
    ideas = block.ideas[:RADIO_OPTIONS]
    sections = []
    for idea in ideas:
        head = f"*{escape(idea.label)}*" + (f" · _{escape(idea.note)}_" if idea.note else "")
        text = _fit(idea.text, SECTION_TEXT - len(head) - 1, _quote)
        sections.append({"type": "section", "text": {"type": "mrkdwn", "text": f"{head}\n{text}"}})
    if not ideas:
        return _actions(Actions(block.more))
    options = [{"text": _plain(idea.label, OPTION_TEXT), "value": idea.value} for idea in ideas]
    choice = {"type": "actions", "elements": [{"type": "radio_buttons", "action_id": IDEA_CHOICE,
                                               "options": options, "initial_option": options[0]}]}
    choose = Button(block.choose, block.action_id, style="primary")
    return [*sections, choice, *_actions(Actions((choose, *block.more)))]


def _render_block(block: Block) -> list[Json]:
    if isinstance(block, Heading):
        text = block.text.strip()
        return [{"type": "header", "text": _plain(text, HEADER_TEXT)}] if text else []
    if isinstance(block, Text):
        return _section(_fit(block.text, SECTION_TEXT))
    if isinstance(block, Point):
        lead = _fit(block.lead.strip(), TITLE_IN_LINK, lambda t: f"*{escape(t)}*" if t else "")
        return _section(" ".join(filter(None, (
            lead, _fit(block.text.strip(), SECTION_TEXT - len(lead) - 1)))))
    if isinstance(block, Quote):
        return _section(_fit(block.text, SECTION_TEXT, _quote)) if block.text.strip() else []
    if isinstance(block, Facts):
        return _facts(block)
    if isinstance(block, Figures):
        return _figures(block)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Copy):
        return _copy(block)
    if isinstance(block, Image):
        return _image(block)
    if isinstance(block, LinkPreview):
        return _link_preview(block)
    if isinstance(block, Footnote):
        return _context(_fit(block.text, SECTION_TEXT))
    if isinstance(block, Divider):
        return [{"type": "divider"}]
    if isinstance(block, Ideas):
        return _ideas(block)
    return _actions(block)


def _render(blocks: Iterable[Block], limit: int) -> list[Json]:
    """The blocks rendered; past `limit`, the first limit-1 and a "…" context block."""
    out = [rendered for block in blocks for rendered in _render_block(block)]
    if len(out) <= limit:
        return out
    return (out[:limit - 1] + _context(ELLIPSIS)) if limit > 0 else []


def render_blocks(card: Card) -> list[Json]:
    """The card as Block Kit blocks for a message (at most 50; user text escaped)."""
    return _render(card.blocks, MAX_MESSAGE_BLOCKS)


def fallback_text(card: Card) -> str:
    """The message's top-level `text` (notifications, screen readers): mrkdwn, so escaped."""
    return _fit(card.summary.strip(), SECTION_TEXT)


def _text_element(field: TextInput) -> Json:
    capped = field.max_length is not None and field.max_length > 0
    limit = min(field.max_length or INPUT_TEXT, INPUT_TEXT) if capped else INPUT_TEXT
    element: Json = {"type": "plain_text_input", "action_id": field.name,
                     "multiline": field.multiline}
    if field.value:
        element["initial_value"] = cut_on_word(field.value, limit)
    if capped:
        element["max_length"] = limit
    if field.placeholder.strip():
        element["placeholder"] = _plain(field.placeholder, PLACEHOLDER_TEXT)
    return element


def _select_element(field: Select) -> Json:
    options: list[Json] = []
    for option in field.options[:OPTIONS]:
        if not option.value or len(option.value) > OPTION_VALUE:
            raise ValueError(f"option value must have 1 to {OPTION_VALUE} characters")
        options.append({"text": _plain(option.label, OPTION_TEXT), "value": option.value})
    if not options:
        raise ValueError(f"select {field.name!r} has no options")
    by_value = {option["value"]: option for option in reversed(options)}  # the first wins
    element: Json = {"type": "multi_static_select" if field.multiple else "static_select",
                     "action_id": field.name, "options": options}
    if field.multiple:
        wanted = dict.fromkeys(v.strip() for v in (field.value or "").split(","))
        chosen = [by_value[v] for v in wanted if v in by_value]
        if chosen:
            element["initial_options"] = chosen
    elif field.value is not None and field.value in by_value:
        element["initial_option"] = by_value[field.value]
    return element


def _toggle_element(field: Toggle) -> Json:
    """One checkbox; ticked, it comes back as "true"."""
    option = {"text": _plain(field.text or field.label, OPTION_TEXT), "value": TOGGLE_ON}
    element: Json = {"type": "checkboxes", "action_id": field.name, "options": [option]}
    if field.value:
        element["initial_options"] = [option]
    return element


def _picker_element(field: TimeInput | DateInput) -> Json:
    """A time or date picker; a value Slack would refuse (the whole view with it) is left
    out, so the picker opens empty."""
    kind, key, pattern = ("timepicker", "initial_time", TIME_VALUE) \
        if isinstance(field, TimeInput) else ("datepicker", "initial_date", DATE_VALUE)
    value = field.value.strip()
    return {"type": kind, "action_id": field.name,
            **({key: value} if pattern.fullmatch(value) else {})}


def _element(field: Input) -> Json:
    if isinstance(field, TextInput):
        return _text_element(field)
    if isinstance(field, Select):
        return _select_element(field)
    if isinstance(field, Toggle):
        return _toggle_element(field)
    return _picker_element(field)


def _input(field: Input) -> Json:
    if not field.name or len(field.name) > ACTION_ID:
        raise ValueError(f"input name must have 1 to {ACTION_ID} characters: {field.name!r}")
    required = not isinstance(field, Toggle) and field.required
    return {"type": "input", "block_id": field.name, "optional": not required,
            "label": _plain(field.label, LABEL_TEXT), "element": _element(field)}


def render_modal(form: Form, *, callback_id: str, private_metadata: str,
                 close_label: str) -> Json:
    """The form as a modal view; raises ValueError for what Slack would refuse outright."""
    if len(private_metadata) > PRIVATE_METADATA:
        raise ValueError(f"private_metadata longer than {PRIVATE_METADATA}: use the database")
    if not callback_id or len(callback_id) > ACTION_ID:
        raise ValueError(f"callback_id must have 1 to {ACTION_ID} characters")
    names = [field.name for field in form.inputs]
    if len(set(names)) != len(names):
        raise ValueError(f"form {form.form_id!r} has duplicate input names")
    inputs = [_input(field) for field in form.inputs]
    if len(inputs) > MAX_MODAL_BLOCKS:
        raise ValueError(f"a modal holds at most {MAX_MODAL_BLOCKS} blocks")
    intro = (Text(form.intro),) if form.intro.strip() else ()
    shown = _render(intro + tuple(form.blocks), MAX_MODAL_BLOCKS - len(inputs))
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(form.title, MODAL_TITLE),
        "submit": _plain(form.submit_label, MODAL_TITLE),
        "close": _plain(close_label, MODAL_TITLE),
        "private_metadata": private_metadata,
        "blocks": shown + inputs,
    }


def _state_value(state: Mapping[str, Any]) -> str:
    kind = state.get("type")
    if kind in ("static_select", "radio_buttons"):
        option = state.get("selected_option")
        value = option.get("value") if isinstance(option, Mapping) else None
    elif kind in ("multi_static_select", "checkboxes"):
        options = state.get("selected_options")
        value = ",".join(str(o.get("value") or "") for o in options if isinstance(o, Mapping)) \
            if isinstance(options, list) else None
        if kind == "checkboxes":  # a toggle: ticked or not
            value = "true" if value == TOGGLE_ON else "false"
    elif kind == "timepicker":
        value = state.get("selected_time") or ""
    elif kind == "datepicker":
        value = state.get("selected_date") or ""
    else:
        value = state.get("value")
    return value if isinstance(value, str) else ""


def form_values(state_values: Mapping[str, Any]) -> dict[str, str]:
    """A view_submission's view.state.values ({block_id: {action_id: state}}) as {name: text}.

    Text inputs give their value ("" when left empty), single selects the chosen option's
    value, multiple selects the chosen values joined by commas, a checkbox "true" or
    "false", time and date pickers "HH:MM" and "YYYY-MM-DD" ("" when left empty); malformed
    entries are skipped.
    """
    values: dict[str, str] = {}
    for actions in state_values.values():
        if isinstance(actions, Mapping):
            for action_id, state in actions.items():
                if isinstance(state, Mapping):
                    values[str(action_id)] = _state_value(state)
    return values
