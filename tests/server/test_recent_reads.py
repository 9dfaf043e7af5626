"""RecentReads under concurrency: requests that miss together share one read, a write made
meanwhile starts a new one, a failure reaches every waiter and is not kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.recent_reads import RecentReads, local_writes
from suivi_server.storage.engine import create_engine

pytestmark = pytest.mark.anyio


@pytest.fixture
async def memory() -> AsyncIterator[AsyncEngine]:
    engine = create_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE notes (body TEXT)"))
    yield engine
    await engine.dispose()


async def write(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.text("INSERT INTO notes VALUES ('moved')"))


class SlowRead:
    """A read that waits to be released, counting how often it was started."""

    def __init__(self) -> None:
        self.started = 0
        self.release = asyncio.Event()

    async def __call__(self) -> str:
        self.started += 1
        number = self.started
        await self.release.wait()
        return f"answer {number}"


async def test_requests_that_miss_together_share_one_read(memory: AsyncEngine) -> None:
    reads: RecentReads[str, str] = RecentReads(local_writes(memory), 1.0, size=8)
    read = SlowRead()
    waiting = [asyncio.ensure_future(reads.get("page", read)) for _ in range(20)]
    await asyncio.sleep(0)
    read.release.set()
    assert set(await asyncio.gather(*waiting)) == {"answer 1"}
    assert read.started == 1


async def test_a_write_made_while_reading_starts_a_new_read(memory: AsyncEngine) -> None:
    reads: RecentReads[str, str] = RecentReads(local_writes(memory), 1.0, size=8)
    read = SlowRead()
    before = asyncio.ensure_future(reads.get("page", read))
    await asyncio.sleep(0)
    await write(memory)
    after = asyncio.ensure_future(reads.get("page", read))
    await asyncio.sleep(0)
    read.release.set()
    assert (await before, await after) == ("answer 1", "answer 2")
    assert await reads.get("page", read) == "answer 2"  # the newer one is kept
    assert read.started == 2


async def test_a_failed_read_reaches_every_waiter_and_is_not_kept(memory: AsyncEngine) -> None:
    reads: RecentReads[str, str] = RecentReads(local_writes(memory), 1.0, size=8)
    gate = asyncio.Event()

    async def failing() -> str:
        await gate.wait()
        raise ConnectionError("database gone")

    waiting = [asyncio.ensure_future(reads.get("page", failing)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes)

    async def working() -> str:
        return "back"

    assert await reads.get("page", working) == "back"
