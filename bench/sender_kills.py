"""Notifications under kill -9: how many are lost or sent twice when the sender is killed.

Fills the outbox through the worker's pipeline (parcels handed over, then out for delivery:
emails, SMS and webhooks), points every channel at real local receivers (aiosmtpd, an HTTP SMS
endpoint, a webhook receiver that verifies signatures), some failing transiently at first,
then runs `suivi sender` as a separate process and SIGKILLs it at seeded random moments while
it sends, restarting it each time, until the outbox is drained. Prints the notifications, the
kills, what was lost, what was duplicated (and whether a kill explains each copy), and the
commit window: from a receiver accepting a message to the sender stamping `sent_at` in the
transaction that records it (read from outside, since a killed process keeps no metrics).

    .venv/bin/python bench/sender_kills.py                      # SQLite, 25 kills
    .venv/bin/python bench/sender_kills.py --database-url postgresql://…/scratch
    .venv/bin/python bench/sender_kills.py --smoke              # 2 kills (the test suite)

--database-url must name a scratch database: it is migrated and its tables are emptied.
Exits 1 when a notification was lost or duplicated outside the window. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from tests.integration.notification_receivers import (  # noqa: E402
    KillPlan,
    KillReport,
    SharedClock,
    kill_report,
    outbox_workload,
    pending_rows,
    receiver_keys,
    run_killing,
    running_receivers,
)

from suivi_server.config import load_settings, normalize_database_url  # noqa: E402
from suivi_server.storage.engine import create_engine, upgrade  # noqa: E402
from suivi_server.storage.schema import metadata  # noqa: E402

# The timeline every process shares: a fixed date, so a run never depends on today.
START = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
SECRET_KEYS = "bench-secret-current-0123456789abcdef"
# Transient refusals at the start: SMTP 451, then HTTP 503 with Retry-After: 1.
FAILURES = {"email": 5, "sms": 3, "webhook": 5}


async def empty_database(url: str) -> None:
    await upgrade(url)
    if url.startswith("sqlite"):
        return
    engine = create_engine(url)
    tables = ", ".join(t.name for t in reversed(metadata.sorted_tables))
    async with engine.begin() as conn:
        await conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


async def bench(url: str, plan: KillPlan, shipments: int, latency: float, work: Path) -> KillReport:
    await empty_database(url)
    engine = create_engine(url)
    try:
        with running_receivers(latency=latency) as receivers, SharedClock(START) as clock:
            await outbox_workload(engine, receivers, shipments, clock.now())
            environ = {
                "SUIVI_DATABASE_URL": url,
                "SUIVI_SECRET_KEYS": SECRET_KEYS,
                "SUIVI_PUBLIC_URL": "http://testserver",
                "SUIVI_DATA_DIR": str(work),
                **receivers.environ(),
            }
            for channel, count in FAILURES.items():
                receivers.journal.fail_next(channel, count)
            lives = await run_killing(
                environ,
                receivers.journal,
                clock,
                plan,
                work / "sender.log",
                lambda: pending_rows(engine),
            )
            key_of = receiver_keys(load_settings(environ), environ)
            return await kill_report(engine, receivers.journal, lives, clock, key_of)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--smoke", action="store_true", help="2 kills on a small outbox")
    parser.add_argument("--database-url", help="a scratch database (default: a new SQLite)")
    parser.add_argument("--shipments", type=int, help="parcels, 7 notifications each")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--latency", type=float, default=0.01, help="receivers' think time (s)")
    parser.add_argument("--lease", type=float, default=2.0, help="the sender's --lease (s)")
    args = parser.parse_args(argv)
    kills = 2 if args.smoke else args.kills
    shipments = args.shipments or max(8, 3 * kills)
    plan = KillPlan(kills=kills, seed=args.seed, lease=args.lease, timeout=60.0 + 12.0 * kills)
    with tempfile.TemporaryDirectory(prefix="sender-kills-") as tmp:
        work = Path(tmp)
        url = normalize_database_url(args.database_url or f"sqlite+aiosqlite:///{work / 'b.db'}")
        began = time.monotonic()
        report = asyncio.run(bench(url, plan, shipments, args.latency, work))
        if report.kills < kills:
            print((work / "sender.log").read_text()[-3000:], file=sys.stderr)
    print(
        f"database: {url.split('://')[0]}, seed {args.seed}, lease {args.lease} s, "
        f"receivers' latency {args.latency * 1000:.0f} ms, {time.monotonic() - began:.0f} s"
    )
    print("\n".join(report.lines()))
    return 1 if report.lost or report.outside_window or report.unknown_keys else 0


if __name__ == "__main__":
    sys.exit(main())
