"""Reads reused for SUIVI_PAGE_RECHECK_SECONDS: a hit asks the database nothing within the
interval, this process's own writes show at once, another process's within the interval."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import itsdangerous
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.config import ConfigError, Settings, load_settings
from suivi_server.recent_reads import settle_reads
from suivi_server.security import InvalidToken, PageTokens
from suivi_server.storage.engine import create_engine
from suivi_server.storage.merchants import revoke_api_key
from tests.server.conftest import NOW, SECRET_KEYS
from tests.server.factories import add_event, bearer, create_merchant, create_shipment
from tests.server.pages_support import page_client
from tests.server.recheck_support import INTERVAL, statements, timed_app

pytestmark = pytest.mark.anyio

PAGES = ("/t/{token}", "/t/{token}/status", "/embed/{token}")


@pytest.fixture
async def pages(
    settings: Settings, engine: AsyncEngine, ticks: list[float]
) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(timed_app(settings, engine, ticks)) as client:
        client.headers["Accept-Encoding"] = "identity"
        yield client


async def page_path(engine: AsyncEngine, route: str = "/t/{token}/status") -> tuple[int, str]:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id)
    return shipment_id, route.format(token=PageTokens(SECRET_KEYS).sign(shipment_id))


@pytest.mark.parametrize("route", PAGES)
async def test_a_hit_within_the_interval_asks_the_database_nothing(
    pages: httpx.AsyncClient, engine: AsyncEngine, ticks: list[float], route: str
) -> None:
    _, path = await page_path(engine, route)
    tag = (await pages.get(path)).headers["etag"]
    ticks[0] += INTERVAL / 2 - 0.01
    with statements(engine) as seen:
        again = await pages.get(path, headers={"If-None-Match": tag})
        full = await pages.get(path)
    assert (again.status_code, full.status_code, seen) == (304, 200, [])
    ticks[0] += INTERVAL / 2 + 0.01
    with statements(engine) as seen:
        later = await pages.get(path, headers={"If-None-Match": tag})
    assert later.status_code == 304
    assert len(seen) == 1  # the versions probe, once per interval


async def test_from_half_the_interval_a_hit_reads_the_next_versions_in_the_background(
    pages: httpx.AsyncClient, engine: AsyncEngine, ticks: list[float]
) -> None:
    """Under steady load no request waits for the probe: a hit past half the interval answers
    from what it has and starts the next probe, which then answers the requests after it."""
    _, path = await page_path(engine)
    tag = (await pages.get(path)).headers["etag"]
    ticks[0] += INTERVAL * 0.6
    with statements(engine) as seen:
        assert (await pages.get(path, headers={"If-None-Match": tag})).status_code == 304
        await settle_reads()  # the probe runs on its own, after the answer
    assert len(seen) == 1
    ticks[0] += INTERVAL * 0.45  # past the first probe's interval, not the second's
    with statements(engine) as seen:
        assert (await pages.get(path, headers={"If-None-Match": tag})).status_code == 304
    assert seen == []


async def test_a_write_of_this_process_shows_at_once(
    pages: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    shipment_id, path = await page_path(engine)
    quiet = await pages.get(path)
    await add_event(engine, shipment_id, NOW - timedelta(hours=1), "in_transit", "PCHTRI", "Tri")
    moved = await pages.get(path, headers={"If-None-Match": quiet.headers["etag"]})
    assert moved.status_code == 200
    assert moved.headers["etag"] != quiet.headers["etag"]


async def test_a_write_of_another_process_shows_within_the_interval(
    pages: httpx.AsyncClient, engine: AsyncEngine, database_url: str, ticks: list[float]
) -> None:
    shipment_id, path = await page_path(engine)
    tag = (await pages.get(path)).headers["etag"]
    other = create_engine(database_url)  # another web process or the worker: its own pool
    try:
        await add_event(other, shipment_id, NOW - timedelta(hours=1), "in_transit", "PCH", "Tri")
    finally:
        await other.dispose()
    assert (await pages.get(path, headers={"If-None-Match": tag})).status_code == 304
    ticks[0] += INTERVAL
    moved = await pages.get(path, headers={"If-None-Match": tag})
    assert moved.status_code == 200
    assert moved.headers["etag"] != tag


async def test_zero_seconds_reads_the_versions_on_every_request(
    settings: Settings, engine: AsyncEngine, ticks: list[float]
) -> None:
    _, path = await page_path(engine)
    app = timed_app(dataclasses.replace(settings, page_recheck_seconds=0), engine, ticks)
    async with page_client(app) as client:
        tag = (await client.get(path)).headers["etag"]
        with statements(engine) as seen:
            for _ in range(3):
                assert (await client.get(path, headers={"If-None-Match": tag})).status_code == 304
    assert len(seen) == 3


async def test_a_key_revoked_elsewhere_stops_within_the_interval_here_at_once(
    settings: Settings, engine: AsyncEngine, database_url: str, ticks: list[float]
) -> None:
    _, first_key = await create_merchant(engine)
    _, second_key = await create_merchant(engine, slug="atelier")
    transport = httpx.ASGITransport(app=timed_app(settings, engine, ticks))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        for key in (first_key, second_key):
            assert (await api.get("/api/shipments", headers=bearer(key))).status_code == 200
        other = create_engine(database_url)  # `suivi keys revoke` in its own process
        try:
            async with other.begin() as conn:
                assert await revoke_api_key(conn, first_key, NOW)
        finally:
            await other.dispose()
        assert (await api.get("/api/shipments", headers=bearer(first_key))).status_code == 200
        ticks[0] += INTERVAL
        refused = await api.get("/api/shipments", headers=bearer(first_key))
        assert refused.status_code == 401
        async with engine.begin() as conn:
            assert await revoke_api_key(conn, second_key, NOW)
        assert (await api.get("/api/shipments", headers=bearer(second_key))).status_code == 401


def test_a_link_is_verified_once_however_often_it_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checks: list[str | bytes] = []
    unsign = itsdangerous.TimestampSigner.unsign

    def counted(self: itsdangerous.TimestampSigner, value: str | bytes, **options: Any) -> Any:
        checks.append(value)
        return unsign(self, value, **options)

    monkeypatch.setattr(itsdangerous.TimestampSigner, "unsign", counted)
    tokens = PageTokens(SECRET_KEYS)
    token, other = tokens.sign(1), tokens.sign(2, expires_at=NOW + timedelta(days=1))
    grants = [tokens.grant(t) for t in (token, token, other, token, other)]
    assert [g.shipment_id for g in grants] == [1, 1, 2, 1, 2]
    assert len(checks) == 2
    with pytest.raises(InvalidToken):
        tokens.grant(token[:-2] + "xx")


@pytest.mark.parametrize(("value", "seconds"), [("1", 1.0), ("0", 0.0), ("0.25", 0.25)])
def test_the_interval_is_read_from_the_environment(value: str, seconds: float) -> None:
    environ = {"SUIVI_SECRET_KEYS": SECRET_KEYS[0], "SUIVI_PAGE_RECHECK_SECONDS": value}
    assert load_settings(environ).page_recheck_seconds == seconds


@pytest.mark.parametrize("value", ["-1", "soon", "nan", "inf"])
def test_an_interval_that_is_not_seconds_is_refused(value: str) -> None:
    environ = {"SUIVI_SECRET_KEYS": SECRET_KEYS[0], "SUIVI_PAGE_RECHECK_SECONDS": value}
    with pytest.raises(ConfigError, match="SUIVI_PAGE_RECHECK_SECONDS"):
        load_settings(environ)


def test_the_default_interval_is_one_second() -> None:
    assert load_settings({"SUIVI_SECRET_KEYS": SECRET_KEYS[0]}).page_recheck_seconds == INTERVAL
