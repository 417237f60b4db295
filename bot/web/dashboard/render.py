"""HTML for the dashboard: its own Jinja2 environment (templates/ beside this module,
autoescaped, strict) whose sentences all come from message_templates/<locale>/dashboard.j2,
numbers, percentages and dates through Babel in the page's language."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.runtime import Runtime
from bot.services.dates import day_and_month
from bot.texts import LOCALES, number, percent
from bot.web.dashboard.access import HEADERS

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"


def make_pages() -> Environment:
    """One environment for the process: templates are read once."""
    return Environment(loader=FileSystemLoader(str(HERE / "templates")),
                       autoescape=select_autoescape(default=True), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, auto_reload=False)


class Words:
    """The page's language: its sentences and its way of writing numbers and dates."""

    def __init__(self, rt: Runtime, locale: str, timezone: str) -> None:
        self.rt, self.locale, self.zone = rt, locale, ZoneInfo(timezone)

    def __call__(self, key: str, **values: Any) -> str:
        group = "dashboard" if "." not in key else ""
        return self.rt.texts.say(self.locale, f"{group}.{key}" if group else key, **values)

    def num(self, value: float | None) -> str:
        return self("blank") if value is None else number(value, self.locale)

    def pct(self, value: float | None) -> str:
        return self("blank") if value is None else percent(value, self.locale)

    def date(self, value: datetime | None) -> str:
        if value is None:
            return self("blank")
        return day_and_month(value.astimezone(self.zone).date(), self.locale, year=True)

    def short_date(self, value: datetime) -> str:
        """'7 Dec', « 7 déc. »: a chart's labels."""
        return format_date(value.astimezone(self.zone), "d MMM", locale=self.locale)

    def language_name(self, code: str) -> str:
        """A language in its own words: "English", "Français"."""
        return self.rt.texts.say(code, "admin.language_name", code=code).capitalize()

    def kind(self, code: str) -> str:
        return self("admin.kind_name", code=code)

    def status(self, code: str) -> str:
        return self("admin.status_name", status=code)

    def network(self, code: str) -> str:
        try:
            return self(f"common.network_{code}")
        except KeyError:
            return code


def respond(env: Environment, template: str, words: Words, status: int = 200,
            **values: Any) -> web.Response:
    html = env.get_template(template).render(t=words, locale=words.locale, locales=LOCALES,
                                             **values)
    return web.Response(status=status, text=html, content_type="text/html",
                        charset="utf-8", headers={"Content-Language": words.locale, **HEADERS})
