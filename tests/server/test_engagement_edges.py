"""Edges of the shopper-input paths: odd values get a 4xx, never a 500; a lost parcel offers
remedies; what a shopper typed leaves the API inert."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.notifications.ssrf import UnsafeUrl, check_public_url
from suivi_server.services import Services
from tests.server.engagement_support import SAME_ORIGIN, page, post_form, section, shipment_in
from tests.server.factories import bearer
from tests.server.survey_support import merchant_with_survey

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("url", ["https://[::1", "https://[zz]/hook", "https://exa mple.com/"])
async def test_a_broken_webhook_host_is_an_unsafe_url(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        await check_public_url(url)


async def test_setting_a_broken_webhook_url_is_a_422(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    _, _, key = await shipment_in(engine, None)
    answer = await client.put("/api/webhook", json={"url": "https://[::1"}, headers=bearer(key))
    assert answer.status_code == 422
    assert answer.json()["field"] == "url"


@pytest.mark.parametrize("path", ["optin/confirm", "optin/stop"])
async def test_an_odd_optin_id_is_a_clear_answer(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient, path: str
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    fields = {"optin_id": "²", "code": "123456"}
    answer = await post_form(client, services, shipment_id, path, "optin", fields)
    assert answer.status_code in (200, 303, 422)


@pytest.mark.parametrize("query", ["until=9999-12-31", "since=0001-01-01"])
async def test_survey_results_read_far_days_as_no_bound(
    engine: AsyncEngine, client: httpx.AsyncClient, query: str
) -> None:
    _, key, survey_id = await merchant_with_survey(engine, client)
    answer = await client.get(f"/api/surveys/{survey_id}/results?{query}", headers=bearer(key))
    everything = await client.get(f"/api/surveys/{survey_id}/results", headers=bearer(key))
    assert answer.status_code == 200
    assert answer.json() == everything.json()


async def test_contacts_since_the_first_century_means_from_the_start(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    _, shipment_id, key = await shipment_in(engine, None)
    contact = {
        "shipment_id": shipment_id,
        "channel": "phone",
        "reason": "where_is_my_order",
        "occurred_at": "2026-11-25T08:00:00+01:00",
    }
    assert (await client.post("/api/contacts", json=contact, headers=bearer(key))).is_success
    since = "0001-01-01T00:00:00%2B01:00"
    answer = await client.get(f"/api/contacts?since={since}", headers=bearer(key))
    assert answer.status_code == 200
    assert len(answer.json()["data"]) == 1


async def test_a_lost_parcel_offers_reship_refund_or_credit(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="exception", substatus="lost")
    html = section((await client.get(f"{page(services, shipment_id)}?lang=en")).text, "choices")
    for kind in ("reship", "refund", "store_credit"):
        assert f'value="{kind}"' in html
    chosen = await post_form(
        client, services, shipment_id, "choices", "choices", {"kind": "refund"}
    )
    assert chosen.status_code == 303


async def test_shopper_text_leaves_the_choices_and_contacts_api_inert(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, key = await shipment_in(engine, "refused")
    hostile = "<img src=x onerror=alert(1)>"
    fields = {"kind": "refusal", "was_me": "no", "reason": "not_me", "text": hostile}
    await post_form(client, services, shipment_id, "choices", "choices", fields)
    contact = {
        "shipment_id": shipment_id,
        "channel": "email",
        "reason": "where_is_my_order",
        "occurred_at": "2026-11-25T08:00:00+01:00",
        "text": hostile,
    }
    assert (await client.post("/api/contacts", json=contact, headers=bearer(key))).is_success
    for path in ("/api/choices", "/api/contacts"):
        answer = await client.get(path, headers=bearer(key))
        assert "<img" not in answer.text
        assert "\\u003cimg" in answer.text
        assert hostile in answer.text.encode().decode("unicode_escape")


async def test_a_form_body_without_length_is_bounded_while_it_streams(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "refused")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(64):
            yield b"text=" + b"x" * 1024 + b"&"

    headers = {**SAME_ORIGIN, "Content-Type": "application/x-www-form-urlencoded"}
    url = f"{page(services, shipment_id)}/choices?lang=en"
    answer = await client.post(url, content=chunks(), headers=headers)
    assert answer.status_code == 413
    assert "This form is too long." in answer.text
    other = await client.post(
        url, content=b"{}", headers={**SAME_ORIGIN, "Content-Type": "application/json"}
    )
    assert other.status_code == 415
