"""Cards rendered as people see them, in headless Chromium, and measured from the DOM.

Teams: Microsoft's own Adaptive Cards renderer (npm `adaptivecards`, with `markdown-it`
for TextBlock Markdown as Teams' desktop and web clients read it), Teams' light host config
and the Teams container style, both from Microsoft's designer package (npm
`adaptivecards-designer`), read from cards/node_modules at run time. Two things the
designer's Teams style leaves out are added here, from how Teams draws them: a `positive`
action is a filled button in the brand colour, a `destructive` one has red text. The card
is 450 px wide.

Fonts: Teams asks for Segoe UI, which no Linux machine has (its licence forbids shipping
it). It is drawn in Liberation Sans (Debian's fonts-liberation2: Arial's widths, close to
Segoe UI's, and narrower than DejaVu Sans, which the host config's own fallbacks would
otherwise pick), aliased as 'Segoe UI' so the host config stays as Microsoft ships it.
Slack's text is Lato (fonts-lato), as in Slack's clients. Emoji: fonts-noto-color-emoji.

Slack: cards/slack_html.py draws the blocks (there is no Slack renderer to run).

Measures (`Measures`): the card's height and width in CSS pixels, every visible action with
its label element's scrollWidth and clientWidth (a label is cut when the first exceeds the
second, or its button's does), whether it is primary (Teams: style positive; Slack: style
primary, and a modal's submit), the text boxes whose value does not show whole (scrolled
or clipped: the edit box), and the PNG written if one was asked for.

Chromium is Debian's (/usr/bin/chromium, `apt-get install chromium`), started by
Playwright's Python package with `executable_path`; Playwright's own browser download is
never used.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from cards import slack_html

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
CHROMIUM = Path(os.environ.get("PORTEVOIX_CHROMIUM", "/usr/bin/chromium"))
TEAMS_WIDTH = 450
HOST_CONFIG = "adaptivecards-designer/lib/hostConfigs/microsoft-teams-light.json"
TEAMS_CSS = "adaptivecards-designer/dist/containers/teams-container-light.css"
SCRIPTS = ("adaptivecards/dist/adaptivecards.min.js", "markdown-it/dist/markdown-it.min.js")
FONTS = {"Liberation Sans": "fonts-liberation2", "Lato": "fonts-lato"}
# Chromium on a machine with no network but the package registries: no background calls.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--font-render-hinting=none"]

SEGOE_STAND_IN = "Liberation Sans"


def _segoe_as(family: str | None) -> str:
    """CSS that draws 'Segoe UI' in `family` (None: the host config's own fallbacks, which
    end in DejaVu Sans on Debian)."""
    if not family:
        return ""
    plain = family.replace(" ", "")
    return (f"@font-face {{ font-family: 'Segoe UI'; font-weight: 100 500; "
            f"src: local('{family}'), local('{plain}'); }}\n"
            f"@font-face {{ font-family: 'Segoe UI'; font-weight: 600 900; "
            f"src: local('{family} Bold'), local('{plain}-Bold'); }}\n")


TEAMS_EXTRA_CSS = f"""
body {{ margin: 0; background: #f5f5f5; }}
#frame {{ display: inline-block; padding: 16px; background: #f5f5f5; }}
#host {{ width: {TEAMS_WIDTH}px; box-sizing: content-box; background: #ffffff; }}
#host .ac-adaptiveCard {{ width: {TEAMS_WIDTH}px; }}
.ac-pushButton.style-positive {{ background-color: #6264A7; border-color: #6264A7;
  color: #ffffff; }}
.ac-pushButton.style-destructive {{ color: #C4314B; }}
"""

MEASURE_JS = r"""
window.pvMeasure = (root, buttons, labelOf, isPrimary) => {
  const box = root.getBoundingClientRect();
  const actions = [...root.querySelectorAll(buttons)]
    .filter(b => b.offsetParent !== null && b.getBoundingClientRect().width > 0)
    .map(b => {
      const label = labelOf(b) || b;
      return {label: (label.textContent || "").trim(), scrollWidth: label.scrollWidth,
              clientWidth: label.clientWidth, buttonScrollWidth: b.scrollWidth,
              buttonClientWidth: b.clientWidth, primary: isPrimary(b)};
    });
  const inputs = [...root.querySelectorAll("textarea, input[type=text], .pv-input")]
    .filter(i => i.offsetParent !== null
            && (i.scrollHeight > i.clientHeight + 1 || i.scrollWidth > i.clientWidth + 1))
    .map(i => {
      const by = (i.getAttribute("aria-labelledby") || "").split(" ")[0];
      const label = by && document.getElementById(by);
      return (i.getAttribute("aria-label") || (label && label.textContent) || i.id || "?")
        .replace(/\s*\*\s*$/, "").trim();
    });
  return {height: box.height, width: box.width, actions, inputsCut: inputs};
};
window.pvTeams = async ({card, hostConfig, width}) => {
  const host = document.getElementById("host");
  host.replaceChildren();
  host.style.width = `${width}px`;
  const adaptive = new AdaptiveCards.AdaptiveCard();
  adaptive.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
  const context = new AdaptiveCards.SerializationContext();
  adaptive.parse(card, context);
  const warnings = [];
  for (let i = 0; i < context.eventCount; i++) warnings.push(context.getEventAt(i).message);
  const element = adaptive.render();
  if (!element) return {error: "the renderer drew nothing", warnings};
  element.style.width = `${width}px`;
  host.appendChild(element);
  await document.fonts.ready;
  const measured = pvMeasure(element, "button.ac-pushButton",
                             b => b.querySelector("div"),
                             b => b.classList.contains("style-positive"));
  return {...measured, warnings};
};
// What Teams would send for a press: the action's data, the card's inputs merged in.
if (window.AdaptiveCards) {  // the Teams page only
  AdaptiveCards.AdaptiveCard.onExecuteAction = action => { window.pvSent = action.data; };
}
window.pvSlack = async () => {
  await document.fonts.ready;
  return {...pvMeasure(document.querySelector(".pv-root"), ".pv-action",
                       b => b.querySelector(".pv-label"),
                       b => b.classList.contains("pv-primary")),
          warnings: []};
};
"""


@dataclass(frozen=True)
class Action:
    label: str
    scroll_width: int
    client_width: int
    button_scroll_width: int
    button_client_width: int
    primary: bool

    @property
    def cut(self) -> bool:
        return (self.scroll_width > self.client_width
                or self.button_scroll_width > self.button_client_width)


@dataclass(frozen=True)
class Measures:
    height: float
    width: float
    actions: tuple[Action, ...]
    warnings: tuple[str, ...] = ()
    inputs_cut: tuple[str, ...] = ()  # text boxes whose value does not show whole
    png: Path | None = None

    @property
    def primaries(self) -> int:
        return sum(action.primary for action in self.actions)

    @property
    def cut(self) -> list[str]:
        return [action.label for action in self.actions if action.cut]

    def summary(self) -> dict[str, Any]:
        return {"height": round(self.height), "actions": len(self.actions),
                "primaries": self.primaries, "cut": self.cut,
                "inputs_cut": list(self.inputs_cut)}


class Unavailable(RuntimeError):
    """What rendering needs is not on this machine (the message says how to get it)."""


def missing() -> str | None:
    """Why cards cannot be rendered here, or None when everything is in place."""
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM}: apt-get install chromium"
    for script in (HOST_CONFIG, TEAMS_CSS, *SCRIPTS):
        if not (NODE_MODULES / script).is_file():
            return f"no {script} in {NODE_MODULES}: npm ci in {HERE}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "no playwright (Python): pip install -e '.[dev]'"
    if shutil.which("fc-list") is not None:
        import subprocess
        families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True,
                                  check=False).stdout
        for family, package in FONTS.items():
            if family not in families:
                return f"no {family} font: apt-get install {package}"
    return None


def teams_host_config() -> dict[str, Any]:
    """Teams' light host config, as Microsoft's designer package ships it."""
    config: dict[str, Any] = json.loads((NODE_MODULES / HOST_CONFIG).read_text("utf-8"))
    return config


def _teams_page(segoe: str | None) -> str:
    css = (NODE_MODULES / TEAMS_CSS).read_text("utf-8")
    return (f'<!doctype html><html><head><meta charset="utf-8"><style>{css}</style>'
            f'<style>{_segoe_as(segoe)}{TEAMS_EXTRA_CSS}</style></head><body><div id="frame">'
            f'<div id="host" class="teams-card"></div></div></body></html>')


def _measures(raw: dict[str, Any], png: Path | None) -> Measures:
    if "error" in raw:
        raise ValueError(f"{raw['error']}: {raw.get('warnings')}")
    actions = tuple(Action(a["label"], int(a["scrollWidth"]), int(a["clientWidth"]),
                           int(a["buttonScrollWidth"]), int(a["buttonClientWidth"]),
                           bool(a["primary"])) for a in raw["actions"])
    return Measures(float(raw["height"]), float(raw["width"]), actions,
                    tuple(str(w) for w in raw.get("warnings", [])),
                    tuple(str(i) for i in raw.get("inputsCut", [])), png)


@dataclass
class Renderer:
    """One headless Chromium for many cards: `with Renderer() as r: r.teams(card)`."""

    scale: float = 1.0  # device pixels per CSS pixel in the PNGs (measures are CSS pixels)
    segoe: str | None = SEGOE_STAND_IN  # the font that draws Teams' Segoe UI
    _playwright: Any = field(default=None, init=False, repr=False)
    _browser: Any = field(default=None, init=False, repr=False)
    _teams: Any = field(default=None, init=False, repr=False)
    _slack: Any = field(default=None, init=False, repr=False)

    def __enter__(self) -> Renderer:
        reason = missing()
        if reason:
            raise Unavailable(reason)
        from playwright.sync_api import sync_playwright
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            self._teams = self._page()
            self._teams.set_content(_teams_page(self.segoe))
            for script in SCRIPTS:
                self._teams.add_script_tag(path=str(NODE_MODULES / script))
            self._teams.add_script_tag(content=MEASURE_JS)
            self._slack = self._page()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def _page(self) -> Any:
        page = self._browser.new_page(viewport={"width": 1000, "height": 900},
                                      device_scale_factor=self.scale, locale="en-US")
        # Nothing leaves the machine: a card's images and links point at the web.
        page.route("http*://**", lambda route: route.abort())
        return page

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None

    def teams(self, card: dict[str, Any], host_config: dict[str, Any] | None = None,
              png: Path | None = None, width: int = TEAMS_WIDTH) -> Measures:
        """Render an Adaptive Card as Teams would (light theme, 450 px in a chat; a dialog's
        width for a form) and measure it."""
        raw = self._teams.evaluate("pvTeams", {"card": card, "width": width,
                                               "hostConfig": host_config or teams_host_config()})
        if png is not None and "error" not in raw:
            png.parent.mkdir(parents=True, exist_ok=True)
            self._teams.locator("#frame").screenshot(path=str(png))
        return _measures(raw, png)

    def teams_press(self, card: dict[str, Any], button: str,
                    choice: int | None = None) -> Any:
        """Render the card, pick its `choice`-th radio option (from 0) if given, press the
        button labelled `button`, and return the data the renderer would send to the bot."""
        self.teams(card)
        page = self._teams
        page.evaluate("window.pvSent = undefined")
        if choice is not None:
            page.locator("#host input[type=radio]").nth(choice).check()
        page.locator("#host button.ac-pushButton", has_text=button).first.click()
        return page.evaluate("window.pvSent")

    def slack(self, payload: dict[str, Any], locale: str = "en",
              png: Path | None = None) -> Measures:
        """Render a Slack message ({"blocks": [...]}) or modal view, and measure it."""
        self._slack.set_content(slack_html.render(payload, locale))
        self._slack.add_script_tag(content=MEASURE_JS)
        raw = self._slack.evaluate("pvSlack()")
        if png is not None:
            png.parent.mkdir(parents=True, exist_ok=True)
            self._slack.locator("#frame").screenshot(path=str(png))
        return _measures(raw, png)


def measure_card(card: dict[str, Any], host_config: dict[str, Any] | None = None,
                 png: Path | None = None) -> Measures:
    """One Adaptive Card rendered as Teams would and measured (a browser of its own: for
    many cards, use one Renderer)."""
    with Renderer() as renderer:
        return renderer.teams(card, host_config, png)
