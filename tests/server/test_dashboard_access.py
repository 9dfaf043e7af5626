"""Access control over EVERY dashboard route (all FEATURES): anonymous visitors are sent to the
login page or refused, agents are refused the admin pages, writes need the session's CSRF token
and a same-origin request, and a user of one shop never reads another shop's rows."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import quote, unquote

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.dashboard import triage
from suivi_server.dashboard.access import DashboardRoute
from suivi_server.dashboard.app import CSP, feature_routes
from suivi_server.storage.schema import (
    contacts,
    products,
    recommendation_clicks,
    survey_answers,
    surveys,
)
from tests.server.conftest import NOW
from tests.server.dashboard_support import (  # noqa: F401 (fixtures)
    SAME_ORIGIN,
    Staff,
    anonymous_client,
    cheap_passwords,
    create_user,
    merchant_id_for,
    staff_client,
)
from tests.server.factories import create_shipment

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("cheap_passwords")]
ROUTES = feature_routes()
PARAM = re.compile(r"\{[^}]+\}")


def concrete(route: DashboardRoute) -> str:
    """The route's path with every parameter filled in (ids and tokens alike accept '1')."""
    return "/dashboard" + PARAM.sub("1", route.path)


def calls(routes: list[DashboardRoute]) -> list[tuple[str, str]]:
    return [(method, concrete(r)) for r in routes for method in r.methods]


def test_every_feature_route_is_covered() -> None:
    names = [r.name for r in ROUTES]
    assert len(names) == len(set(names)), "route names must be unique"
    assert {"home", "team", "account", "logout"} <= set(names)


async def test_anonymous_visitors_are_sent_to_login_or_refused(app: Starlette) -> None:
    async with anonymous_client(app) as client:
        for method, path in calls(ROUTES):
            response = await client.request(method, path, headers=SAME_ORIGIN)
            if method == "GET":
                assert response.status_code == 303, path
                expected = f"/dashboard/login?next={quote(path, safe='')}"
                assert response.headers["location"] == expected
            else:
                assert response.status_code == 403, (method, path)


async def test_agents_are_refused_every_admin_route(app: Starlette, engine: AsyncEngine) -> None:
    admin_only = [r for r in ROUTES if r.role == "admin"]
    assert admin_only
    async with staff_client(app, engine, role="agent") as agent:
        token = await agent.csrf_token()
        for method, path in calls(admin_only):
            response = await agent.client.request(
                method,
                path,
                data={"csrf_token": token} if method != "GET" else None,
                headers=SAME_ORIGIN,
            )
            assert response.status_code == 403, (method, path)
        assert (await agent.get("/dashboard/")).status_code == 200


async def test_writes_without_the_session_token_are_refused(
    app: Starlette, engine: AsyncEngine
) -> None:
    async with (
        staff_client(app, engine, role="admin") as admin,
        staff_client(app, engine, role="admin", merchant_slug="other-shop") as other,
    ):
        foreign = await other.csrf_token()
        for method, path in calls([r for r in ROUTES if "GET" not in r.methods]):
            for data in ({}, {"csrf_token": foreign}, {"csrf_token": ""}):
                response = await admin.client.request(method, path, data=data, headers=SAME_ORIGIN)
                assert response.status_code == 403, (method, path, data)
            wrong_header = {**SAME_ORIGIN, "X-CSRF-Token": foreign}
            response = await admin.client.request(method, path, headers=wrong_header)
            assert response.status_code == 403, (method, path)


async def test_writes_from_another_site_are_refused_even_with_the_token(
    app: Starlette, engine: AsyncEngine
) -> None:
    async with staff_client(app, engine, role="admin") as admin:
        token = await admin.csrf_token()
        for method, path in calls([r for r in ROUTES if "GET" not in r.methods]):
            for headers in (
                {"Origin": "https://evil.example"},
                {"Origin": "http://testserver", "Sec-Fetch-Site": "cross-site"},
                {"Referer": "https://evil.example/form"},
                {},  # neither Origin nor Referer: nothing vouches for the request
            ):
                response = await admin.client.request(
                    method, path, data={"csrf_token": token}, headers=headers
                )
                assert response.status_code == 403, (method, path, headers)


async def test_the_session_token_in_a_header_is_accepted(
    app: Starlette, engine: AsyncEngine
) -> None:
    async with staff_client(app, engine, role="admin") as admin:
        headers = {**SAME_ORIGIN, "X-CSRF-Token": await admin.csrf_token()}
        response = await admin.client.post("/dashboard/logout", headers=headers)
        assert response.status_code == 303
        assert (await admin.get("/dashboard/")).status_code == 303


# What shop A holds, each string found in shop A's pages and in none of shop B's.
SECRETS = {
    "order": "CMD-SHOPA-7731",
    "tracking": "6A99887766554",
    "email": "zoe.secret@shop-a.example",
    "colleague": "Ségolène Adam",
    "contact": "Le colis de Zoé n'est jamais arrivé",
    "answer": "Livreur impoli, Zoé déçue",
    "note": "Rappeler Zoé jeudi",
    "product": "Lampe Zoé en laiton",
}


async def seed_shop_a(engine: AsyncEngine) -> int:
    """Shop A: a colleague, a problem shipment with a note, a contact, a survey answer and a
    recommendation click, all dated inside the reports' default period."""
    shop_a = await merchant_id_for(engine, "shop-a")
    colleague = await create_user(
        engine, shop_a, "secret.colleague@shop-a.example", name=SECRETS["colleague"]
    )
    at = NOW - timedelta(days=2)
    shipment_id = await create_shipment(
        engine,
        shop_a,
        order_number=SECRETS["order"],
        tracking_number=SECRETS["tracking"],
        customer_email=SECRETS["email"],
        status="delivered",
        delivered_at=at,
        problem="damaged",
        problem_since=at,
        created_at=at - timedelta(days=3),
    )
    async with engine.begin() as conn:
        await triage.add_note(
            conn,
            merchant_id=shop_a,
            shipment_id=shipment_id,
            user_id=colleague,
            text=SECRETS["note"],
            now=at,
        )
        await conn.execute(
            sa.insert(contacts).values(
                merchant_id=shop_a,
                shipment_id=shipment_id,
                source="page",
                channel="email",
                reason="damaged",
                status="delivered",
                text=SECRETS["contact"],
                occurred_at=at,
                created_at=at,
            )
        )
        survey = await conn.execute(
            sa.insert(surveys).values(
                merchant_id=shop_a,
                slug="after-delivery",
                title="After delivery",
                questions=[
                    {"id": "note", "kind": "csat", "label": "Out of 5?"},
                    {"id": "words", "kind": "free_text", "label": "In your words"},
                ],
                audience={},
                created_at=at,
                updated_at=at,
            )
        )
        await conn.execute(
            sa.insert(survey_answers).values(
                merchant_id=shop_a,
                shipment_id=shipment_id,
                survey_id=survey.inserted_primary_key[0],
                answers={"note": 1, "words": SECRETS["answer"]},
                carrier="colissimo",
                answered_at=at,
                updated_at=at,
            )
        )
        await conn.execute(
            sa.insert(products).values(
                merchant_id=shop_a,
                sku="ZOE-LAMP",
                title=SECRETS["product"],
                url="https://shop-a.example/lamp",
                created_at=at,
                updated_at=at,
            )
        )
        await conn.execute(
            sa.insert(recommendation_clicks).values(
                merchant_id=shop_a,
                shipment_id=shipment_id,
                sku="ZOE-LAMP",
                placement="page",
                position=1,
                clicked_at=at,
            )
        )
    return shipment_id


async def every_text(staff: Staff, paths: list[str]) -> dict[str, str]:
    """Each page, and each CSV it links to."""
    found: dict[str, str] = {}
    for path in paths:
        response = await staff.get(path + ("&" if "?" in path else "?") + "lang=en")
        assert response.status_code < 500, path
        found[path] = response.text
        for link in re.findall(r'href="([^"]*format=csv[^"]*)"', response.text):
            url = html.unescape(link)
            url = path.split("?")[0] + url if url.startswith("?") else url
            found[url] = (await staff.get(url)).text
    return found


async def test_a_user_never_reads_another_shops_rows(app: Starlette, engine: AsyncEngine) -> None:
    """Every page and CSV, read by shop B's admin, shows nothing of shop A, even when asked
    for shop A's shipment, order or answer by name; shop A's admin finds each of them."""
    shipment_id = await seed_shop_a(engine)
    pages = [concrete(r) for r in ROUTES if "GET" in r.methods and "{" not in r.path]
    asked = [
        f"/dashboard/shipments/{shipment_id}",
        f"/dashboard/problems?q={SECRETS['order']}",
        f"/dashboard/problems?q={SECRETS['email']}",
        f"/dashboard/satisfaction?q={quote(SECRETS['answer'])}",
    ]
    async with staff_client(app, engine, role="admin", merchant_slug="shop-a") as own:
        seen = "\n".join((await every_text(own, pages + asked)).values())
    assert [k for k, v in SECRETS.items() if v not in html.unescape(seen)] == []
    async with staff_client(app, engine, role="admin", merchant_slug="shop-b") as admin:
        for path, text in (await every_text(admin, pages + asked)).items():
            shown, typed = unquote(html.unescape(text)), unquote(path)  # a search shows its words
            assert [k for k, v in SECRETS.items() if v in shown and v not in typed] == [], path
            assert "shop-a.example" not in shown.replace(SECRETS["email"], ""), path
            assert "Shop shop-a" not in shown, path


async def test_pages_carry_the_back_office_headers(app: Starlette, engine: AsyncEngine) -> None:
    async with staff_client(app, engine, role="agent") as agent:
        response = await agent.get("/dashboard/")
    assert response.headers["content-security-policy"] == CSP
    assert "default-src 'none'" in CSP
    assert "frame-ancestors 'none'" in CSP
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    async with anonymous_client(app) as client:
        login = await client.get("/dashboard/login")
    assert login.headers["content-security-policy"] == CSP


async def test_unknown_dashboard_paths_get_the_dashboards_own_404(app: Starlette) -> None:
    async with anonymous_client(app) as client:
        response = await client.get("/dashboard/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-security-policy"] == CSP
    assert "/dashboard/static/dashboard.css" in response.text
