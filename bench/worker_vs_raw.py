"""The worker against the network: polls per second next to a raw httpx loop over the same requests.

N active shipments of the five built-in carriers are polled by the refresh worker against the
carrier simulator (uvicorn in this process, on a free port), rate limits lifted, every database
write included (events, shipment rows, estimates, situations, outbox). Each worker records the
HTTP requests it sent; the raw side then replays exactly those requests with httpx, with the same
client limits and the same per-carrier concurrency, and does nothing with the answers: the
network's speed on this box. Worker and raw rounds are interleaved (A B A B …), each in the same
long-lived processes (`--workers`), and the median of the rounds is printed.

    .venv/bin/python bench/worker_vs_raw.py                                  # SQLite
    .venv/bin/python bench/worker_vs_raw.py --database postgresql --workers 2 \
        --database-url postgresql://postgres:postgres@127.0.0.1:5432/scratch
    .venv/bin/python bench/worker_vs_raw.py --smoke                          # the test suite

--database-url must name a scratch database: it is migrated and its tables are emptied.
See bench/README.md, section "Worker vs raw httpx".
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import uvicorn  # noqa: E402
from starlette.routing import Match  # noqa: E402

from suivi import RetryPolicy, Tracker  # noqa: E402
from suivi.toolkit import Adapter  # noqa: E402
from suivi_server.config import normalize_database_url  # noqa: E402
from suivi_server.simulator import STORIES, Parcel, Simulator, simulator_settings  # noqa: E402
from suivi_server.simulator.app import create_app  # noqa: E402
from suivi_server.simulator.carriers import simulated_carriers  # noqa: E402
from suivi_server.simulator.engine import SimClock  # noqa: E402
from suivi_server.storage.engine import create_engine, upgrade  # noqa: E402
from suivi_server.storage.schema import merchants, metadata, shipments  # noqa: E402
from suivi_server.worker.runner import Worker  # noqa: E402

# A fixed timeline, so a run never depends on today.
START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ROUND_STEP = timedelta(minutes=40)  # the simulated time between two rounds: some parcels move
# One number shape per carrier that needs no check digit; `i` makes each parcel unique.
NUMBERS = {
    "colissimo": lambda i: f"6A{i:011d}",
    "dpd": lambda i: f"250{i:011d}",
    "mondial_relay": lambda i: f"{i:08d}",
    "chronopost": lambda i: f"{i:014d}",
    "ups": lambda i: f"T{i:010d}",
}
STORY_MIX = ("in_transit", "out_for_delivery", "attempt_failed", "pickup_point", "delivered")
SMOKE = {"shipments": 20, "rounds": 2}


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request the worker's Tracker sent, replayable as is."""

    carrier: str
    method: str
    url: str
    headers: list[tuple[str, str]]
    content: bytes


class Unlimited:
    """A limiter that never waits: the bench measures the worker, not the carriers' quotas."""

    async def acquire(self) -> None:
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_simulator(sim: Simulator) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = _free_port()
    config = uvicorn.Config(create_app(sim), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("simulator did not start")
        time.sleep(0.01)
    return server, thread, f"http://127.0.0.1:{port}"


def parcels(count: int) -> list[Parcel]:
    """`count` parcels spread over the carriers, stories and start times (some still moving)."""
    carriers = sorted(NUMBERS)
    found = []
    for i in range(count):
        carrier = carriers[i % len(carriers)]
        story = STORY_MIX[(i // len(carriers)) % len(STORY_MIX)]
        start = START - timedelta(hours=(i * 7) % 40)
        found.append(Parcel(carrier, NUMBERS[carrier](i + 1), start, STORIES[story], story=story))
    return found


async def prepare_database(url: str, polled: Sequence[Parcel]) -> None:
    """Migrate, empty, then one merchant and a shipment per parcel, all due now."""
    await upgrade(url)
    engine = create_engine(url)
    async with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name != "alembic_version":
                await conn.execute(table.delete())
        merchant_id = (
            await conn.execute(
                sa.insert(merchants)
                .values(slug="bench", name="Bench", theme="default", settings={}, created_at=START)
                .returning(merchants.c.id)
            )
        ).scalar_one()
        rows = [
            {
                "merchant_id": merchant_id,
                "order_number": f"CMD-{i}",
                "carrier": p.carrier,
                "tracking_number": p.number,
                "items": [],
                "customer_country": "FR",
                "customer_postcode": "75011",
                "status": "pending",
                "next_poll_at": START,
                "created_at": START - timedelta(days=2),
                "updated_at": START - timedelta(days=2),
            }
            for i, p in enumerate(polled)
        ]
        for at in range(0, len(rows), 1000):
            await conn.execute(sa.insert(shipments), rows[at : at + 1000])
    await engine.dispose()


async def reschedule(url: str, now: datetime) -> None:
    """Every shipment due again, no lease held: the next worker round polls them all."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(shipments).values(next_poll_at=now, lease_owner=None, lease_expires_at=None)
        )
    await engine.dispose()


def _carrier_of(path: str, method: str, routes: dict[str, list[Any]]) -> str:
    scope = {"type": "http", "path": path, "method": method}
    for carrier, candidates in routes.items():
        if any(route.matches(scope)[0] is Match.FULL for route in candidates):
            return carrier
    return ""


def _client(record: list[Recorded] | None, routes: dict[str, list[Any]]) -> httpx.AsyncClient:
    """The client the Tracker builds for itself (same limits), recording what it sends."""

    async def keep(request: httpx.Request) -> None:
        if record is not None:
            carrier = _carrier_of(request.url.path, request.method, routes)
            headers = list(request.headers.multi_items())
            url = str(request.url)
            record.append(Recorded(carrier, request.method, url, headers, request.content))

    return httpx.AsyncClient(
        timeout=httpx.Timeout(15.0, connect=5.0),
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        event_hooks={"request": [keep]},
    )


async def replay(requests: Sequence[Recorded], concurrency: dict[str, int]) -> int:
    """The recorded requests again, each carrier's at most its adapter's concurrency at once."""
    gates = {c: asyncio.Semaphore(n) for c, n in concurrency.items()}
    gates[""] = asyncio.Semaphore(4)
    async with _client(None, {}) as client:

        async def one(r: Recorded) -> None:
            async with gates[r.carrier]:
                response = await client.request(
                    r.method, r.url, headers=r.headers, content=r.content
                )
                await response.aread()

        await asyncio.gather(*(one(r) for r in requests))
    return len(requests)


async def _serve(pipe: Connection, url: str, base_url: str, index: int, batch_size: int) -> None:
    """One bench process: a worker and a raw loop, each run on the parent's command."""
    sim = Simulator()
    routes = {name: list(c.routes(sim)) for name, c in simulated_carriers().items()}
    concurrency = {
        name: c.adapter.rate_limit.max_concurrency for name, c in simulated_carriers().items()
    }
    recorded: list[Recorded] = []
    now = START

    def unlimited(_: Adapter) -> Unlimited:
        return Unlimited()

    engine = create_engine(url)
    async with (
        _client(recorded, routes) as client,
        Tracker(
            settings=simulator_settings(base_url),
            http_client=client,
            retry=RetryPolicy(max_attempts=1),
            limiter=unlimited,
        ) as tracker,
    ):
        worker = Worker(
            engine, tracker, clock=lambda: now, worker_id=f"bench-{index}", batch_size=batch_size
        )
        pipe.send("ready")
        while True:
            command, moment = pipe.recv()
            if command == "stop":
                break
            now = moment
            started = time.perf_counter()
            if command == "worker":
                recorded.clear()
                done = await worker.drain()
            else:
                done = await replay(list(recorded), concurrency)
            pipe.send((done, len(recorded), time.perf_counter() - started))
    await engine.dispose()


def serve(pipe: Connection, url: str, base_url: str, index: int, batch_size: int) -> None:
    asyncio.run(_serve(pipe, url, base_url, index, batch_size))


@dataclass(frozen=True, slots=True)
class Round:
    worker_seconds: float
    raw_seconds: float
    polls: int
    requests: int

    @property
    def ratio(self) -> float:
        return self.raw_seconds / self.worker_seconds


def _receive(pipe: Connection, process: Any) -> Any:
    """The process's next answer; a process that died (its traceback is on stderr) says so."""
    while not pipe.poll(0.1):
        if not process.is_alive():
            raise RuntimeError(f"bench process exited with code {process.exitcode}")
    return pipe.recv()


def _command(
    pipes: Sequence[Connection], processes: Sequence[Any], command: str, now: datetime
) -> tuple[int, int, float]:
    """Send `command` to every process at once; wall time until the last one answered."""
    started = time.perf_counter()
    for pipe in pipes:
        pipe.send((command, now))
    answers = [_receive(pipe, process) for pipe, process in zip(pipes, processes, strict=True)]
    return sum(a[0] for a in answers), sum(a[1] for a in answers), time.perf_counter() - started


def run(url: str, count: int, rounds: int, workers: int, batch_size: int) -> list[Round]:
    polled = parcels(count)
    sim = Simulator(clock=SimClock(START))
    for parcel in polled:
        sim.add_parcel(parcel)
    server, thread, base_url = start_simulator(sim)
    context = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    try:
        asyncio.run(prepare_database(url, polled))
        for index in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=serve, args=(theirs, url, base_url, index, batch_size), daemon=True
            )
            process.start()
            pipes.append(ours)
            processes.append(process)
        for pipe, process in zip(pipes, processes, strict=True):
            if _receive(pipe, process) != "ready":
                raise RuntimeError("a bench process did not start")
        now = START
        _command(
            pipes, processes, "worker", now
        )  # warm-up: the first poll stores every parcel's events
        results = []
        for _ in range(rounds):
            now += ROUND_STEP
            sim.clock.set(now)
            asyncio.run(reschedule(url, now))
            polls, requests, worker_seconds = _command(pipes, processes, "worker", now)
            _, _, raw_seconds = _command(pipes, processes, "raw", now)
            results.append(Round(worker_seconds, raw_seconds, polls, requests))
        for pipe in pipes:
            pipe.send(("stop", now))
        for process in processes:
            process.join(timeout=30)
        return results
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
        server.should_exit = True
        thread.join(timeout=10)


def report(results: Sequence[Round], database: str, workers: int, count: int) -> str:
    ratio = statistics.median(r.ratio for r in results)
    worker_rate = statistics.median(r.polls / r.worker_seconds for r in results)
    raw_rate = statistics.median(r.polls / r.raw_seconds for r in results)
    requests = statistics.median(r.requests for r in results)
    lines = [
        f"# Worker vs raw httpx: {count} shipments, {database}, {workers} worker(s)",
        "",
        "| round | worker s | raw s | ratio |",
        "|---|---|---|---|",
        *(
            f"| {i} | {r.worker_seconds:.3f} | {r.raw_seconds:.3f} | {r.ratio:.2f} |"
            for i, r in enumerate(results, 1)
        ),
        "",
        f"ratio worker/raw: {ratio:.2f}x (median of {len(results)} rounds); "
        f"worker {worker_rate:.0f} polls/s, raw {raw_rate:.0f} polls/s "
        f"({requests:.0f} requests a round)",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", help="a scratch database (emptied); PostgreSQL needs it")
    parser.add_argument("--workers", type=int, choices=(1, 2), default=1)
    parser.add_argument("--shipments", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: does it still run")
    args = parser.parse_args(argv)
    if args.smoke:
        args.shipments, args.rounds = SMOKE["shipments"], SMOKE["rounds"]
    with tempfile.TemporaryDirectory() as work:
        if args.database == "postgresql":
            if not args.database_url:
                parser.error("--database postgresql needs --database-url (a scratch database)")
            url = normalize_database_url(args.database_url)
        else:
            url = normalize_database_url(args.database_url or f"sqlite:///{work}/bench.db")
        results = run(url, args.shipments, args.rounds, args.workers, args.batch_size)
    print(report(results, args.database, args.workers, args.shipments))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
