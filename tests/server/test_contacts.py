"""Contacts with a reason: the page asks what it is about (reasons of the situation), records
the contact with the situation and status of that moment, then shows the channel's links; a
helpdesk reports contacts through the API, idempotent by its ticket id."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.engagement.contacts import DEFAULT_REASONS, REASONS, SITUATION_REASONS
from suivi_server.services import Services
from suivi_server.storage.schema import contacts
from tests.server.conftest import NOW
from tests.server.engagement_support import HTMX, page, post_form, section, shipment_in
from tests.server.factories import bearer
from tests.server.pages_support import page_client

pytestmark = pytest.mark.anyio


async def stored(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(contacts).order_by(contacts.c.id))).all())


@pytest.mark.parametrize(
    ("situation", "reasons"),
    [
        ("delivery_delayed", ("where_is_my_order", "delivery_date", "other")),
        ("damaged", ("damaged", "refund", "other")),
        ("refused", ("refused", "return_or_refund", "other")),
        (None, DEFAULT_REASONS),
    ],
)
async def test_the_page_asks_with_the_reasons_of_the_situation(
    engine: AsyncEngine,
    app: Any,
    services: Services,
    situation: str | None,
    reasons: tuple[str, ...],
) -> None:
    _, shipment_id, _ = await shipment_in(engine, situation)
    async with page_client(app) as client:
        answer = await client.get(page(services, shipment_id) + "?lang=en")
    assert [key for key, _ in answer.context["extras"]["contact"]["reasons"]] == list(reasons)
    html = section(answer.text, "contact")
    assert "What is it about?" in html
    assert "tel:" not in html  # the links come once the shopper said why
    assert "mailto:" not in html


def test_every_listed_reason_has_wording() -> None:
    listed = {r for reasons in SITUATION_REASONS.values() for r in reasons} | set(DEFAULT_REASONS)
    assert listed <= set(REASONS)


async def test_a_contact_is_recorded_then_the_links_show_without_javascript(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "refused")
    fields = {"reason": "return_or_refund", "channel": "email"}
    answer = await post_form(client, services, shipment_id, "contact", "contact", fields)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.endswith("#contact")
    assert "contact=email" in location
    assert "reason=return_or_refund" in location
    [contact] = await stored(engine)
    assert (contact.source, contact.channel, contact.reason) == (
        "page",
        "email",
        "return_or_refund",
    )
    assert (contact.situation, contact.status, contact.shipment_id) == (
        "refused",
        "exception",
        shipment_id,
    )
    assert contact.occurred_at.replace(tzinfo=None) == NOW.replace(tzinfo=None)
    html = section((await client.get(location)).text, "contact")
    subject = quote("Order CMD-1001: A return or a refund")
    assert f'href="mailto:service@example.com?subject={subject}"' in html
    assert 'href="tel:+33123456789"' in html
    assert "About: A return or a refund." in html


async def test_htmx_swaps_in_the_links(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "delivery_delayed", status="in_transit")
    fields = {"reason": "delivery_date", "channel": "phone"}
    answer = await post_form(
        client, services, shipment_id, "contact", "contact", fields, headers=HTMX
    )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section class="contact" id="contact"')
    assert 'href="tel:+33123456789"' in answer.text
    assert len(await stored(engine)) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"reason": "damaged", "channel": "phone"},  # not a reason of a refused parcel
        {"reason": "", "channel": "phone"},
        {"reason": "refused", "channel": "chat"},  # this shop has no chat
        {"reason": "refused", "channel": "<script>"},
    ],
)
async def test_a_contact_outside_the_lists_is_refused(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient, fields: dict[str, str]
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "refused")
    answer = await post_form(client, services, shipment_id, "contact", "contact", fields)
    assert answer.status_code == 422
    assert "Please pick what it is about" in section(answer.text, "contact")
    assert "<script>" not in section(answer.text, "contact")
    assert await stored(engine) == []


async def test_a_cross_site_contact_is_refused(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "refused")
    fields = {"reason": "refused", "channel": "phone"}
    headers = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    answer = await post_form(
        client, services, shipment_id, "contact", "contact", fields, headers=headers
    )
    assert answer.status_code == 403
    assert await stored(engine) == []


async def test_pages_without_a_signed_link_show_the_links_at_once(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await shipment_in(engine, "refused")
    html = section((await client.get("/maison-lumiere/track?lang=en")).text, "contact")
    assert 'href="tel:+33123456789"' in html
    assert "What is it about?" not in html


# --- API ---------------------------------------------------------------------------------------


def helpdesk(**fields: Any) -> dict[str, Any]:
    return {
        "order_number": "cmd-1001 ",
        "channel": "email",
        "reason": "where_is_my_order",
        "occurred_at": "2026-11-25T08:00:00+01:00",
        "text": "Bonjour, où est mon colis ?",
        "external_id": "ZD-4411",
        **fields,
    }


async def test_a_helpdesk_contact_is_recorded_once_per_ticket(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    _, shipment_id, key = await shipment_in(engine, "delivery_delayed", status="in_transit")
    first = await client.post("/api/contacts", json=helpdesk(), headers=bearer(key))
    assert first.status_code == 201
    body = first.json()
    assert body["shipment_id"] == shipment_id
    assert (body["source"], body["situation"], body["status"]) == (
        "api",
        "delivery_delayed",
        "in_transit",
    )
    assert body["occurred_at"] == "2026-11-25T07:00:00+00:00"
    again = await client.post("/api/contacts", json=helpdesk(), headers=bearer(key))
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert len(await stored(engine)) == 1


@pytest.mark.parametrize(
    "reference",
    [{"shipment_id": "own"}, {"tracking_number": "6a12345678901"}],
)
async def test_a_contact_names_its_shipment_by_id_or_tracking_number(
    engine: AsyncEngine, client: httpx.AsyncClient, reference: dict[str, Any]
) -> None:
    _, shipment_id, key = await shipment_in(engine, None, status="in_transit")
    if reference.get("shipment_id") == "own":
        reference = {"shipment_id": shipment_id}
    body = helpdesk(order_number=None, external_id=None, **reference)
    answer = await client.post("/api/contacts", json=body, headers=bearer(key))
    assert answer.status_code == 201
    assert answer.json()["shipment_id"] == shipment_id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": "bored"}, "reason"),
        ({"channel": "pigeon"}, "channel"),
        ({"text": "x" * 2001}, "text"),
        ({"occurred_at": "2026-11-25T08:00:00"}, "occurred_at"),
        ({"occurred_at": "2026-12-25T08:00:00+00:00"}, "occurred_at"),
        ({"occurred_at": "0001-01-01T00:00:00+01:00"}, "occurred_at"),  # before year 1 in UTC
        ({"shipment_id": 1}, "body"),  # two references
        ({"order_number": None}, "body"),  # none
        ({"external_id": "x" * 201}, "external_id"),
    ],
)
async def test_invalid_helpdesk_contacts_are_refused(
    engine: AsyncEngine, client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    _, _, key = await shipment_in(engine, None)
    answer = await client.post("/api/contacts", json=helpdesk(**change), headers=bearer(key))
    assert answer.status_code == 422
    assert answer.json()["field"] == field
    assert await stored(engine) == []


async def test_contacts_of_another_merchant_read_as_missing(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    _, shipment_id, key = await shipment_in(engine, None)
    _, _, other_key = await shipment_in(engine, None, slug="autre-boutique")
    mine = await client.post("/api/contacts", json=helpdesk(), headers=bearer(key))
    assert mine.status_code == 201
    by_id = helpdesk(order_number=None, shipment_id=shipment_id, external_id="ZD-1")
    theirs = await client.post("/api/contacts", json=by_id, headers=bearer(other_key))
    assert theirs.status_code == 404
    assert (await client.get("/api/contacts", headers=bearer(other_key))).json()["data"] == []


async def test_the_api_lists_page_and_helpdesk_contacts_with_filters(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, key = await shipment_in(engine, "refused")
    fields = {"reason": "refused", "channel": "phone"}
    await post_form(client, services, shipment_id, "contact", "contact", fields)
    await client.post("/api/contacts", json=helpdesk(text="<b>bold</b>"), headers=bearer(key))
    listed = (await client.get("/api/contacts?limit=1", headers=bearer(key))).json()
    assert [c["source"] for c in listed["data"]] == ["api"]
    assert listed["data"][0]["text"] == "<b>bold</b>"  # JSON carries the text as text
    cursor = listed["next_cursor"]
    rest = (await client.get(f"/api/contacts?cursor={cursor}", headers=bearer(key))).json()
    assert [c["source"] for c in rest["data"]] == ["page"]
    pages = (await client.get("/api/contacts?source=page", headers=bearer(key))).json()["data"]
    assert [(c["reason"], c["situation"]) for c in pages] == [("refused", "refused")]
    assert (await client.get("/api/contacts?reason=nope", headers=bearer(key))).status_code == 422
