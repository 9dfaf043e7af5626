"""One-click unsubscribe: a GET only asks, the POST (a mail client's or the page's) records it."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.notifications.optouts import is_opted_out
from suivi_server.notifications.unsubscribe import UnsubscribeLinks
from tests.server.conftest import SECRET_KEYS
from tests.server.factories import create_merchant

pytestmark = pytest.mark.anyio
ONE_CLICK = b"List-Unsubscribe=One-Click"  # RFC 8058: what a mail client POSTs
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LINKS = UnsubscribeLinks(SECRET_KEYS, "http://testserver")


async def opted_out(engine: AsyncEngine, merchant_id: int, address: str) -> bool:
    async with engine.connect() as conn:
        return await is_opted_out(conn, merchant_id, "email", address)


def path(merchant_id: int, address: str = "camille@example.com") -> str:
    return LINKS.url(merchant_id, "email", address).removeprefix("http://testserver")


def test_a_link_names_its_merchant_channel_and_address() -> None:
    url = LINKS.url(3, "email", "camille@example.com")
    assert url.startswith("http://testserver/u/")
    assert LINKS.verify(url.rsplit("/", 1)[1]) == (3, "email", "camille@example.com")


def test_a_link_may_choose_the_pages_language() -> None:
    assert LINKS.url(3, "email", "camille@example.com", lang="en").endswith("?lang=en")


def test_a_link_signed_before_a_key_rotation_still_verifies() -> None:
    previous = UnsubscribeLinks(SECRET_KEYS[1:], "http://testserver")
    token = previous.url(3, "email", "camille@example.com").rsplit("/", 1)[1]
    assert LINKS.verify(token) == (3, "email", "camille@example.com")


def test_forged_and_foreign_tokens_do_not_verify() -> None:
    token = LINKS.url(3, "email", "camille@example.com").rsplit("/", 1)[1]
    stranger = UnsubscribeLinks(("another-secret-0123456789abcdefghijkl",), "http://x")
    assert LINKS.verify(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert LINKS.verify(stranger.url(3, "email", "camille@example.com").rsplit("/", 1)[1]) is None
    assert LINKS.verify("not-a-token") is None


async def test_opening_the_link_asks_without_unsubscribing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    response = await client.get(path(merchant_id), params={"lang": "en"})
    assert response.status_code == 200
    assert "Stop emails about your orders from Maison Lumière?" in response.text
    assert f'<form method="post" action="{path(merchant_id)}">' in response.text
    assert 'name="List-Unsubscribe" value="One-Click"' in response.text
    assert response.headers["cache-control"] == "no-store"
    assert not await opted_out(engine, merchant_id, "camille@example.com")


async def test_the_page_speaks_the_merchants_language_by_default(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    response = await client.get(path(merchant_id))
    assert '<html lang="fr">' in response.text
    assert "Ne plus recevoir d’e-mails de Maison Lumière sur vos commandes\u202f?" in response.text


async def test_a_one_click_post_unsubscribes_without_cookie_or_csrf_token(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    response = await client.post(
        path(merchant_id, "Camille@Example.com"),
        headers=FORM,
        params={"lang": "en"},
        content=ONE_CLICK,
    )
    assert response.status_code == 200
    assert "You will no longer receive these messages from Maison Lumière." in response.text
    assert await opted_out(engine, merchant_id, "camille@example.com")


async def test_unsubscribing_twice_is_fine_and_the_link_then_says_it_is_done(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    for _ in range(2):
        response = await client.post(path(merchant_id), headers=FORM, content=ONE_CLICK)
        assert response.status_code == 200
    again = await client.get(path(merchant_id), params={"lang": "en"})
    assert "You will no longer receive these messages" in again.text
    assert "<form" not in again.text


async def test_an_opt_out_is_for_one_merchant_only(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    other_id, _ = await create_merchant(engine, slug="atelier", name="Atelier Brun")
    await client.post(path(merchant_id), headers=FORM, content=ONE_CLICK)
    assert not await opted_out(engine, other_id, "camille@example.com")


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_forged_token_answers_the_not_found_page_and_records_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine, method: str
) -> None:
    merchant_id, _ = await create_merchant(engine)
    forged = path(merchant_id)[:-3] + "xyz"
    response = await client.request(method, forged, headers=FORM, content=ONE_CLICK)
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert not await opted_out(engine, merchant_id, "camille@example.com")


async def test_a_link_for_a_merchant_that_is_gone_answers_not_found(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    response = await client.post(path(999), headers=FORM, content=ONE_CLICK)
    assert response.status_code == 404
