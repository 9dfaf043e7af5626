"""POST /api/contacts/import: a helpdesk export becomes contacts, each matched to the merchant's
shipment (tracking number, order number, else the one parcel of that email in flight), its
reason classified, the shipment's status and situation of the ticket's moment recorded; the
same export twice adds nothing; bad files are a 4xx, bad lines fail alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.helpdesk import api as helpdesk_api
from suivi_server.storage.schema import contacts, shipment_situations
from tests.server.conftest import NOW
from tests.server.factories import add_event, bearer, create_merchant, create_shipment

pytestmark = pytest.mark.anyio
FIXTURES = Path(__file__).parents[1] / "fixtures" / "helpdesk"
CSV = {"Content-Type": "text/csv"}
HEADER = "Id,Subject,Description,Requester email,Via,Created at\n"


def zendesk(*rows: tuple[str, str, str, str, datetime]) -> str:
    """A Zendesk export of (id, subject, description, email, created at) rows."""
    lines = [f'{i},{s},"{d}",{e},Mail,{at.isoformat()}' for i, s, d, e, at in rows]
    return HEADER + "\n".join(lines) + "\n"


async def post(client: httpx.AsyncClient, key: str, body: str | bytes, **query: str) -> Any:
    return await client.post(
        "/api/contacts/import", content=body, params=query, headers={**bearer(key), **CSV}
    )


async def stored(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(contacts).order_by(contacts.c.id))).all())


async def test_a_zendesk_export_becomes_contacts_matched_by_order_and_tracking_number(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    merchant_id, key = await create_merchant(engine)
    by_order = await create_shipment(engine, merchant_id, status="in_transit")
    by_number = await create_shipment(
        engine, merchant_id, order_number="CMD-1002", tracking_number="6A12345678902"
    )
    by_hash = await create_shipment(
        engine, merchant_id, order_number="2002", tracking_number="6A12345678903"
    )
    answer = await post(client, key, (FIXTURES / "zendesk.csv").read_bytes(), format="auto")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "format": "zendesk",
        "created": 4,
        "existing": 0,
        "failed": 0,
        "matched": 3,
        "unmatched": 1,
        "reasons": {"change_address": 1, "damaged": 1, "other": 1, "where_is_my_order": 1},
        "errors": [],
    }
    rows = await stored(engine)
    assert [(r.external_id, r.shipment_id, r.reason, r.channel) for r in rows] == [
        ("zendesk:1041", by_order, "where_is_my_order", "email"),
        ("zendesk:1042", by_number, "damaged", "phone"),
        ("zendesk:1043", None, "other", "email"),
        ("zendesk:1044", by_hash, "change_address", "chat"),
    ]
    assert {r.source for r in rows} == {"import"}
    assert (rows[0].status, rows[2].status, rows[2].situation) == ("in_transit", None, None)
    assert rows[0].text.startswith("Où est mon colis ?\n\nBonjour,")


async def test_importing_the_same_export_twice_adds_nothing(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    _, key = await create_merchant(engine)
    body = (FIXTURES / "freshdesk.csv").read_bytes()
    first = (await post(client, key, body)).json()
    again = (await post(client, key, body)).json()
    assert (first["created"], first["existing"]) == (3, 0)
    assert (again["created"], again["existing"], again["reasons"]) == (0, 3, first["reasons"])
    assert len(await stored(engine)) == 3


async def test_each_helpdesk_format_imports_from_its_fixture(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    _, key = await create_merchant(engine)
    for name, created in (("gorgias", 3), ("freshdesk", 3), ("zendesk", 4)):
        body = (FIXTURES / f"{name}.csv").read_bytes()
        answer = (await post(client, key, body, format=name)).json()
        assert (answer["format"], answer["created"], answer["failed"]) == (name, created, 0)
    prefixes = {r.external_id.split(":")[0] for r in await stored(engine)}
    assert prefixes == {"gorgias", "freshdesk", "zendesk"}


async def test_the_requesters_one_parcel_in_flight_is_found_by_email(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    merchant_id, key = await create_merchant(engine)
    at = NOW - timedelta(days=2)
    week_ago = NOW - timedelta(days=7)
    mine = await create_shipment(
        engine, merchant_id, customer_email="Solo@Example.com", created_at=week_ago
    )
    await create_shipment(  # delivered before the ticket: not the one in flight
        engine,
        merchant_id,
        order_number="OLD-1",
        tracking_number="6A12345678904",
        customer_email="solo@example.com",
        created_at=NOW - timedelta(days=20),
        delivered_at=NOW - timedelta(days=15),
    )
    for n in (5, 6):  # two parcels in flight: the ticket could be about either
        await create_shipment(
            engine,
            merchant_id,
            order_number=f"TWO-{n}",
            tracking_number=f"6A1234567890{n}",
            customer_email="two@example.com",
            created_at=week_ago,
        )
    body = zendesk(
        ("1", "Where is it?", "no news", "solo@example.com", at),
        ("2", "Where is it?", "no news", "two@example.com", at),
        ("3", "Where is it?", "no news", "solo@example.com", week_ago - timedelta(days=1)),
    )
    answer = (await post(client, key, body)).json()
    assert (answer["matched"], answer["unmatched"]) == (1, 2)
    assert [r.shipment_id for r in await stored(engine)] == [mine, None, None]


async def test_the_status_and_situation_are_those_of_the_tickets_moment(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    merchant_id, key = await create_merchant(engine)
    shipment_id = await create_shipment(
        engine, merchant_id, status="delivered", created_at=NOW - timedelta(days=10)
    )
    await add_event(engine, shipment_id, NOW - timedelta(days=8), "in_transit", "PCH", "Pris")
    await add_event(engine, shipment_id, NOW - timedelta(days=1), "delivered", "LIV", "Livré")
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(shipment_situations),
            [
                {
                    "shipment_id": shipment_id,
                    "kind": "delivery_delayed",
                    "fingerprint": "a",
                    "facts": {},
                    "detected_at": NOW - timedelta(days=5),
                    "resolved_at": NOW - timedelta(days=1),
                },
                {
                    "shipment_id": shipment_id,
                    "kind": "delivered",
                    "fingerprint": "b",
                    "facts": {},
                    "detected_at": NOW - timedelta(days=1),
                    "resolved_at": None,
                },
            ],
        )
    body = zendesk(
        ("1", "Retard", "CMD-1001 quand ?", "x@example.com", NOW - timedelta(days=3)),
        ("2", "Retard", "CMD-1001 quand ?", "x@example.com", NOW - timedelta(days=9)),
        ("3", "Pas reçu", "CMD-1001 livré mais rien reçu", "x@example.com", NOW),
    )
    assert (await post(client, key, body)).json()["matched"] == 3
    rows = await stored(engine)
    assert [(r.status, r.situation, r.reason) for r in rows] == [
        ("in_transit", "delivery_delayed", "delivery_date"),
        ("pending", None, "delivery_date"),  # before the first scan
        ("delivered", "delivered", "not_received"),
    ]


async def test_bad_lines_fail_alone_and_are_listed(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    _, key = await create_merchant(engine)
    body = HEADER + f"1,a,b,x@example.com,Mail,{NOW.isoformat()}\n,a,b,,Mail,2026-01-01\n"
    answer = (await post(client, key, body)).json()
    assert (answer["created"], answer["failed"]) == (1, 1)
    assert answer["errors"] == [{"line": 3, "field": "id", "message": "the ticket has no id"}]


@pytest.mark.parametrize(
    ("body", "query", "status", "error"),
    [
        (b"", {}, 400, "empty_body"),
        (b"\xff\xfeI\x00d\x00", {}, 400, "bad_encoding"),
        (b"Name,Email\nA,a@example.com\n", {}, 422, "unknown_format"),
        (b"Id,Created at\n1,2026-11-20 10:00\n", {"format": "gorgias"}, 422, "unknown_format"),
        (b"Id,Created at\n", {"format": "kayako"}, 422, "validation_error"),
    ],
)
async def test_a_bad_file_is_a_4xx_with_a_json_error(
    engine: AsyncEngine,
    client: httpx.AsyncClient,
    body: bytes,
    query: dict[str, str],
    status: int,
    error: str,
) -> None:
    _, key = await create_merchant(engine)
    answer = await post(client, key, body, **query)
    assert answer.status_code == status
    assert answer.json()["error"] == error
    assert await stored(engine) == []


async def test_too_many_tickets_or_bytes_is_refused_and_stores_nothing(
    engine: AsyncEngine, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, key = await create_merchant(engine)
    monkeypatch.setattr(helpdesk_api, "MAX_TICKETS", 2)
    rows = [(str(n), "a", "b", "x@example.com", NOW) for n in range(3)]
    answer = await post(client, key, zendesk(*rows))
    assert (answer.status_code, answer.json()["error"]) == (413, "too_many_tickets")
    monkeypatch.setattr(helpdesk_api, "MAX_EXPORT_BYTES", 100)
    answer = await post(client, key, zendesk(*rows[:1]) + "x" * 100)
    assert (answer.status_code, answer.json()["error"]) == (413, "body_too_large")
    assert await stored(engine) == []


async def test_a_merchants_import_never_touches_another_merchants_shipments(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    a_id, a_key = await create_merchant(engine, "maison-a")
    b_id, b_key = await create_merchant(engine, "maison-b")
    a_shipment = await create_shipment(engine, a_id, customer_email="camille@example.com")
    answer = (await post(client, b_key, (FIXTURES / "zendesk.csv").read_bytes())).json()
    assert (answer["matched"], answer["unmatched"]) == (0, 4)
    rows = await stored(engine)
    assert {r.merchant_id for r in rows} == {b_id}
    assert a_shipment not in {r.shipment_id for r in rows}
    again = (await post(client, a_key, (FIXTURES / "zendesk.csv").read_bytes())).json()
    assert (again["created"], again["matched"]) == (4, 1)  # its own ids, its own shipment


async def test_the_import_needs_an_api_key(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/contacts/import", content=b"Id\n", headers=CSV)
    assert answer.status_code == 401


async def test_a_custom_reference_field_names_an_order_even_without_digits(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    merchant_id, key = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id, order_number="LAMPE-ROUGE")
    body = (
        "Id,Subject,Created at,Order number [txt]\n"
        f"1,Question,{NOW.isoformat()},lampe-rouge\n"
        f"2,Question lampe-rouge,{NOW.isoformat()},\n"  # in the prose: a word, not an order
    )
    assert (await post(client, key, body)).json()["matched"] == 1
    assert [r.shipment_id for r in await stored(engine)] == [shipment_id, None]
