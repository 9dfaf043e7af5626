"""The dashboard's contacts pages: a helpdesk export previewed (helpdesk detected, columns, first
tickets with reason and shipment) before anything is stored, then imported with a summary; the
list of recent contacts with its filters, pages and CSV; one shop never sees another's."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.dashboard import contacts as contact_pages
from suivi_server.storage.schema import contacts
from tests.server.conftest import NOW
from tests.server.dashboard_support import (  # noqa: F401 (fixture)
    SAME_ORIGIN,
    Staff,
    cheap_passwords,
    staff_client,
)
from tests.server.factories import create_shipment

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("cheap_passwords")]
FIXTURES = Path(__file__).parents[1] / "fixtures" / "helpdesk"
IMPORT = "/dashboard/contacts/import?lang=en"


async def upload(
    staff: Staff, body: bytes, *, step: str, fmt: str = "auto", htmx: bool = False
) -> httpx.Response:
    token = await staff.csrf_token()
    headers = {**SAME_ORIGIN, **({"HX-Request": "true", "X-CSRF-Token": token} if htmx else {})}
    return await staff.client.post(
        IMPORT,
        data={"csrf_token": token, "format": fmt, "step": step},
        files={"file": ("tickets.csv", body, "text/csv")},
        headers=headers,
    )


async def stored(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(contacts).order_by(contacts.c.id))).all())


def zendesk(*rows: tuple[str, str, str]) -> bytes:
    """A Zendesk export of (id, subject, description) rows, a day apart before NOW."""
    lines = ["Id,Subject,Description,Requester email,Via,Created at"]
    for n, (ticket, subject, text) in enumerate(rows):
        at = (NOW - timedelta(days=len(rows) - n)).isoformat()
        lines.append(f'{ticket},"{subject}","{text}",a@example.com,Chat,{at}')
    return ("\n".join(lines) + "\n").encode()


async def test_an_upload_is_previewed_before_anything_is_stored(
    app: Starlette, engine: AsyncEngine
) -> None:
    async with staff_client(app, engine) as agent:
        await create_shipment(engine, agent.merchant_id, order_number="CMD-1001")
        answer = await upload(agent, (FIXTURES / "zendesk.csv").read_bytes(), step="preview")
    assert answer.status_code == 200
    html = answer.text
    assert "Preview · Zendesk" in html
    assert "<dd>Order number [txt]</dd>" in html  # the custom field, searched for the order
    assert "<dd>Requester email</dd>" in html
    assert "Où est mon colis ?" in html
    assert "CMD-1001" in html
    assert "by order number" in html
    assert '<span class="badge">Where is my order?</span>' in html  # the reason read
    assert await stored(engine) == []


async def test_htmx_gets_the_preview_alone(app: Starlette, engine: AsyncEngine) -> None:
    async with staff_client(app, engine) as agent:
        body = (FIXTURES / "gorgias.csv").read_bytes()
        answer = await upload(agent, body, step="preview", htmx=True)
    assert answer.status_code == 200
    assert "Preview · Gorgias" in answer.text
    assert "<html" not in answer.text


async def test_importing_shows_what_was_done_and_a_second_time_adds_nothing(
    app: Starlette, engine: AsyncEngine
) -> None:
    body = (FIXTURES / "freshdesk.csv").read_bytes()
    async with staff_client(app, engine) as agent:
        await create_shipment(engine, agent.merchant_id, order_number="CMD-1001")
        first = await upload(agent, body, step="import")
        again = await upload(agent, body, step="import")
    assert first.status_code == 200
    assert "Import done · Freshdesk" in first.text
    assert "<strong>3</strong> new contacts" in first.text
    assert "<strong>1</strong> matched to a shipment" in first.text
    assert "<strong>0</strong> new contacts" in again.text
    assert "<strong>3</strong> already imported" in again.text
    assert len(await stored(engine)) == 3


@pytest.mark.parametrize(
    ("body", "fmt", "status", "message"),
    [
        (b"", "auto", 400, "This file is empty."),
        (b"\xff\xfe\x00I", "auto", 400, "This file is not UTF-8 text"),
        (b"Name,Email\nA,a@example.com\n", "auto", 400, "not a ticket export we can read"),
        (b"Id,Created at\n1,2026-11-20 10:00\n", "kayako", 400, "Choose Zendesk, Freshdesk"),
    ],
)
async def test_a_bad_upload_says_why_and_stores_nothing(
    app: Starlette, engine: AsyncEngine, body: bytes, fmt: str, status: int, message: str
) -> None:
    async with staff_client(app, engine) as agent:
        answer = await upload(agent, body, step="import", fmt=fmt)
    assert answer.status_code == status
    assert message in answer.text
    assert await stored(engine) == []


async def test_a_missing_file_or_too_many_tickets_is_refused(
    app: Starlette, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contact_pages, "MAX_TICKETS", 2)
    async with staff_client(app, engine) as agent:
        no_file = await agent.post(IMPORT, {"step": "import"})
        body = zendesk(("1", "a", "b"), ("2", "a", "b"), ("3", "a", "b"))
        too_many = await upload(agent, body, step="import")
    assert no_file.status_code == 400
    assert "Choose the CSV file your helpdesk exported." in no_file.text
    assert too_many.status_code == 413
    assert "more than 2 tickets" in too_many.text
    assert await stored(engine) == []


def badge(reason: str) -> str:
    return f'<span class="badge">{reason}</span>'


async def test_the_list_shows_recent_contacts_with_filters_pages_and_csv(
    app: Starlette, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contact_pages, "PAGE", 2)
    rows = (
        ("1", "Colis cassé", "le vase est cassé"),
        ("2", "=HYPERLINK(1)", "Où est mon colis ?"),
        ("3", "<script>alert(1)</script>", "Je voudrais être remboursée"),
    )
    async with staff_client(app, engine) as agent:
        await upload(agent, zendesk(*rows), step="import")
        first = await agent.get("/dashboard/contacts?lang=en")
        older = await agent.get("/dashboard/contacts?lang=en&before=2")
        refunds = await agent.get("/dashboard/contacts?lang=en&reason=return_or_refund")
        exported = await agent.get("/dashboard/contacts?lang=en&format=csv&source=import")
        bad = await agent.get("/dashboard/contacts?lang=en&reason=nonsense")
    assert first.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in first.text  # newest first, escaped
    assert "<script>alert" not in first.text
    assert badge("Where is my order?") in first.text
    assert badge("My parcel is damaged") not in first.text  # on the next page
    assert "before=2" in first.text
    assert badge("My parcel is damaged") in older.text
    assert badge("A return or a refund") in refunds.text
    assert badge("Where is my order?") not in refunds.text
    table = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert table[0][:4] == ["Date", "Source", "Channel", "Reason"]
    assert [r[3] for r in table[1:]] == [
        "A return or a refund",
        "Where is my order?",
        "My parcel is damaged",
    ]
    assert table[2][9].startswith("'=HYPERLINK(1)")  # formula neutralized
    assert bad.status_code == 400
    assert "This filter is not one of the list's" in bad.text


async def test_a_shop_never_sees_nor_matches_another_shops_contacts(
    app: Starlette, engine: AsyncEngine
) -> None:
    async with (
        staff_client(app, engine, merchant_slug="shop-a") as a,
        staff_client(app, engine, merchant_slug="shop-b") as b,
    ):
        await create_shipment(engine, a.merchant_id, order_number="CMD-1001")
        await upload(a, zendesk(("1", "Secret A", "commande CMD-1001 cassée")), step="import")
        preview = await upload(b, zendesk(("9", "B", "commande CMD-1001 ?")), step="preview")
        listed = await b.get("/dashboard/contacts?lang=en")
        exported = await b.get("/dashboard/contacts?lang=en&format=csv")
        paged = await b.get("/dashboard/contacts?lang=en&before=1")  # A's id: no bound for B
    assert "not found" in preview.text  # B's ticket names A's order: not B's shipment
    for answer in (listed, exported, paged):
        assert "Secret A" not in answer.text
        assert "CMD-1001" not in answer.text
