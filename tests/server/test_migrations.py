"""The Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.storage.schema import metadata

pytestmark = pytest.mark.anyio


# SQLAlchemy cannot reflect an index on an expression (the email's lower case) on every
# backend; Alembic then leaves that index out of the comparison on both sides.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
async def test_migrated_database_matches_the_declared_schema(engine: AsyncEngine) -> None:
    def diff(connection: Any) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []
