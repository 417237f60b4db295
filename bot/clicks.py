"""Counting a visit of a tracked link and finding where it leads."""

from __future__ import annotations

from sqlalchemy import select

from bot.metrics import CLICKS
from bot.runtime import Runtime
from bot.services.urls import with_utm
from bot.services.useragents import is_bot
from storage.models import Click, Post, Share

MAX_TOKEN = 32


async def follow(rt: Runtime, token: str, user_agent: str | None) -> str | None:
    """Record the click and return the post's own URL with UTM tags, or None if unknown."""
    if not token or len(token) > MAX_TOKEN:
        return None
    async with rt.sessions() as session:
        found = (await session.execute(
            select(Share.id, Share.network, Share.post_id, Post.url)
            .join(Post, Post.id == Share.post_id).where(Share.link_token == token)
        )).first()
        if found is None:
            return None
        bot = is_bot(user_agent)
        session.add(Click(share_id=found.id, at=rt.clock.now(), is_bot=bot))
        await session.commit()
    CLICKS.labels("bot" if bot else "person").inc()
    return with_utm(found.url, source=found.network, campaign=f"post-{found.post_id}",
                    content=f"share-{found.id}")
