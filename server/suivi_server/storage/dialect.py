"""The few statements whose SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def upsert_insert(conn: AsyncConnection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that accepts `ON CONFLICT` clauses, in the connection's dialect."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return insert(table)


def insert_ignoring_conflicts(
    conn: AsyncConnection, table: sa.Table, unique: Sequence[str]
) -> postgresql.Insert | sqlite.Insert:
    """`INSERT … ON CONFLICT (unique) DO NOTHING`: concurrent writers of the same row never fail."""
    return upsert_insert(conn, table).on_conflict_do_nothing(index_elements=list(unique))
