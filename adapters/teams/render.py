"""Neutral cards and forms as Teams Adaptive Cards 1.5, and the Submit/Execute data read back."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot import cards
from bot.services.textfit import ELLIPSIS, cut_on_word, fit
from bot.services.urls import web_url

Json = dict[str, Any]

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
FORM_SUBMIT_VERB = "form.submit"
# Teams enforces no per-element limits, only ~28 KB a message: these keep cards readable.
TEXT_LIMIT, TITLE_LIMIT, BUTTON_TEXT, SUMMARY_LIMIT, ALT_TEXT = 5000, 500, 75, 1000, 1000
URL_LIMIT = 8192  # X intent links carry the percent-encoded text: longer than a post's URL
ACTIONS_PER_SET = 5  # Teams mobile shows about six buttons in a row
DIALOG_WIDTH = 600  # px: a form's dialog (Teams' "medium" is half the window)
RESERVED = frozenset({"action_id", "value", "form_id", "private", "msteams"})  # data keys
REFRESH_ACTION = "card.refresh"
STYLES = {"primary": "positive", "danger": "destructive"}
WORD_JOINER = "\u2060"

# How user text is made literal. Teams renders TextBlock and Fact text as a Markdown subset,
# and its clients differ: desktop and web follow CommonMark (backslash escapes work, HTML
# entities are decoded), while the mobile renderers (AdaptiveCards' shared C++ parser) HTML-
# escape & < > themselves and show entities and most backslashes as typed (AdaptiveCards
# #5590, #7474; msteams-docs #10997). So escape only where Markdown or HTML would act:
# - "<" always becomes "&lt;": no tag, <at> mention or autolink can form; ">" only at a line
#   start (quote); "&" only where it would start an entity ("&amp;" stays "&amp;"), so
#   "Tom & Jerry" reads right on every client;
# - a backslash before punctuation, and * ` [ ] ~ | anywhere, get a backslash; "_" only
#   outside words (snake_case stays); bare http(s) URLs keep "_" "-" "~" so they still work;
# - at a line start: heading "#", list "-" "+" and "1." / "1)", rules and setext "---" "===";
# - {{DATE(…)}} / {{TIME(…)}} functions get a word joiner; lines are stripped (no indented
#   code) and a newline becomes a blank line, as Teams needs "\n\n" to break a line.
_URLS = re.compile(r"(https?://[^\s<>\[\]`|*\\]+)", re.IGNORECASE)
_ENTITY_AMP = re.compile(r"&(?=#?\w+;)")
_INLINE = re.compile(
    r"\\(?=[!-/:-@\[-`{-~]|$)|&(?=#?\w+;)|<|[*`\[\]~|]|(?<![^\W_])_|_(?![^\W_])"
    r"|\{(?=\{(?:DATE|TIME)\()"
)
_BLOCK_START = re.compile(r"#{1,6}(?:\s|$)|[-+](?:\s|$)|--|=+\s*$")
_ORDERED = re.compile(r"\d{1,9}(?=[.)](?:\s|$))")


def _inline(match: re.Match[str]) -> str:
    char = match.group()
    return {"&": "&amp;", "<": "&lt;", "{": "{" + WORD_JOINER}.get(char, "\\" + char)


def _escape_line(line: str) -> str:
    parts = _URLS.split(line)  # text, url, text, …
    out = "".join(_ENTITY_AMP.sub("&amp;", part) if index % 2 else _INLINE.sub(_inline, part)
                  for index, part in enumerate(parts))
    if out.startswith(">"):
        return "&gt;" + out[1:]
    if ordered := _ORDERED.match(out):
        return out[:ordered.end()] + "\\" + out[ordered.end():]
    return "\\" + out if _BLOCK_START.match(out) else out


def escape(text: str) -> str:
    """User text as Teams Markdown that shows literally (see the note above)."""
    lines = (_escape_line(line.strip()) for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


def _fit(text: str, limit: int = TEXT_LIMIT) -> str:
    return fit(text, limit, escape)


_BREAKABLE = re.compile(r"[ \t\r\n\f\v]+")  # not the non-breaking spaces of French


def _one_line(text: str) -> str:
    return _BREAKABLE.sub(" ", text).strip(" ")


def _link_target(url: str) -> str:
    """A URL made safe as a Markdown link destination: ( ) < > \\ and spaces percent-encoded."""
    return url.translate({ord(ch): f"%{ord(ch):02X}" for ch in "()<>\\ "})


def _text(markdown: str, **style: Any) -> list[Json]:
    return [{"type": "TextBlock", "text": markdown, "wrap": True, **style}] if markdown else []


def _heading(text: str) -> list[Json]:
    return _text(_fit(_one_line(text), TITLE_LIMIT), size="Medium", weight="Bolder",
                 style="heading")


def _link_preview(block: cards.LinkPreview) -> list[Json]:
    title, url = _one_line(block.title), web_url(block.url, URL_LIMIT)
    label = _fit(title, TITLE_LIMIT)
    head = f"[{label or escape(url)}]({_link_target(url)})" if url else label
    items = _text(head, weight="Bolder") + _text(_fit(block.summary), isSubtle=True)
    if not items:
        return []
    container: Json = {"type": "Container", "items": items}
    if url:
        container["selectAction"] = {"type": "Action.OpenUrl",
                                     "title": cut_on_word(title, TITLE_LIMIT) or url, "url": url}
    return [container]


def _figures(block: cards.Figures) -> list[Json]:
    """Columns of a large accent value over a small label."""
    columns = [{"type": "Column", "width": "stretch", "items": [
        *_text(_fit(_one_line(fact.value), TITLE_LIMIT), size="ExtraLarge", weight="Bolder",
               color="Accent", horizontalAlignment="Center"),
        *_text(_fit(_one_line(fact.label), TITLE_LIMIT), isSubtle=True, spacing="None",
               horizontalAlignment="Center"),
    ]} for fact in block.figures if fact.value.strip()]
    return [{"type": "ColumnSet", "columns": columns}] if columns else []


def _table(block: cards.Table) -> list[Json]:
    """An Adaptive Cards 1.5 Table: the column titles as its header row, the first column
    wider (it names the row), figures aligned to the right."""
    width = len(block.columns)
    if not width or not block.rows:
        return []

    def row(cells: tuple[str, ...], **style: Any) -> Json:
        return {"type": "TableRow", **style, "cells": [
            {"type": "TableCell", "items": _text(_fit(_one_line(cell), TITLE_LIMIT) or " ",
                                                 **({"horizontalAlignment": "Right"} if index
                                                    else {}))}
            for index, cell in enumerate((*cells, *[""] * width)[:width])]}

    return [{"type": "Table", "gridStyle": "accent", "firstRowAsHeader": True,
             "showGridLines": False,
             "columns": [{"width": 3 if index == 0 else 1} for index in range(width)],
             "rows": [row(block.columns, style="emphasis"), *map(row, block.rows)]}]


def _copy(block: cards.Copy) -> list[Json]:
    """A code block: the text as it is, whole (a text area would scroll), in monospace on a
    shaded ground, under its small label."""
    code = _text(_fit(block.text), fontType="Monospace")
    if not code:
        return []
    label = _text(_fit(_one_line(block.label)), isSubtle=True, size="Small")
    return label + [{"type": "Container", "style": "emphasis", "items": code,
                     **({"spacing": "Small"} if label else {})}]


def _image(block: cards.Image) -> list[Json]:
    url, alt = web_url(block.url, URL_LIMIT), cut_on_word(_one_line(block.alt), ALT_TEXT)
    if url is None:  # not a web address: describe it instead
        return _text(_fit(block.alt))
    return [{"type": "Image", "url": url, **({"altText": alt} if alt else {})}]


def _label(text: str) -> str:
    return cut_on_word(_one_line(text), BUTTON_TEXT) or ELLIPSIS


def _post_back(title: str, data: dict[str, str], *, verb: str, execute: bool,
               dialog: bool = False, **extra: str) -> Json:
    """An action answered by the bot: Action.Submit, or Action.Execute (Universal Actions)
    falling back to Action.Submit where a client lacks it; one that opens a dialog is an
    Action.Submit marked task/fetch (Teams opens no dialog from Action.Execute)."""
    submit: Json = {"type": "Action.Submit", "title": title, "data": data, **extra}
    if dialog:
        return {**submit, "data": {**data, "msteams": {"type": "task/fetch"}}}
    if not execute:
        return submit
    return {"type": "Action.Execute", "verb": verb, "title": title, "data": data, **extra,
            "fallback": submit}


def _button(button: cards.Button, *, execute: bool, in_form: bool) -> Json | None:
    """An action; None for a link whose URL is not a safe web address."""
    if button.url is not None:
        if (url := web_url(button.url, URL_LIMIT)) is None:
            return None
        action: Json = {"type": "Action.OpenUrl", "title": _label(button.label), "url": url}
    elif not button.action_id:
        raise ValueError(f"button {button.label!r} has neither an action_id nor a url")
    else:
        data = {"action_id": button.action_id, "value": button.value}
        # A button beside a form neither sends nor checks the form's inputs.
        beside = {"associatedInputs": "none"} if in_form else {}
        action = _post_back(_label(button.label), data, verb=button.action_id, execute=execute,
                            dialog=button.form, **beside)
    if button.style:
        action["style"] = STYLES[button.style]
    if button.quiet:  # in the "…" menu, out of the way
        action["mode"] = "secondary"
    return action


def _actions(block: cards.Actions, *, execute: bool, in_form: bool) -> list[Json]:
    """ActionSets of at most ACTIONS_PER_SET actions, in the body where the block stands."""
    actions = [action for button in block.buttons
               if (action := _button(button, execute=execute, in_form=in_form)) is not None]
    return [{"type": "ActionSet", "actions": actions[i:i + ACTIONS_PER_SET]}
            for i in range(0, len(actions), ACTIONS_PER_SET)]


def _ideas(block: cards.Ideas, *, execute: bool) -> list[Json]:
    """One choice of the ideas (each its label, its words and its note, wrapped) and one
    primary action, with the other ways out beside it: the picked idea's value comes back
    as the action's "value" (inputs are merged into the action's data, which has none)."""
    more = [action for button in block.more
            if (action := _button(button, execute=execute, in_form=False)) is not None]
    if not block.ideas:
        return [{"type": "ActionSet", "actions": more}] if more else []
    choices = [{"title": cut_on_word(_one_line(f"{idea.label} — {idea.text}" + (
        f" ({idea.note})" if idea.note else "")), TEXT_LIMIT), "value": idea.value}
        for idea in block.ideas]
    choose = _post_back(_label(block.choose), {"action_id": block.action_id},
                        verb=block.action_id, execute=execute, dialog=block.form)
    return [{"type": "Input.ChoiceSet", "id": "value", "style": "expanded", "wrap": True,
             "value": block.ideas[0].value, "choices": choices},
            {"type": "ActionSet", "actions": [{**choose, "style": STYLES["primary"]}, *more]}]


def _element(block: cards.Block, *, execute: bool, in_form: bool) -> list[Json]:
    if isinstance(block, cards.Heading):
        return _heading(block.text)
    if isinstance(block, cards.Text):
        return _text(_fit(block.text))
    if isinstance(block, cards.Point):
        lead = _fit(_one_line(block.lead), TITLE_LIMIT)
        rest = _fit(_one_line(block.text))
        return _text(" ".join(filter(None, (f"**{lead}**" if lead else "", rest))))
    if isinstance(block, cards.Quote):
        quoted = _text(_fit(block.text))
        return [{"type": "Container", "style": "emphasis", "items": quoted}] if quoted else []
    if isinstance(block, cards.Facts):
        facts = [{"title": _fit(_one_line(fact.label), TITLE_LIMIT), "value": _fit(fact.value)}
                 for fact in block.facts if fact.label.strip() or fact.value.strip()]
        return [{"type": "FactSet", "facts": facts}] if facts else []
    if isinstance(block, cards.Figures):
        return _figures(block)
    if isinstance(block, cards.Table):
        return _table(block)
    if isinstance(block, cards.Copy):
        return _copy(block)
    if isinstance(block, cards.Image):
        return _image(block)
    if isinstance(block, cards.LinkPreview):
        return _link_preview(block)
    if isinstance(block, cards.Footnote):
        return _text(_fit(block.text), isSubtle=True, size="Small")
    if isinstance(block, cards.Actions):
        return _actions(block, execute=execute, in_form=in_form)
    if isinstance(block, cards.Ideas):
        return _ideas(block, execute=execute)
    return []  # Divider: handled by _body


def _body(blocks: Iterable[cards.Block], *, execute: bool, in_form: bool) -> list[Json]:
    """The blocks as body elements; a Divider becomes a separator on the next element."""
    body: list[Json] = []
    separate = False
    for block in blocks:
        if isinstance(block, cards.Divider):
            separate = bool(body)
            continue
        elements = _element(block, execute=execute, in_form=in_form)
        if elements and separate:
            elements[0] = {**elements[0], "separator": True, "spacing": "Medium"}
            separate = False
        body += elements
    return body


def _card(body: list[Json], actions: list[Json], fallback: str, *,
          refresh: Json | None = None) -> Json:
    return {"type": "AdaptiveCard", "$schema": SCHEMA_URL, "version": VERSION, "body": body,
            **({"actions": actions} if actions else {}),
            **({"refresh": refresh} if refresh else {}),
            **({"fallbackText": fallback} if fallback else {}),  # Markdown, for old clients
            "msteams": {"width": "Full"}}  # a Teams extension, outside the 1.5 schema


def fallback_text(card: cards.Card) -> str:
    """The activity's summary (notifications): plain text, not Markdown; not for `text`."""
    return cut_on_word(card.summary.strip(), SUMMARY_LIMIT)


def _refresh(card: cards.Card, viewers: tuple[str, ...]) -> Json | None:
    """Teams asks the bot for the card again, as each of `viewers` should see it, whenever
    it is shown to them (it runs a refresh automatically only for the ids listed)."""
    if not card.refresh or not viewers:
        return None
    return {"action": {"type": "Action.Execute", "verb": REFRESH_ACTION,
                       "data": {"action_id": REFRESH_ACTION, "value": card.refresh}},
            "userIds": list(viewers)}


def render_card(card: cards.Card, *, execute: bool = False,
                viewers: tuple[str, ...] = ()) -> Json:
    """The card as an Adaptive Card; `execute` makes buttons Universal Actions (Action.Execute,
    verb = action_id, answered by an adaptiveCard/action invoke) instead of Action.Submit,
    and a card with a `refresh` refreshed for `viewers` (Teams user ids)."""
    body = _body(card.blocks, execute=execute, in_form=False) or _text(_fit(card.summary))
    return _card(body, [], _fit(card.summary, SUMMARY_LIMIT),
                 refresh=_refresh(card, viewers) if execute else None)


def _choices(spec: cards.Select) -> list[Json]:
    if not spec.options:
        raise ValueError(f"select {spec.name!r} has no options")
    for option in spec.options:  # Teams joins a multiple choice with commas
        if not option.value or (spec.multiple and "," in option.value):
            raise ValueError(f"select {spec.name!r}: bad option value {option.value!r}")
    return [{"title": _one_line(o.label) or o.value, "value": o.value} for o in spec.options]


def _picker(spec: cards.TimeInput | cards.DateInput, element: Json) -> Json:
    """Input.Time or Input.Date; a value the client could not read is left out."""
    kind, pattern = ("Input.Time", cards.TIME_VALUE) if isinstance(spec, cards.TimeInput) \
        else ("Input.Date", cards.DATE_VALUE)
    value = spec.value.strip()
    return {"type": kind, **element, **({"value": value} if pattern.fullmatch(value) else {})}


def _input(spec: cards.Input, required_message: str) -> Json:
    required = not isinstance(spec, cards.Toggle) and spec.required
    element: Json = {"id": spec.name, "label": _one_line(spec.label), "isRequired": required}
    if required:
        element["errorMessage"] = required_message
    if isinstance(spec, cards.Toggle):
        beside = _one_line(spec.text) if spec.text.strip() else element.pop("label")
        return {"type": "Input.Toggle", **element, "title": beside, "valueOn": "true",
                "valueOff": "false", "value": "true" if spec.value else "false", "wrap": True}
    if isinstance(spec, cards.TimeInput | cards.DateInput):
        return _picker(spec, element)
    if isinstance(spec, cards.TextInput):
        limit = spec.max_length if spec.max_length and spec.max_length > 0 else None
        value = cut_on_word(spec.value, limit) if limit else spec.value
        extra = {"value": value, "maxLength": limit, "placeholder": spec.placeholder.strip()
                 and spec.placeholder}
        return {"type": "Input.Text", **element, "isMultiline": spec.multiline,
                **{key: v for key, v in extra.items() if v}}
    choices = _choices(spec)
    wanted = (spec.value or "").split(",") if spec.multiple else [spec.value or ""]
    known = {choice["value"] for choice in choices}
    value = ",".join(v for v in dict.fromkeys(w.strip() for w in wanted) if v in known)
    element = {"type": "Input.ChoiceSet", **element, "choices": choices, "style": "compact",
               "isMultiSelect": spec.multiple}
    return {**element, "value": value} if value else element


def _error(message: str) -> list[Json]:
    """What to change, right under the input it is about."""
    return _text(_fit(_one_line(message)), color="Attention", size="Small", spacing="Small")


def render_form(form: cards.Form, *, required_message: str, execute: bool = False,
                dialog: bool = False) -> Json:
    """The form as a card: title (in a `dialog`, its frame shows it), intro, blocks, inputs
    each with its error if refused, and one submit action whose data carries form_id and
    private (Teams merges the input values into it). In a dialog the submit is an
    Action.Submit (Teams answers it with task/submit); inline, `execute` as for cards.

    Raises ValueError for what the round trip could not carry: no form_id, an input without a
    name, twice the same name, a name among the data's own keys, a bad option value.
    """
    names = [spec.name for spec in form.inputs]
    if not form.form_id or not all(names) or len(set(names)) != len(names):
        raise ValueError(f"form {form.form_id!r} needs a form_id and distinct input names")
    if RESERVED.intersection(names):
        raise ValueError(f"form {form.form_id!r}: {sorted(RESERVED)} are reserved names")
    inputs = [element for spec in form.inputs for element in (
        _input(spec, required_message), *_error(form.errors.get(spec.name, "")))]
    body = ([] if dialog else _heading(form.title)) + _text(_fit(form.intro)) \
        + _body(form.blocks, execute=execute and not dialog, in_form=True) + inputs
    submit = _post_back(_label(form.submit_label),
                        {"form_id": form.form_id, "private": form.private},
                        verb=FORM_SUBMIT_VERB, execute=execute and not dialog)
    return _card(body, [{**submit, "style": "positive"}], _fit(form.title, SUMMARY_LIMIT))


@dataclass(frozen=True)
class Submission:
    """What a card sent back: a button ("action") or a form's submit ("form").

    `values` holds every other key of the data as text: the form's inputs by name (a multiple
    select as "a,b", a toggle as "true"/"false"), and any inputs sent along with a button.
    """

    kind: Literal["action", "form"]
    action_id: str = ""
    value: str = ""
    form_id: str = ""
    private: str = ""
    values: dict[str, str] = field(default_factory=dict)


def _as_text(raw: object) -> str | None:
    if isinstance(raw, bool):
        return str(raw).lower()
    if isinstance(raw, str | int | float):
        return str(raw)
    if raw is None:
        return ""
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return ",".join(raw)
    return None


def submitted(value: object) -> Submission | None:
    """Read an Action.Submit activity's `value`, or an adaptiveCard/action invoke's
    `value.action.data`; None for anything else (not a mapping, no form_id nor action_id)."""
    if not isinstance(value, Mapping):
        return None
    values = {key: text for key, raw in value.items()
              if isinstance(key, str) and key not in RESERVED
              and (text := _as_text(raw)) is not None}
    form_id, action_id = value.get("form_id"), value.get("action_id")
    if isinstance(form_id, str) and form_id:
        return Submission("form", form_id=form_id,
                          private=_as_text(value.get("private")) or "", values=values)
    if isinstance(action_id, str) and action_id:
        return Submission("action", action_id=action_id,
                          value=_as_text(value.get("value")) or "", values=values)
    return None
