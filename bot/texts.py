"""Every sentence a user reads, from message_templates/<locale>/ through sandboxed Jinja2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.numbers import format_decimal, format_percent
from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

TEMPLATES = Path(__file__).resolve().parent.parent / "message_templates"
LOCALES = ("en", "fr")
DEFAULT_LOCALE = "en"


def normalize_locale(value: str | None, fallback: str = DEFAULT_LOCALE) -> str:
    """'fr-FR', 'fr_CA' or 'FR' -> 'fr'; anything unsupported -> fallback."""
    if value:
        short = value.replace("_", "-").split("-")[0].lower()
        if short in LOCALES:
            return short
    return fallback if fallback in LOCALES else DEFAULT_LOCALE


def percent(value: float, locale: str) -> str:
    """A share as its language writes it: "42%", « 42 % » (Babel)."""
    return format_percent(round(float(value), 2), locale=locale)


def number(value: float, locale: str) -> str:
    """A number as its language writes it: "3,000", « 3 000 » (Babel)."""
    return format_decimal(value, locale=locale)


def _locale_of(context: Context) -> str:
    # A template's name starts with its locale's folder: "fr/share.j2".
    return str(context.name or "en").split("/", 1)[0]


@pass_context
def _pct(context: Context, value: float) -> str:
    return percent(value, _locale_of(context))


@pass_context
def _num(context: Context, value: float) -> str:
    return number(value, _locale_of(context))


def make_environment(root: Path = TEMPLATES) -> SandboxedEnvironment:
    """One sandboxed environment for the process: strict, no autoescape (renderers escape)."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(root)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
        auto_reload=False,  # templates are read once: no stat() of the file on every message
    )
    env.filters["pct"] = _pct
    env.filters["num"] = _num
    env.filters["sentence"] = sentence
    return env


def sentence(clause: object) -> str:
    """A clause as a sentence: first letter up, a full stop unless it ends with one."""
    text = str(clause).strip()
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


class Texts:
    """Looks up messages by key: 'group.name' is macro `name` of <locale>/group.j2."""

    def __init__(self, env: SandboxedEnvironment) -> None:
        self._env = env
        self._lists: dict[tuple[str, str], list[str]] = {}  # listing walks the folders

    def module(self, locale: str, path: str) -> Any:
        """The macros of one template file, e.g. ('fr', 'voice/job/join_us.j2')."""
        return self._env.get_template(f"{locale}/{path}").module

    def say(self, locale: str, key: str, **values: Any) -> str:
        group, _, name = key.partition(".")
        module = self.module(locale, f"{group}.j2")
        macro = getattr(module, name, None)
        if macro is None:
            raise KeyError(f"no message {key!r} for locale {locale!r}")
        return str(macro(**values)).strip()

    def render(self, locale: str, path: str, **values: Any) -> str:
        return self._env.get_template(f"{locale}/{path}").render(**values).strip()

    def list(self, locale: str, folder: str) -> list[str]:
        """Names of the templates in a folder of a locale, sorted (e.g. rewrite angles)."""
        if (locale, folder) in self._lists:
            return list(self._lists[locale, folder])
        names = [
            name.removeprefix(f"{locale}/{folder}/")
            for name in self._env.list_templates(extensions=["j2"])
            if name.startswith(f"{locale}/{folder}/")
        ]
        if not names:
            raise TemplateNotFound(f"{locale}/{folder}/")
        self._lists[locale, folder] = sorted(names)
        return list(self._lists[locale, folder])
