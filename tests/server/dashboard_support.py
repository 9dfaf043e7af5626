"""Dashboard test helpers: staff accounts inserted directly, and clients signed in through the
real login form (so every request carries a real session cookie and CSRF token)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.dashboard import passwords, sessions, users
from suivi_server.storage.schema import dashboard_sessions, dashboard_users, merchants
from tests.server.conftest import NOW
from tests.server.factories import create_merchant

PASSWORD = "a long enough passphrase"
BASE_URL = "http://testserver"
SAME_ORIGIN = {"Origin": BASE_URL, "Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2id at the library's CHEAPEST profile (made for tests): the real cost is about a
    second per hash on a busy machine, and these tests hash and verify dozens of times."""
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
    passwords._dummy.cache_clear()
    yield
    passwords._dummy.cache_clear()


async def create_user(
    engine: AsyncEngine,
    merchant_id: int,
    email: str,
    *,
    role: str = "agent",
    name: str = "Camille Martin",
    password: str = PASSWORD,
) -> int:
    """An active staff account (invitation already accepted)."""
    async with engine.begin() as conn:
        user_id = await conn.scalar(
            sa.insert(dashboard_users)
            .returning(dashboard_users.c.id)
            .values(
                merchant_id=merchant_id,
                email=email.lower(),
                name=name,
                role=role,
                password_hash=passwords.hash_password(password),
                created_at=NOW,
            )
        )
    return int(user_id)


async def merchant_id_for(engine: AsyncEngine, slug: str) -> int:
    """The merchant of that slug, created when missing."""
    async with engine.connect() as conn:
        found = (
            await conn.execute(sa.select(merchants.c.id).where(merchants.c.slug == slug))
        ).scalar()
    if found is not None:
        return int(found)
    merchant_id, _ = await create_merchant(engine, slug, name=f"Shop {slug}")
    return merchant_id


async def dashboard_login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    """Post the login form as the browser would (same origin)."""
    data = {"email": email, "password": password, **extra}
    return await client.post("/dashboard/login", data=data, headers=SAME_ORIGIN)


@dataclass
class Staff:
    """A signed-in client; `post` adds what a form of our own page carries."""

    client: httpx.AsyncClient
    engine: AsyncEngine
    user_id: int
    merchant_id: int
    email: str
    session_token: str

    async def csrf_token(self) -> str:
        """This client's session's token (the user may hold other sessions)."""
        query = sa.select(dashboard_sessions.c.csrf_token).where(
            dashboard_sessions.c.token_hash == users.token_hash(self.session_token)
        )
        async with self.engine.connect() as conn:
            return str((await conn.execute(query)).scalar())

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, **kwargs)

    async def post(
        self, path: str, data: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        fields = {"csrf_token": await self.csrf_token(), **(data or {})}
        headers = {**SAME_ORIGIN, **kwargs.pop("headers", {})}
        return await self.client.post(path, data=fields, headers=headers, **kwargs)


def anonymous_client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)


@asynccontextmanager
async def staff_client(
    app: Starlette,
    engine: AsyncEngine,
    *,
    role: str = "agent",
    merchant_slug: str = "maison-lumiere",
    email: str | None = None,
) -> AsyncIterator[Staff]:
    """A client holding a session of a new `role` user of `merchant_slug` (created when
    missing); the session is opened directly, sparing each test an argon2 verification."""
    merchant_id = await merchant_id_for(engine, merchant_slug)
    email = email or f"{role}@{merchant_slug}.example"
    user_id = await create_user(engine, merchant_id, email, role=role)
    async with engine.begin() as conn:
        found = await users.by_email(conn, email)
        assert found is not None
        token = await sessions.open_session(conn, found, app.state.services.clock())
    async with anonymous_client(app) as client:
        client.cookies.set(sessions.cookie_name(app.state.services.settings), token)
        yield Staff(client, engine, user_id, merchant_id, email, token)


@pytest.fixture(name="dashboard_client")
async def dashboard_client_fixture(app: Starlette, engine: AsyncEngine) -> AsyncIterator[Staff]:
    """An admin of maison-lumiere, signed in (import this name, request `dashboard_client`)."""
    async with staff_client(app, engine, role="admin") as staff:
        yield staff
