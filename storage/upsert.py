"""Insert-or-ignore that works on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


def insert_ignore(session: AsyncSession, model: type[Base]) -> Insert:
    """An INSERT that skips rows violating a unique constraint, in the session's dialect."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()


async def insert_ignore_rows(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]], batch: int = 1000
) -> int:
    """Insert rows in batches, ignoring duplicates; returns how many were inserted."""
    inserted = 0
    connection = await session.connection()
    statement = insert_ignore(session, model).returning(model.__table__.c.id)
    for start in range(0, len(rows), batch):
        # RETURNING lists only the rows really inserted, on both dialects.
        result = await connection.execute(statement, rows[start:start + batch])
        inserted += len(result.all())
    return inserted
