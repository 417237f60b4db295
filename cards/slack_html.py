"""Slack Block Kit as HTML and CSS that look like Slack's own client, for screenshots and
measures (Slack has no renderer one can run outside its apps).

What it draws, as Slack's desktop client does (light theme): a message (the app's avatar,
name, APP badge and time, then its blocks) or a modal (title bar, blocks, Cancel and the
green submit button). Blocks: header, section (mrkdwn or plain text, fields, accessory),
context, divider, image, actions (buttons default, primary and danger, selects), rich_text
(sections, preformatted, quotes, lists), markdown, and input blocks with plain_text_input,
static and multi-static selects, radio buttons, checkboxes, date and time pickers. mrkdwn:
*bold*, _italic_, ~strike~, `code`, ```preformatted```, > quotes, <url|links>, mentions and
the &amp; &lt; &gt; entities. Slack's font is Lato (Debian's fonts-lato); sizes, colours
and spacing follow the desktop client. Buttons carry the classes `pv-action` (and
`pv-primary` when filled green) and their label a `pv-label` element: the measures read
those (cards/render.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape
from itertools import groupby
from typing import Any

Json = dict[str, Any]

MESSAGE_WIDTH = 450  # px, as the Teams card: a narrow desktop pane
MODAL_WIDTH = 520  # px: Slack's modals are this wide on desktop

CHROME = {  # what Slack's own interface says around the blocks, in the viewer's language
    "en": {"app": "APP", "time": "10:02 AM", "optional": "(optional)",
           "select": "Select an option", "selects": "Select options", "date": "Select a date",
           "time_pick": "Select time"},
    "fr": {"app": "APPLI", "time": "10:02", "optional": "(facultatif)",
           "select": "Sélectionnez une option", "selects": "Sélectionnez des options",
           "date": "Sélectionnez une date", "time_pick": "Choisir l’heure"},
}

CSS = """
.sk-table { border-collapse: collapse; margin: 4px 0; font-size: 14px; }
.sk-table th, .sk-table td { border: 1px solid #dddddd; padding: 4px 8px; text-align: left; }
.sk-table th { background: #f8f8f8; font-weight: 700; }
* { box-sizing: border-box; }
body { margin: 0; background: #ffffff; }
.sk { font-family: Lato, "Slack-Lato", "Noto Color Emoji", sans-serif; font-size: 15px;
  line-height: 22px; color: #1d1c1d; -webkit-font-smoothing: antialiased; }
.sk-message { width: __MESSAGE__px; display: flex; padding: 8px 20px 8px 20px; gap: 8px;
  background: #ffffff; }
.sk-avatar { flex: 0 0 36px; height: 36px; border-radius: 6px; margin-top: 4px;
  background: #4a154b; color: #fff; font-weight: 900; font-size: 14px; display: flex;
  align-items: center; justify-content: center; }
.sk-content { flex: 1 1 auto; min-width: 0; }
.sk-meta { display: flex; align-items: baseline; gap: 4px; }
.sk-name { font-weight: 900; }
.sk-badge { font-size: 10px; line-height: 14px; font-weight: 700; padding: 0 3px;
  border-radius: 2px; background: rgba(29,28,29,.13); color: rgba(29,28,29,.7); }
.sk-time { font-size: 12px; color: #616061; }
.sk-blocks > * + * { margin-top: 4px; }
.sk-header { font-size: 18px; line-height: 26px; font-weight: 900; padding: 4px 0 2px; }
.sk-section { display: flex; gap: 12px; align-items: flex-start; }
.sk-section-main { flex: 1 1 auto; min-width: 0; overflow-wrap: anywhere; }
.sk-accessory { flex: 0 0 auto; max-width: 50%; }
.sk-fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; margin-top: 4px; }
.sk-fields > div { overflow-wrap: anywhere; }
.sk-context { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px;
  font-size: 12px; line-height: 18px; color: #616061; }
.sk-context img, .sk-context .sk-ctx-img { width: 20px; height: 20px; border-radius: 4px;
  background: #e8e8e8; }
.sk-divider { border: 0; border-top: 1px solid #dddddd; margin: 12px 0; }
.sk-image-title { font-size: 15px; color: #1d1c1d; }
.sk-image { margin-top: 4px; width: 100%; max-width: 360px; aspect-ratio: 16 / 9;
  border-radius: 8px; background: #e8e8e8; color: #616061; font-size: 12px; display: flex;
  align-items: center; justify-content: center; text-align: center; padding: 8px;
  overflow: hidden; }
.sk-actions { display: flex; flex-wrap: wrap; gap: 8px; padding: 4px 0; }
.pv-action { display: inline-flex; align-items: center; justify-content: center;
  max-width: 100%; height: 28px; padding: 0 12px; border-radius: 4px;
  font: 700 13px/1.38463 Lato, sans-serif; color: #1d1c1d; background: #ffffff;
  border: 1px solid rgba(29,28,29,.3); white-space: nowrap; }
.pv-label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
.pv-action.pv-primary { background: #007a5a; color: #ffffff; border-color: #007a5a; }
.pv-action.sk-danger { background: #e01e5a; color: #ffffff; border-color: #e01e5a; }
.sk a { color: #1264a3; text-decoration: none; }
.sk-mention { color: #1264a3; background: rgba(29,155,209,.1); border-radius: 3px;
  padding: 0 2px; }
.sk-quote { border-left: 4px solid #dddddd; padding-left: 12px; margin: 2px 0; }
.sk code { font-family: Monaco, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 12px; line-height: 18px; color: #e01e5a; padding: 2px 3px 1px;
  background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13); border-radius: 3px; }
.sk pre { font-family: Monaco, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 12px; line-height: 18px; margin: 4px 0; padding: 8px; white-space: pre-wrap;
  overflow-wrap: anywhere; background: rgba(29,28,29,.04);
  border: 1px solid rgba(29,28,29,.13); border-radius: 4px; }
.sk ul, .sk ol { margin: 0; padding-left: 28px; }
.sk-select { display: inline-flex; align-items: center; justify-content: space-between;
  min-width: 180px; max-width: 100%; height: 36px; padding: 0 12px; gap: 8px;
  border: 1px solid rgba(29,28,29,.3); border-radius: 4px; background: #fff; }
.sk-select .sk-placeholder, .sk-input .sk-placeholder { color: rgba(29,28,29,.5); }
.sk-select::after { content: "⌄"; color: #616061; font-size: 16px; line-height: 1;
  margin-top: -6px; }
.sk-chips { display: flex; flex-wrap: wrap; gap: 4px; padding: 4px 8px; min-height: 36px;
  border: 1px solid rgba(29,28,29,.3); border-radius: 4px; align-items: center; }
.sk-chip { font-size: 13px; line-height: 20px; padding: 1px 6px; border-radius: 4px;
  background: rgba(29,155,209,.1); color: #1264a3; }
.sk-chip::after { content: " ×"; color: #616061; }
.sk-label { font-weight: 700; margin-bottom: 8px; }
.sk-optional { font-weight: 400; color: #616061; }
.sk-hint { font-size: 13px; line-height: 18px; color: #616061; margin-top: 6px; }
.sk-input { width: 100%; min-height: 40px; padding: 8px 12px; border-radius: 4px;
  border: 1px solid rgba(29,28,29,.3); background: #fff; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.sk-input.sk-multiline { min-height: 88px; max-height: 300px; overflow: hidden; }
.sk-input-block .sk-select { width: 100%; height: 40px; }
.sk-choices > div { display: flex; gap: 8px; align-items: flex-start; margin: 4px 0; }
.sk-radio, .sk-box { flex: 0 0 16px; height: 16px; margin-top: 3px;
  border: 1px solid rgba(29,28,29,.5); background: #fff; }
.sk-radio { border-radius: 50%; }
.sk-box { border-radius: 4px; }
.sk-radio.sk-on { border: 5px solid #1264a3; }
.sk-box.sk-on { background: #1264a3; border-color: #1264a3; color: #fff; font-size: 12px;
  line-height: 14px; text-align: center; }
.sk-box.sk-on::after { content: "✓"; }
.sk-choice-desc { font-size: 13px; color: #616061; }
.sk-modal { width: __MODAL__px; background: #fff; border-radius: 8px;
  box-shadow: 0 0 0 1px rgba(29,28,29,.13), 0 18px 48px 0 rgba(0,0,0,.35); }
.sk-modal-head { display: flex; align-items: center; justify-content: space-between;
  height: 70px; padding: 0 28px; border-bottom: 1px solid #dddddd; }
.sk-modal-title { font-size: 22px; line-height: 30px; font-weight: 900; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }
.sk-modal-close { font-size: 22px; color: #616061; }
.sk-modal-body { padding: 20px 28px; }
.sk-modal-body .sk-blocks > * + * { margin-top: 16px; }
.sk-modal-foot { display: flex; justify-content: flex-end; gap: 12px; padding: 24px 28px;
  border-top: 1px solid #dddddd; }
.sk-modal-foot .pv-action { height: 36px; padding: 0 12px 1px; font-size: 15px;
  min-width: 80px; }
""".replace("__MESSAGE__", str(MESSAGE_WIDTH)).replace("__MODAL__", str(MODAL_WIDTH))

# -- mrkdwn ----------------------------------------------------------------------------

_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])"), "s"),
)
_BARE_URL = re.compile(r"https?://[^\s<>\x00]+[^\s<>\x00.,;:!?)]")  # Slack links them
_LOOSE_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|#\d+);)")


def _entities(text: str) -> str:
    """mrkdwn text is already &amp; &lt; &gt; encoded: only stray & and quotes remain."""
    return _LOOSE_AMP.sub("&amp;", text).replace('"', "&quot;")


def _styled(text: str) -> str:
    for pattern, tag in _STYLES:
        text = pattern.sub(f"<{tag}>\\1</{tag}>", text)
    return text


def _link(inside: str) -> str:
    target, _, label = inside.partition("|")
    if target.startswith("@"):
        return f'<span class="sk-mention">@{_entities(label or target[1:])}</span>'
    if target.startswith("#"):
        return f'<span class="sk-mention">#{_entities(label or target[1:])}</span>'
    if target.startswith("!"):
        word = target[1:].split("^")[0]
        return f'<span class="sk-mention">@{_entities(label or word)}</span>'
    shown = _entities(label) if label else _entities(target)
    return f'<a href="{_entities(target)}">{_styled(shown)}</a>'


def _inline(text: str) -> str:
    """One line of mrkdwn as HTML: links, code and bare URLs (which Slack links) are set
    aside, the rest escaped and styled (bold, italic, strike may span a link, as
    *<url|title>*), then put back."""
    kept: list[str] = []

    def keep(token: str) -> str:
        kept.append(_link(token[1:-1]) if token.startswith("<")
                    else f"<code>{_entities(token[1:-1])}</code>")
        return f"\x00{len(kept) - 1}\x00"

    aside = re.sub(r"<[^<>]+>|`[^`\n]+`", lambda m: keep(m.group()), text.replace("\x00", ""))
    aside = _BARE_URL.sub(lambda m: keep(f"<{m.group()}>"), aside)
    shaped = _styled(_entities(aside))
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], shaped)


def mrkdwn(text: str) -> str:
    """A mrkdwn text as HTML: ``` blocks, > quotes, lines joined by <br>."""
    parts: list[str] = []
    chunks = text.split("```")
    for index, chunk in enumerate(chunks):
        if index % 2 and index < len(chunks) - 1:  # inside a fence
            parts.append(f"<pre>{_entities(chunk.strip(chr(10)))}</pre>")
            continue
        for quoted, group in groupby(chunk.split("\n"), key=lambda line: line.startswith(">")):
            lines = list(group)
            if quoted:
                inner = "<br>".join(_inline(line[1:].removeprefix(" ")) or "&nbsp;"
                                    for line in lines)
                parts.append(f'<div class="sk-quote">{inner}</div>')
            else:
                parts.append("<br>".join(_inline(line) for line in lines))
    return "".join(parts)


def _text(obj: Json | None) -> str:
    if not obj:
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(str(obj.get("text", "")))
    return escape(str(obj.get("text", ""))).replace("\n", "<br>")


def _plain(obj: Json | None) -> str:
    return escape(str((obj or {}).get("text", "")))


# -- elements --------------------------------------------------------------------------


def _button(element: Json) -> str:
    classes = ["pv-action"]
    style = element.get("style")
    if style == "primary":
        classes.append("pv-primary")
    elif style == "danger":
        classes.append("sk-danger")
    label = _plain(element.get("text"))
    return (f'<button class="{" ".join(classes)}" title="{label}">'
            f'<span class="pv-label">{label}</span></button>')


def _option_label(option: Json) -> str:
    return _plain(option.get("text"))


def _select(element: Json, chrome: dict[str, str], wide: bool = False) -> str:
    kind = element.get("type", "")
    if kind.startswith("multi_"):
        chosen = element.get("initial_options") or []
        if chosen:
            chips = "".join(f'<span class="sk-chip">{_option_label(o)}</span>' for o in chosen)
            return f'<div class="sk-chips">{chips}</div>'
        shown = _plain(element.get("placeholder")) or chrome["selects"]
        return f'<div class="sk-select"><span class="sk-placeholder">{shown}</span></div>'
    initial = element.get("initial_option")
    if initial:
        inner = f"<span>{_option_label(initial)}</span>"
    else:
        shown = _plain(element.get("placeholder")) or chrome["select"]
        inner = f'<span class="sk-placeholder">{shown}</span>'
    return f'<div class="sk-select">{inner}</div>'


def _choices(element: Json, box: str) -> str:
    chosen = element.get("initial_options") or (
        [element["initial_option"]] if element.get("initial_option") else [])
    values = {o.get("value") for o in chosen}
    rows = []
    for option in element.get("options", []):
        on = " sk-on" if option.get("value") in values else ""
        desc = option.get("description")
        more = f'<div class="sk-choice-desc">{_text(desc)}</div>' if desc else ""
        rows.append(f'<div><span class="{box}{on}"></span><div>{_text(option.get("text"))}'
                    f"{more}</div></div>")
    return f'<div class="sk-choices">{"".join(rows)}</div>'


def _text_input(element: Json) -> str:
    value = element.get("initial_value") or ""
    multiline = " sk-multiline" if element.get("multiline") else ""
    if value:
        inner = escape(value)
    else:
        inner = f'<span class="sk-placeholder">{_plain(element.get("placeholder"))}</span>'
    name = escape(str(element.get("action_id", "")))
    return f'<div class="sk-input pv-input{multiline}" aria-label="{name}">{inner}</div>'


def _picker(element: Json, initial: str, placeholder: str, icon: str) -> str:
    value = element.get(initial)
    inner = (f"<span>{escape(str(value))}</span>" if value else
             f'<span class="sk-placeholder">{_plain(element.get("placeholder")) or placeholder}'
             "</span>")
    return (f'<div class="sk-select" style="min-width: 140px">{inner}'
            f'<span aria-hidden="true">{icon}</span></div>')


def element_html(element: Json, chrome: dict[str, str]) -> str:
    kind = element.get("type")
    if kind == "button":
        return _button(element)
    if kind in ("static_select", "multi_static_select", "external_select",
                "multi_external_select", "users_select", "multi_users_select",
                "conversations_select", "channels_select"):
        return _select(element, chrome)
    if kind == "radio_buttons":
        return _choices(element, "sk-radio")
    if kind == "checkboxes":
        return _choices(element, "sk-box")
    if kind == "plain_text_input":
        return _text_input(element)
    if kind == "timepicker":
        return _picker(element, "initial_time", chrome["time_pick"], "🕘")
    if kind == "datepicker":
        return _picker(element, "initial_date", chrome["date"], "📅")
    if kind == "overflow":
        return '<button class="pv-action"><span class="pv-label">⋯</span></button>'
    if kind == "image":
        return '<span class="sk-ctx-img"></span>'
    if kind in ("mrkdwn", "plain_text"):
        return f"<span>{_text(element)}</span>"
    return f"<span>[{escape(str(kind))}]</span>"


# -- rich text -------------------------------------------------------------------------


def _rich_inline(items: Iterable[Json]) -> str:
    out = []
    for item in items:
        kind = item.get("type")
        style = item.get("style") or {}
        if kind == "text":
            html = escape(str(item.get("text", ""))).replace("\n", "<br>")
        elif kind == "link":
            html = (f'<a href="{escape(str(item.get("url", "")))}">'
                    f'{escape(str(item.get("text") or item.get("url", "")))}</a>')
        elif kind == "emoji":
            html = escape(str(item.get("unicode") and chr(int(item["unicode"].split("-")[0], 16))
                              or f':{item.get("name", "")}:'))
        elif kind == "user":
            html = f'<span class="sk-mention">@{escape(str(item.get("user_id", "")))}</span>'
        elif kind == "channel":
            html = f'<span class="sk-mention">#{escape(str(item.get("channel_id", "")))}</span>'
        elif kind == "broadcast":
            html = f'<span class="sk-mention">@{escape(str(item.get("range", "")))}</span>'
        else:
            html = ""
        if style.get("code"):
            html = f"<code>{html}</code>"
        for flag, tag in (("bold", "b"), ("italic", "i"), ("strike", "s")):
            if style.get(flag):
                html = f"<{tag}>{html}</{tag}>"
        out.append(html)
    return "".join(out)


def _rich(element: Json) -> str:
    kind = element.get("type")
    inner = element.get("elements", [])
    if kind == "rich_text_section":
        return f"<div>{_rich_inline(inner)}</div>"
    if kind == "rich_text_preformatted":
        return f"<pre>{_rich_inline(inner)}</pre>"
    if kind == "rich_text_quote":
        return f'<div class="sk-quote">{_rich_inline(inner)}</div>'
    if kind == "rich_text_list":
        tag = "ol" if element.get("style") == "ordered" else "ul"
        indent = int(element.get("indent", 0)) * 20
        items = "".join(f"<li>{_rich_inline(section.get('elements', []))}</li>"
                        for section in inner)
        return f'<{tag} style="margin-left: {indent}px">{items}</{tag}>'
    return ""


# -- blocks ----------------------------------------------------------------------------


def _section(block: Json, chrome: dict[str, str]) -> str:
    main = f"<div>{_text(block.get('text'))}</div>" if block.get("text") else ""
    if block.get("fields"):
        fields = "".join(f"<div>{_text(f)}</div>" for f in block["fields"])
        main += f'<div class="sk-fields">{fields}</div>'
    accessory = block.get("accessory")
    side = (f'<div class="sk-accessory">{element_html(accessory, chrome)}</div>'
            if accessory else "")
    return (f'<div class="sk-section"><div class="sk-section-main">{main}</div>'
            f"{side}</div>")


def _input_block(block: Json, chrome: dict[str, str]) -> str:
    optional = (f' <span class="sk-optional">{chrome["optional"]}</span>'
                if block.get("optional") else "")
    hint = f'<div class="sk-hint">{_text(block["hint"])}</div>' if block.get("hint") else ""
    return (f'<div class="sk-input-block"><div class="sk-label">{_plain(block.get("label"))}'
            f"{optional}</div>{element_html(block.get('element') or {}, chrome)}{hint}</div>")


def _table(block: Json) -> str:
    """The table block: a grid with its first row as the header, cells shown as typed."""
    rows = []
    for index, row in enumerate(block.get("rows") or []):
        tag = "th" if index == 0 else "td"
        rows.append("<tr>" + "".join(
            f"<{tag}>{escape(str(cell.get('text', '')))}</{tag}>" for cell in row) + "</tr>")
    return f'<table class="sk-table">{"".join(rows)}</table>'


def block_html(block: Json, chrome: dict[str, str]) -> str:
    kind = block.get("type")
    if kind == "header":
        return f'<div class="sk-header">{_plain(block.get("text"))}</div>'
    if kind == "section":
        return _section(block, chrome)
    if kind == "context":
        inner = "".join(element_html(e, chrome) for e in block.get("elements", []))
        return f'<div class="sk-context">{inner}</div>'
    if kind == "divider":
        return '<hr class="sk-divider">'
    if kind == "image":
        title = (f'<div class="sk-image-title">{_plain(block.get("title"))}</div>'
                 if block.get("title") else "")
        alt = escape(str(block.get("alt_text", "")))
        return f'<div>{title}<div class="sk-image" title="{alt}">🖼 {alt}</div></div>'
    if kind == "actions":
        inner = "".join(element_html(e, chrome) for e in block.get("elements", []))
        return f'<div class="sk-actions">{inner}</div>'
    if kind == "rich_text":
        return f'<div>{"".join(_rich(e) for e in block.get("elements", []))}</div>'
    if kind == "markdown":
        return f"<div>{mrkdwn(str(block.get('text', '')))}</div>"
    if kind == "input":
        return _input_block(block, chrome)
    if kind == "table":
        return _table(block)
    return f'<div class="sk-context">[{escape(str(kind))} block]</div>'


def _blocks(blocks: Iterable[Json], chrome: dict[str, str]) -> str:
    return f'<div class="sk-blocks">{"".join(block_html(b, chrome) for b in blocks)}</div>'


def message_html(blocks: list[Json], locale: str = "en", app: str = "Porte-Voix") -> str:
    chrome = CHROME.get(locale, CHROME["en"])
    return (f'<div class="sk sk-message pv-root"><div class="sk-avatar">PV</div>'
            f'<div class="sk-content"><div class="sk-meta"><span class="sk-name">'
            f'{escape(app)}</span><span class="sk-badge">{chrome["app"]}</span>'
            f'<span class="sk-time">{chrome["time"]}</span></div>'
            f"{_blocks(blocks, chrome)}</div></div>")


def modal_html(view: Json, locale: str = "en") -> str:
    chrome = CHROME.get(locale, CHROME["en"])
    submit = view.get("submit")
    close = view.get("close")
    foot = ""
    if submit or close:
        buttons = []
        if close:
            buttons.append(_button({"text": close}))
        if submit:
            buttons.append(_button({"text": submit, "style": "primary"}))
        foot = f'<div class="sk-modal-foot">{"".join(buttons)}</div>'
    return (f'<div class="sk sk-modal pv-root"><div class="sk-modal-head">'
            f'<div class="sk-modal-title">{_plain(view.get("title"))}</div>'
            f'<div class="sk-modal-close">×</div></div><div class="sk-modal-body">'
            f"{_blocks(view.get('blocks', []), chrome)}</div>{foot}</div>")


def page(body: str, backdrop: str = "#ffffff") -> str:
    """A whole HTML page around a message or modal (in a frame, for the screenshot)."""
    return (f'<!doctype html><html><head><meta charset="utf-8"><style>{CSS}</style>'
            f'</head><body><div id="frame" style="display: inline-block; padding: 16px; '
            f'background: {backdrop}">{body}</div></body></html>')


def render(payload: Json, locale: str = "en") -> str:
    """A page for what the Slack adapter sends: a modal view, or {"blocks": [...]}."""
    if payload.get("type") == "modal":  # over the dimmed client
        return page(modal_html(payload, locale), backdrop="#e8e8e8")
    return page(message_html(list(payload.get("blocks", [])), locale))
