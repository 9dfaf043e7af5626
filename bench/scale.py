"""Flat costs: the same operations at 10 k, 100 k and 1 M shipments, as ratios to the smallest.

Each size gets a database of its own, filled in bulk (the same merchant, a constant set of
ACTIVE shipments due for a poll, the rest delivered, in transit or in trouble, two events per
shipment, a notification for every other one, transit counts for the deliveries). The bench then
runs the operations round after round, each one on every size in turn call by call (10 k, 100 k,
1 M, 10 k, …), and prints for each operation the median of its per-round medians, and the
largest size's median over the smallest's: the target is at most 1.5× for every line.
Operations: a tracking page, a worker claim of 50, a /metrics scrape, the API's lists (newest,
problems, one status, notifications), the dashboard's problem list, one delivery learned into
the transit counts, a rebuild of the transit model from them, and the peak memory of a worker
process polling the ACTIVE shipments against the carrier simulator. The database size per
million shipments closes the report.

    .venv/bin/python bench/scale.py                                       # SQLite
    .venv/bin/python bench/scale.py --database postgresql \
        --database-url postgresql://postgres:postgres@127.0.0.1:5432/scratch
    .venv/bin/python bench/scale.py --smoke                               # the test suite

On PostgreSQL, one database per size is created beside --database-url (<name>_scale_<size>);
SQLite files go to --data-dir. Both are kept, and reused by later runs when they hold the right
number of shipments (--fresh fills them again). See bench/README.md, section "Scale".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from worker_vs_raw import START, parcels  # noqa: E402

from suivi_server.app import create_app  # noqa: E402
from suivi_server.config import Settings, normalize_database_url  # noqa: E402
from suivi_server.dashboard import sessions, users  # noqa: E402
from suivi_server.estimates.learning import add_transit_counts  # noqa: E402
from suivi_server.estimates.models import load_learned  # noqa: E402
from suivi_server.security import generate_api_key  # noqa: E402
from suivi_server.storage.engine import create_engine, upgrade  # noqa: E402
from suivi_server.storage.schema import order_lookup_key, shipments  # noqa: E402
from suivi_server.worker.claim import claim_due, release  # noqa: E402

NOW = START
SIZES = (10_000, 100_000, 1_000_000)
SMOKE_SIZES = (300, 1_200)
ACTIVE = 500  # shipments due for a poll, the same at every size
SMOKE_ACTIVE = 40
SMOKE_ROUNDS = 2
SMOKE_CALLS = 2
TARGET = 1.5
TOKEN = "scale-metrics"
EPOCH_MONDAY = datetime(1970, 1, 5, tzinfo=UTC)
# The fleet's make-up beyond the active shipments: (share, status, substatus, problem)
MIX = (
    (80, "delivered", None, None),
    (14, "in_transit", None, None),
    (3, "exception", None, "exception"),
    (2, "attempt_failed", None, "attempt_failed"),
    (1, "in_transit", "delayed", "delivery_delayed"),
)
CARRIERS = ("chronopost", "colissimo", "dpd", "mondial_relay", "ups")
CHUNK = 20_000


@dataclass
class Fleet:
    """One size's database, its app and what the operations need to address it."""

    size: int
    url: str
    client: httpx.AsyncClient
    app: Any
    api_key: str
    session_cookie: tuple[str, str]
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    @property
    def services(self) -> Any:
        return self.app.state.services


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _week(at: datetime) -> int:
    return (at - EPOCH_MONDAY).days // 7


def shipment_rows(size: int, active: int, merchant_id: int) -> Iterator[dict[str, Any]]:
    """The fleet, deterministic: the first `active` rows are the simulator's parcels, due now."""
    shares = [status for share, *status in MIX for _ in range(share)]
    moving = parcels(active)
    for i in range(size):
        if i < active:
            carrier, number = moving[i].carrier, moving[i].number
            status, substatus, problem = "pending", None, None
        else:
            carrier, number = CARRIERS[i % 5], f"SC{i:012d}"
            status, substatus, problem = shares[(i * 37) % len(shares)]
        created = NOW - timedelta(minutes=(i * 13) % (60 * 24 * 90))
        delivered = created + timedelta(days=2) if status == "delivered" else None
        yield {
            "merchant_id": merchant_id,
            "order_number": f"CMD-{i}",
            "order_key": order_lookup_key(f"CMD-{i}"),
            "carrier": carrier,
            "tracking_number": number,
            "items": "[]",
            "customer_email": f"shopper{i}@example.com",
            "customer_country": "FR",
            "customer_postcode": f"{(i % 95) + 1:02d}000",
            "status": status,
            "substatus": substatus,
            "problem": problem,
            "problem_since": created + timedelta(days=1) if problem else None,
            "delivered_at": delivered,
            "last_event_at": delivered or created,
            "last_polled_at": NOW - timedelta(seconds=(i * 7) % 7200),
            "poll_errors": 1 if i % 97 == 0 else 0,
            "next_poll_at": None
            if status == "delivered"
            else NOW
            if i < active
            else NOW + timedelta(hours=1, minutes=i % 600),
            "created_at": created,
            "updated_at": created,
        }


def event_rows(size: int) -> Iterator[dict[str, Any]]:
    for i in range(size):
        created = NOW - timedelta(minutes=(i * 13) % (60 * 24 * 90))
        for n, (status, code) in enumerate((("info_received", "PC1"), ("in_transit", "ET1"))):
            yield {
                "shipment_id": i + 1,
                "occurred_at": created + timedelta(hours=n),
                "status": status,
                "code": code,
                "label": "Colis pris en charge" if n == 0 else "En cours d'acheminement",
                "affects_status": True,
                "created_at": created,
            }


def notification_rows(size: int, merchant_id: int) -> Iterator[dict[str, Any]]:
    for i in range(0, size, 2):
        due = NOW - timedelta(minutes=(i * 13) % (60 * 24 * 90))
        pending = i % 200 == 0
        yield {
            "merchant_id": merchant_id,
            "shipment_id": i + 1,
            "event": "shipped",
            "occurrence": str(i),
            "channel": "email",
            "idempotency_key": f"scale-{i}",
            "state": "pending" if pending else "sent",
            "facts": "{}",
            "due_at": due,
            "attempts": 0,
            "created_at": due,
            "updated_at": due,
            "sent_at": None if pending else due,
        }


def transit_rows(size: int) -> Iterator[dict[str, Any]]:
    counts: Counter[tuple[Any, ...]] = Counter()
    for i, row in enumerate(shipment_rows(size, 0, 0)):
        if row["delivered_at"] is not None:
            for milestone in ("handover", "hub", "delivery_site", "out_for_delivery"):
                key = (row["carrier"], "", "69", row["customer_postcode"][:2], milestone)
                counts[(*key, _week(row["delivered_at"]), 1 + i % 4)] += 1
    for (carrier, service, origin, dest, milestone, week, days), n in counts.items():
        yield {
            "carrier": carrier,
            "service": service,
            "origin_region": origin,
            "dest_region": dest,
            "milestone": milestone,
            "week": week,
            "days": days,
            "deliveries": n,
        }


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    return int(value) if isinstance(value, bool) else value


def fill_sqlite(path: str, tables: Sequence[tuple[str, Iterator[dict[str, Any]]]]) -> None:
    """Plain executemany in one transaction per chunk: the triggers count every row."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-524288")  # 512 MB: the indexes' pages stay in memory
    for table, rows in tables:
        for chunk in _chunks(rows):
            columns = list(chunk[0])
            marks = ", ".join("?" for _ in columns)
            db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                [tuple(_sqlite_value(r[c]) for c in columns) for r in chunk],
            )
            db.commit()
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


async def fill_postgresql(url: str, tables: Sequence[tuple[str, Iterator[dict[str, Any]]]]) -> None:
    """COPY per chunk (row triggers fire for COPY too), then ANALYZE."""
    engine = create_engine(url)
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        for table, rows in tables:
            for chunk in _chunks(rows):
                columns = list(chunk[0])
                records = [tuple(r[c] for c in columns) for r in chunk]
                await raw.copy_records_to_table(table, records=records, columns=columns)
        await raw.execute("ANALYZE")
    await engine.dispose()


async def _database_url(base: str | None, database: str, size: int, data_dir: Path) -> str:
    if database == "sqlite":
        return f"sqlite+aiosqlite:///{data_dir / f'scale_{size}.db'}"
    assert base is not None, "--database-url is required on PostgreSQL"
    url = sa.make_url(normalize_database_url(base))
    own = url.set(database=f"{url.database}_scale_{size}")
    admin = create_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        exists = await conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own.database}
        )
        if not exists:
            await conn.execute(sa.text(f'CREATE DATABASE "{own.database}"'))
    await admin.dispose()
    return own.render_as_string(hide_password=False)


async def _shipment_count(url: str) -> int | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(sa.select(sa.func.count()).select_from(shipments)) or 0)
    except sa.exc.DBAPIError:
        return None
    finally:
        await engine.dispose()


async def _reset(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        return
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        await conn.execute(sa.text("CREATE SCHEMA public"))
    await engine.dispose()


async def prepare(url: str, size: int, active: int, fresh: bool) -> float:
    """Fill the size's database unless it already holds `size` shipments; seconds spent."""
    if not fresh and await _shipment_count(url) == size:
        return 0.0
    started = time.perf_counter()
    await _reset(url)
    if url.startswith("sqlite"):  # migrated once, copied for each size
        path = Path(url.split("///", 1)[1])
        template = path.with_name("migrated.template")
        if not template.exists():
            await upgrade(f"sqlite+aiosqlite:///{template}")
        shutil.copy(template, path)
    await upgrade(url)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO merchants (id, slug, name, theme, settings, created_at) "
                "VALUES (1, 'bench', 'Bench', 'default', '{}', :at)"
            ),
            {"at": _iso(NOW) if url.startswith("sqlite") else NOW},
        )
    await engine.dispose()
    tables = [
        ("shipments", shipment_rows(size, active, 1)),
        ("tracking_events", event_rows(size)),
        ("notifications", notification_rows(size, 1)),
        ("transit_counts", transit_rows(size)),
    ]
    if url.startswith("sqlite"):
        await asyncio.to_thread(fill_sqlite, url.split("///", 1)[1], tables)
    else:
        await fill_postgresql(url, tables)
    return time.perf_counter() - started


async def database_bytes(url: str) -> int:
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    engine = create_engine(url)
    async with engine.connect() as conn:
        size = await conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
    await engine.dispose()
    return int(size or 0)


async def open_fleet(url: str, size: int, data_dir: Path) -> Fleet:
    """An app on the size's database, an API key and a dashboard session for its merchant."""
    settings = Settings(
        database_url=url,
        data_dir=data_dir,
        secret_keys=("scale-secret-0123456789abcdef0123",),
        public_url="http://bench",
        metrics_token=TOKEN,
    )
    app = create_app(settings, clock=lambda: NOW, migrate=False)
    engine = app.state.services.engine
    key = generate_api_key()
    async with engine.begin() as conn:
        await conn.execute(sa.text("DELETE FROM api_keys"))
        await conn.execute(sa.text("DELETE FROM dashboard_users"))
        await conn.execute(
            sa.text(
                "INSERT INTO api_keys (merchant_id, prefix, key_hash, label, created_at) "
                "VALUES (1, :p, :h, 'scale', :at)"
            ),
            {"p": key.prefix, "h": key.key_hash, "at": _iso(NOW) if "sqlite" in url else NOW},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO dashboard_users (merchant_id, email, name, role, password_hash,"
                " created_at) VALUES (1, 'admin@bench.example', 'Admin', 'admin', 'unused', :at)"
            ),
            {"at": _iso(NOW) if "sqlite" in url else NOW},
        )
        user = await users.by_email(conn, "admin@bench.example")
        assert user is not None
        token = await sessions.open_session(conn, user, NOW)
    cookie = (sessions.cookie_name(settings), token)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    return Fleet(size, url, client, app, key.key, cookie)


async def _get(fleet: Fleet, path: str, **headers: str) -> None:
    response = await fleet.client.get(path, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")


def _api(path: str) -> Callable[[Fleet], Awaitable[None]]:
    async def call(fleet: Fleet) -> None:
        await _get(fleet, path, authorization=f"Bearer {fleet.api_key}")

    return call


async def page(fleet: Fleet) -> None:
    shipment_id = fleet.rng.randrange(1, fleet.size + 1)
    await _get(fleet, fleet.services.page_url(shipment_id).removeprefix("http://bench"))


async def claim(fleet: Fleet) -> None:
    ids = await claim_due(fleet.services.engine, "scale", now=NOW, limit=50)
    await release(fleet.services.engine, "scale", ids)


async def metrics(fleet: Fleet) -> None:
    await _get(fleet, "/metrics", authorization=f"Bearer {TOKEN}")


async def dashboard_problems(fleet: Fleet) -> None:
    name, token = fleet.session_cookie
    await _get(fleet, "/dashboard/problems", cookie=f"{name}={token}")


async def learn(fleet: Fleet) -> None:
    week = _week(NOW)
    key = ("colissimo", "", "69", f"{fleet.rng.randrange(1, 96):02d}", "handover", week, 2)
    async with fleet.services.engine.begin() as conn:
        await add_transit_counts(conn, Counter({key: 1}))


async def model(fleet: Fleet) -> None:
    await load_learned(fleet.services.engine, now=NOW)


# name → (operation, calls per round)
OPERATIONS: dict[str, tuple[Callable[[Fleet], Awaitable[None]], int]] = {
    "page": (page, 20),
    "claim 50": (claim, 10),
    "metrics": (metrics, 5),
    "api newest": (_api("/api/shipments?limit=50"), 10),
    "api problems": (_api("/api/shipments?problem=true&limit=50"), 10),
    "api status": (_api("/api/shipments?status=exception&limit=50"), 10),
    "api notifications": (_api("/api/notifications?limit=50"), 10),
    "dashboard problems": (dashboard_problems, 5),
    "learn delivery": (learn, 10),
    "model rebuild": (model, 2),
}


def _worker_child(url: str, active: int, pipe: Any) -> None:
    """Poll the active shipments against the simulator; send back the peak RSS in MB."""
    from worker_vs_raw import Unlimited, start_simulator

    from suivi import RetryPolicy, Tracker
    from suivi_server.simulator import Simulator, simulator_settings
    from suivi_server.simulator.engine import SimClock
    from suivi_server.worker.runner import Worker

    sim = Simulator(clock=SimClock(NOW))
    for parcel in parcels(active):
        sim.add_parcel(parcel)
    server, thread, base_url = start_simulator(sim)

    async def run() -> None:
        engine = create_engine(url)
        async with Tracker(
            settings=simulator_settings(base_url),
            retry=RetryPolicy(max_attempts=1),
            limiter=lambda _: Unlimited(),
        ) as tracker:
            worker = Worker(engine, tracker, clock=lambda: NOW, worker_id="scale-memory")
            while await worker.run_once():
                pass
        await engine.dispose()

    asyncio.run(run())
    server.should_exit = True
    thread.join()
    pipe.send(peak_megabytes())


def peak_megabytes() -> float:
    """This process's own high-water mark (VmHWM): on Linux ru_maxrss also holds the parent's
    size when it started the process, whatever the parent held then."""
    status = Path("/proc/self/status")
    for line in status.read_text().splitlines() if status.exists() else ():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def worker_memory(url: str, active: int, *, apart: bool = True) -> float:
    """Peak RSS of a fresh worker process (or, for the smoke run, of this one, sparing a
    process start); its polls are then undone (due again)."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    if apart:
        process = context.Process(target=_worker_child, args=(url, active, child))
        process.start()
        peak = float(await asyncio.to_thread(parent.recv))
        process.join()
    else:
        await asyncio.to_thread(_worker_child, url, active, child)
        peak = float(parent.recv())
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(shipments)
            .where(shipments.c.id <= active)
            .values(next_poll_at=NOW, lease_owner=None, lease_expires_at=None)
        )
    await engine.dispose()
    return peak


async def measure(
    fleets: Sequence[Fleet], rounds: int, most_calls: int
) -> dict[str, dict[int, list[float]]]:
    """Per operation and size, each round's median seconds per call.

    The sizes take turns call by call (10 k, 1 M, 10 k, 1 M, …), so the two sides of a ratio
    are measured milliseconds apart: a burst of load from a neighbour on a shared machine falls
    on both. Taking turns round by round put a whole pass over the operations (seconds, two
    model rebuilds) between them, and such a burst then doubled one size's figure alone."""
    found: dict[str, dict[int, list[float]]] = {name: {} for name in OPERATIONS}
    for fleet in fleets:  # warm caches and connections once
        for operation, _ in OPERATIONS.values():
            await operation(fleet)
    for _ in range(rounds):
        for name, (operation, calls) in OPERATIONS.items():
            times: dict[int, list[float]] = {fleet.size: [] for fleet in fleets}
            for _ in range(min(calls, most_calls)):
                for fleet in fleets:
                    started = time.perf_counter()
                    await operation(fleet)
                    times[fleet.size].append(time.perf_counter() - started)
            for size, taken in times.items():
                found[name].setdefault(size, []).append(statistics.median(taken))
    return found


@dataclass(frozen=True)
class Report:
    database: str
    sizes: tuple[int, ...]
    rounds: int
    timings: dict[str, dict[int, list[float]]]
    memory: dict[int, float]
    bytes_per_million: dict[int, float]
    fill_seconds: dict[int, float]

    def ratios(self) -> dict[str, float]:
        small, large = self.sizes[0], self.sizes[-1]
        found = {
            name: statistics.median(per[large]) / statistics.median(per[small])
            for name, per in self.timings.items()
        }
        found["worker memory"] = self.memory[large] / self.memory[small]
        return found

    def render(self) -> str:
        small, large = self.sizes[0], self.sizes[-1]
        head = " | ".join(f"{s:,}" for s in self.sizes)
        lines = [
            f"# Scale on {self.database}: {head} shipments, median of {self.rounds} rounds",
            "",
            f"| operation | {head} | {large:,} / {small:,} |",
            "|---|" + "---:|" * (len(self.sizes) + 1),
        ]
        ratios = self.ratios()
        for name, per in self.timings.items():
            cells = " | ".join(f"{statistics.median(per[s]) * 1000:.2f} ms" for s in self.sizes)
            lines.append(f"| {name} | {cells} | {ratios[name]:.2f}× |")
        cells = " | ".join(f"{self.memory[s]:.0f} MB" for s in self.sizes)
        lines.append(f"| worker peak memory | {cells} | {ratios['worker memory']:.2f}× |")
        lines += ["", "Database size per million shipments:"]
        lines += [
            f"- at {s:,}: {self.bytes_per_million[s] / 2**30:.2f} GiB"
            + (f" (filled in {self.fill_seconds[s]:.0f} s)" if self.fill_seconds[s] else "")
            for s in self.sizes
        ]
        lines += ["", "## Targets"]
        lines += [
            f"- {'PASS' if r <= TARGET else 'MISS'} {name}: {r:.2f}× (target ≤ {TARGET}×)"
            for name, r in ratios.items()
        ]
        return "\n".join(lines)


async def run(args: argparse.Namespace) -> Report:
    sizes = tuple(sorted(args.sizes))
    active = SMOKE_ACTIVE if args.smoke else ACTIVE
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="suivi-scale-"))
    urls = {s: await _database_url(args.database_url, args.database, s, data_dir) for s in sizes}
    fill = {s: await prepare(urls[s], s, active, args.fresh) for s in sizes}
    memory = {s: await worker_memory(urls[s], active, apart=not args.smoke) for s in sizes}
    fleets = [await open_fleet(urls[s], s, data_dir) for s in sizes]
    try:
        timings = await measure(fleets, args.rounds, SMOKE_CALLS if args.smoke else 1000)
    finally:
        for fleet in fleets:
            await fleet.client.aclose()
            await fleet.services.engine.dispose()
    per_million = {s: await database_bytes(urls[s]) / s * 1_000_000 for s in sizes}
    return Report(args.database, sizes, args.rounds, timings, memory, per_million, fill)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", help="PostgreSQL: the databases go beside this one")
    parser.add_argument("--data-dir", help="SQLite: where the files go (default: a temp dir)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="fill the databases again")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for the test suite")
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = list(SMOKE_SIZES if args.smoke else SIZES)
    if args.smoke:
        args.rounds = min(args.rounds, SMOKE_ROUNDS)
    if len(args.sizes) < 2:
        parser.error("--sizes needs at least two sizes to compare")
    report = asyncio.run(run(args))
    print(report.render())
    print("\n```json\n" + json.dumps(report.ratios(), indent=1) + "\n```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
