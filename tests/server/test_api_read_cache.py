"""GET /api/shipments/{id} reused for SUIVI_PAGE_RECHECK_SECONDS: per merchant, with its ETag;
this process's writes show at once, another process's (and a key revoked there) within it."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from suivi_server.api.read_cache import ReusedAnswers
from suivi_server.config import Settings
from suivi_server.recent_reads import RecentReads
from suivi_server.security import api_key_prefix
from suivi_server.services import Services
from suivi_server.storage.engine import create_engine
from suivi_server.storage.merchants import revoke_api_key
from suivi_server.storage.schema import api_keys, shipments
from tests.server.conftest import NOW
from tests.server.factories import bearer, create_merchant, create_shipment
from tests.server.recheck_support import INTERVAL, statements, timed_app

pytestmark = pytest.mark.anyio


@pytest.fixture
async def api(
    settings: Settings, engine: AsyncEngine, ticks: list[float]
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=timed_app(settings, engine, ticks))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        client.headers["Accept-Encoding"] = "identity"  # the ETag as kept, not weakened by gzip
        yield client


async def elsewhere(database_url: str, change: Callable[[AsyncConnection], Awaitable[Any]]) -> None:
    """A change made by another process (the worker, another web process, the CLI): its own
    engine, so this process does not see it being written."""
    other = create_engine(database_url)
    try:
        async with other.begin() as conn:
            await change(conn)
    finally:
        await other.dispose()


def set_status(shipment_id: int, status: str) -> Callable[[AsyncConnection], Awaitable[Any]]:
    return lambda conn: conn.execute(
        sa.update(shipments).where(shipments.c.id == shipment_id).values(status=status)
    )


async def test_a_read_within_the_interval_asks_the_database_nothing(
    api: httpx.AsyncClient, engine: AsyncEngine, ticks: list[float]
) -> None:
    merchant_id, key = await create_merchant(engine)
    path = f"/api/shipments/{await create_shipment(engine, merchant_id)}"
    first = await api.get(path, headers=bearer(key))
    ticks[0] += INTERVAL / 2 - 0.01  # from half the interval on, a hit reads the next answer
    with statements(engine) as seen:
        again = await api.get(path, headers=bearer(key))
    assert (again.status_code, again.json(), seen) == (200, first.json(), [])
    ticks[0] += INTERVAL
    with statements(engine) as seen:
        assert (await api.get(path, headers=bearer(key))).status_code == 200
    assert len(seen) == 2  # the key's merchant and the shipment, read again


async def test_zero_seconds_reads_on_every_request(
    settings: Settings, engine: AsyncEngine, ticks: list[float]
) -> None:
    merchant_id, key = await create_merchant(engine)
    path = f"/api/shipments/{await create_shipment(engine, merchant_id)}"
    app = timed_app(dataclasses.replace(settings, page_recheck_seconds=0), engine, ticks)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        with statements(engine) as seen:
            for _ in range(3):
                assert (await client.get(path, headers=bearer(key))).status_code == 200
    assert len(seen) == 6  # the key and the shipment, every time


async def test_the_answer_has_an_etag_and_if_none_match_gets_a_304(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, key = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id)
    path = f"/api/shipments/{shipment_id}"
    first = await api.get(path, headers=bearer(key))
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    for sent in (tag, "W/" + tag, f'"other", {tag}'):
        same = await api.get(path, headers={**bearer(key), "If-None-Match": sent})
        assert (same.status_code, same.content, same.headers["etag"]) == (304, b"", tag)
    stale = await api.get(path, headers={**bearer(key), "If-None-Match": '"other"'})
    assert (stale.status_code, stale.json()) == (200, first.json())
    await api.patch(path, json={"segment": "vip"}, headers=bearer(key))
    moved = await api.get(path, headers={**bearer(key), "If-None-Match": tag})
    assert (moved.status_code, moved.json()["segment"]) == (200, "vip")
    assert moved.headers["etag"] != tag


async def test_one_merchant_never_gets_another_merchants_answer(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ours, our_key = await create_merchant(engine)
    theirs, their_key = await create_merchant(engine, slug="atelier")
    our_id = await create_shipment(engine, ours)
    their_id = await create_shipment(engine, theirs, order_number="AT-9")
    ours_first = await api.get(f"/api/shipments/{our_id}", headers=bearer(our_key))
    tag = ours_first.headers["etag"]
    for headers in (bearer(their_key), {**bearer(their_key), "If-None-Match": tag}):
        refused = await api.get(f"/api/shipments/{our_id}", headers=headers)
        assert (refused.status_code, refused.json()["error"]) == (404, "not_found")
    own = await api.get(f"/api/shipments/{their_id}", headers=bearer(their_key))
    assert (own.status_code, own.json()["order_number"]) == (200, "AT-9")
    assert (await api.get(f"/api/shipments/{their_id}", headers=bearer(our_key))).status_code == 404
    again = await api.get(f"/api/shipments/{our_id}", headers=bearer(our_key))
    assert again.json() == ours_first.json()


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda api, path, key: api.patch(path, json={"segment": "vip"}, headers=key)),
        pytest.param(lambda api, path, key: api.post(path + "/refresh", headers=key)),
    ],
    ids=["patch", "refresh"],
)
async def test_a_write_through_the_api_shows_at_once_to_the_next_read(
    api: httpx.AsyncClient, engine: AsyncEngine, database_url: str, write: Any
) -> None:
    merchant_id, key = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id)
    path = f"/api/shipments/{shipment_id}"
    assert (await api.get(path, headers=bearer(key))).json()["status"] == "in_transit"
    await elsewhere(database_url, set_status(shipment_id, "delivered"))
    assert (await api.get(path, headers=bearer(key))).json()["status"] == "in_transit"
    assert (await write(api, path, bearer(key))).status_code in (200, 202)
    after = (await api.get(path, headers=bearer(key))).json()
    assert after["status"] == "delivered"  # the write dropped what was kept, not only its own


async def test_a_change_of_another_process_shows_within_the_interval(
    api: httpx.AsyncClient, engine: AsyncEngine, database_url: str, ticks: list[float]
) -> None:
    merchant_id, key = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id)
    path = f"/api/shipments/{shipment_id}"
    tag = (await api.get(path, headers=bearer(key))).headers["etag"]
    await elsewhere(database_url, set_status(shipment_id, "delivered"))
    ticks[0] += INTERVAL - 0.01
    kept = await api.get(path, headers={**bearer(key), "If-None-Match": tag})
    assert kept.status_code == 304
    ticks[0] += 0.01
    moved = await api.get(path, headers={**bearer(key), "If-None-Match": tag})
    assert (moved.status_code, moved.json()["status"]) == (200, "delivered")


def revoke(key: str) -> Callable[[AsyncConnection], Awaitable[Any]]:
    return lambda conn: revoke_api_key(conn, key, NOW)


def delete(key: str) -> Callable[[AsyncConnection], Awaitable[Any]]:
    return lambda conn: conn.execute(
        sa.delete(api_keys).where(api_keys.c.prefix == api_key_prefix(key))
    )


@pytest.mark.parametrize("change", [revoke, delete], ids=["revoked", "deleted"])
async def test_a_key_revoked_or_deleted_elsewhere_stops_within_the_interval(
    api: httpx.AsyncClient,
    engine: AsyncEngine,
    database_url: str,
    ticks: list[float],
    change: Callable[[str], Callable[[AsyncConnection], Awaitable[Any]]],
) -> None:
    merchant_id, key = await create_merchant(engine)
    path = f"/api/shipments/{await create_shipment(engine, merchant_id)}"
    tag = (await api.get(path, headers=bearer(key))).headers["etag"]
    await elsewhere(database_url, change(key))
    ticks[0] += INTERVAL - 0.01
    assert (await api.get(path, headers=bearer(key))).status_code == 200
    ticks[0] += 0.01
    for headers in ({}, {"If-None-Match": tag}):
        refused = await api.get(path, headers={**bearer(key), **headers})
        assert (refused.status_code, refused.json()["error"]) == (401, "unauthorized")


async def test_an_unknown_shipment_is_not_kept(
    api: httpx.AsyncClient, engine: AsyncEngine, database_url: str
) -> None:
    merchant_id, key = await create_merchant(engine)
    path = f"/api/shipments/{await create_shipment(engine, merchant_id) + 1}"
    assert (await api.get(path, headers=bearer(key))).status_code == 404

    async def arrives(conn: AsyncConnection) -> None:
        row = (await conn.execute(sa.select(shipments))).mappings().one()
        values = {**row, "id": row["id"] + 1, "order_number": "CMD-1002"}
        await conn.execute(sa.insert(shipments).values(values))

    await elsewhere(database_url, arrives)
    found = await api.get(path, headers=bearer(key))
    assert (found.status_code, found.json()["order_number"]) == (200, "CMD-1002")


async def test_an_answer_other_than_200_is_given_as_it_is_and_not_kept(
    services: Services,
) -> None:
    answers = ReusedAnswers(services)
    request = Request({"type": "http", "path": "/api/x", "query_string": b"", "headers": []})
    calls: list[int] = []

    async def read() -> Response:
        calls.append(1)
        status = 202 if len(calls) == 1 else 200
        return JSONResponse({"call": len(calls)}, status_code=status)

    async def slow_read() -> Response:
        await asyncio.sleep(0)  # the second request arrives while the first one reads
        return await read()

    first, same = await asyncio.gather(
        answers.respond(request, 1, slow_read), answers.respond(request, 1, slow_read)
    )
    assert len(calls) == 1  # the two requests shared one read
    assert (first.status_code, first.body) == (202, b'{"call":1}')
    assert "ETag" not in first.headers
    # each request gets its own copy: a middleware editing one's headers leaves the other's
    assert same is not first
    first.headers["Content-Encoding"] = "gzip"
    assert (same.status_code, same.body, "content-encoding" in same.headers) == (
        202,
        b'{"call":1}',
        False,
    )
    second = await answers.respond(request, 1, read)
    assert (second.status_code, second.body, len(calls)) == (200, b'{"call":2}', 2)
    assert (await answers.respond(request, 1, read)).body == b'{"call":2}'  # 200 is kept


class Writes:
    generation = 0


async def test_from_half_the_interval_a_hit_answers_at_once_and_reads_the_next_answer(
    ticks: list[float],
) -> None:
    """Under steady load no request waits for a read: the next one starts while the kept
    answer is still within the interval."""
    reads = RecentReads(
        Writes(), INTERVAL, size=4, monotonic=lambda: ticks[0], refresh_after=INTERVAL / 2
    )
    started: list[int] = []

    def read(value: int) -> Callable[[], Awaitable[int]]:
        def start() -> Awaitable[int]:
            started.append(value)
            return asyncio.sleep(0, result=value)

        return start

    assert await reads.get("shipment", read(1)) == 1
    ticks[0] += INTERVAL / 2 - 0.01
    assert (await reads.get("shipment", read(2)), started) == (1, [1])
    ticks[0] += 0.02
    assert (await reads.get("shipment", read(2)), started) == (1, [1, 2])  # kept, 2 on its way
    assert (await reads.get("shipment", read(3)), started) == (1, [1, 2])  # one read at a time
    ticks[0] += INTERVAL / 2 + 0.01  # the first answer is too old: the second one answers
    assert await reads.get("shipment", read(4)) == 2
