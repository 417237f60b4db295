"""A member's data under their control: "my data" (export), "forget me" (erasure), and an
admin's `/voix forget <user>`."""

from __future__ import annotations

from bot.audit import audit
from bot.cards import Actions, Button, Card, Heading, Text
from bot.context import Context
from bot.dispatch_utils import MENTION, rest_of
from bot.errors import UserError
from bot.events import CardAction, Command, DirectMessage
from bot.handlers import help as help_handlers
from bot.privacy import links
from bot.privacy.erase import erase
from bot.privacy.export import FILE_NAME, as_files, export
from bot.router import router
from storage.members import find_member

# What may follow the first word: "my data", "mes données", "forget me", "oublie moi".
SECOND_WORDS = {"my": ("data",), "mes": ("données", "donnees"), "forget": ("me",),
                "oublie": ("moi",), "oubliez": ("moi",), "oublie-moi": ("",),
                "oubliez-moi": ("",)}


def _meant(event: DirectMessage) -> bool:
    word = event.text.strip().partition(" ")[0].casefold()
    return rest_of(event.text).casefold() in SECOND_WORDS.get(word, ())


@router.word("my", "mes")
async def my_data(ctx: Context, event: DirectMessage) -> None:
    if not _meant(event):
        await help_handlers.volunteer_help(ctx, event)
        return
    data = await export(ctx.session, ctx.member, ctx.rt.settings.public_url, ctx.now)
    files = [(f"{FILE_NAME}.{fmt}", content, ctx.say(f"privacy.file_{fmt}"))
             for fmt, content in as_files(data).items()]
    if await ctx.responder.upload(files, ctx.say("privacy.uploaded")):
        return
    if not links.can_sign(ctx.rt):
        await ctx.reply(ctx.say("privacy.no_secret"))
        return
    urls = links.mint(ctx.rt, ctx.member.id, ctx.locale, ctx.now)
    title = ctx.say("privacy.links_title")
    await ctx.reply(Card(title, (
        Heading(title), Text(ctx.say("privacy.links_ready", minutes=links.LINK_MINUTES)),
        Actions(tuple(Button(ctx.say(f"privacy.button_{fmt}"), f"privacy.download.{fmt}",
                             url=url) for fmt, url in urls.items())))))


@router.word("forget", "oublie", "oubliez", "oublie-moi", "oubliez-moi")
async def forget_me(ctx: Context, event: DirectMessage) -> None:
    """Ask first: erasure cannot be undone. An admin's `forget <user>` comes here too (a word
    followed by more is the volunteer's, bot/dispatch.py): it is that command."""
    if not _meant(event):
        if ctx.member.is_admin and rest_of(event.text):
            await forget_someone(ctx, Command(event.actor, event.text, event.conversation))
        else:
            await help_handlers.volunteer_help(ctx, event)
        return
    title = ctx.say("privacy.forget_title")
    await ctx.reply(Card(title, (
        Heading(title), Text(ctx.say("privacy.forget_explained")),
        Actions((Button(ctx.say("privacy.forget_confirm"), "privacy.forget",
                        str(ctx.member.id), style="danger"),
                 Button(ctx.say("privacy.forget_cancel"), "privacy.keep",
                        str(ctx.member.id)))))))


def _outcome(ctx: Context, key: str) -> Card:
    text = ctx.say(key)
    return Card(text, (Text(text),))


@router.action("privacy.forget")
async def forget_confirmed(ctx: Context, event: CardAction) -> None:
    if event.value != str(ctx.member.id):  # a card from before: someone since started anew
        raise UserError("privacy.stale")
    done = _outcome(ctx, "privacy.forgotten")  # in their language, while it is known
    await erase(ctx.session, ctx.member)
    await ctx.show_outcome(event.message, done)


@router.action("privacy.keep")
async def forget_cancelled(ctx: Context, event: CardAction) -> None:
    await ctx.show_outcome(event.message, _outcome(ctx, "privacy.kept"))


@router.command("forget", "oublier")
async def forget_someone(ctx: Context, event: Command) -> None:
    found = MENTION.match(rest_of(event.text))
    if not found:
        raise UserError("privacy.forget_usage")
    user = found.group(1)
    member = await find_member(ctx.session, ctx.workspace.id, user)
    if member is None:
        raise UserError("privacy.unknown_member", user=user)
    await erase(ctx.session, member)
    audit(ctx, "forget")  # who it was is what was erased
    await ctx.reply(ctx.say("privacy.admin_forgotten", user=user))
