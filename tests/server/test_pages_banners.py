"""Situation banners on the tracking page, fragment and widget, and the "refresh now" button."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi import Situation
from suivi_server.pages.banner_wording import BANNERS, Wording
from suivi_server.pages.i18n import LANGUAGES
from suivi_server.services import Services
from suivi_server.storage.schema import shipment_situations, shipments
from tests.server.conftest import NOW
from tests.server.factories import add_event, create_merchant, create_shipment
from tests.server.pages_support import page_client

pytestmark = pytest.mark.anyio

PICKUP = {
    "name": "Tabac de la Gare",
    "address": "3 place de la Gare",
    "postcode": "75010",
    "city": "Paris",
    "opening_hours": ["Lun-Sam 8:00-19:00"],
    "deadline": "2026-12-05",
}
SAME_ORIGIN = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
async def pages(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(app) as client:
        yield client


async def parcel(engine: AsyncEngine, merchant: dict[str, Any] | None = None, **fields: Any) -> int:
    merchant_id, _ = await create_merchant(engine, **(merchant or {}))
    return await create_shipment(engine, merchant_id, **fields)


async def situation(
    engine: AsyncEngine,
    shipment_id: int,
    kind: str,
    facts: dict[str, Any],
    *,
    detected_at: datetime = NOW,
    resolved_at: datetime | None = None,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(shipment_situations).values(
                shipment_id=shipment_id,
                kind=kind,
                fingerprint=f"{kind}-{detected_at.isoformat()}",
                facts=facts,
                detected_at=detected_at,
                resolved_at=resolved_at,
            )
        )


# Where each situation is lived: its banner shows at that status (see pages/presentation.py).
LIVED_AT: dict[str, dict[str, Any]] = {
    "preparation_delay": {"status": "info_received", "substatus": "label_created"},
    "shipped": {"status": "in_transit"},
    "shipped_late": {"status": "in_transit"},
    "delivery_delayed": {"status": "in_transit"},
    "address_problem": {"status": "exception", "substatus": "address_problem"},
    "returned_to_sender": {"status": "returning", "substatus": "undeliverable"},
    "damaged": {"status": "exception", "substatus": "damaged"},
    "refused": {"status": "exception", "substatus": "refused"},
    "available_for_pickup": {"status": "available_for_pickup", "substatus": "pickup_point"},
    "delivered_to_third_party": {"status": "delivered", "substatus": "to_neighbour"},
    "delivered": {"status": "delivered", "substatus": "to_recipient"},
    "out_for_delivery": {"status": "out_for_delivery"},
    "attempt_failed": {"status": "attempt_failed", "substatus": "recipient_absent"},
}
# The estimate the date box shows: banners that promise a date read this one.
AHEAD = {"earliest": "2026-11-26", "latest": "2026-11-27", "source": "model"}
TODAY_10_12 = {
    "earliest": "2026-11-25",
    "latest": "2026-11-25",
    "start_time": "10:00:00",
    "end_time": "12:00:00",
    "source": "carrier",
}


async def parcel_living(
    engine: AsyncEngine, kind: str, merchant: dict[str, Any] | None = None, **fields: Any
) -> int:
    """A parcel at the status where `kind` happens, its latest carrier move from this morning."""
    lived = {**LIVED_AT[kind], **fields}
    estimate = TODAY_10_12 if lived["status"] == "out_for_delivery" else AHEAD
    shipment_id = await parcel(engine, merchant, **{"estimate": estimate, **lived})
    at = NOW - timedelta(hours=2)
    await add_event(
        engine, shipment_id, at, lived["status"], "X", "x", substatus=lived.get("substatus")
    )
    return shipment_id


async def banners_of(pages: httpx.AsyncClient, path: str) -> tuple[Any, ...]:
    response = await pages.get(path)
    assert response.status_code == 200
    return tuple(response.context["view"].banners)  # type: ignore[attr-defined]


SHIPPED = {
    "carrier": "colissimo",
    "tracking_number": "6A12345678901",
    "shipped_at": "2026-11-24T08:00:00+00:00",
    "expected_earliest": "2026-11-26",
    "expected_latest": "2026-11-27",
    "estimate_source": "model",
}
NEIGHBOUR = {
    "handed_to": "neighbour",
    "received_by": "M. Dupont",
    "delivered_at": "2026-11-24T15:10:00+00:00",
    "carrier_code": "LIV",
    "carrier_label": "Remis à M. Dupont, voisin",
}

# (kind, facts, (English title, English body part), (French title, French body part))
CASES: list[tuple[str, dict[str, Any], tuple[str, str], tuple[str, str]]] = [
    (
        "preparation_delay",
        {"promised_ship_date": "2026-11-23", "label_created": False},
        ("Your order is taking longer to prepare", "by Monday 23 November and could not"),
        (
            "La préparation de votre commande prend plus de temps que prévu",
            "au plus tard le lundi 23 novembre",
        ),
    ),
    (
        "shipped",
        SHIPPED,
        (
            "Your order has left our warehouse",
            "Colissimo took it on Tuesday 24 November. We expect it by Friday 27 November.",
        ),
        (
            "Votre commande a quitté notre entrepôt",
            "Colissimo a pris en charge votre colis le mardi 24 novembre.",
        ),
    ),
    (
        "shipped_late",
        {**SHIPPED, "promised_ship_date": "2026-11-20", "business_days_late": 2},
        ("Your order left later than planned", "We had promised to ship it by Friday 20 November"),
        ("Votre commande est partie plus tard que prévu", "au plus tard le vendredi 20 novembre"),
    ),
    (
        "delivery_delayed",
        {"reason": "expected_date_passed", "expected_latest": "2026-11-24"},
        ("Your parcel is late", "We expected it by Tuesday 24 November"),
        ("Votre colis est en retard", "au plus tard le mardi 24 novembre"),
    ),
    (
        "delivery_delayed",
        {"reason": "carrier_reported", "carrier_code": "RTD", "carrier_label": "Retard réseau"},
        ("The carrier has reported a delay", "The carrier's message: “Retard réseau”"),
        (
            "Le transporteur signale un retard",
            "Message du transporteur\u202f: «\u202fRetard réseau",
        ),
    ),
    (
        "delivery_delayed",
        {"reason": "no_scan", "last_scan_at": "2026-11-20T16:00:00+00:00", "last_status": "x"},
        (
            "We have not had news of your parcel since Friday 20 November",
            "This often just means a step was not scanned",
        ),
        (
            "Nous n’avons pas eu de nouvelles de votre colis depuis le vendredi 20 novembre",
            "une étape n’a pas été scannée",
        ),
    ),
    (
        "address_problem",
        {"carrier_code": "AD", "carrier_label": "Adresse incomplète"},
        ("Please confirm your address", "Your parcel can still reach you"),
        ("Merci de confirmer votre adresse", "Votre colis peut encore vous parvenir"),
    ),
    (
        "returned_to_sender",
        {"reason": "undeliverable", "back_at_sender": False},
        ("What would you like us to do?", "is sending it back to us"),
        ("Que souhaitez-vous que nous fassions\u202f?", "nous le renvoie"),
    ),
    (
        "returned_to_sender",
        {"reason": "undeliverable", "back_at_sender": True},
        ("What would you like us to do?", "has brought it back to us"),
        ("Que souhaitez-vous que nous fassions\u202f?", "nous l’a retourné"),
    ),
    (
        "damaged",
        {"reported_at": "2026-11-24T10:00:00+00:00"},
        ("Check your parcel when it arrives", "write your reservations on the delivery slip"),
        ("Vérifiez votre colis à son arrivée", "en notant vos réserves sur le bon de livraison"),
    ),
    (
        "refused",
        {"back_at_sender": False},
        ("Did you refuse this parcel?", "the carrier may have made a mistake"),
        ("Avez-vous refusé ce colis\u202f?", "une erreur du transporteur"),
    ),
    (
        "available_for_pickup",
        {"kind": "pickup_point", "pickup_point_id": "P1", **PICKUP},
        # The deadline is in the date box ("Waiting for you until…"): said once, not twice.
        (
            "Your parcel is waiting for you at Tabac de la Gare",
            "Bring an ID and your tracking number when you collect it.",
        ),
        ("Votre colis vous attend chez Tabac de la Gare", "Munissez-vous d’une pièce d’identité"),
    ),
    (
        "delivered_to_third_party",
        NEIGHBOUR,
        (
            "Ask your neighbour",
            "M. Dupont, a neighbour, took it in for you on Tuesday 24 November.",
        ),
        ("Demandez à votre voisin", "M. Dupont, un voisin, l’a réceptionné pour vous le mardi"),
    ),
    (
        "delivered_to_third_party",
        {**NEIGHBOUR, "handed_to": "reception", "received_by": None},
        ("Ask at reception", "left at reception or with the caretaker on Tuesday 24 November"),
        ("Demandez à l’accueil", "déposé à l’accueil ou chez le gardien le mardi 24 novembre"),
    ),
    (
        "delivered_to_third_party",
        {**NEIGHBOUR, "handed_to": "safe_place", "received_by": None},
        ("Look near your door", "left it in a safe place on Tuesday 24 November"),
        ("Regardez près de votre porte", "déposé en lieu sûr le mardi 24 novembre"),
    ),
    (
        "delivered",
        {"delivered_at": "2026-11-24T15:10:00+00:00", "on_time": True, "incidents": []},
        ("Enjoy your order!", "We hope everything is as you expected."),
        ("Profitez bien de votre commande\u202f!", "conforme à vos attentes"),
    ),
    (
        "out_for_delivery",
        {"start_time": "10:00:00", "end_time": "12:00:00"},
        ("Delivery today", "If no one is in, the carrier will leave a notice"),
        ("Livraison aujourd’hui", "S’il n’y a personne, le transporteur laissera un avis"),
    ),
    (
        "attempt_failed",
        {"reason": "recipient_absent", "attempts": 1, "pickup_point_name": "Tabac de la Gare"},
        ("Missed delivery", "It may be left at Tabac de la Gare"),
        ("Livraison manquée", "Il sera peut-être déposé chez Tabac de la Gare"),
    ),
]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(("kind", "facts", "english", "french"), CASES)
async def test_each_situation_renders_its_localized_banner(
    pages: httpx.AsyncClient,
    engine: AsyncEngine,
    services: Services,
    lang: str,
    kind: str,
    facts: dict[str, Any],
    english: tuple[str, str],
    french: tuple[str, str],
) -> None:
    shipment_id = await parcel_living(engine, kind, pickup_point=PICKUP)
    await situation(engine, shipment_id, kind, facts)
    response = await pages.get(f"/t/{services.tokens.sign(shipment_id)}?lang={lang}")
    (banner,) = response.context["view"].banners  # type: ignore[attr-defined]
    title, body = english if lang == "en" else french
    assert banner.kind == kind
    assert banner.title == title
    assert body in banner.body
    assert f'banner--{kind}"' in response.text
    assert re.search(r"%\(\w+\)s", banner.title + banner.body) is None


async def test_the_pickup_deadline_is_said_once(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    shipment_id = await parcel_living(engine, "available_for_pickup", pickup_point=PICKUP)
    await situation(engine, shipment_id, "available_for_pickup", {"deadline": "2026-12-05"})
    response = await pages.get(f"/t/{services.tokens.sign(shipment_id)}?lang=fr")
    assert response.context["view"].window == "Vous attend jusqu’au samedi 5 décembre"  # type: ignore[attr-defined]
    assert response.text.count("5 décembre") == 1


def test_every_situation_kind_has_wording_and_a_title_that_needs_no_fact() -> None:
    kinds = {key.split("/")[0] for key in BANNERS}
    assert kinds == {s.value for s in Situation}
    wordings: list[Wording] = list(BANNERS.values())
    assert all("%(" not in w.titles[-1] for w in wordings)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_missing_scan_is_worded_as_no_news_never_as_a_loss(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services, lang: str
) -> None:
    shipment_id = await parcel(engine)
    facts = {"reason": "no_scan", "last_scan_at": "2026-11-20T16:00:00+00:00"}
    await situation(engine, shipment_id, "delivery_delayed", facts)
    (banner,) = await banners_of(pages, f"/t/{services.tokens.sign(shipment_id)}?lang={lang}")
    day = {"fr": "20 novembre", "en": "20 November", "de": "20. November"}.get(lang, "20")
    assert day in banner.title
    lost = ("lost", "perdu", "verloren", "perdido", "perso", "kwijt", "late", "retard")
    words = set(re.findall(r"\w+", f"{banner.title} {banner.body}".lower()))
    assert words.isdisjoint(lost)
    assert banner.tone == "info"  # not painted as a problem either


async def test_the_three_delay_reasons_say_three_different_things(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    shipment_id = await parcel(engine)
    for minutes, reason in enumerate(("expected_date_passed", "carrier_reported", "no_scan")):
        at = NOW + timedelta(minutes=minutes)
        await situation(engine, shipment_id, "delivery_delayed", {"reason": reason}, detected_at=at)
    banners = await banners_of(pages, f"/t/{services.tokens.sign(shipment_id)}?lang=en")
    assert [b.title for b in banners] == [
        "Your parcel is late",
        "The carrier has reported a delay",
        "We have not had news of your parcel for a while",  # no date known: no date said
    ]
    assert "It has not been delivered by the expected date" in banners[0].body


async def test_hostile_carrier_and_neighbour_strings_are_escaped(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    left = await parcel_living(
        engine, "delivered_to_third_party", pickup_point={**PICKUP, "name": HOSTILE}
    )
    await situation(engine, left, "delivered_to_third_party", {**NEIGHBOUR, "received_by": HOSTILE})
    late = await parcel_living(engine, "delivery_delayed", merchant={"slug": "other"})
    await situation(
        engine,
        late,
        "delivery_delayed",
        {"reason": "carrier_reported", "carrier_label": f'"><img src=x onerror=alert(1)>{HOSTILE}'},
    )
    for shipment_id in (left, late):
        response = await pages.get(f"/t/{services.tokens.sign(shipment_id)}?lang=en")
        assert len(response.context["view"].banners) == 1  # type: ignore[attr-defined]
        assert "<script>alert" not in response.text
        assert "<img src=x" not in response.text
        escaped = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x")
        assert any(e in response.text for e in escaped)
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;, a neighbour, took it in"
        in (await pages.get(f"/t/{services.tokens.sign(left)}?lang=en")).text
    )


async def test_a_tracking_number_lookup_shows_the_banner_without_personal_data(
    pages: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    shipment_id = await parcel_living(engine, "delivered_to_third_party")
    await situation(engine, shipment_id, "delivered_to_third_party", NEIGHBOUR)
    response = await pages.post(
        "/maison-lumiere/track?lang=en",
        data={"tracking_number": "6A12345678901"},
        follow_redirects=True,
    )
    banners = response.context["view"].banners  # type: ignore[attr-defined]
    assert [b.title for b in banners] == ["Ask your neighbour"]
    assert banners[0].body.startswith("A neighbour took it in for you on Tuesday 24 November.")
    assert "Dupont" not in response.text


async def test_resolved_situations_are_not_shown(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    shipment_id = await parcel_living(engine, "out_for_delivery", estimate=None)
    await situation(engine, shipment_id, "attempt_failed", {}, resolved_at=NOW)
    await situation(engine, shipment_id, "out_for_delivery", {})
    banners = await banners_of(pages, f"/t/{services.tokens.sign(shipment_id)}?lang=en")
    assert [b.kind for b in banners] == ["out_for_delivery"]
    assert banners[0].body == "If no one is in, the carrier will leave a notice in your letterbox."


async def test_problems_come_first_and_a_precise_banner_replaces_a_vague_one(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    refused = await parcel_living(engine, "refused")
    delayed = {"reason": "carrier_reported"}
    await situation(
        engine, refused, "delivery_delayed", delayed, detected_at=NOW - timedelta(hours=4)
    )
    await situation(engine, refused, "damaged", {}, detected_at=NOW - timedelta(hours=3))
    await situation(engine, refused, "refused", {}, detected_at=NOW + timedelta(hours=1))
    banners = await banners_of(pages, f"/t/{services.tokens.sign(refused)}?lang=en")
    assert [b.kind for b in banners] == ["refused", "delivery_delayed", "damaged"]
    left = await parcel_living(engine, "delivered_to_third_party", merchant={"slug": "other"})
    await situation(engine, left, "delivered", {}, detected_at=NOW - timedelta(hours=2))
    await situation(engine, left, "delivered_to_third_party", NEIGHBOUR)
    banners = await banners_of(pages, f"/t/{services.tokens.sign(left)}?lang=en")
    assert [b.kind for b in banners] == ["delivered_to_third_party"]


async def test_actions_lead_to_the_merchants_contacts_and_the_map_only(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    merchant = {
        "settings": {
            "contact": {
                "phone": "+33 1 23 45 67 89",
                "email": "service@example.com",
                "chat_url": "https://chat.example.com/help",
            }
        }
    }
    back = await parcel_living(engine, "returned_to_sender", merchant)
    await situation(engine, back, "returned_to_sender", {"back_at_sender": True})
    (returned,) = await banners_of(pages, f"/t/{services.tokens.sign(back)}?lang=en")
    waiting = await parcel_living(
        engine, "available_for_pickup", {**merchant, "slug": "other"}, pickup_point=PICKUP
    )
    await situation(engine, waiting, "available_for_pickup", {"name": "Tabac de la Gare"})
    response = await pages.get(f"/t/{services.tokens.sign(waiting)}?lang=en")
    (pickup,) = response.context["view"].banners  # type: ignore[attr-defined]
    assert returned.action == "Tell us what you prefer: a new delivery, a refund or a store credit."
    assert [(link.text, link.href) for link in returned.links] == [
        ("Call us", "tel:+33123456789"),
        ("Write to us", "mailto:service@example.com?subject=Parcel%206A12345678901"),
        ("Chat with us", "https://chat.example.com/help"),
    ]
    assert pickup.action == "Find the pickup point:"
    assert [link.href for link in pickup.links] == [
        "https://www.openstreetmap.org/search?query=3%20place%20de%20la%20Gare%2C%2075010%20Paris"
    ]
    banner_html = response.text.split('class="banners"', 1)[1].split("</div>", 1)[0]
    hrefs = re.findall(r'href="([^"]+)"', banner_html)
    assert len(hrefs) == 1
    assert all(h.startswith(("tel:", "mailto:", "https://")) for h in hrefs)


async def test_no_contact_details_means_no_empty_call_to_action(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    no_contact = {"settings": {"contact": {"phone": "", "email": ""}}}
    shipment_id = await parcel_living(engine, "address_problem", no_contact)
    await situation(engine, shipment_id, "address_problem", {})
    (banner,) = await banners_of(pages, f"/t/{services.tokens.sign(shipment_id)}?lang=en")
    assert (banner.title, banner.action, banner.links) == ("Please confirm your address", None, ())


async def test_the_fragment_and_the_widget_show_the_banners_too(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    shipment_id = await parcel_living(engine, "address_problem")
    token = services.tokens.sign(shipment_id)
    assert "banner" not in (await pages.get(f"/t/{token}/status?lang=en")).text
    await situation(engine, shipment_id, "address_problem", {})
    for path in (f"/t/{token}/status?lang=en", f"/embed/{token}?lang=en"):
        response = await pages.get(path)
        assert "Please confirm your address" in response.text
        assert 'href="tel:+33123456789"' in response.text


async def test_a_page_view_costs_a_fixed_number_of_indexed_selects(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    shipment_id = await parcel_living(engine, "out_for_delivery")
    await situation(engine, shipment_id, "out_for_delivery", {})
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    path = f"/t/{services.tokens.sign(shipment_id)}"
    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        banners = await banners_of(pages, path)
        first_view = len(statements)
        again = await pages.get(path)
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert len(banners) == 1
    # the versions of what the page shows, by the shipment's key, in one select
    assert "WHERE shipments.id = " in statements[0]
    # the page's own data: the shipment with its events, then the active situations
    assert "shipment_situations.resolved_at IS NULL" in statements[2]
    # then one select per feature part: choices, opt-ins, the catalogue, by key
    features = statements[3:first_view]
    assert [re.search(r"\bFROM\s+(\w+)", s).group(1) for s in features] == [  # type: ignore[union-attr]
        "shopper_choices",
        "notification_optins",
        "products",
    ]
    assert "shopper_choices.shipment_id = " in features[0]
    assert "notification_optins.shipment_id = " in features[1]
    assert "products.merchant_id = " in features[2]
    # nothing changed: the same page again costs the versions' select at most (none within
    # SUIVI_PAGE_RECHECK_SECONDS of the first: tests/server/test_pages_recheck.py)
    assert again.status_code == 200
    assert statements[first_view:] in ([], [statements[0]])


# --- "Refresh now" -----------------------------------------------------------------------------


async def next_poll(engine: AsyncEngine, shipment_id: int) -> datetime | None:
    query = sa.select(shipments.c.next_poll_at).where(shipments.c.id == shipment_id)
    async with engine.connect() as conn:
        value: datetime | None = (await conn.execute(query)).scalar_one()
    return value.replace(tzinfo=UTC) if value and not value.tzinfo else value


async def test_refresh_asks_for_a_poll_now_and_answers_the_fragment(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    shipment_id = await parcel_living(
        engine, "address_problem", next_poll_at=NOW + timedelta(hours=2)
    )
    await situation(engine, shipment_id, "address_problem", {})
    token = services.tokens.sign(shipment_id)
    response = await pages.post(f"/t/{token}/refresh?lang=en", headers=SAME_ORIGIN)
    assert response.status_code == 202
    assert response.template.name == "_status.html"  # type: ignore[attr-defined]
    assert response.text.lstrip().startswith('<section id="status"')
    assert "We have asked the carrier for news." in response.text
    assert "Please confirm your address" in response.text
    assert 'hx-trigger="every 15s"' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "<script" not in response.text
    assert await next_poll(engine, shipment_id) == NOW


async def test_refresh_is_refused_politely_right_after_a_poll(
    pages: httpx.AsyncClient,
    engine: AsyncEngine,
    services: Services,
    clock: list[datetime],
) -> None:
    later = NOW + timedelta(hours=2)
    shipment_id = await parcel(
        engine, last_polled_at=NOW - timedelta(minutes=2), next_poll_at=later
    )
    path = f"/t/{services.tokens.sign(shipment_id)}/refresh?lang=fr"
    response = await pages.post(path, headers=SAME_ORIGIN)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "180"
    assert "Nous venons de vérifier auprès du transporteur." in response.text
    assert 'id="status"' in response.text  # htmx swaps it in: the shopper reads why
    assert await next_poll(engine, shipment_id) == later

    clock[0] = NOW + timedelta(minutes=3)
    assert (await pages.post(path, headers=SAME_ORIGIN)).status_code == 202
    assert await next_poll(engine, shipment_id) == clock[0]


async def test_pressing_again_before_the_worker_polls_does_not_ask_twice(
    pages: httpx.AsyncClient,
    engine: AsyncEngine,
    services: Services,
    clock: list[datetime],
) -> None:
    shipment_id = await parcel(engine, next_poll_at=NOW + timedelta(hours=2))
    path = f"/t/{services.tokens.sign(shipment_id)}/refresh?lang=en"
    assert (await pages.post(path, headers=SAME_ORIGIN)).status_code == 202
    clock[0] = NOW + timedelta(seconds=30)
    again = await pages.post(path, headers=SAME_ORIGIN)
    assert again.status_code == 202
    assert "We have asked the carrier for news." in again.text
    assert await next_poll(engine, shipment_id) == NOW  # still the first request


async def test_a_finished_journey_is_not_polled_again(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    shipment_id = await parcel(engine, status="delivered", next_poll_at=None)
    path = f"/t/{services.tokens.sign(shipment_id)}/refresh?lang=en"
    response = await pages.post(path, headers=SAME_ORIGIN)
    assert response.status_code == 200
    assert "This parcel's journey is over" in response.text.replace("&#39;", "'")
    assert await next_poll(engine, shipment_id) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "http://testserver", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        {},
    ],
)
async def test_refresh_from_another_site_is_refused(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services, headers: dict[str, str]
) -> None:
    shipment_id = await parcel(engine, next_poll_at=NOW + timedelta(hours=2))
    response = await pages.post(f"/t/{services.tokens.sign(shipment_id)}/refresh", headers=headers)
    assert response.status_code == 403
    assert await next_poll(engine, shipment_id) == NOW + timedelta(hours=2)


async def test_refresh_with_a_tampered_token_is_not_found_and_get_is_not_allowed(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    shipment_id = await parcel(engine, next_poll_at=NOW + timedelta(hours=2))
    token = services.tokens.sign(shipment_id)
    middle = len(token) - 10
    tampered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    response = await pages.post(f"/t/{tampered}/refresh", headers=SAME_ORIGIN)
    assert response.status_code == 404
    assert "Lampe" not in response.text
    assert (await pages.get(f"/t/{token}/refresh")).status_code == 405
    assert await next_poll(engine, shipment_id) == NOW + timedelta(hours=2)


async def test_the_page_button_posts_to_the_refresh_endpoint(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    token = services.tokens.sign(await parcel(engine))
    response = await pages.get(f"/t/{token}?lang=en")
    assert f'hx-post="/t/{token}/refresh?lang=en"' in response.text
    assert '{"code": "429", "swap": true}' in response.text  # htmx shows the polite refusal


async def test_the_phone_number_is_said_twice_at_most_and_good_news_asks_nothing(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    """Header and help section carry the number; banners carry a short "Call us" button."""
    refused = await parcel_living(engine, "refused")
    await situation(engine, refused, "refused", {})
    page = (await pages.get(f"/t/{services.tokens.sign(refused)}?lang=fr")).text
    assert page.count("+33 1 23 45 67 89") <= 2
    assert 'href="tel:+33123456789"' in page.split('class="banners"', 1)[1]
    delivered = await parcel_living(engine, "delivered", merchant={"slug": "other"})
    await situation(engine, delivered, "delivered", {})
    (banner,) = await banners_of(pages, f"/t/{services.tokens.sign(delivered)}?lang=fr")
    assert (banner.action, banner.links) == (None, ())
