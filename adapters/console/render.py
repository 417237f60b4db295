"""Drawing neutral cards for a terminal: plain text for transcripts, rich panels for people."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table as RichTable
from rich.text import Text as RichText

from bot.cards import (
    Actions,
    Card,
    Copy,
    Divider,
    Facts,
    Figures,
    Footnote,
    Form,
    Heading,
    Ideas,
    Image,
    LinkPreview,
    Point,
    Quote,
    Select,
    Table,
    Text,
    Toggle,
)


def _button_label(index: int, label: str, url: str | None) -> str:
    return f"[{index}] {label}" + (f" → {url}" if url else "")


def card_to_text(card: Card | str) -> str:
    """A plain-text rendering, buttons numbered from 1 as `click N` expects."""
    if isinstance(card, str):
        return card
    lines: list[str] = []
    number = 0
    for block in card.blocks:
        if isinstance(block, Heading):
            lines.append(f"== {block.text} ==")
        elif isinstance(block, Text):
            lines.append(block.text)
        elif isinstance(block, Point):
            lines.append(f"• {block.lead} {block.text}".rstrip())
        elif isinstance(block, Quote):
            lines.extend("  > " + line for line in block.text.splitlines() or [""])
        elif isinstance(block, Facts):
            lines.extend(f"  {fact.label}: {fact.value}" for fact in block.facts)
        elif isinstance(block, Figures):
            lines.append("  " + " · ".join(f"{fact.value} {fact.label}"
                                           for fact in block.figures))
        elif isinstance(block, Table):
            lines.extend("  " + " | ".join(row) for row in (block.columns, *block.rows))
        elif isinstance(block, Copy):
            lines.extend([f"  {block.label}"] if block.label else [])
            lines.extend("  | " + line for line in block.text.splitlines() or [""])
        elif isinstance(block, LinkPreview):
            lines.append(f"  [{block.title}] {block.url}")
            if block.summary:
                lines.append(f"  {block.summary}")
        elif isinstance(block, Image):
            lines.append(f"  (image: {block.alt})")
        elif isinstance(block, Footnote):
            lines.append(f"  ({block.text})")
        elif isinstance(block, Divider):
            lines.append("  ---")
        elif isinstance(block, Actions):
            labels = []
            for button in block.buttons:
                number += 1
                labels.append(_button_label(number, button.label, button.url))
            lines.append("  " + "   ".join(labels))
        elif isinstance(block, Ideas):
            for idea in block.ideas:
                number += 1
                lines.append(idea.label + (f" ({idea.note})" if idea.note else ""))
                lines.extend("  > " + line for line in idea.text.splitlines() or [""])
                lines.append("  " + _button_label(number, idea.button, None))
            labels = []
            for button in block.more:
                number += 1
                labels.append(_button_label(number, button.label, button.url))
            if labels:
                lines.append("  " + "   ".join(labels))
    return "\n".join(lines)


def card_to_rich(card: Card | str, title: str = "Porte-Voix") -> Panel:
    """A rich panel; user text goes through rich.Text, so no markup in it is interpreted."""
    if isinstance(card, str):
        return Panel(RichText(card), title=title, border_style="cyan")
    parts: list = []
    number = 0
    for block in card.blocks:
        if isinstance(block, Heading):
            parts.append(RichText(block.text, style="bold"))
        elif isinstance(block, Text):
            parts.append(RichText(block.text))
        elif isinstance(block, Point):
            point = RichText("• ")
            point.append(block.lead, style="bold")
            point.append(f" {block.text}".rstrip())
            parts.append(point)
        elif isinstance(block, Quote):
            parts.append(Panel(RichText(block.text, style="italic"), border_style="dim"))
        elif isinstance(block, Facts):
            table = RichTable.grid(padding=(0, 2))
            for fact in block.facts:
                table.add_row(RichText(fact.label, style="dim"), RichText(fact.value))
            parts.append(table)
        elif isinstance(block, Figures):
            line = RichText()
            for fact in block.figures:
                line.append(fact.value, style="bold cyan")
                line.append(f" {fact.label}   ", style="dim")
            parts.append(line)
        elif isinstance(block, Table):
            table = RichTable(*block.columns, box=None, header_style="dim")
            for row in block.rows:
                table.add_row(*(RichText(cell) for cell in row))
            parts.append(table)
        elif isinstance(block, Copy):
            if block.label:
                parts.append(RichText(block.label, style="dim"))
            parts.append(Panel(RichText(block.text), border_style="green"))
        elif isinstance(block, LinkPreview):
            parts.append(RichText(f"🔗 {block.title}\n{block.url}", style="blue"))
            if block.summary:
                parts.append(RichText(block.summary, style="dim"))
        elif isinstance(block, Image):
            parts.append(RichText(f"(image: {block.alt})", style="dim"))
        elif isinstance(block, Footnote):
            parts.append(RichText(block.text, style="dim italic"))
        elif isinstance(block, Divider):
            parts.append(RichText("─" * 20, style="dim"))
        elif isinstance(block, Ideas):
            for idea in block.ideas:
                number += 1
                parts.append(RichText(idea.label + (f" · {idea.note}" if idea.note else ""),
                                      style="bold"))
                parts.append(Panel(RichText(idea.text, style="italic"), border_style="dim"))
                parts.append(RichText(_button_label(number, idea.button, None), style="bold"))
            if block.more:
                line = RichText()
                for button in block.more:
                    number += 1
                    line.append(_button_label(number, button.label, button.url) + "   ")
                parts.append(line)
        elif isinstance(block, Actions):
            line = RichText()
            for button in block.buttons:
                number += 1
                style = {"primary": "bold green", "danger": "bold red"}.get(button.style or "",
                                                                             "bold")
                line.append(_button_label(number, button.label, button.url) + "   ", style=style)
            parts.append(line)
    return Panel(Group(*parts), title=title, border_style="cyan")


def form_to_text(form: Form) -> str:
    lines = [f"== {form.title} =="]
    if form.intro:
        lines.append(form.intro)
    for field in form.inputs:
        if isinstance(field, Select):
            options = ", ".join(f"{o.value}={o.label}" for o in field.options)
            lines.append(f"  {field.label} [{options}]: {field.value!r}")
        elif isinstance(field, Toggle):
            lines.append(f"  {field.label} [yes/no]: {'yes' if field.value else 'no'}")
        else:
            lines.append(f"  {field.label}: {field.value!r}")
        if field.name in form.errors:
            lines.append(f"    ! {form.errors[field.name]}")
    return "\n".join(lines)
