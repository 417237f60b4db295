"""Admin command about teams: the name suggestions and digests call a team by, its language."""

from __future__ import annotations

from bot.audit import audit
from bot.cards import Card, Fact, Facts, Footnote, Heading
from bot.context import Context
from bot.dispatch_utils import rest_of
from bot.errors import UserError
from bot.events import Command
from bot.router import router
from bot.services.post_input import BadPostInput, CommandParser, language_choice
from bot.voice.teamname import team_display, team_language
from storage.members import teams_by_name
from storage.models import Team

MAX_NAME = 100  # Team.display_name's column
_RESET = ("none", "aucun", "-")


def _parser() -> CommandParser:
    parser = CommandParser("/voix team", "teams.usage")
    parser.add_argument("team")
    parser.add_argument("--name", default=None)
    parser.add_argument("--lang", default=None)
    return parser


def _display_name(typed: str) -> str | None:
    """The name to show, or None to go back to the channel's name cleaned."""
    name = " ".join(typed.split())
    if name.lower() in _RESET:
        return None
    if not name or len(name) > MAX_NAME:
        raise UserError("teams.bad_name", limit=MAX_NAME)
    return name


def _language(typed: str) -> str | None:
    """The team's language, or None (auto) for the one most of its volunteers post in."""
    try:
        return language_choice(typed)
    except BadPostInput as bad:
        raise UserError(bad.key, **bad.values) from None


async def _teams_card(ctx: Context, teams: list[Team]) -> Card:
    facts = []
    for team in teams:
        language = await team_language(ctx.session, team, ctx.workspace)
        facts.append(Fact("#" + team.name.lstrip("#"), ctx.say(
            "teams.line", name=team_display(team), named=team.display_name is not None,
            language=ctx.say("admin.language_name", code=language),
            chosen=team.locale is not None)))
    return Card(summary=ctx.say("teams.title"), blocks=(
        Heading(ctx.say("teams.title")), Facts(tuple(facts)), Footnote(ctx.say("teams.how"))))


@router.command("team", "teams", "équipe", "equipe", "équipes", "equipes")
async def team(ctx: Context, event: Command) -> None:
    teams = await teams_by_name(ctx.session, ctx.workspace.id)
    args = rest_of(event.text)
    if not args:
        audit(ctx, "teams")
        if not teams:
            raise UserError("admin.no_teams")
        await ctx.reply(await _teams_card(ctx, [teams[name] for name in sorted(teams)]))
        return
    try:
        options = _parser().read(args)
    except BadPostInput as bad:
        raise UserError(bad.key, **bad.values) from None
    wanted = options["team"].lstrip("#").lower()
    found = teams.get(wanted)
    if found is None:
        raise UserError("teams.unknown", name=wanted[:60], known=", ".join(
            "#" + name for name in sorted(teams)) or "-")
    if "name" in options:
        found.display_name = _display_name(options["name"])
    if "lang" in options:
        found.locale = _language(options["lang"])
    if "name" in options or "lang" in options:
        audit(ctx, "team", team=found.name, name=found.display_name, language=found.locale)
    else:
        audit(ctx, "teams", team=found.name)
    await ctx.reply(await _teams_card(ctx, [found]))
