"""Notifications end to end: simulator stories through the worker, the situations and the
outbox to a real SMTP server, SMS endpoint and webhook receiver; then a sender process killed
with SIGKILL mid-batch and restarted, which must lose nothing and send twice only in the
window between a receiver accepting and the sender's commit."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import RetryPolicy, Tracker
from suivi_server.app import create_app
from suivi_server.config import load_settings
from suivi_server.notifications.sender import Sender
from suivi_server.notifications.service import build_sender
from suivi_server.simulator import STORIES, Parcel, simulator_settings
from suivi_server.storage.refresh import request_refresh
from suivi_server.storage.schema import notifications, shipment_situations, shipments
from suivi_server.worker.runner import Worker
from tests.conftest import SIM_START, RunningSimulator
from tests.integration.notification_receivers import (
    Arrival,
    KillPlan,
    Receivers,
    SharedClock,
    kill_report,
    outbox_workload,
    pending_rows,
    receiver_keys,
    run_killing,
    running_receivers,
)
from tests.server import conftest as server_fixtures
from tests.server.conftest import NOW, SECRET_KEYS
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
_n = notifications.c
# Both databases, as the server tests have them (a migrated SQLite copy, PostgreSQL truncated).
sqlite_template = server_fixtures.sqlite_template
postgres_migrated = server_fixtures.postgres_migrated
database_url = server_fixtures.database_url
engine = server_fixtures.engine
LINK = re.compile(r"http://testserver/t/[\w.-]+")


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    with running_receivers() as running:
        yield running


def server_environ(database_url: str, data_dir: Path) -> dict[str, str]:
    return {
        "SUIVI_DATABASE_URL": database_url,
        "SUIVI_SECRET_KEYS": ",".join(SECRET_KEYS),
        "SUIVI_PUBLIC_URL": "http://testserver",
        "SUIVI_DATA_DIR": str(data_dir),
        "SUIVI_DEFAULT_LOCALE": "fr",
    }


@dataclass(frozen=True)
class Shopper:
    order_number: str
    number: str
    story: str
    locale: str
    email: str
    phone: str
    country: str


# A French shopper whose parcel is delivered after a day out for delivery; an English one
# whose courier could not find the address.
DELIVERED = Shopper(
    "CMD-FR-1", "6A12345678901", "delivered", "fr", "camille@example.com", "06 12 34 56 78", "FR"
)
PROBLEM = Shopper(
    "CMD-EN-2",
    "6A98765432109",
    "address_problem",
    "en",
    "jane@example.co.uk",
    "07400 123456",
    "GB",
)
SHOPPERS = (DELIVERED, PROBLEM)
OUT_FOR_DELIVERY_SUBJECTS = {
    "fr": "Votre commande CMD-FR-1 arrive aujourd’hui",
    "en": "Your order CMD-EN-2 arrives today",
}


class SimulatedTime:
    """The simulator's clock, shared by the worker and the sender (fixed; moved by the test)."""

    def __init__(self, running: RunningSimulator) -> None:
        self.running = running

    def set(self, moment: datetime) -> None:
        self.running.sim.clock.set(moment)

    def __call__(self) -> datetime:
        return self.running.sim.clock.now()


async def _no_sleep(_: float) -> None:
    return None


async def send_due(sender: Sender, engine: AsyncEngine, clock: SimulatedTime) -> None:
    """Send everything due, moving the clock on to each retry (at most an hour ahead). This
    process travels to the clock too: the webhook receiver checks timestamps against it."""
    for _ in range(50):
        with time_machine.travel(clock(), tick=True):
            if await sender.run_once():
                continue
        async with engine.connect() as conn:
            query = sa.select(sa.func.min(_n.due_at)).where(_n.state == "pending")
            due = (await conn.execute(query)).scalar_one()
        if due is None:
            return
        due = due if due.tzinfo else due.replace(tzinfo=clock().tzinfo)
        if due - clock() > timedelta(hours=1):
            return
        clock.set(max(due, clock()))
    raise AssertionError("the outbox did not drain")


async def run_stories(
    engine: AsyncEngine,
    database_url: str,
    simulator: RunningSimulator,
    receivers: Receivers,
    tmp_path: Path,
) -> tuple[dict[str, int], dict[str, list[str]], Any, SimulatedTime]:
    """Both stories through the worker, step by step, with the sender after each step.
    Returns the shipment ids, each shipment's statuses as they came, the settings, the clock."""
    settings_values = {**receivers.merchant_settings(), "notifications": {"quiet_hours": None}}
    merchant_id, _ = await create_merchant(engine, settings=settings_values)
    ids: dict[str, int] = {}
    for shopper in SHOPPERS:
        simulator.sim.add_parcel(
            Parcel("colissimo", shopper.number, SIM_START, STORIES[shopper.story])
        )
        ids[shopper.order_number] = await create_shipment(
            engine,
            merchant_id,
            order_number=shopper.order_number,
            tracking_number=shopper.number,
            status="pending",
            next_poll_at=SIM_START,
            promised_ship_date=SIM_START.date(),
            customer_email=shopper.email,
            customer_phone=shopper.phone,
            customer_locale=shopper.locale,
            customer_country=shopper.country,
        )
    environ = {**server_environ(database_url, tmp_path), **receivers.environ()}
    settings = load_settings(environ)
    clock = SimulatedTime(simulator)
    tracker = Tracker(
        settings=simulator_settings(simulator.base_url),
        retry=RetryPolicy(max_attempts=2, backoff_base=0.01),
        sleep=_no_sleep,
    )
    worker = Worker(engine, tracker, clock=clock, worker_id="w-e2e")
    sender = build_sender(settings, engine, clock, environ=environ, sender_id="s-e2e")
    # The first message on each channel meets a transient failure.
    for channel in ("email", "sms", "webhook"):
        receivers.journal.fail_next(channel, 1)
    hours = sorted({at for s in SHOPPERS for at, *_ in STORIES[s.story]})
    statuses: dict[str, list[str]] = {s.order_number: [] for s in SHOPPERS}
    try:
        async with tracker:
            for at in hours:
                clock.set(max(clock(), SIM_START + timedelta(hours=at + 0.1)))
                for shipment_id in ids.values():
                    await request_refresh(
                        engine, shipment_id, now=clock(), min_interval=timedelta(0)
                    )
                while await worker.run_once():
                    pass
                await send_due(sender, engine, clock)
                async with engine.connect() as conn:
                    rows = await conn.execute(
                        sa.select(
                            shipments.c.order_number, shipments.c.status, shipments.c.substatus
                        )
                    )
                    for order_number, status, substatus in rows:
                        seen = f"{status}/{substatus or ''}"
                        if statuses[order_number][-1:] != [seen]:
                            statuses[order_number].append(seen)
    finally:
        await sender.aclose()
    return ids, statuses, settings, clock


async def outbox_rows(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(notifications).order_by(_n.id))).all())


def copies_of(receivers: Receivers, channel: str, key: str) -> list[Arrival]:
    return [a for a in receivers.journal.accepted(channel) if a.key == key]


async def test_stories_reach_mail_sms_and_webhooks_once_each_in_the_shoppers_language(
    engine: AsyncEngine,
    database_url: str,
    simulator: RunningSimulator,
    receivers: Receivers,
    tmp_path: Path,
) -> None:
    ids, statuses, settings, _ = await run_stories(
        engine, database_url, simulator, receivers, tmp_path
    )
    rows = await outbox_rows(engine)
    async with engine.connect() as conn:
        situations = (await conn.execute(sa.select(shipment_situations))).all()
    key_of = receiver_keys(settings, receivers.environ())
    assert statuses[DELIVERED.order_number][-1].startswith("delivered/")
    assert statuses[PROBLEM.order_number][-1].startswith("exception/")
    assert [(r.event, r.channel, r.reason) for r in rows if r.state != "sent"] == []

    # Exactly one copy of each row reached its receiver, and nothing else arrived.
    for row in rows:
        assert len(copies_of(receivers, row.channel, key_of(row.channel, row.idempotency_key))) == 1
    assert len(receivers.journal.accepted()) == len(rows)

    def events(order_number: str, channel: str) -> list[str]:
        shipment_id = ids[order_number]
        return [r.event for r in rows if r.shipment_id == shipment_id and r.channel == channel]

    assert events(DELIVERED.order_number, "email") == ["shipped", "out_for_delivery", "delivered"]
    assert events(PROBLEM.order_number, "email") == [
        "shipped",
        "out_for_delivery",
        "address_problem",
    ]
    assert events(DELIVERED.order_number, "sms") == ["out_for_delivery"]
    assert events(PROBLEM.order_number, "sms") == ["out_for_delivery", "address_problem"]
    for order_number, shipment_id in ids.items():
        kinds = sorted(s.kind for s in situations if s.shipment_id == shipment_id)
        hooks = events(order_number, "webhook")
        assert sorted(e for e in hooks if e != "status_changed") == kinds
        # one status_changed webhook per status (or substatus) the shipment went through
        assert hooks.count("status_changed") == len(statuses[order_number])
    types = {a.content["type"] for a in receivers.journal.accepted("webhook")}
    assert {"shipment.status_changed", "shipment.delivered", "shipment.address_problem"} <= types
    assert receivers.journal.bad_signatures == 0


async def test_each_shopper_reads_their_language_and_their_link_opens_their_page(
    engine: AsyncEngine,
    database_url: str,
    simulator: RunningSimulator,
    receivers: Receivers,
    tmp_path: Path,
) -> None:
    _, _, settings, clock = await run_stories(engine, database_url, simulator, receivers, tmp_path)
    app = create_app(settings, engine=engine, clock=clock, migrate=False)
    mails = receivers.journal.accepted("email")
    texts = receivers.journal.accepted("sms")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for shopper in SHOPPERS:
            theirs = [m.content for m in mails if m.content["to"] == shopper.email]
            assert len(theirs) == 3
            assert {m["language"] for m in theirs} == {shopper.locale}
            assert OUT_FOR_DELIVERY_SUBJECTS[shopper.locale] in [m["subject"] for m in theirs]
            for mail in theirs:
                assert shopper.order_number in mail["text"]
                assert shopper.number in mail["text"]
                assert mail["list_unsubscribe"].startswith("<http://testserver/")
                links = set(LINK.findall(mail["text"])) | set(LINK.findall(mail["html"]))
                assert len(links) == 1, links
                page = await client.get(links.pop())
                assert page.status_code == 200
                assert shopper.number in page.text
                assert f'lang="{shopper.locale}"' in page.text
            sms = [
                t.content
                for t in texts
                if t.content["to"].startswith("+33" if shopper.country == "FR" else "+44")
            ]
            assert sms
            assert all(LINK.search(t["text"]) for t in sms)
    fr = next(m.content for m in mails if m.content["to"] == DELIVERED.email)
    en = next(m.content for m in mails if m.content["to"] == PROBLEM.email)
    assert "commande" in fr["text"]
    assert "order" in en["text"].lower()


async def test_transient_refusals_are_retried_to_success_with_their_attempts_recorded(
    engine: AsyncEngine,
    database_url: str,
    simulator: RunningSimulator,
    receivers: Receivers,
    tmp_path: Path,
) -> None:
    _, _, settings, _ = await run_stories(engine, database_url, simulator, receivers, tmp_path)
    rows = await outbox_rows(engine)
    key_of = receiver_keys(settings, receivers.environ())
    by_key = {(r.channel, key_of(r.channel, r.idempotency_key)): r for r in rows}
    for channel, answer in (("email", "451"), ("sms", "503"), ("webhook", "503")):
        (refused,) = receivers.journal.refused(channel)
        assert refused.answer.startswith(answer)
        row = by_key[(channel, refused.key)]
        assert row.state == "sent"
        assert row.attempts == 2
        (accepted,) = copies_of(receivers, channel, refused.key)
        assert accepted.at > refused.at
    assert sorted(r.attempts for r in rows).count(2) == 3
    assert {r.attempts for r in rows} == {1, 2}


@pytest.mark.integration
@pytest.mark.clock_free  # every process on one fixed timeline (time-machine from NOW)
async def test_a_sender_killed_mid_batch_five_times_loses_nothing(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    with running_receivers(latency=0.01) as receivers, SharedClock(NOW) as clock:
        count = await outbox_workload(engine, receivers, 16, clock.now())
        environ = {**server_environ(database_url, tmp_path), **receivers.environ()}
        for channel, failures in (("email", 3), ("sms", 2), ("webhook", 3)):
            receivers.journal.fail_next(channel, failures)
        log = tmp_path / "sender.log"
        lives = await run_killing(
            environ, receivers.journal, clock, KillPlan(kills=5), log, lambda: pending_rows(engine)
        )
        key_of = receiver_keys(load_settings(environ), environ)
        report = await kill_report(engine, receivers.journal, lives, clock, key_of)
    print("\n".join(report.lines()))
    assert report.kills == 5, log.read_text()[-3000:]
    assert count == 16 * 7
    assert report.lost == []
    assert report.states == {"sent": count}
    assert report.outside_window == []
    assert report.unknown_keys == []  # a second copy carries the first one's key
    assert report.refused == 8  # every transient refusal was retried to success
    assert receivers.journal.bad_signatures == 0


@pytest.mark.clock_free  # the bench's timeline starts at a fixed moment
def test_the_kill_bench_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sender_kills.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "lost: 0" in done.stdout
    assert "duplicated outside the window: 0" in done.stdout
