"""The few statements whose SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_ignoring_conflicts(
    conn: AsyncConnection, table: sa.Table, unique: Sequence[str]
) -> postgresql.Insert | sqlite.Insert:
    """`INSERT … ON CONFLICT (unique) DO NOTHING`: concurrent writers of the same row never fail."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=list(unique))
