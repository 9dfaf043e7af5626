"""The shopper's link: signed, tamper-evident, and still valid after a secret rotation."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.security import InvalidToken, PageTokens
from suivi_server.services import Services
from tests.server.conftest import SECRET_KEYS
from tests.server.factories import bearer, create_merchant, create_shipment

pytestmark = pytest.mark.anyio


@pytest.fixture
async def token(client: httpx.AsyncClient, engine: AsyncEngine) -> tuple[int, str]:
    merchant_id, key = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id)
    response = await client.get(f"/api/shipments/{shipment_id}/page-url", headers=bearer(key))
    assert response.status_code == 200
    url = response.json()["url"]
    assert url.startswith("http://testserver/t/")
    return shipment_id, url.rsplit("/", 1)[1]


async def test_the_link_verifies_to_its_shipment(
    token: tuple[int, str], services: Services
) -> None:
    shipment_id, signed = token
    assert services.tokens.verify(signed) == shipment_id


@pytest.mark.parametrize("position", [0, 5, -3, -8])  # the last base64 char carries padding bits
async def test_an_altered_token_fails(
    token: tuple[int, str], services: Services, position: int
) -> None:
    _, signed = token
    chars = list(signed)
    chars[position] = "A" if chars[position] != "A" else "B"
    with pytest.raises(InvalidToken):
        services.tokens.verify("".join(chars))


async def test_a_token_for_another_id_cannot_be_forged_by_swapping_the_payload(
    token: tuple[int, str], services: Services
) -> None:
    shipment_id, signed = token
    other = PageTokens(("attacker-secret-0123456789abcdefghij",)).sign(shipment_id + 1)
    forged = other.split(".")[0] + "." + ".".join(signed.split(".")[1:])
    with pytest.raises(InvalidToken):
        services.tokens.verify(forged)


async def test_a_token_signed_with_another_secret_fails(services: Services) -> None:
    with pytest.raises(InvalidToken):
        services.tokens.verify(PageTokens(("someone-else-0123456789abcdefghijkl",)).sign(1))


async def test_a_token_signed_with_the_previous_secret_still_verifies(
    services: Services,
) -> None:
    before_rotation = PageTokens(SECRET_KEYS[1:]).sign(42)
    assert services.tokens.verify(before_rotation) == 42
    assert PageTokens(SECRET_KEYS[1:]).sign(42) != services.tokens.sign(42)
