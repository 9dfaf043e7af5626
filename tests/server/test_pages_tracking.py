"""The signed tracking page `/t/{token}`: what the shopper sees, in which language, and who may."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.services import Services
from suivi_server.storage.schema import shipments
from tests.server.conftest import NOW
from tests.server.factories import add_event, create_merchant, create_shipment
from tests.server.pages_support import page_client

pytestmark = pytest.mark.anyio

WINDOW = {
    "earliest": "2026-11-27",
    "latest": "2026-11-27",
    "start_time": "10:00:00",
    "end_time": "12:00:00",
    "source": "carrier",
}
PICKUP = {
    "name": "Tabac de la Gare",
    "address": "3 place de la Gare",
    "postcode": "75010",
    "city": "Paris",
    "opening_hours": ["Lun-Sam 8:00-19:00"],
    "deadline": "2026-12-05",
}


@pytest.fixture
async def pages(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(app) as client:
        yield client


async def shipment(
    engine: AsyncEngine, merchant: dict[str, Any] | None = None, **fields: Any
) -> int:
    merchant_id, _ = await create_merchant(engine, **(merchant or {}))
    shipment_id = await create_shipment(engine, merchant_id, **{"estimate": WINDOW, **fields})
    await add_event(
        engine,
        shipment_id,
        datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        "in_transit",
        "PCH",
        "Prise en charge",
        substatus="picked_up",
        location={"city": "PARIS"},
    )
    return shipment_id


async def test_the_page_gives_the_window_in_plain_words(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    token = services.tokens.sign(await shipment(engine))
    response = await pages.get(f"/t/{token}?lang=en")
    assert response.status_code == 200
    assert response.template.name == "page.html"  # type: ignore[attr-defined]
    view = response.context["view"]  # type: ignore[attr-defined]
    assert view.window == "Arrives Friday 27 November, between 10:00 and 12:00"
    assert view.headline == "Your parcel is on its way"
    assert [s.state for s in view.journey.steps] == ["done"] * 3 + ["current"] + ["todo"] * 2
    assert "Arrives Friday 27 November, between 10:00 and 12:00" in response.text


async def test_history_is_in_the_merchants_timezone(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    paris = services.tokens.sign(await shipment(engine))
    new_york = services.tokens.sign(
        await shipment(
            engine, {"slug": "ny", "settings": {"timezone": "America/New_York"}}, order_number="2"
        )
    )
    lines = [
        (await pages.get(f"/t/{t}?lang=en")).context["view"].history[0]  # type: ignore[attr-defined]
        for t in (paris, new_york)
    ]
    assert [(line.day, line.time) for line in lines] == [
        ("Tue 24 Nov", "09:00"),
        ("Tue 24 Nov", "03:00"),
    ]
    assert lines[0].text == "The carrier has picked up your parcel"
    assert lines[0].place == "Paris"


async def test_a_french_customer_gets_a_french_page_with_no_english_left(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    token = services.tokens.sign(await shipment(engine))
    response = await pages.get(f"/t/{token}", headers={"Accept-Language": "en"})
    assert response.context["lang"].code == "fr"  # type: ignore[attr-defined]
    assert 'lang="fr"' in response.text
    assert "Arrive vendredi 27 novembre, entre 10:00 et 12:00" in response.text
    english = ["on its way", "Parcel history", "Need help", "Call us", "Tracking number", "Refresh"]
    assert [word for word in english if word in response.text] == []


@pytest.mark.parametrize(
    ("query", "customer", "accept", "expected"),
    [
        ("?lang=it", "fr", "de", "it"),
        ("", "es-ES", "de", "es"),
        ("", None, "nl-BE,nl;q=0.9,en;q=0.5", "nl"),
        ("", None, "ja", "fr"),
    ],
)
async def test_language_is_chosen_by_query_then_customer_then_browser_then_merchant(
    pages: httpx.AsyncClient,
    engine: AsyncEngine,
    services: Services,
    query: str,
    customer: str | None,
    accept: str,
    expected: str,
) -> None:
    token = services.tokens.sign(await shipment(engine, customer_locale=customer))
    response = await pages.get(f"/t/{token}{query}", headers={"Accept-Language": accept})
    assert response.context["lang"].code == expected  # type: ignore[attr-defined]


async def test_the_signed_link_shows_the_shopper_their_own_name_and_address(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    """The link is a credential sent to the shopper: an address they cannot read is no help."""
    token = services.tokens.sign(await shipment(engine))
    response = await pages.get(f"/t/{token}")
    view = response.context["view"]  # type: ignore[attr-defined]
    assert view.recipient == "Camille Martin"
    assert view.address == "12 rue Oberkampf, 75011 Paris"
    assert "12 rue Oberkampf, 75011 Paris" in response.text
    assert "•" not in response.text
    assert "camille@example.com" not in response.text


async def test_the_order_proof_shows_the_address_too_but_the_tracking_number_alone_nothing(
    pages: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await shipment(engine)
    proved = await pages.post(
        "/maison-lumiere/track?lang=en",
        data={"order_number": "CMD-1001", "proof": "camille@example.com"},
        follow_redirects=True,
    )
    assert "12 rue Oberkampf, 75011 Paris" in proved.text
    assert "Camille Martin" in proved.text
    anonymous = await pages.post(
        "/maison-lumiere/track?lang=en",
        data={"tracking_number": "6A12345678901"},
        follow_redirects=True,
    )
    assert anonymous.status_code == 200
    for personal in ("Camille", "Martin", "Oberkampf", "75011", "CMD-1001", "camille@"):
        assert personal not in anonymous.text


async def test_hostile_merchant_strings_are_escaped(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    hostile = "<script>alert(1)</script>"
    merchant = {
        "name": hostile,
        "settings": {"contact": {"phone": f'"><{hostile}', "chat_url": "javascript:alert(1)"}},
    }
    items = [{"name": f"<img src=x onerror=alert(1)>{hostile}", "quantity": 1}]
    token = services.tokens.sign(await shipment(engine, merchant, items=items))
    response = await pages.get(f"/t/{token}")
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "javascript:" not in response.text


async def test_a_tampered_token_is_not_found(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    token = services.tokens.sign(await shipment(engine))
    middle = len(token) - 10
    tampered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    for path in (f"/t/{tampered}", f"/t/{tampered}/status", f"/embed/{tampered}", "/t/12"):
        response = await pages.get(path)
        assert response.status_code == 404
        assert response.template.name == "error.html"  # type: ignore[attr-defined]
        assert "Lampe" not in response.text


async def test_a_valid_token_for_a_deleted_shipment_is_not_found(
    pages: httpx.AsyncClient, services: Services
) -> None:
    response = await pages.get(f"/t/{services.tokens.sign(999)}")
    assert response.status_code == 404


async def test_an_expired_link_offers_the_lookup_form_instead(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services, clock: list[datetime]
) -> None:
    """A link's age is measured by the server's clock, from the day the server signed it."""
    shipment_id = await shipment(engine, {"settings": {"link_max_age_days": 30}})
    old = services.tokens.sign(shipment_id)
    clock[0] = NOW + timedelta(days=31)
    fresh = services.tokens.sign(shipment_id)
    response = await pages.get(f"/t/{old}")
    assert response.status_code == 410
    assert response.template.name == "error.html"  # type: ignore[attr-defined]
    assert "/maison-lumiere/track" in response.text
    assert "Lampe" not in response.text
    assert (await pages.get(f"/t/{fresh}")).status_code == 200
    clock[0] = NOW + timedelta(days=29)  # the old link, read a day before its 30 days end
    assert (await pages.get(f"/t/{old}")).status_code == 200


async def test_the_status_fragment_follows_new_events(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    shipment_id = await shipment(engine)
    token = services.tokens.sign(shipment_id)
    await add_event(
        engine, shipment_id, datetime(2026, 11, 27, 10, 12, tzinfo=UTC), "delivered", "LIV", "Livré"
    )
    delivered_at = datetime(2026, 11, 27, 10, 12, tzinfo=UTC)
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(shipments).values(status="delivered", delivered_at=delivered_at)
        )
    response = await pages.get(f"/t/{token}/status?lang=en")
    assert response.template.name == "_status.html"  # type: ignore[attr-defined]
    assert response.text.lstrip().startswith('<section id="status"')
    assert "<html" not in response.text
    view = response.context["view"]  # type: ignore[attr-defined]
    assert view.headline == "Your parcel has been delivered"
    assert view.window == "Delivered on Friday 27 November at 11:12"
    assert all(step.state == "done" for step in view.journey.steps)
    assert len(view.history) == 2


async def test_a_pickup_point_gets_its_card_and_branch(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    shipment_id = await shipment(
        engine, status="available_for_pickup", substatus="pickup_point", pickup_point=PICKUP
    )
    response = await pages.get(f"/t/{services.tokens.sign(shipment_id)}?lang=en")
    view = response.context["view"]  # type: ignore[attr-defined]
    assert view.journey.branch == "pickup"
    assert view.journey.steps[view.journey.position - 1].label == "At the pickup point"
    assert view.window == "Waiting for you until Saturday 5 December"
    assert (view.pickup.street, view.pickup.town) == ("3 place de la Gare", "75010 Paris")
    assert view.pickup.map_url.startswith("https://www.openstreetmap.org/search?query=3%20place")
    assert "Lun-Sam 8:00-19:00" in response.text
    assert "Tabac de la Gare" in response.text


async def test_a_return_follows_the_return_branch(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    shipment_id = await shipment(engine, status="returning", substatus="refused")
    view = (await pages.get(f"/t/{services.tokens.sign(shipment_id)}")).context["view"]  # type: ignore[attr-defined]
    assert view.journey.branch == "return"
    assert view.window is None
    assert view.problem is True


async def test_the_minimal_theme_overrides_header_and_progress(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    token = services.tokens.sign(await shipment(engine, {"theme": "minimal"}))
    response = await pages.get(f"/t/{token}?lang=en")
    assert response.template.name == "page.html"  # type: ignore[attr-defined]
    assert response.context["brand"].theme.name == "minimal"  # type: ignore[attr-defined]
    assert 'class="minimal-header"' in response.text
    assert '<progress value="4" max="6"' in response.text
    assert "Step 4 of 6" in response.text
    assert re.search(r"/static/minimal/minimal\.[0-9a-f]{12}\.css", response.text)
    assert 'class="site-header"' not in response.text
    assert "Parcel history" in response.text  # the rest comes from the default theme


async def test_an_unknown_theme_falls_back_to_default(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    token = services.tokens.sign(await shipment(engine, {"theme": "gone"}))
    response = await pages.get(f"/t/{token}")
    assert response.status_code == 200
    assert response.context["brand"].theme.name == "default"  # type: ignore[attr-defined]


async def test_the_phone_number_is_on_every_page(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    token = services.tokens.sign(await shipment(engine))
    for path in (f"/t/{token}", f"/embed/{token}", "/maison-lumiere/track"):
        assert 'href="tel:+33123456789"' in (await pages.get(path)).text
