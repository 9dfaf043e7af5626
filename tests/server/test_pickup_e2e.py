"""Pickup points end to end: a simulator body in each carrier's format, through the worker
into storage, the API answer and the rendered page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape
from urllib.parse import unquote

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import RetryPolicy, Tracker
from suivi_server.app import Services
from suivi_server.simulator import STORIES, Parcel, simulator_settings
from suivi_server.storage.schema import shipments
from suivi_server.worker.runner import Worker
from tests.conftest import SIM_START, RunningSimulator
from tests.integration.test_simulator_chronopost import skybill
from tests.integration.test_simulator_ups import ups_number
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

# Waiting at the point: available at +38 h, collected at +80 h.
WAITING = SIM_START + timedelta(hours=40)
NUMBERS = {
    "chronopost": skybill(4242),
    "colissimo": "6A12345678901",
    "dpd": "25077012345678",
    "mondial_relay": "12345678",
    "ups": ups_number(4242),
}
STREET = ("12 RUE OBERKAMPF", "75011", "PARIS")
# What each carrier's answers say about the point beyond its name.
DESCRIBED = {"chronopost": STREET, "dpd": STREET, "mondial_relay": STREET, "ups": STREET}
WEEK_FR = ["lundi – vendredi 09:00–12:30, 14:00–19:00", "samedi 09:00–13:00", "dimanche fermé"]
WITH_HOURS = {"chronopost": WEEK_FR, "dpd": WEEK_FR, "mondial_relay": WEEK_FR, "ups": WEEK_FR}
DEADLINES = {"mondial_relay": "mardi 8 décembre", "ups": "mardi 1er décembre"}


async def _no_sleep(_: float) -> None:
    return None


async def _followed(
    engine: AsyncEngine, simulator: RunningSimulator, carrier: str
) -> tuple[int, str]:
    """The carrier's pickup-point parcel, polled by the worker while it waits at the point."""
    merchant_id, key = await create_merchant(engine)
    number = NUMBERS[carrier]
    simulator.sim.add_parcel(
        Parcel(carrier, number, SIM_START, STORIES["pickup_point"], story="pickup_point")
    )
    shipment_id = await create_shipment(
        engine,
        merchant_id,
        carrier=carrier,
        tracking_number=number,
        status="pending",
        next_poll_at=SIM_START,
    )
    simulator.sim.clock.set(WAITING)
    tracker = Tracker(
        settings=simulator_settings(simulator.base_url),
        retry=RetryPolicy(max_attempts=2, backoff_base=0.01),
        sleep=_no_sleep,
    )
    async with tracker:
        worker = Worker(engine, tracker, clock=simulator.sim.clock.now, worker_id="w-pickup")
        while await worker.run_once():
            pass
    return shipment_id, key


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _map_links(html: str) -> list[str]:
    links = re.findall(r'href="(https://www\.openstreetmap\.org/search\?query=[^"]*)"', html)
    return [unquote(unescape(link)) for link in links]


@pytest.mark.parametrize("carrier", sorted(NUMBERS))
async def test_the_point_the_carrier_describes_reaches_storage_api_and_page(
    engine: AsyncEngine,
    simulator: RunningSimulator,
    client: httpx.AsyncClient,
    services: Services,
    clock: list[datetime],
    carrier: str,
) -> None:
    shipment_id, key = await _followed(engine, simulator, carrier)
    clock[0] = WAITING
    street = DESCRIBED.get(carrier)

    async with engine.connect() as conn:
        query = sa.select(shipments.c.status, shipments.c.pickup_point)
        row = (await conn.execute(query.where(shipments.c.id == shipment_id))).one()
    assert row.status == "available_for_pickup"
    stored = row.pickup_point
    assert stored["name"] == "TABAC LE BALTO"
    assert (stored["address"], stored["postcode"], stored["city"]) == (street or (None,) * 3)

    answer = await client.get(
        f"/api/shipments/{shipment_id}", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 200
    assert answer.json()["pickup_point"] == stored

    page = await client.get(f"/t/{services.tokens.sign(shipment_id)}?lang=fr")
    assert page.status_code == 200
    shown = _text(page.text)
    card = _text(
        page.text[page.text.index('<section class="card pickup">') :].split("</section>")[0]
    )
    assert "TABAC LE BALTO" in card
    links = _map_links(page.text)
    if street is None:
        assert links == []  # no address: no map link, in the card or in a banner
        assert "Voir sur une carte" not in shown
    else:
        assert all(part in card for part in street)
        assert links
        assert all("12 RUE OBERKAMPF, 75011 PARIS, France" in link for link in links)
    hours = WITH_HOURS.get(carrier)
    if hours:
        assert [line for line in hours if line in card] == hours
    else:
        assert "Horaires" not in card
    deadline = DEADLINES.get(carrier)
    if deadline:  # in the date line, not repeated by the card
        assert f"Vous attend jusqu’au {deadline}" in shown
        assert deadline not in card
