"""Signing in and out of the dashboard: the session cookie, failures that tell nothing, the
rate limit, expiry on a fixed clock, logout, and a password change ending other sessions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import argon2
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.dashboard.sessions import IDLE, LIFETIME
from suivi_server.storage.schema import dashboard_sessions, lookup_attempts
from tests.server.conftest import NOW, SECRET_KEYS
from tests.server.dashboard_support import (  # noqa: F401 (fixtures)
    PASSWORD,
    anonymous_client,
    cheap_passwords,
    create_user,
    dashboard_login,
    merchant_id_for,
    staff_client,
)

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("cheap_passwords")]
EMAIL = "camille@maison-lumiere.example"


@pytest.fixture
async def camille(engine: AsyncEngine) -> int:
    merchant_id = await merchant_id_for(engine, "maison-lumiere")
    return await create_user(engine, merchant_id, EMAIL, role="agent")


@pytest.fixture
async def client(app: Starlette) -> Iterator[httpx.AsyncClient]:
    async with anonymous_client(app) as client:
        yield client


async def session_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(
            (
                await conn.execute(sa.select(sa.func.count()).select_from(dashboard_sessions))
            ).scalar_one()
        )


async def test_signing_in_opens_a_session_and_goes_where_the_user_was_heading(
    client: httpx.AsyncClient, camille: int, engine: AsyncEngine
) -> None:
    response = await dashboard_login(client, EMAIL.upper(), next="/dashboard/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/account"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("suivi_dash=")  # plain http: no __Host- prefix, no Secure
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    async with engine.connect() as conn:
        stored = (await conn.execute(sa.select(dashboard_sessions.c.token_hash))).scalar_one()
    assert stored != token  # only the hash is kept
    assert (await client.get("/dashboard/account")).status_code == 200


async def test_over_https_the_cookie_is_host_only_and_secure(
    engine: AsyncEngine, database_url: str, tmp_path: Path, camille: int
) -> None:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_keys=SECRET_KEYS,
        public_url="https://track.example",
    )
    app = create_app(settings, engine=engine, migrate=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://track.example") as client:
        response = await client.post(
            "/dashboard/login",
            data={"email": EMAIL, "password": PASSWORD},
            headers={"Origin": "https://track.example"},
        )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-suivi_dash=")
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie


async def test_an_outside_next_is_ignored(client: httpx.AsyncClient, camille: int) -> None:
    for outside in ("https://evil.example/", "//evil.example/dashboard", "/dashboard\\@evil"):
        response = await dashboard_login(client, EMAIL, next=outside)
        assert response.headers["location"] == "/dashboard/"


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: httpx.AsyncClient, camille: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    verify = argon2.PasswordHasher.verify

    def counting(self: argon2.PasswordHasher, hash: str, password: str) -> bool:
        checks.append(hash)
        return verify(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    wrong = await dashboard_login(client, EMAIL, "not the right one at all")
    unknown = await dashboard_login(client, "nobody@maison-lumiere.example", PASSWORD)
    assert wrong.status_code == unknown.status_code == 400
    assert "set-cookie" not in wrong.headers
    assert "set-cookie" not in unknown.headers
    same = unknown.text.replace("nobody@maison-lumiere.example", EMAIL)
    assert wrong.text == same
    assert len(checks) == 2  # the unknown address was checked against a hash too


async def test_a_disabled_account_cannot_sign_in(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id = await merchant_id_for(engine, "maison-lumiere")
    user_id = await create_user(engine, merchant_id, EMAIL)
    from suivi_server.storage.schema import dashboard_users

    async with engine.begin() as conn:
        await conn.execute(
            sa.update(dashboard_users)
            .where(dashboard_users.c.id == user_id)
            .values(disabled_at=datetime.now().astimezone())
        )
    assert (await dashboard_login(client, EMAIL)).status_code == 400


async def test_failures_are_limited_per_account_for_a_quarter_of_an_hour(
    client: httpx.AsyncClient, camille: int, clock: list[datetime]
) -> None:
    await client.get("/dashboard/login", params={"lang": "en"})  # the message is read in English
    for _ in range(10):
        assert (await dashboard_login(client, EMAIL, "wrong password here")).status_code == 400
    blocked = await dashboard_login(client, EMAIL)  # even the right password waits
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "900"
    assert "Too many failed attempts" in blocked.text
    clock[0] = NOW + timedelta(minutes=14, seconds=59)
    assert (await dashboard_login(client, EMAIL)).status_code == 429
    clock[0] = NOW + timedelta(minutes=15)
    assert (await dashboard_login(client, EMAIL)).status_code == 303


async def test_failures_are_limited_per_client_address(
    client: httpx.AsyncClient, camille: int
) -> None:
    for n in range(30):  # thirty different accounts guessed from one address
        response = await dashboard_login(client, f"guess{n}@maison-lumiere.example", "x" * 12)
        assert response.status_code == 400
    assert (await dashboard_login(client, EMAIL)).status_code == 429


async def test_the_shopper_lookups_pruning_forgets_only_its_own_misses(
    client: httpx.AsyncClient, camille: int, clock: list[datetime], engine: AsyncEngine
) -> None:
    unknown_parcel = "/maison-lumiere/track/colissimo/6A00000000000"
    assert (await client.get(unknown_parcel)).status_code == 404  # a lookup miss at NOW
    for _ in range(10):
        assert (await dashboard_login(client, EMAIL, "wrong password here")).status_code == 400
    clock[0] = NOW + timedelta(minutes=2)
    assert (await client.get(unknown_parcel)).status_code == 404  # prunes the lookup's past
    async with engine.connect() as conn:
        seconds = (await conn.execute(sa.select(lookup_attempts.c.second))).scalars().all()
    now, before = int(clock[0].timestamp()), int(NOW.timestamp())
    assert sorted(seconds) == [before, before, now]  # address and account at NOW, lookup now
    clock[0] = NOW + timedelta(minutes=14)
    assert (await dashboard_login(client, EMAIL)).status_code == 429


async def test_successful_logins_are_not_counted(client: httpx.AsyncClient, camille: int) -> None:
    for _ in range(8):
        assert (await dashboard_login(client, EMAIL)).status_code == 303


async def test_the_login_form_refuses_posts_from_another_site(
    client: httpx.AsyncClient, camille: int
) -> None:
    response = await client.post(
        "/dashboard/login",
        data={"email": EMAIL, "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


async def test_an_idle_session_ends(
    app: Starlette, engine: AsyncEngine, clock: list[datetime]
) -> None:
    async with staff_client(app, engine) as staff:
        clock[0] += IDLE - timedelta(minutes=1)
        assert (await staff.get("/dashboard/")).status_code == 200
        clock[0] += IDLE - timedelta(minutes=1)  # active a moment ago: still open
        assert (await staff.get("/dashboard/")).status_code == 200
        clock[0] += IDLE
        response = await staff.get("/dashboard/")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/dashboard/login")
    assert await session_count(engine) == 0


async def test_a_session_ends_after_its_lifetime_however_active(
    app: Starlette, engine: AsyncEngine, clock: list[datetime]
) -> None:
    start = clock[0]
    async with staff_client(app, engine) as staff:
        while clock[0] < start + LIFETIME - timedelta(hours=1):
            clock[0] += timedelta(hours=1)
            assert (await staff.get("/dashboard/")).status_code == 200
        clock[0] = start + LIFETIME
        assert (await staff.get("/dashboard/")).status_code == 303


async def test_logout_deletes_the_session(app: Starlette, engine: AsyncEngine) -> None:
    async with staff_client(app, engine) as staff:
        cookies = dict(staff.client.cookies)
        response = await staff.post("/dashboard/logout")
        assert response.status_code == 303
        assert response.headers["location"] == "/dashboard/login"
        assert await session_count(engine) == 0
        staff.client.cookies.update(cookies)  # the old cookie, replayed
        assert (await staff.get("/dashboard/")).status_code == 303


async def test_changing_the_password_ends_the_other_sessions(
    app: Starlette, engine: AsyncEngine
) -> None:
    async with staff_client(app, engine, email=EMAIL) as staff, anonymous_client(app) as laptop:
        assert (await dashboard_login(laptop, EMAIL)).status_code == 303
        new = "another long passphrase"
        refused = await staff.post(
            "/dashboard/account/password",
            {"current": "not my password!", "password": new, "confirm": new},
        )
        assert refused.status_code == 400
        changed = await staff.post(
            "/dashboard/account/password", {"current": PASSWORD, "password": new, "confirm": new}
        )
        assert changed.status_code == 303
        assert (await laptop.get("/dashboard/")).status_code == 303
        assert (await staff.get("/dashboard/account")).status_code == 200
        async with anonymous_client(app) as other:
            assert (await dashboard_login(other, EMAIL, PASSWORD)).status_code == 400
            assert (await dashboard_login(other, EMAIL, new)).status_code == 303


async def test_a_new_password_must_be_long_and_not_the_email(
    app: Starlette, engine: AsyncEngine
) -> None:
    async with staff_client(app, engine, email=EMAIL) as staff:
        for new in ("short", EMAIL):
            response = await staff.post(
                "/dashboard/account/password",
                {"current": PASSWORD, "password": new, "confirm": new},
            )
            assert response.status_code == 400


async def test_the_language_picked_is_remembered(app: Starlette, engine: AsyncEngine) -> None:
    async with staff_client(app, engine) as staff:
        first = await staff.get("/dashboard/?lang=en")
        assert '<html lang="en">' in first.text
        assert first.cookies.get("suivi_dash_lang") == "en"
        assert '<html lang="en">' in (await staff.get("/dashboard/account")).text
        assert '<html lang="fr">' in (await staff.get("/dashboard/?lang=fr")).text


async def test_a_flash_message_is_shown_once(app: Starlette, engine: AsyncEngine) -> None:
    async with staff_client(app, engine, email=EMAIL) as staff:
        new = "another long passphrase"
        await staff.post(
            "/dashboard/account/password", {"current": PASSWORD, "password": new, "confirm": new}
        )
        shown = await staff.get("/dashboard/account?lang=en")
        assert "Your password is changed" in shown.text
        again = await staff.get("/dashboard/account?lang=en")
        assert "Your password is changed" not in again.text
