"""tracking_events partitioned by month on PostgreSQL: a populated table converted with every row
kept and in its month, ingestion unchanged (new events stored, duplicates ignored), a shipment
read through its indexes, months made ahead (odd dates moved out of the DEFAULT partition),
retention dropping whole old months, and the migrations still upgrading a partitioned database.

Each test gets a database of its own: the conversion changes the events table, which the
shared test database must keep as declared.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import Status, Tracker, Tracking, TrackingEvent, TrackResult
from suivi.cli import main
from suivi_server.app import create_app
from suivi_server.config import Settings, normalize_database_url
from suivi_server.storage import partitions
from suivi_server.storage.engine import create_engine, upgrade, upgrade_sync
from suivi_server.storage.schema import metadata, shipments, tracking_events
from suivi_server.worker.runner import Worker
from tests.server.conftest import NOW, POSTGRES_URL, SECRET_KEYS
from tests.server.factories import bearer, create_merchant, create_shipment

pytestmark = pytest.mark.anyio

PARCELS = 40
SCANS = 8  # one every three weeks: about five months of events per parcel
PLACEHOLDER = datetime(1970, 1, 1, tzinfo=UTC)  # a carrier's "no date"
TYPO = NOW + timedelta(days=280)  # a year typed wrong: months past those made ahead


def _database(suffix: str, template: str | None = None) -> str:
    """A database of its own beside the configured one (per xdist worker), made anew: empty, or
    a copy of `template` (copying a migrated database is much faster than migrating)."""
    import asyncio
    import os

    if not POSTGRES_URL:
        pytest.skip("SUIVI_TEST_POSTGRES_URL is not set")
    base = sa.make_url(normalize_database_url(POSTGRES_URL))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{base.database}_{worker}_{suffix}"
    copy = f' TEMPLATE "{base.database}_{worker}_{template}"' if template else ""

    async def make() -> None:
        admin = create_engine(
            base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
        )
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
        await admin.dispose()

    asyncio.run(make())
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated() -> str:
    """A database migrated once per session: the template of the empty ones."""
    upgrade_sync(_database("partitions_migrated"))
    return "partitions_migrated"


@pytest.fixture(scope="session")
def populated(migrated: str) -> tuple[str, str]:
    """A copy of it populated once per session by the worker; its name and the merchant's key."""
    import asyncio

    url = _database("partitions_populated", template=migrated)

    async def populate() -> str:
        engine = create_engine(url)
        try:
            merchant_id, key = await create_merchant(engine)
            for n in range(PARCELS):
                number = f"6A{n:011d}"
                await create_shipment(engine, merchant_id, tracking_number=number, status="pending")
            assert await poll_all(engine, carrier(), NOW) == PARCELS
            return key
        finally:
            await engine.dispose()

    return "partitions_populated", asyncio.run(populate())


@pytest.fixture
def key(populated: tuple[str, str]) -> str:
    return populated[1]


@pytest.fixture
def url(populated: tuple[str, str]) -> str:
    """PARCELS shipments polled once: SCANS events each, two odd dates on the first."""
    return _database("partitions", template=populated[0])


@pytest.fixture
def empty_url(migrated: str) -> str:
    return _database("partitions_empty", template=migrated)


@pytest.fixture
async def engine(url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(url)
    yield engine
    await engine.dispose()


class Carrier:
    """Answers each parcel with its own scripted events (by tracking number)."""

    def __init__(self, answers: dict[str, list[TrackingEvent]]) -> None:
        self.answers = answers

    async def track_many(self, items: Iterable[tuple[str, str]]) -> list[TrackResult]:
        return [
            TrackResult(
                carrier,
                number,
                tracking=Tracking.from_events(carrier, number, self.answers[number]),
            )
            for carrier, number in items
        ]


def scan(at: datetime, code: str) -> TrackingEvent:
    return TrackingEvent(timestamp=at, status=Status.IN_TRANSIT, code=code, label=f"scan {code}")


def carrier() -> Carrier:
    return Carrier({f"6A{n:011d}": history(n) for n in range(PARCELS)})


def history(n: int) -> list[TrackingEvent]:
    events = [scan(NOW - timedelta(days=21 * k, hours=n), f"S{k}") for k in range(SCANS)]
    if n == 0:
        events += [scan(PLACEHOLDER, "ZERO"), scan(TYPO, "TYPO")]
    return events


async def poll_all(engine: AsyncEngine, carrier: Carrier, at: datetime) -> int:
    """Every parcel due at `at`, polled by the worker: the real ingestion path."""
    async with engine.begin() as conn:
        await conn.execute(sa.update(shipments).values(next_poll_at=at))
    worker = Worker(engine, cast(Tracker, carrier), clock=lambda: at, worker_id="w-partitions")
    return await worker.drain()


async def rows(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    """Every event with the partition holding it."""
    e = tracking_events.c
    columns = (e.id, e.shipment_id, e.occurred_at, e.code, e.status, e.label, e.location)
    query = sa.select(sa.literal_column("tableoid::regclass::text"), *columns).order_by(e.id)
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(query)]


def home(occurred_at: datetime) -> str:
    """The partition an event belongs in, once converted with three months ahead."""
    month = partitions.month_of(occurred_at)
    far = (
        not partitions.month_of(NOW) - partitions.PAST_MONTHS
        <= month
        <= partitions.month_of(NOW) + 3
    )
    return partitions.DEFAULT if far else partitions.partition_name(month)


async def convert(engine: AsyncEngine, now: datetime = NOW) -> partitions.Conversion:
    async with engine.begin() as conn:
        return await partitions.convert(conn, now, ahead=3)


async def test_a_populated_table_is_converted_with_every_row_in_its_month(
    engine: AsyncEngine,
) -> None:
    before = await rows(engine)
    assert len(before) == PARCELS * SCANS + 2
    conversion = await convert(engine)
    after = await rows(engine)
    assert conversion.rows == len(before)
    assert [row[1:] for row in after] == [row[1:] for row in before]
    assert all(row[0] == home(row[3]) for row in after)
    assert {row[0] for row in after if row[4] in ("ZERO", "TYPO")} == {partitions.DEFAULT}
    months = {row[0] for row in after} - {partitions.DEFAULT}
    assert len(months) >= 5
    assert set(conversion.months) >= months
    async with engine.connect() as conn:
        assert await partitions.is_partitioned(conn)


async def test_ingestion_after_conversion_stores_new_events_and_ignores_duplicates(
    engine: AsyncEngine,
) -> None:
    parcels = carrier()
    last_id = max(row[1] for row in await rows(engine))
    await convert(engine)
    later = NOW + timedelta(hours=2)
    for events in parcels.answers.values():
        events.append(scan(later - timedelta(minutes=5), "NEW"))
    assert await poll_all(engine, parcels, later) == PARCELS
    after = await rows(engine)
    new = [row for row in after if row[4] == "NEW"]
    assert len(after) == PARCELS * (SCANS + 1) + 2
    assert len(new) == PARCELS
    assert min(row[1] for row in new) > last_id
    assert {row[0] for row in new} == {partitions.partition_name(partitions.month_of(later))}


async def test_a_shipment_and_its_events_are_read_through_indexes(
    engine: AsyncEngine, url: str, tmp_path: Path, key: str
) -> None:
    await convert(engine)
    settings = Settings(database_url=url, data_dir=tmp_path, secret_keys=SECRET_KEYS)
    app = create_app(settings, engine=engine, clock=lambda: NOW, migrate=False)
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "tracking_events" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/api/shipments/2/tracking", headers=bearer(key))
    sa.event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.text
    codes = [event["code"] for event in response.json()["events"]]
    assert codes == [f"S{k}" for k in range(SCANS)]
    assert statements
    async with engine.connect() as conn:
        await conn.exec_driver_sql("SET enable_seqscan = off")  # what the indexes allow
        for sql, params in statements:
            plan = (await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}", params)).scalar_one()
            nodes = list(_nodes((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]))
            scanned = [
                n for n in nodes if str(n.get("Relation Name", "")).startswith("tracking_events")
            ]
            assert scanned, sql
            assert all(n["Node Type"] != "Seq Scan" for n in scanned), sql


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


async def test_months_are_made_ahead_once_taking_odd_dates_out_of_the_default(
    engine: AsyncEngine,
) -> None:
    await convert(engine)
    async with engine.begin() as conn:
        assert await partitions.create_ahead(conn, NOW, ahead=3) == []
    typo_month = partitions.month_of(TYPO)
    async with engine.begin() as conn:
        made = await partitions.create_ahead(conn, partitions.month_start(typo_month), ahead=1)
    assert made[-2:] == [partitions.partition_name(m) for m in (typo_month, typo_month + 1)]
    typo = [row for row in await rows(engine) if row[4] == "TYPO"]
    assert [row[0] for row in typo] == [partitions.partition_name(typo_month)]


async def test_an_insert_while_a_month_is_made_waits_and_lands_in_that_month(
    engine: AsyncEngine,
) -> None:
    """An event for the month being made, written between the move out of DEFAULT and the
    ATTACH, would stay in DEFAULT and make the ATTACH fail: it waits, then goes to its month."""
    import asyncio

    from sqlalchemy.util import await_only

    await convert(engine)
    month = partitions.month_of(TYPO) + 1
    at = partitions.month_start(month) + timedelta(days=3)
    event = tracking_events.insert().values(
        shipment_id=1, occurred_at=at, status="in_transit", code="RACE", label="race", created_at=at
    )
    writer = await engine.connect()
    pid = (await writer.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
    await writer.commit()

    async def write() -> None:
        async with writer.begin():
            await writer.execute(event)

    async def meanwhile() -> asyncio.Task[None]:
        """The insert started and run until it commits or waits on a lock."""
        task = asyncio.create_task(write())
        waiting = sa.text("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = :pid AND NOT granted)")
        async with engine.connect() as watcher:
            while not task.done() and not (await watcher.execute(waiting, {"pid": pid})).scalar():
                await asyncio.sleep(0.01)
        return task

    tasks: list[asyncio.Task[None]] = []

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "ATTACH PARTITION" in statement and not tasks:
            tasks.append(await_only(meanwhile()))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        async with engine.begin() as conn:
            made = await partitions.create_ahead(conn, partitions.month_start(month), ahead=0)
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", before)
        for task in tasks:
            await task
        await writer.close()
    assert made == [partitions.partition_name(month)]
    raced = [row for row in await rows(engine) if row[4] == "RACE"]
    assert [row[0] for row in raced] == [partitions.partition_name(month)]


async def test_retention_drops_whole_months_and_keeps_recent_ones(engine: AsyncEngine) -> None:
    await convert(engine)
    before = await rows(engine)
    cutoff = partitions.cutoff(NOW, keep_months=2)
    async with engine.begin() as conn:
        dropped, deleted = await partitions.prune(conn, NOW, keep_months=2)
        left = set((await partitions.month_partitions(conn)).values())
    after = await rows(engine)
    assert deleted == 0  # the 1970 placeholder's parcel is still in transit
    assert dropped
    assert not left & set(dropped)
    assert cutoff == partitions.month_start(partitions.month_of(NOW) - 2)
    assert after == [row for row in before if row[3] >= cutoff or row[4] == "ZERO"]
    assert {row[0] for row in after if row[3] < cutoff} == {partitions.DEFAULT}
    assert {row[0] for row in before if row[3] < cutoff and row[4] != "ZERO"} == set(dropped)
    assert partitions.partition_name(partitions.month_of(NOW) + 3) in left


async def test_retention_keeps_odd_dates_of_parcels_in_transit_and_drops_finished_ones(
    engine: AsyncEngine,
) -> None:
    """A placeholder date says nothing of a parcel's age: deleting it while the parcel is
    polled would have the next poll store it again as new."""
    await convert(engine)
    odd = [row for row in await rows(engine) if row[4] in ("ZERO", "TYPO")]
    cutoff = partitions.cutoff(NOW, keep_months=2)
    async with engine.begin() as conn:
        _, deleted = await partitions.prune(conn, NOW, keep_months=2)
    assert deleted == 0
    assert [row for row in await rows(engine) if row[4] in ("ZERO", "TYPO")] == odd
    finished = shipments.update().where(shipments.c.id == odd[0][1])
    async with engine.begin() as conn:
        await conn.execute(finished.values(status=Status.DELIVERED, updated_at=NOW))
        _, deleted = await partitions.prune(conn, NOW, keep_months=2)
    assert deleted == 0  # finished within the months kept: its events stay
    async with engine.begin() as conn:
        await conn.execute(finished.values(updated_at=cutoff - timedelta(days=1)))
        _, deleted = await partitions.prune(conn, NOW, keep_months=2)
    assert deleted == len(odd) == 2
    assert [row for row in await rows(engine) if row[0] == partitions.DEFAULT] == []


@pytest.fixture
def bare_url() -> str:
    return _database("partitions_bare")


async def test_the_migrations_upgrade_a_partitioned_database(bare_url: str) -> None:
    await upgrade(bare_url, "0001")
    engine = create_engine(bare_url)
    try:
        await convert(engine)
        await upgrade(bare_url)
        async with engine.connect() as conn:
            assert await partitions.is_partitioned(conn)
            tables = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync, opts={"include_object": partitions.declared_objects}
                    ),
                    metadata,
                )
            )
    finally:
        await engine.dispose()
    assert partitions.DEFAULT in tables
    assert any(partitions.is_partition(t) and t != partitions.DEFAULT for t in tables)
    # the schema is the declared one, and autogenerate leaves the partitions alone
    assert diff == []


def test_the_commands_partition_idempotently_and_prune(empty_url: str, tmp_path: Path) -> None:
    env, runner = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_DATABASE_URL": empty_url}, CliRunner()
    first = runner.invoke(main, ["db", "partition-events"], env=env)
    assert first.exit_code == 0, first.output
    assert "0 rows kept, 4 month partitions and a default one" in first.output
    again = runner.invoke(main, ["db", "partition-events"], env=env)
    assert "every month partition already exists" in again.output
    pruned = runner.invoke(main, ["db", "prune-events", "--keep-months", "1"], env=env)
    assert pruned.exit_code == 0, pruned.output
    assert "no month to drop" in pruned.output


@pytest.mark.parametrize("command", [["partition-events"], ["prune-events", "--keep-months", "3"]])
def test_on_sqlite_the_commands_say_they_are_for_postgresql(
    command: list[str], tmp_path: Path
) -> None:
    env = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    result = CliRunner().invoke(main, ["db", *command], env=env)
    assert result.exit_code == 1
    assert "for PostgreSQL only" in result.output


def test_pruning_an_unpartitioned_table_says_to_partition_it_first(
    empty_url: str, tmp_path: Path
) -> None:
    env = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_DATABASE_URL": empty_url}
    result = CliRunner().invoke(main, ["db", "prune-events", "--keep-months", "3"], env=env)
    assert result.exit_code == 1
    assert "run `suivi db partition-events` first" in result.output
