"""Team membership: joining a channel where the bot lives makes it your team."""

from __future__ import annotations

from bot.context import Context
from bot.events import MemberJoined
from bot.refs import conversation_to_json
from storage.members import get_or_create_team


async def on_member_joined(ctx: Context, event: MemberJoined) -> None:
    team = await get_or_create_team(
        ctx.session, ctx.workspace, event.channel.conversation_id, event.channel_name,
        conversation_to_json(event.channel), ctx.now,
    )
    ctx.member.team_id = team.id
