"""Hostile query strings and form fields on the dashboard: each gets a 4xx or a page that says
what was wrong, never a server error, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.storage.schema import contacts
from tests.server.conftest import NOW
from tests.server.dashboard_support import (  # noqa: F401 (fixture)
    SAME_ORIGIN,
    anonymous_client,
    cheap_passwords,
    dashboard_login,
    staff_client,
)
from tests.server.factories import create_shipment

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("cheap_passwords")]


async def stored_contacts(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(contacts)) or 0)


DATES = "Dates go from 1970 to 9998."
NUL = "This request holds a character the dashboard does not accept."
CURSOR = "This page link is no longer valid"
# (path, what the answer says): each was a server error once.
PAGES = [
    ("/dashboard/loop?weeks=²", "Compare between 1 and 12 weeks"),
    ("/dashboard/loop?change=²", "This rule change does not exist"),
    ("/dashboard/satisfaction?page=²", "Satisfaction"),
    ("/dashboard/contacts?before=²", "This filter is not one of the list"),
    ("/dashboard/loop?to=0001-01-03", DATES),
    ("/dashboard/carriers?to=0001-01-03", DATES),
    ("/dashboard/satisfaction?to=0001-01-03", DATES),
    ("/dashboard/loop?from=0001-01-01&to=0001-01-05", DATES),
    ("/dashboard/carriers?from=0001-01-01&to=0001-01-05", DATES),
    ("/dashboard/satisfaction?from=0001-01-01&to=0001-01-05", DATES),
    ("/dashboard/loop?from=9999-12-20&period=month", DATES),
    ("/dashboard/carriers?from=9999-12-31", DATES),
    ("/dashboard/problems?next=0.99999999999999999999999", CURSOR),
    ("/dashboard/problems?next=99999999999999999999999.1", CURSOR),
    ("/dashboard/problems?next=1.2147483648", CURSOR),
    ("/dashboard/problems?q=CMD%00", NUL),
    ("/dashboard/problems?carrier=colis%00", NUL),
    ("/dashboard/contacts?reason=%00", NUL),
]


@pytest.mark.parametrize(("path", "said"), PAGES)
async def test_a_hostile_query_gets_a_readable_answer(
    app: Starlette, engine: AsyncEngine, path: str, said: str
) -> None:
    async with staff_client(app, engine, role="admin") as admin:
        await create_shipment(engine, admin.merchant_id, problem="damaged", problem_since=NOW)
        answer = await admin.get(f"{path}&lang=en")
    assert answer.status_code in (200, 400)
    assert said in answer.text


async def test_a_nul_byte_in_a_query_is_refused_with_a_page(
    app: Starlette, engine: AsyncEngine
) -> None:
    async with staff_client(app, engine) as agent:
        answer = await agent.get("/dashboard/problems?lang=en&q=CMD%001")
    assert answer.status_code == 400
    assert "This request holds a character the dashboard does not accept." in answer.text


async def test_a_nul_byte_in_a_form_is_refused_and_stores_nothing(
    app: Starlette, engine: AsyncEngine
) -> None:
    async with staff_client(app, engine) as agent:
        shipment_id = await create_shipment(engine, agent.merchant_id)
        path = f"/dashboard/shipments/{shipment_id}/notes?lang=en"
        answer = await agent.post(path, {"text": "called\x00 the carrier"})
        shown = await agent.get(f"/dashboard/shipments/{shipment_id}?lang=en")
    assert answer.status_code == 400
    assert "called" not in shown.text


async def test_a_nul_byte_in_the_login_email_is_refused(
    app: Starlette, engine: AsyncEngine
) -> None:
    async with anonymous_client(app) as client:
        answer = await dashboard_login(client, "agent\x00@example.com")
    assert answer.status_code == 400


async def test_a_nul_byte_in_an_imported_ticket_stores_no_nul(
    app: Starlette, engine: AsyncEngine
) -> None:
    at = (NOW - timedelta(days=1)).isoformat()
    body = (
        "Id,Subject,Description,Requester email,Via,Created at\n"
        f'4\x002,"Where\x00 is CMD-1001","late",a\x00@example.com,Chat,{at}\n'
    ).encode()
    async with staff_client(app, engine) as agent:
        token = await agent.csrf_token()
        for step in ("preview", "import"):
            answer = await agent.client.post(
                "/dashboard/contacts/import?lang=en",
                data={"csrf_token": token, "format": "auto", "step": step},
                files={"file": ("tickets.csv", body, "text/csv")},
                headers=SAME_ORIGIN,
            )
            assert answer.status_code == 200, step
            assert "holds a NUL character" in answer.text, step
    assert await stored_contacts(engine) == 0
