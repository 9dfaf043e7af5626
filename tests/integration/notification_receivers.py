"""Real local receivers for every notification channel, and a sender run that is killed.

`Receivers` stands for a shopper's mail server (aiosmtpd on 127.0.0.1), an SMS provider that
speaks the generic "http" format, and a merchant's webhook endpoint that verifies each
signature with standardwebhooks' `Webhook.verify`, as a merchant would. Each can be told to
fail transiently (SMTP 451, HTTP 503) for its next N messages. Every arrival is journaled in
order with its key (Message-ID, SMS reference, webhook-id), so copies can be counted.

`run_killing` runs `suivi sender` as a separate process under a shared fixed clock, SIGKILLs
it at seeded random moments while it sends, restarts it, and keeps each process's lifetime;
`kill_report` then says what was lost and which copies the kills explain. Used by
tests/integration/test_notifications_e2e.py and bench/sender_kills.py.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
import time_machine
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from suivi import Status, Substatus, Tracking, TrackingEvent, TransitModel
from suivi_server.config import Settings
from suivi_server.notifications.service import channels_for
from suivi_server.storage.schema import notifications, shipments
from suivi_server.worker.pipeline import ingest, shipment_rows
from tests.server.factories import create_merchant, create_shipment

if TYPE_CHECKING:
    from suivi_server.notifications.email import EmailChannel

WEBHOOK_SECRET = "whsec_bm90aWZpY2F0aW9ucy1lMmUtd2ViaG9vay1zZWNyZXQ="
MAIL_FROM = "notifications@track.example.com"
CHANNELS = ("email", "sms", "webhook")


@dataclass(frozen=True)
class Arrival:
    """One message as a receiver saw it. Times are `time.monotonic()` (the same clock on every
    process of the machine): `received` when the whole message had arrived, `at` when the
    receiver answered; `accepted` whether it took the message."""

    channel: str
    key: str
    received: float
    at: float
    accepted: bool
    answer: str
    content: Mapping[str, Any] = field(default_factory=dict)


class Journal:
    """Every arrival in order, and how many of each channel's next messages must fail."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: Counter[str] = Counter()
        self.arrivals: list[Arrival] = []
        self.bad_signatures = 0

    def fail_next(self, channel: str, count: int) -> None:
        with self._lock:
            self._failures[channel] += count

    def take_failure(self, channel: str) -> bool:
        with self._lock:
            if self._failures[channel] <= 0:
                return False
            self._failures[channel] -= 1
            return True

    def record(self, arrival: Arrival) -> None:
        with self._lock:
            self.arrivals.append(arrival)

    def accepted(self, channel: str | None = None) -> list[Arrival]:
        with self._lock:
            return [a for a in self.arrivals if a.accepted and channel in (None, a.channel)]

    def refused(self, channel: str) -> list[Arrival]:
        with self._lock:
            return [a for a in self.arrivals if not a.accepted and a.channel == channel]

    def copies(self) -> dict[tuple[str, str], list[Arrival]]:
        """Accepted arrivals by (channel, key), in arrival order."""
        found: dict[tuple[str, str], list[Arrival]] = {}
        for arrival in self.accepted():
            found.setdefault((arrival.channel, arrival.key), []).append(arrival)
        return found


class MailServer:
    """aiosmtpd's handler: 451 while told to fail, else 250 with a queue id."""

    def __init__(self, journal: Journal, latency: float) -> None:
        self.journal = journal
        self.latency = latency
        self._queued = itertools.count(1)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        key = str(parsed["Message-ID"])
        received = time.monotonic()
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.journal.take_failure("email"):
            answer = "451 4.3.0 Mailbox busy, try again later"
            self.journal.record(Arrival("email", key, received, time.monotonic(), False, answer))
            return answer
        answer = f"250 2.0.0 Ok: queued as Q{next(self._queued)}"
        self.journal.record(
            Arrival("email", key, received, time.monotonic(), True, answer, _email_content(parsed))
        )
        return answer


def _email_content(parsed: EmailMessage) -> dict[str, Any]:
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    return {
        "to": str(parsed["To"]),
        "subject": str(parsed["Subject"]),
        "language": str(parsed["Content-Language"]),
        "list_unsubscribe": str(parsed["List-Unsubscribe"] or ""),
        "text": text.get_content() if text else "",
        "html": html.get_content() if html else "",
    }


def http_app(journal: Journal, secret: str, latency: float) -> Starlette:
    """POST /sms (the generic provider) and POST /hooks (the merchant's endpoint)."""
    webhook = Webhook(secret)
    sms_ids = itertools.count(1)
    busy = {"Retry-After": "1"}

    async def sms(request: Request) -> Response:
        try:
            body = await request.json()
        except ClientDisconnect:  # the sender was killed while sending
            return Response(status_code=499)
        key = str(body.get("reference") or "")
        received = time.monotonic()
        if latency:
            await asyncio.sleep(latency)
        if journal.take_failure("sms"):
            journal.record(Arrival("sms", key, received, time.monotonic(), False, "503"))
            return JSONResponse({"error": "busy"}, status_code=503, headers=busy)
        provider_id = f"sms-{next(sms_ids)}"
        content = {**body, "idempotency_header": request.headers.get("idempotency-key")}
        journal.record(Arrival("sms", key, received, time.monotonic(), True, provider_id, content))
        return JSONResponse({"id": provider_id})

    async def hooks(request: Request) -> Response:
        try:
            raw = await request.body()
        except ClientDisconnect:  # the sender was killed while sending
            return Response(status_code=499)
        key = request.headers.get("webhook-id", "")
        received = time.monotonic()
        try:
            payload = webhook.verify(raw, dict(request.headers))
        except WebhookVerificationError as exc:
            journal.bad_signatures += 1
            journal.record(Arrival("webhook", key, received, received, False, f"401 {exc}"))
            return JSONResponse({"error": str(exc)}, status_code=401)
        if latency:
            await asyncio.sleep(latency)
        if journal.take_failure("webhook"):
            journal.record(Arrival("webhook", key, received, time.monotonic(), False, "503"))
            return Response(status_code=503, headers=busy)
        journal.record(Arrival("webhook", key, received, time.monotonic(), True, "204", payload))
        return Response(status_code=204)

    return Starlette(
        routes=[Route("/sms", sms, methods=["POST"]), Route("/hooks", hooks, methods=["POST"])]
    )


@dataclass
class Receivers:
    journal: Journal
    smtp_port: int
    http_url: str
    secret: str

    def environ(self) -> dict[str, str]:
        """The SUIVI_* variables that point every channel at these receivers."""
        return {
            "SUIVI_SMTP_HOST": "127.0.0.1",
            "SUIVI_SMTP_PORT": str(self.smtp_port),
            "SUIVI_SMTP_SECURITY": "none",
            "SUIVI_SMTP_TIMEOUT": "5",
            "SUIVI_MAIL_FROM": MAIL_FROM,
            "SUIVI_SMS_PROVIDER": "http",
            "SUIVI_SMS_URL": f"{self.http_url}/sms",
            "SUIVI_SMS_BODY_TEMPLATE": (
                '{"to": "{to}", "text": "{text}", "sender": "{sender}", "reference": "{reference}"}'
            ),
            "SUIVI_SMS_ID_FIELD": "id",
            "SUIVI_WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true",
        }

    def merchant_settings(self) -> dict[str, Any]:
        return {"webhook": {"url": f"{self.http_url}/hooks", "secret": self.secret}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_receivers(secret: str = WEBHOOK_SECRET, *, latency: float = 0.0) -> Iterator[Receivers]:
    """The three receivers on free localhost ports; `latency` (s) is each one's think time
    before it answers, as a real provider's."""
    journal = Journal()
    smtp_port = free_port()
    controller = Controller(MailServer(journal, latency), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    config = uvicorn.Config(
        http_app(journal, secret, latency),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            controller.stop()
            raise RuntimeError("the local receivers did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Receivers(journal, smtp_port, f"http://127.0.0.1:{port}", secret)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        controller.stop()


class SharedClock:
    """One fixed timeline for this process and the sender processes it starts.

    Time is `start` plus the machine's monotonic seconds since creation, plus every jump so
    far. This process travels with it (time-machine, ticking), so the webhook receiver checks
    timestamps against it; each sender process enters the same timeline when it starts.
    """

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.origin = time.monotonic()
        self._jumps: list[tuple[float, float]] = [(self.origin, 0.0)]
        self._travel: Any = None

    def at(self, monotonic: float) -> datetime:
        """The timeline's time when `time.monotonic()` read `monotonic`."""
        jumped = next(total for since, total in reversed(self._jumps) if since <= monotonic)
        return self.start + timedelta(seconds=monotonic - self.origin + jumped)

    def now(self) -> datetime:
        return self.at(time.monotonic())

    def jump(self, seconds: float) -> None:
        """Move on `seconds` at once (a restarted sender finds expired leases and due retries)."""
        self._jumps.append((time.monotonic(), self._jumps[-1][1] + seconds))
        self._retravel()

    def __enter__(self) -> SharedClock:
        self._retravel()
        return self

    def __exit__(self, *_: object) -> None:
        if self._travel is not None:
            self._travel.stop()
            self._travel = None

    def _retravel(self) -> None:
        if self._travel is not None:
            self._travel.stop()
        self._travel = time_machine.travel(self.now(), tick=True)
        self._travel.start()
        time.time()  # time-machine starts ticking at the first reading, not at the travel


# The sender process: enters the shared timeline, then runs `suivi sender` with its options.
SENDER_CODE = """
import sys, time
from datetime import datetime, timedelta
import time_machine
from suivi_server.commands import sender
since = time.monotonic() - float(sys.argv[2])
start = datetime.fromisoformat(sys.argv[1]) + timedelta(seconds=since)
with time_machine.travel(start, tick=True):
    time.time()  # time-machine starts ticking at the first reading, not at the travel
    sender.main(sys.argv[3:], standalone_mode=False)
"""


@dataclass
class Life:
    """One sender process, from its start to the signal that ended it (SIGKILL, or SIGTERM
    once everything was sent)."""

    pid: int
    started: float
    ended: float = 0.0
    killed: bool = False


def sender_of(lives: list[Life], monotonic: float) -> Life | None:
    """The process that sent what a receiver got at `monotonic`: the last one started before.
    One sender runs at a time, so a message a receiver reads just after a kill (its bytes
    were already on the way) is still the killed process's, until the next one starts."""
    return next((life for life in reversed(lives) if life.started <= monotonic), None)


@dataclass(frozen=True)
class KillPlan:
    kills: int
    seed: int = 12
    lease: float = 2.0
    batch_size: int = 20
    # after the process's first message, kill it within this many seconds
    kill_within: float = 0.4
    # each restart comes this much later on the clock: past the lease and the first retry
    restart_jump: float = 31.0
    # a safety net, not a measure: a loaded machine (the suite runs in two processes) can take
    # minutes to drain what the kills left
    timeout: float = 360.0


def start_sender(environ: Mapping[str, str], clock: SharedClock, plan: KillPlan, log: Path) -> Life:
    args = ["--lease", str(plan.lease), "--idle", "0.2", "--batch-size", str(plan.batch_size)]
    started = time.monotonic()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SENDER_CODE,
                clock.at(started).isoformat(),
                repr(started),
                *args,
            ],
            env={**os.environ, **environ},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    _processes[process.pid] = process
    return Life(process.pid, started)


_processes: dict[int, subprocess.Popen[bytes]] = {}


def _alive(life: Life, log: Path) -> None:
    """A sender that exits on its own (a broken install, a bad setting) ends the run at once."""
    code = _processes[life.pid].poll()
    if code is not None:
        del _processes[life.pid]
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the sender exited by itself with {code}:\n{tail}")


def _stop(life: Life, *, kill: bool) -> None:
    process = _processes.pop(life.pid)
    life.ended = time.monotonic()
    life.killed = kill
    process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    process.wait(timeout=10)


async def _quiet(journal: Journal, *, calm: float = 0.2, longest: float = 3.0) -> None:
    """Wait until the receivers have read what a killed sender had already put on the wire,
    so that everything received before the next start is the killed process's."""
    until = time.monotonic() + longest
    seen = -1
    while seen != len(journal.arrivals) and time.monotonic() < until:
        seen = len(journal.arrivals)
        await asyncio.sleep(calm)


async def pending_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(notifications)
        return int(
            (await conn.execute(query.where(notifications.c.state == "pending"))).scalar_one()
        )


async def run_killing(
    environ: Mapping[str, str],
    journal: Journal,
    clock: SharedClock,
    plan: KillPlan,
    log: Path,
    pending: Callable[[], Awaitable[int]],
) -> list[Life]:
    """Start the sender, SIGKILL it `plan.kills` times at random moments while it sends,
    restart it each time, then let the last one run until nothing is pending."""
    rng = random.Random(plan.seed)
    lives: list[Life] = []
    deadline = time.monotonic() + plan.timeout
    try:
        for _ in range(plan.kills):
            life = start_sender(environ, clock, plan, log)
            lives.append(life)
            seen = len(journal.arrivals)
            while len(journal.arrivals) == seen and time.monotonic() < deadline:
                _alive(life, log)
                await asyncio.sleep(0.002)
            if not await pending():
                break
            await asyncio.sleep(rng.uniform(0.0, plan.kill_within))
            _stop(life, kill=True)
            await _quiet(journal)
            clock.jump(plan.restart_jump)
        else:
            lives.append(start_sender(environ, clock, plan, log))
        while await pending() and time.monotonic() < deadline:
            _alive(lives[-1], log)
            await asyncio.sleep(0.05)
    finally:
        for life in lives:
            if life.pid in _processes:
                _stop(life, kill=False)
    return lives


@dataclass
class KillReport:
    notifications: int
    kills: int
    states: Counter[str]
    lost: list[str]
    duplicated: list[str]
    outside_window: list[str]
    unknown_keys: list[str]
    windows_ms: list[float]
    # for each explained copy: the kill minus the receiver's acceptance of the copy before,
    # still uncommitted then (a lower bound of that message's window, commit included);
    # negative when the receiver answered after the sender had died
    uncommitted_ms: list[float]
    refused: int

    def lines(self) -> list[str]:
        return [
            f"notifications: {self.notifications} {dict(self.states)}",
            f"kills: {self.kills}",
            f"transient refusals retried: {self.refused}",
            f"lost: {len(self.lost)}",
            f"duplicated: {len(self.duplicated)}",
            f"duplicated outside the window: {len(self.outside_window)}",
            f"arrivals with no notification's key: {len(self.unknown_keys)}",
            "commit window (receiver accepted -> sent_at stamped, ms): "
            f"{_spread(self.windows_ms)} over {len(self.windows_ms)} messages",
            "duplicates, the kill minus the first copy's acceptance "
            f"(ms; < 0: accepted as the sender died): {_spread(self.uncommitted_ms)}",
        ]


def _spread(values: list[float]) -> str:
    """median / p99 / max, in ms."""
    if not values:
        return "-"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"median {statistics.median(ordered):.1f} / p99 {p99:.1f} / max {ordered[-1]:.1f}"


async def kill_report(
    engine: AsyncEngine,
    journal: Journal,
    lives: list[Life],
    clock: SharedClock,
    key_of: Callable[[str, str], str],
) -> KillReport:
    """Compare the outbox with what the receivers accepted. A copy is explained by the window
    only when the copy before it came from a process that was then signalled (SIGKILL; or
    SIGTERM, as abrupt for `suivi sender`, which sets no handler, when a run timed out) and
    the copy itself from a later process. `key_of(channel, idempotency_key)`
    is the key a receiver sees (the Message-ID for mail)."""
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(notifications))).all()
    copies = journal.copies()
    expected: set[tuple[str, str]] = set()
    lost, duplicated, outside, windows, uncommitted = [], [], [], [], []
    for row in rows:
        key = (row.channel, key_of(row.channel, row.idempotency_key))
        expected.add(key)
        got = copies.get(key, [])
        if not got:
            lost.append(row.idempotency_key)
            continue
        if len(got) > 1:
            duplicated.append(row.idempotency_key)
            for before, after in itertools.pairwise(got):
                sender = sender_of(lives, before.received)
                if sender is None or not sender.ended or sender_of(lives, after.received) is sender:
                    outside.append(row.idempotency_key)
                    break
                uncommitted.append((sender.ended - before.at) * 1000)
        if row.sent_at is not None:
            sent_at = (
                row.sent_at
                if row.sent_at.tzinfo
                else row.sent_at.replace(tzinfo=clock.start.tzinfo)
            )
            windows.append((sent_at - clock.at(got[-1].at)).total_seconds() * 1000)
    return KillReport(
        notifications=len(rows),
        kills=sum(life.killed for life in lives),
        states=Counter(row.state for row in rows),
        lost=lost,
        duplicated=duplicated,
        outside_window=outside,
        unknown_keys=sorted(k for _, k in set(copies) - expected),
        windows_ms=windows,
        uncommitted_ms=uncommitted,
        refused=sum(1 for a in journal.arrivals if not a.accepted),
    )


def _event(at: datetime, status: Status, code: str, substatus: Substatus | None = None) -> Any:
    return TrackingEvent(timestamp=at, status=status, substatus=substatus, code=code, label=code)


async def outbox_workload(
    engine: AsyncEngine, receivers: Receivers, shipments_count: int, now: datetime
) -> int:
    """`shipments_count` parcels, half with French shoppers and half English, each polled
    twice through the worker's pipeline (handed over, then out for delivery): seven rows
    each, on every channel. Returns how many rows the outbox holds."""
    settings = {**receivers.merchant_settings(), "notifications": {"quiet_hours": None}}
    merchant_id, _ = await create_merchant(engine, settings=settings)
    handed_over = _event(now - timedelta(hours=3), Status.IN_TRANSIT, "PCH", Substatus.PICKED_UP)
    out = _event(now - timedelta(hours=1), Status.OUT_FOR_DELIVERY, "MLV")
    for n in range(shipments_count):
        number = f"6A{n:011d}"
        shipment_id = await create_shipment(
            engine,
            merchant_id,
            order_number=f"CMD-{n:04d}",
            tracking_number=number,
            status="pending",
            promised_ship_date=now.date(),
            customer_email=f"shopper{n}@example.com",
            customer_phone=f"+3361234{n:04d}",
            customer_locale="fr" if n % 2 else "en",
        )
        for events, at in (([handed_over], now - timedelta(hours=2)), ([handed_over, out], now)):
            tracking = Tracking.from_events("colissimo", number, events)
            async with engine.begin() as conn:
                query = shipment_rows().where(shipments.c.id == shipment_id)
                row = (await conn.execute(query)).one()
                await ingest(conn, row, tracking, at, TransitModel.learn([]))
    async with engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(notifications)
        return int((await conn.execute(query)).scalar_one())


def receiver_keys(settings: Settings, environ: Mapping[str, str]) -> Callable[[str, str], str]:
    """What each receiver sees as a notification's key: the Message-ID the email channel
    derives from the idempotency key, the key itself for SMS references and webhook-ids."""
    email = cast("EmailChannel", channels_for(settings, datetime.now, environ=environ)["email"])

    def key_of(channel: str, idempotency_key: str) -> str:
        return email.message_id(idempotency_key) if channel == "email" else idempotency_key

    return key_of
