"""Shopper choices: offered by the situation, stored with the status of the moment, shown back,
replaced on a change of mind, sent to the merchant's webhook in the same transaction, listed and
handled through the API; bad input refused without a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.engagement import choice_store
from suivi_server.engagement.choices import CHOICES
from suivi_server.services import Services
from suivi_server.storage.schema import notifications, shipment_situations, shopper_choices
from tests.server.conftest import NOW
from tests.server.engagement_support import (
    HTMX,
    add_situation,
    page,
    post_form,
    section,
    shipment_in,
)
from tests.server.factories import bearer
from tests.server.pages_support import page_client

pytestmark = pytest.mark.anyio

ADDRESS = {"line1": "3 rue des Lilas", "line2": "Bât. B", "postcode": "75020", "city": "Paris"}
# situation, kind, fields sent, details stored
EVERY_CHOICE: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
    ("address_problem", "confirm_address", {}, {}),
    ("address_problem", "correct_address", ADDRESS, {**ADDRESS, "country": "FR"}),
    ("returned_to_sender", "reship", {}, {}),
    ("returned_to_sender", "refund", {}, {}),
    ("returned_to_sender", "store_credit", {}, {}),
    ("refused", "refund", {}, {}),
    (
        "refused",
        "refusal",
        {"was_me": "no", "reason": "not_me", "text": "Personne n'a sonné"},
        {"was_me": "no", "reason": "not_me", "text": "Personne n'a sonné"},
    ),
    (
        "refused",
        "refusal",
        {"was_me": "yes", "reason": "too_late"},
        {"was_me": "yes", "reason": "too_late"},
    ),
    ("delivered", "not_received", {}, {}),
]


async def rows(engine: AsyncEngine, table: sa.Table) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(table).order_by(table.c.id))).all())


@pytest.fixture
async def pages(app: Any) -> Any:
    async with page_client(app) as client:
        yield client


def test_every_choice_kind_is_covered() -> None:
    assert {kind for _, kind, _, _ in EVERY_CHOICE} | {"found_it"} == set(CHOICES)


@pytest.mark.parametrize(("situation", "kind", "fields", "details"), EVERY_CHOICE)
async def test_each_choice_is_stored_with_the_moment_and_planned_for_the_webhook(
    engine: AsyncEngine,
    services: Services,
    client: httpx.AsyncClient,
    situation: str,
    kind: str,
    fields: dict[str, str],
    details: dict[str, str],
) -> None:
    status = "delivered" if situation == "delivered" else "exception"
    _, shipment_id, _ = await shipment_in(engine, situation, status=status)
    answer = await post_form(
        client, services, shipment_id, "choices", "choices", {"kind": kind, **fields}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{page(services, shipment_id)}?lang=en#choices"
    [choice] = await rows(engine, shopper_choices)
    assert (choice.kind, choice.situation, choice.status, choice.state) == (
        kind,
        situation,
        status,
        "open",
    )
    assert choice.details == details
    [outbox] = await rows(engine, notifications)
    assert (outbox.event, outbox.channel, outbox.occurrence) == (
        "shopper_choice",
        "webhook",
        str(choice.id),
    )
    assert outbox.facts["kind"] == kind
    assert outbox.facts["details"] == details


async def test_a_choice_is_shown_back_and_a_change_of_mind_replaces_it(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "refused")
    for kind in ("refund", "store_credit"):
        sent = await post_form(client, services, shipment_id, "choices", "choices", {"kind": kind})
        assert sent.status_code == 303
    first, second = await rows(engine, shopper_choices)
    assert (first.kind, first.state) == ("refund", "superseded")
    assert (second.kind, second.state) == ("store_credit", "open")
    html = section((await client.get(page(services, shipment_id) + "?lang=en")).text, "choices")
    assert (
        "You asked for a store credit on Wednesday 25 November; the shop will contact you." in html
    )
    assert "refund on" not in html
    assert len(await rows(engine, notifications)) == 2  # the merchant hears of both


async def test_a_disputed_delivery_offers_remedies_and_i_found_it_closes_the_claim(
    engine: AsyncEngine, services: Services, pages: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "delivered", status="delivered")
    before = await pages.get(page(services, shipment_id) + "?lang=en")
    offered = [c.kind for c in before.context["extras"]["choices"]["offered"]]
    assert offered == ["not_received"]
    await post_form(pages, services, shipment_id, "choices", "choices", {"kind": "not_received"})
    during = await pages.get(page(services, shipment_id) + "?lang=en")
    offered = [c.kind for c in during.context["extras"]["choices"]["offered"]]
    assert offered == ["found_it", "reship", "refund", "store_credit"]
    await post_form(pages, services, shipment_id, "choices", "choices", {"kind": "found_it"})
    claim, found = await rows(engine, shopper_choices)
    assert (claim.kind, claim.state) == ("not_received", "closed")
    assert (found.kind, found.state) == ("found_it", "open")
    after = await pages.get(page(services, shipment_id) + "?lang=en")
    assert [c.kind for c in after.context["extras"]["choices"]["offered"]] == ["not_received"]


async def test_no_choice_section_where_no_situation_needs_one(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "delivery_delayed", status="in_transit")
    html = (await client.get(page(services, shipment_id) + "?lang=en")).text
    assert 'id="choices"' not in html
    refused = await post_form(
        client, services, shipment_id, "choices", "choices", {"kind": "refund"}
    )
    assert refused.status_code == 422
    assert "This choice is not offered for your parcel right now." in section(
        refused.text, "choices"
    )
    assert await rows(engine, shopper_choices) == []


async def test_a_choice_offered_by_a_resolved_situation_is_refused(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "refused")
    async with engine.begin() as conn:
        await conn.execute(sa.update(shipment_situations).values(resolved_at=NOW))
    answer = await post_form(
        client, services, shipment_id, "choices", "choices", {"kind": "refund"}
    )
    assert answer.status_code == 422


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        ("correct_address", {**ADDRESS, "postcode": "7502"}, "This postcode does not look right"),
        ("correct_address", {**ADDRESS, "line1": "x" * 101}, "at most 100 characters"),
        ("correct_address", {**ADDRESS, "line1": " "}, "Please enter the street and number."),
        ("correct_address", {**ADDRESS, "city": ""}, "Please enter the town or city"),
        ("refusal", {"reason": "other"}, "Please say whether it was you"),
        ("refusal", {"was_me": "yes", "reason": "<b>"}, "Please pick a reason from the list."),
        ("refusal", {"was_me": "yes", "reason": "other", "text": "é" * 501}, "at most 500"),
    ],
)
async def test_invalid_fields_are_refused_with_a_clear_message(
    engine: AsyncEngine,
    services: Services,
    client: httpx.AsyncClient,
    kind: str,
    fields: dict[str, str],
    message: str,
) -> None:
    situation = "address_problem" if kind == "correct_address" else "refused"
    _, shipment_id, _ = await shipment_in(engine, situation)
    answer = await post_form(
        client, services, shipment_id, "choices", "choices", {"kind": kind, **fields}
    )
    assert answer.status_code == 422
    assert message in section(answer.text, "choices")
    assert await rows(engine, shopper_choices) == []


async def test_hostile_free_text_is_stored_as_text_and_escaped_in_the_page_and_api(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, key = await shipment_in(engine, "refused")
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>\x00\x1b'
    fields = {"kind": "refusal", "was_me": "no", "reason": "not_me", "text": hostile}
    assert (
        await post_form(client, services, shipment_id, "choices", "choices", fields)
    ).status_code == 303
    [choice] = await rows(engine, shopper_choices)
    assert choice.details["text"] == '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    listed = (await client.get("/api/choices", headers=bearer(key))).json()
    assert listed["data"][0]["details"]["text"] == choice.details["text"]
    html = (await client.get(page(services, shipment_id) + "?lang=en")).text
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html


@pytest.mark.parametrize(
    ("headers", "token_of_other", "status"),
    [
        ({}, False, 403),  # no Origin: a cross-site post is not proven otherwise
        ({"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, False, 403),
        (None, True, 403),  # the form token of another merchant's shipment
    ],
)
async def test_cross_site_and_other_shipment_forms_are_refused(
    engine: AsyncEngine,
    services: Services,
    client: httpx.AsyncClient,
    headers: dict[str, str] | None,
    token_of_other: bool,
    status: int,
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "refused")
    _, other_id, _ = await shipment_in(engine, "refused", slug="autre-boutique")
    answer = await post_form(
        client,
        services,
        shipment_id,
        "choices",
        "choices",
        {"kind": "refund"},
        headers=headers,
        token_shipment=other_id if token_of_other else None,
    )
    assert answer.status_code == status
    assert await rows(engine, shopper_choices) == []


async def test_forged_and_expired_links_are_refused(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "refused")
    forged = await client.post("/t/not-a-token/choices", data={"kind": "refund"}, headers=HTMX)
    assert forged.status_code == 404
    expired = services.tokens.sign(shipment_id, expires_at=NOW.replace(year=2025))
    late = await client.post(f"/t/{expired}/choices", data={"kind": "refund"}, headers=HTMX)
    assert late.status_code == 410
    assert await rows(engine, shopper_choices) == []


async def test_htmx_gets_the_section_fragment(
    engine: AsyncEngine, services: Services, pages: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "refused")
    answer = await post_form(
        pages, services, shipment_id, "choices", "choices", {"kind": "refund"}, headers=HTMX
    )
    assert answer.status_code == 200
    assert answer.template.name == "_choices.html"
    assert answer.text.lstrip().startswith('<section class="card choices" id="choices"')
    assert "You asked for a refund on Wednesday 25 November" in answer.text


async def test_the_choice_and_its_outbox_row_commit_together(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    merchant_id, shipment_id, _ = await shipment_in(engine, "refused")

    async def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(choice_store, "plan_event", broken)
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await choice_store.record_choice(
                conn,
                merchant_id=merchant_id,
                merchant_settings={},
                shipment={"id": shipment_id, "status": "exception"},
                kind="refund",
                situation="refused",
                details={},
                now=NOW,
            )
    assert await rows(engine, shopper_choices) == []


# --- API ---------------------------------------------------------------------------------------


async def test_the_api_lists_filters_pages_and_handles_choices(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, key = await shipment_in(engine, "refused")
    for kind in ("refund", "store_credit"):
        await post_form(client, services, shipment_id, "choices", "choices", {"kind": kind})
    await add_situation(engine, shipment_id, "address_problem")
    await post_form(
        client, services, shipment_id, "choices", "choices", {"kind": "confirm_address"}
    )
    listed = (await client.get("/api/choices?limit=2", headers=bearer(key))).json()
    assert [c["kind"] for c in listed["data"]] == ["confirm_address", "store_credit"]
    rest = await client.get(
        f"/api/choices?limit=2&cursor={listed['next_cursor']}", headers=bearer(key)
    )
    assert [c["kind"] for c in rest.json()["data"]] == ["refund"]
    open_ones = (await client.get("/api/choices?state=open", headers=bearer(key))).json()["data"]
    assert {c["kind"] for c in open_ones} == {"confirm_address", "store_credit"}
    by_kind = (await client.get("/api/choices?kind=refund", headers=bearer(key))).json()["data"]
    assert [c["state"] for c in by_kind] == ["superseded"]
    target = open_ones[0]["id"]
    handled = await client.post(f"/api/choices/{target}/handle", headers=bearer(key))
    assert handled.status_code == 200
    assert handled.json()["state"] == "handled"
    assert (await client.get("/api/choices?state=bogus", headers=bearer(key))).status_code == 422


async def test_another_merchants_choices_read_as_missing(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "refused")
    _, _, other_key = await shipment_in(engine, None, slug="autre-boutique")
    await post_form(client, services, shipment_id, "choices", "choices", {"kind": "refund"})
    [choice] = await rows(engine, shopper_choices)
    assert (await client.get("/api/choices", headers=bearer(other_key))).json()["data"] == []
    other = await client.post(f"/api/choices/{choice.id}/handle", headers=bearer(other_key))
    assert other.status_code == 404
    assert (await rows(engine, shopper_choices))[0].state == "open"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, 303),  # no-referrer page, no JS
        ({"Origin": "null"}, 403),  # nothing vouches for it
        ({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, 403),
    ],
)
async def test_a_plain_form_post_from_a_no_referrer_page_is_accepted(
    engine: AsyncEngine,
    services: Services,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    status: int,
) -> None:
    _, shipment_id, _ = await shipment_in(engine, "refused")
    answer = await post_form(
        client, services, shipment_id, "choices", "choices", {"kind": "refund"}, headers=headers
    )
    assert answer.status_code == status
