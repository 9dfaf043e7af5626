"""The lookup form `/{merchant}/track`: proof of knowledge, one answer per miss, a rate limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.pages.attempts import AttemptLimiter, client_key
from suivi_server.services import Services
from suivi_server.storage.engine import create_engine
from suivi_server.storage.schema import lookup_attempts
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment
from tests.server.pages_support import page_client

pytestmark = pytest.mark.anyio


@pytest.fixture
async def pages(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(app) as client:
        yield client


@pytest.fixture
async def shipment_id(engine: AsyncEngine) -> int:
    merchant_id, _ = await create_merchant(engine)
    return await create_shipment(engine, merchant_id)


async def test_the_form_is_branded_for_the_merchant(
    pages: httpx.AsyncClient, shipment_id: int
) -> None:
    response = await pages.get("/maison-lumiere/track")
    assert response.status_code == 200
    assert response.template.name == "lookup.html"  # type: ignore[attr-defined]
    assert response.context["brand"].name == "Maison Lumière"  # type: ignore[attr-defined]
    assert "Numéro de commande" in response.text


async def test_an_unknown_merchant_has_no_form(pages: httpx.AsyncClient) -> None:
    assert (await pages.get("/nobody/track")).status_code == 404
    assert (await pages.post("/nobody/track", data={"order_number": "1"})).status_code == 404


@pytest.mark.parametrize("proof", ["Camille@Example.com ", "75011", "750 11"])
async def test_order_number_and_email_or_postcode_open_the_page(
    pages: httpx.AsyncClient, services: Services, shipment_id: int, proof: str
) -> None:
    response = await pages.post(
        "/maison-lumiere/track", data={"order_number": "CMD-1001", "proof": proof}
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert services.tokens.verify(location.removeprefix("/t/")) == shipment_id
    assert (await pages.get(location)).template.name == "page.html"  # type: ignore[attr-defined]


async def test_wrong_email_and_unknown_order_get_the_same_answer(
    pages: httpx.AsyncClient, shipment_id: int
) -> None:
    attempts = [
        {"order_number": "CMD-1001", "proof": "someone@else.com"},
        {"order_number": "CMD-1001", "proof": "13001"},
        {"order_number": "CMD-9999", "proof": "camille@example.com"},
        {"order_number": "CMD-1001", "proof": ""},
        {"tracking_number": "NO-SUCH-NUMBER"},
    ]
    answers = [await pages.post("/maison-lumiere/track", data=data) for data in attempts]
    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1
    assert "Nous n’avons pas trouvé de commande" in answers[0].text


async def test_several_parcels_of_one_order_are_listed(
    pages: httpx.AsyncClient, engine: AsyncEngine, shipment_id: int
) -> None:
    await create_shipment(engine, 1, tracking_number="6A99999999999")
    response = await pages.post(
        "/maison-lumiere/track", data={"order_number": "CMD-1001", "proof": "75011"}
    )
    assert response.status_code == 200
    parcels = response.context["parcels"]  # type: ignore[attr-defined]
    assert [p["tracking_number"] for p in parcels] == ["6A12345678901", "6A99999999999"]
    assert all(p["url"].startswith("/t/") for p in parcels)


async def test_order_numbers_match_whatever_their_case_and_spaces(
    pages: httpx.AsyncClient, services: Services, shipment_id: int
) -> None:
    data = {"order_number": "  cmd-1001 ", "proof": " CAMILLE@example.COM"}
    response = await pages.post("/maison-lumiere/track", data=data)
    assert response.status_code == 303
    assert services.tokens.verify(response.headers["location"].removeprefix("/t/")) == shipment_id


TRACKED = "/maison-lumiere/track/colissimo/6A12345678901"
PRIVATE = ("Lampe", "C••••", "Camille", "Oberkampf", "75011", "CMD-1001", "/t/")


@pytest.mark.parametrize("typed", ["6A12345678901", " 6a 1234 5678 901 "])
async def test_the_tracking_number_alone_leads_to_its_own_page(
    pages: httpx.AsyncClient, shipment_id: int, typed: str
) -> None:
    response = await pages.post("/maison-lumiere/track?lang=en", data={"tracking_number": typed})
    assert response.status_code == 303
    assert response.headers["location"] == f"{TRACKED}?lang=en"


async def test_the_tracking_number_page_shows_the_journey_without_personal_data(
    pages: httpx.AsyncClient, shipment_id: int
) -> None:
    response = await pages.get(f"{TRACKED}?lang=en")
    assert response.status_code == 200
    assert response.template.name == "lookup.html"  # type: ignore[attr-defined]
    view = response.context["view"]  # type: ignore[attr-defined]
    assert view.limited is True
    assert (view.items, view.recipient, view.address, view.order_number) == ((), None, None, None)
    assert view.headline == "Your parcel is on its way"
    for private in PRIVATE:
        assert private not in response.text
    assert f'hx-get="{TRACKED}?lang=en"' in response.text  # it refreshes itself
    assert f'hx-post="{TRACKED}/refresh?lang=en"' in response.text
    assert 'name="order_number"' in response.text  # the full page is one proof away
    assert response.text.count("<h1") == 1  # the parcel's headline; the form's title is an h2


async def test_the_tracking_number_page_asks_the_carrier_on_refresh(
    pages: httpx.AsyncClient, shipment_id: int
) -> None:
    same_origin = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    asked = await pages.post(f"{TRACKED}/refresh?lang=en", headers=same_origin)
    assert asked.status_code == 202
    assert "We have asked the carrier for news" in asked.text
    for private in PRIVATE:
        assert private not in asked.text
    again = await pages.post(f"{TRACKED}/refresh?lang=en", headers=same_origin)
    # Still waiting for the worker: the poll already asked for is not asked twice.
    assert again.status_code == 202
    forged = await pages.post(f"{TRACKED}/refresh", headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/autre/track/colissimo/6A12345678901",
        "/maison-lumiere/track/ups/6A12345678901",
        "/maison-lumiere/track/colissimo/6A00000000000",
    ],
)
async def test_a_tracking_number_page_needs_merchant_carrier_and_number_to_match(
    pages: httpx.AsyncClient, engine: AsyncEngine, shipment_id: int, path: str
) -> None:
    await create_merchant(engine, slug="autre")
    assert (await pages.get(path)).status_code == 404


async def test_a_tracking_number_of_another_merchant_is_not_shown(
    pages: httpx.AsyncClient, engine: AsyncEngine, shipment_id: int
) -> None:
    await create_merchant(engine, slug="autre")
    response = await pages.post("/autre/track", data={"tracking_number": "6A12345678901"})
    assert response.status_code == 404


async def test_tracking_numbers_that_find_nothing_count_as_failed_lookups(
    pages: httpx.AsyncClient, services: Services, shipment_id: int
) -> None:
    for _ in range(services.settings.lookup_attempts_per_minute):
        await pages.get("/maison-lumiere/track/colissimo/6A00000000000")
    refused = await pages.get(TRACKED)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"


async def test_a_parcel_found_can_be_refreshed_all_day(
    pages: httpx.AsyncClient, services: Services, shipment_id: int
) -> None:
    for _ in range(3 * services.settings.lookup_attempts_per_minute):
        assert (await pages.get(TRACKED, headers={"HX-Request": "true"})).status_code == 200
    good = {"order_number": "CMD-1001", "proof": "75011"}
    for _ in range(3 * services.settings.lookup_attempts_per_minute):
        assert (await pages.post("/maison-lumiere/track", data=good)).status_code == 303


async def test_a_blocked_poll_keeps_the_page_as_it_is(
    pages: httpx.AsyncClient, services: Services, shipment_id: int
) -> None:
    for _ in range(services.settings.lookup_attempts_per_minute):
        await pages.get("/maison-lumiere/track/colissimo/6A00000000000")
    poll = await pages.get(TRACKED, headers={"HX-Request": "true"})
    assert poll.status_code == 204  # htmx swaps nothing: the status block stays
    assert (await pages.get(TRACKED)).status_code == 429


def test_an_ipv6_subscriber_is_one_client_whatever_its_address() -> None:
    assert (
        client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    )
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:203.0.113.7") == client_key("203.0.113.7") == "203.0.113.7"
    assert client_key(None) == "unknown"


async def test_proofs_of_one_order_are_limited_whatever_the_address(
    app: Starlette, services: Services, shipment_id: int
) -> None:
    wrong = {"order_number": "cmd-1001 ", "proof": "00000"}
    limit = services.settings.lookup_attempts_per_minute
    for n in range(limit):  # every try from another address
        transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{n + 1}", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            assert (await c.post("/maison-lumiere/track", data=wrong)).status_code == 404
    transport = httpx.ASGITransport(app=app, client=("203.0.113.99", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        right = {"order_number": "CMD-1001", "proof": "75011"}
        assert (await c.post("/maison-lumiere/track", data=right)).status_code == 429
        other_order = {"order_number": "CMD-2002", "proof": "75011"}
        assert (await c.post("/maison-lumiere/track", data=other_order)).status_code == 404


async def test_too_many_lookups_are_refused_until_the_window_slides(
    pages: httpx.AsyncClient, services: Services, clock: list[datetime], shipment_id: int
) -> None:
    limit = services.settings.lookup_attempts_per_minute
    data = {"order_number": "CMD-1001", "proof": "wrong@example.com"}
    for _ in range(limit):
        assert (await pages.post("/maison-lumiere/track", data=data)).status_code == 404
    refused = await pages.post("/maison-lumiere/track", data=data)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert "Trop d’essais" in refused.text
    good = {"order_number": "CMD-1001", "proof": "75011"}
    assert (await pages.post("/maison-lumiere/track", data=good)).status_code == 429
    clock[0] = NOW + timedelta(seconds=61)
    assert (await pages.post("/maison-lumiere/track", data=good)).status_code == 303


async def test_the_limiter_counts_per_client_in_a_sliding_window(engine: AsyncEngine) -> None:
    now = [NOW]
    limiter = AttemptLimiter(engine, 2, timedelta(minutes=1), lambda: now[0])
    assert [await limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert await limiter.allow("b") is True
    now[0] = NOW + timedelta(seconds=30)
    assert await limiter.allow("a") is False  # refused attempts count as well
    now[0] = NOW + timedelta(seconds=60)
    assert await limiter.allow("a") is True  # the three at NOW left the window


async def test_every_replica_sees_the_same_counts(
    engine: AsyncEngine, database_url: str, clock: list[datetime]
) -> None:
    other_engine = create_engine(database_url)  # a second web process, its own pool
    try:
        replicas = [
            AttemptLimiter(e, 3, timedelta(minutes=1), lambda: clock[0])
            for e in (engine, other_engine)
        ]
        answers = [await replicas[i % 2].allow("203.0.113.7") for i in range(4)]
    finally:
        await other_engine.dispose()
    assert answers == [True, True, True, False]


async def test_attempts_older_than_the_window_are_forgotten(engine: AsyncEngine) -> None:
    now = [NOW]
    limiter = AttemptLimiter(engine, 5, timedelta(minutes=1), lambda: now[0])
    await limiter.allow("a")
    now[0] = NOW + timedelta(hours=1)
    await limiter.allow("b")
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(lookup_attempts.c.client))).scalars().all()
    assert rows == ["b"]


async def test_an_order_lookup_reads_its_index(
    pages: httpx.AsyncClient, engine: AsyncEngine, database_url: str, shipment_id: int
) -> None:
    statements: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        statements.append((args[2], args[3]))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        data = {"order_number": " cmd-1001", "proof": "75011"}
        assert (await pages.post("/maison-lumiere/track", data=data)).status_code == 303
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", record)
    (lookup, parameters), *_ = [s for s in statements if "order_key" in s[0]]
    assert "lower(" not in lookup.lower()
    if database_url.startswith("sqlite"):
        async with engine.connect() as conn:
            plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {lookup}", parameters)).all()
        assert any("ix_shipments_merchant_order_key" in str(row) for row in plan), plan
