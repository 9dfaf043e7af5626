"""Database write transactions per 100 carrier calls: the shared quota taken in chunks, against
the limiter it replaced (one write transaction per attempt at a slot).

Each scenario runs workers (one `SharedRateLimit` each, all on one database) whose callers ask
for slots at once, as the worker's batch of polls does. Time is a shared fake clock, so the
waits for the next second cost nothing and only the database's work is measured; every call's
second is recorded to check that no second went over the carrier's quota. Rounds alternate
before, after, before, after…; the figures are medians.

    .venv/bin/python bench/ratelimit_writes.py                      # SQLite, in a temporary file
    .venv/bin/python bench/ratelimit_writes.py --database-url postgresql://…/scratch
    .venv/bin/python bench/ratelimit_writes.py --smoke              # tiny (the test suite)

--database-url must name a scratch database: it is migrated and its carrier_calls emptied.
Exits 1 when any second went over its quota.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from suivi import Limiter  # noqa: E402
from suivi_server.config import normalize_database_url  # noqa: E402
from suivi_server.ratelimit import SharedRateLimit  # noqa: E402
from suivi_server.storage.dialect import upsert_insert  # noqa: E402
from suivi_server.storage.engine import create_engine, upgrade  # noqa: E402
from suivi_server.storage.schema import carrier_calls  # noqa: E402

START = 1_800_000_000.25


@dataclass(frozen=True)
class Scenario:
    name: str
    quota: int  # the carrier's calls per second
    workers: int
    in_flight: int  # callers of each worker asking at once (a batch's polls)
    calls: int  # in all


SCENARIOS = [
    Scenario("UPS 5/s, 1 worker, batch of 50", 5, 1, 50, 100),
    Scenario("UPS 5/s, 2 workers, batches of 50", 5, 2, 50, 100),
    Scenario("Colissimo 50/s, 1 worker, batch of 50", 50, 1, 50, 100),
    Scenario("Colissimo 50/s, 2 workers, batches of 25", 50, 2, 25, 100),
    Scenario("UPS 5/s, 1 worker, one call at a time", 5, 1, 1, 100),
]


class SharedTime:
    """One fake wall clock for every worker; a sleep ends at its own target."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, target)


class OnePerCall:
    """The limiter this replaced, as it was: each attempt at a slot is one write transaction
    adding one to the second's row; past the quota the caller waits for the next second."""

    def __init__(self, engine: AsyncEngine, carrier: str, quota: int, clock: SharedTime) -> None:
        self.engine, self.carrier, self.quota, self.clock = engine, carrier, quota, clock

    async def acquire(self) -> None:
        c = carrier_calls.c
        while True:
            now = self.clock()
            second = int(now)
            async with self.engine.begin() as conn:
                statement = (
                    upsert_insert(conn, carrier_calls)
                    .values(carrier=self.carrier, second=second, calls=1)
                    .on_conflict_do_update(
                        index_elements=["carrier", "second"], set_={"calls": c.calls + 1}
                    )
                    .returning(c.calls)
                )
                calls = int((await conn.execute(statement)).scalar_one())
                if calls == 1:
                    await conn.execute(
                        sa.delete(carrier_calls).where(
                            c.carrier == self.carrier, c.second < second - 60
                        )
                    )
            if calls <= self.quota:
                return
            await self.clock.sleep(second + 1 - now)


Build = Callable[[AsyncEngine, int, SharedTime], Limiter]
BUILDS: dict[str, Build] = {
    "before": lambda engine, quota, clock: OnePerCall(engine, "ups", quota, clock),
    "after": lambda engine, quota, clock: SharedRateLimit(
        engine, "ups", quota, clock=clock, sleep=clock.sleep
    ),
}


@dataclass(frozen=True)
class Run:
    writes: int
    calls: int
    busiest_second: int
    seconds: int


async def run(engine: AsyncEngine, scenario: Scenario, build: Build) -> Run:
    async with engine.begin() as conn:
        await conn.execute(sa.delete(carrier_calls))
    clock = SharedTime()
    limiters = [build(engine, scenario.quota, clock) for _ in range(scenario.workers)]
    writes = [0]

    def count(_conn: Any) -> None:
        writes[0] += 1

    sa.event.listen(engine.sync_engine, "commit", count)
    spent: Counter[int] = Counter()
    per_worker = scenario.calls // scenario.workers
    try:

        async def caller(limiter: Limiter, share: int) -> None:
            for _ in range(share):
                await limiter.acquire()
                spent[int(clock())] += 1

        jobs: list[Awaitable[None]] = []
        for limiter in limiters:
            shares = [per_worker // scenario.in_flight] * scenario.in_flight
            for i in range(per_worker % scenario.in_flight):
                shares[i] += 1
            jobs += [caller(limiter, share) for share in shares if share]
        await asyncio.gather(*jobs)
    finally:
        sa.event.remove(engine.sync_engine, "commit", count)
    return Run(writes[0], sum(spent.values()), max(spent.values()), len(spent))


async def measure(engine: AsyncEngine, scenarios: list[Scenario], rounds: int) -> int:
    """Print the table; 1 when any second went over its quota."""
    over = 0
    print(f"database: {engine.dialect.name}; {rounds} rounds, before/after interleaved\n")
    print("| scenario | writes/100 calls before | after | ratio | busiest second / quota |")
    print("|---|---:|---:|---:|---:|")
    for scenario in scenarios:
        runs: dict[str, list[Run]] = {name: [] for name in BUILDS}
        for _ in range(rounds):
            for name, build in BUILDS.items():
                runs[name].append(await run(engine, scenario, build))
        per100 = {
            name: statistics.median(100 * r.writes / r.calls for r in results)
            for name, results in runs.items()
        }
        busiest = max(r.busiest_second for r in runs["after"])
        over += busiest > scenario.quota
        print(
            f"| {scenario.name} | {per100['before']:.0f} | {per100['after']:.0f} "
            f"| {per100['after'] / per100['before']:.2f}× | {busiest} / {scenario.quota} |"
        )
    return 1 if over else 0


def smoke(scenarios: list[Scenario]) -> list[Scenario]:
    """The same scenarios at tiny sizes (the test suite runs them)."""
    return [Scenario(s.name, s.quota, s.workers, min(s.in_flight, 4), 8) for s in scenarios]


async def migrated(url: str, scenarios: list[Scenario], rounds: int) -> int:
    await upgrade(url)
    engine = create_engine(url)
    try:
        return await measure(engine, scenarios, rounds)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a scratch database (default: temporary SQLite)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one round")
    args = parser.parse_args(argv)
    scenarios, rounds = SCENARIOS, args.rounds
    if args.smoke:
        scenarios = [
            Scenario(s.name, s.quota, s.workers, min(s.in_flight, 4), 8) for s in SCENARIOS
        ]
        rounds = 1
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        return asyncio.run(migrated(normalize_database_url(url), scenarios, rounds))


if __name__ == "__main__":
    sys.exit(main())
