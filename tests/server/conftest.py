"""Server test fixtures: a migrated database per test on SQLite AND on PostgreSQL.

PostgreSQL runs when SUIVI_TEST_POSTGRES_URL is set (CI always sets it); without it the
PostgreSQL variants are skipped. Each backend is migrated once per session; each test then
starts from empty tables (a copy of the migrated SQLite file, or emptied tables on PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.app import create_app
from suivi_server.config import Settings, normalize_database_url
from suivi_server.recent_reads import settle_reads
from suivi_server.services import Services
from suivi_server.storage.engine import create_engine, upgrade_sync
from suivi_server.storage.schema import metadata

POSTGRES_URL = os.environ.get("SUIVI_TEST_POSTGRES_URL")
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
SECRET_KEYS = ("test-secret-current-0123456789abcdef", "test-secret-previous-0123456789abcdef")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    if not POSTGRES_URL:
        pytest.skip("SUIVI_TEST_POSTGRES_URL is not set")
    url = _worker_database(normalize_database_url(POSTGRES_URL))
    _reset_postgres_schema(url)
    upgrade_sync(url)
    return url


def _worker_database(url: str) -> str:
    """Each pytest-xdist worker gets its own database beside the configured one, made on demand."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    import asyncio

    base = sa.make_url(url)
    own = base.set(database=f"{base.database}_{worker}")

    async def create() -> None:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            exists = await conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
            )
            if not exists:
                await conn.execute(sa.text(f'CREATE DATABASE "{own.database}"'))
        await engine.dispose()

    asyncio.run(create())
    return own.render_as_string(hide_password=False)


def _reset_postgres_schema(url: str) -> None:
    import asyncio

    async def reset() -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(sa.text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(reset())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "suivi.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        yield request.getfixturevalue("postgres_migrated")


# One round trip empties every table and rewinds every sequence. DELETE, not TRUNCATE: the tables
# of a test hold a few rows, and TRUNCATE creates and unlinks files for each of some forty tables.
EMPTY_POSTGRES = (
    "DO $$ BEGIN "
    + " ".join(f"DELETE FROM {t.name};" for t in reversed(metadata.sorted_tables))
    + " PERFORM setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'"
    + " AND c.relnamespace = 'public'::regnamespace; END $$"
)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if not database_url.startswith("sqlite"):
        async with engine.begin() as conn:
            await conn.execute(sa.text(EMPTY_POSTGRES))
    yield engine
    await settle_reads()  # a hit's background read must not hold a connection past the test
    await engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_keys=SECRET_KEYS,
        public_url="http://testserver",
    )


@pytest.fixture
def ticks() -> list[float]:
    """A monotonic clock for the app (`monotonic=lambda: ticks[0]`): tests move `ticks[0]`."""
    return [5_000.0]


@pytest.fixture
def clock() -> list[datetime]:
    """A settable clock: tests move `clock[0]`."""
    return [NOW]


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine, clock: list[datetime]) -> Starlette:
    return create_app(settings, engine=engine, clock=lambda: clock[0], migrate=False)


@pytest.fixture
def services(app: Starlette) -> Services:
    services: Services = app.state.services
    return services


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
