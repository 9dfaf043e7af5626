"""Every status × every situation: the date box, the bar and the banners say what PAGE_RULES
says, and never contradict each other (tests/server/page_invariants.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi import Situation, Status
from suivi_server.pages.i18n import language
from suivi_server.pages.presentation import PAGE_RULES, DateBox, page_rule
from suivi_server.services import Services
from suivi_server.storage.schema import shipment_situations
from tests.server.conftest import NOW
from tests.server.factories import add_event, create_merchant, create_shipment
from tests.server.page_invariants import contradictions
from tests.server.pages_support import page_client

pytestmark = pytest.mark.anyio

AHEAD = {"earliest": "2026-11-26", "latest": "2026-11-27", "source": "model"}
PASSED = {"earliest": "2026-11-23", "latest": "2026-11-24", "source": "model"}
TODAY_10_12 = {
    "earliest": "2026-11-25",
    "latest": "2026-11-25",
    "start_time": "10:00:00",
    "end_time": "12:00:00",
    "source": "carrier",
}
SHIPPED_AT = NOW - timedelta(days=2)
PICKUP = {
    "name": "Relais Oberkampf",
    "address": "12 rue Oberkampf",
    "postcode": "75011",
    "city": "Paris",
    "deadline": "2026-12-05",
}
# Facts as the worker stores them; promises made when the situation began, now stale.
FACTS: dict[str, dict[str, Any]] = {
    "preparation_delay": {"promised_ship_date": "2026-11-20"},
    "shipped": {
        "carrier": "colissimo",
        "shipped_at": SHIPPED_AT.isoformat(),
        "expected_latest": "2026-11-24",
    },
    "shipped_late": {
        "carrier": "colissimo",
        "shipped_at": SHIPPED_AT.isoformat(),
        "promised_ship_date": "2026-11-20",
        "expected_latest": "2026-11-24",
    },
    "delivery_delayed": {"reason": "no_scan", "last_scan_at": SHIPPED_AT.isoformat()},
    "address_problem": {"carrier_label": "Adresse incomplète"},
    "returned_to_sender": {"back_at_sender": False},
    "damaged": {"reported_at": SHIPPED_AT.isoformat()},
    "refused": {"back_at_sender": False},
    "available_for_pickup": {"name": "Relais Oberkampf", "deadline": "2026-12-05"},
    "delivered_to_third_party": {"handed_to": "neighbour", "delivered_at": NOW.isoformat()},
    "delivered": {"delivered_at": NOW.isoformat()},
    "out_for_delivery": {"start_time": "08:00:00", "end_time": "09:00:00"},
    "attempt_failed": {"reason": "recipient_absent", "attempts": 1},
}
# (status, substatus, estimate, hours since the latest carrier move)
ROWS: list[tuple[str, str | None, dict[str, str] | None, float]] = [
    ("pending", None, None, 2),
    ("info_received", "label_created", AHEAD, 2),
    ("not_found", None, AHEAD, 2),
    ("in_transit", None, AHEAD, 2),
    ("in_transit", "picked_up", PASSED, 2),
    ("out_for_delivery", None, TODAY_10_12, 2),
    ("out_for_delivery", None, PASSED, 30),
    ("attempt_failed", "recipient_absent", TODAY_10_12, 2),
    ("available_for_pickup", "pickup_point", AHEAD, 2),
    ("delivered", "to_recipient", AHEAD, 2),
    ("delivered", "to_neighbour", AHEAD, 2),
    ("exception", "refused", TODAY_10_12, 2),
    ("exception", "address_problem", AHEAD, 2),
    ("exception", "damaged", AHEAD, 2),
    ("exception", "delayed", AHEAD, 2),
    ("exception", "lost", AHEAD, 2),
    ("returning", "refused", AHEAD, 2),
    ("returned", None, AHEAD, 2),
    ("expired", None, AHEAD, 2),
]
JOURNEY = [("in_transit", "picked_up"), ("in_transit", None), ("out_for_delivery", None)]


def moves_before(status: str) -> list[tuple[str, str | None]]:
    """The carrier's moves before the row's own: none before the hand-over."""
    return [] if status in {"pending", "info_received", "not_found"} else [*JOURNEY]


@pytest.fixture
async def pages(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(app) as client:
        yield client


def test_every_status_has_a_rule_and_every_rule_names_known_situations() -> None:
    assert {s.value for s in Status} <= set(PAGE_RULES)
    assert all(rule.banners <= set(Situation) for rule in PAGE_RULES.values())


Lived = list[tuple[str, dict[str, Any]]]  # active situations: (kind, facts)
# Every situation with its usual facts, and the delay whose reason changes the date box.
EVERY: Lived = [(s.value, FACTS[s.value]) for s in Situation] + [
    ("delivery_delayed", {"reason": "carrier_reported", "carrier_label": "Retard réseau"})
]


def lived(*kinds: str) -> Lived:
    return [(kind, FACTS[kind]) for kind in kinds]


async def _parcel(
    engine: AsyncEngine, merchant_id: int, number: int, row: tuple[Any, ...], situations: Lived
) -> int:
    status, substatus, estimate, hours = row
    delivered_at = NOW - timedelta(hours=hours) if status == "delivered" else None
    shipment_id = await create_shipment(
        engine,
        merchant_id,
        order_number=f"CMD-{number}",
        tracking_number=f"6A{number:011d}",
        status=status,
        substatus=substatus,
        estimate=estimate,
        delivered_at=delivered_at,
        pickup_point=PICKUP if status == "available_for_pickup" else None,
    )
    for step, (st, sub) in enumerate(moves_before(status)):
        at = SHIPPED_AT + timedelta(hours=step)
        await add_event(engine, shipment_id, at, st, "X", "x", substatus=sub)
    at = NOW - timedelta(hours=hours)
    await add_event(engine, shipment_id, at, status, "Y", "y", substatus=substatus)
    async with engine.begin() as conn:
        for minutes, (kind, facts) in enumerate(situations):
            await conn.execute(
                sa.insert(shipment_situations).values(
                    shipment_id=shipment_id,
                    kind=kind,
                    fingerprint=f"{kind}-{minutes}",
                    facts=facts,
                    detected_at=NOW - timedelta(minutes=60 - minutes),
                )
            )
    return shipment_id


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r[0]}-{r[1]}-{r[3]}h")
async def test_each_status_shows_exactly_what_its_rule_allows(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services, row: tuple[Any, ...]
) -> None:
    status, substatus, _, hours = row
    lang = "fr" if ROWS.index(row) % 2 else "en"  # both languages' dates are checked
    rule = page_rule(status, substatus)
    merchant_id, _ = await create_merchant(engine)
    reached = [*moves_before(status), (status, substatus)]
    cases = [[one] for one in EVERY] + [EVERY[:-1]]  # each alone, then all at once
    for number, situations in enumerate(cases):
        kinds = [kind for kind, _ in situations]
        shipment_id = await _parcel(engine, merchant_id, number, row, situations)
        response = await pages.get(f"/t/{services.tokens.sign(shipment_id)}?lang={lang}")
        assert response.status_code == 200
        view = response.context["view"]  # type: ignore[attr-defined]
        found = contradictions(
            view,
            status=status,
            substatus=substatus,
            reached=reached,
            today=NOW.date(),
            shipped_on=SHIPPED_AT.date(),
            lang=language(lang),
            situations=situations,
        )
        assert found == [], (situations, found)
        shown = {b.kind for b in view.banners}
        if len(kinds) == 1:
            today_only = kinds[0] == "out_for_delivery" and view.date_box is not DateBox.TODAY
            assert shown == ({*kinds} & rule.banners if not today_only else set()), kinds
        suspended = any(f.get("reason") == "carrier_reported" for _, f in situations)
        if status == "out_for_delivery" and not suspended:
            assert view.date_box is (DateBox.TODAY if hours < 24 else DateBox.ESTIMATE)


async def test_out_for_delivery_today_says_today_in_the_box_and_the_banner(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    merchant_id, _ = await create_merchant(engine)
    row = ("out_for_delivery", None, TODAY_10_12, 2)
    shipment_id = await _parcel(engine, merchant_id, 1, row, lived("out_for_delivery", "shipped"))
    response = await pages.get(f"/t/{services.tokens.sign(shipment_id)}?lang=fr")
    view = response.context["view"]  # type: ignore[attr-defined]
    assert view.window == "Arrive aujourd’hui, entre 10:00 et 12:00"
    (banner,) = view.banners
    assert banner.title == "Livraison aujourd’hui"
    # The hours are in the box (from the current estimate, not the stale ones stored with the
    # situation): the banner says what to expect instead of repeating them.
    assert banner.body.startswith("S’il n’y a personne, le transporteur laissera un avis")
    assert response.text.count("10:00") == 1


async def test_a_stale_promise_gives_way_to_the_current_estimate(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    merchant_id, _ = await create_merchant(engine)
    for number, (estimate, expected) in enumerate(
        [
            (AHEAD, "We expect it by Friday 27 November."),
            (PASSED, None),
        ]
    ):
        row = ("in_transit", None, estimate, 2)
        shipment_id = await _parcel(engine, merchant_id, number, row, lived("shipped"))
        response = await pages.get(f"/t/{services.tokens.sign(shipment_id)}?lang=en")
        (banner,) = response.context["view"].banners  # type: ignore[attr-defined]
        assert banner.body.startswith("Colissimo took it on Monday 23 November.")
        if expected:
            assert banner.body.endswith(expected)
        else:
            assert "expect" not in banner.body


async def test_a_late_preparation_promises_a_new_date_instead_of_the_old_one(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    merchant_id, _ = await create_merchant(engine)
    row = ("info_received", "label_created", AHEAD, 2)
    shipment_id = await _parcel(engine, merchant_id, 1, row, lived("preparation_delay"))
    response = await pages.get(f"/t/{services.tokens.sign(shipment_id)}?lang=en")
    view = response.context["view"]  # type: ignore[attr-defined]
    assert view.window == "New delivery date to be confirmed"
    assert "with a new delivery date" in view.banners[0].body


async def test_a_delay_the_carrier_reports_suspends_the_date_but_silence_does_not(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    merchant_id, _ = await create_merchant(engine)
    row = ("in_transit", None, AHEAD, 2)
    reported = [("delivery_delayed", {"reason": "carrier_reported"})]
    silent = lived("delivery_delayed")  # no scan for a while: careful words, same date
    boxes = []
    for number, situations in enumerate([reported, silent]):
        shipment_id = await _parcel(engine, merchant_id, number, row, situations)
        response = await pages.get(f"/t/{services.tokens.sign(shipment_id)}?lang=en")
        boxes.append(response.context["view"].window)  # type: ignore[attr-defined]
    assert boxes == [
        "New delivery date to be confirmed",
        "Arrives between Thursday 26 November and Friday 27 November",
    ]


async def test_a_refused_parcel_keeps_its_furthest_step_and_promises_nothing(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    merchant_id, _ = await create_merchant(engine)
    row = ("exception", "refused", TODAY_10_12, 2)
    shipment_id = await _parcel(engine, merchant_id, 1, row, lived("refused", "shipped"))
    response = await pages.get(f"/t/{services.tokens.sign(shipment_id)}?lang=fr")
    view = response.context["view"]  # type: ignore[attr-defined]
    assert view.headline == "Le colis a été refusé"
    assert view.window == "Nouvelle date de livraison à confirmer"
    assert [b.kind for b in view.banners] == ["refused"]
    assert [s.state for s in view.journey.steps] == [
        "done",
        "done",
        "done",
        "done",
        "problem",
        "todo",
    ]
    assert 'journey-step--problem" aria-current="step"' in response.text
