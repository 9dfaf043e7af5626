"""Notification wording: every event in every language, the content each message must carry,
SMS texts that fit one GSM-7 segment, and less precise sentences when a fact is missing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from suivi import DeliveryEstimate, Situation
from suivi_server.notifications.gsm import is_gsm7, measure
from suivi_server.notifications.message import STATUS_CHANGED, OutboundMessage, ShipmentSnapshot
from suivi_server.notifications.wording import MessageText, chrome, message_text
from suivi_server.pages.i18n import LANGUAGES, Language, language
from suivi_server.pages.view import sentence
from suivi_server.storage.merchants import Merchant
from tests.server.conftest import NOW

TODAY = NOW.date()  # Wednesday 25 November 2026
MERCHANT = "Maison Lumière"
ESTIMATE = DeliveryEstimate(
    earliest=date(2026, 11, 26), latest=date(2026, 11, 27), source="carrier"
)
WEEK = [
    {
        "weekday": day,
        "spans": [{"opens": "09:00", "closes": "12:30"}, {"opens": "14:00", "closes": "19:00"}],
    }
    for day in range(6)
]
POINT = {
    "name": "Tabac Presse du Marché",
    "identifier": "FR-066974",
    "address": "12 rue de la République",
    "postcode": "69002",
    "city": "Lyon",
    "week": WEEK,
    "deadline": "2026-12-04",
}
DELIVERED_AT = "2026-11-25T08:10:00+00:00"
# Facts as the detectors store them (dates as ISO strings), one entry per event or variant.
FACTS: Mapping[str, Mapping[str, Any]] = {
    "preparation_delay": {"promised_ship_date": "2026-11-23", "label_created": True},
    "shipped": {
        "carrier": "mondial_relay",
        "tracking_number": "12345678",
        "shipped_at": "2026-11-24T15:00:00+00:00",
        "expected_earliest": "2026-11-24",
        "expected_latest": "2026-11-25",
        "estimate_source": "carrier",
    },
    "shipped_late": {
        "carrier": "mondial_relay",
        "tracking_number": "12345678",
        "shipped_at": "2026-11-24T15:00:00+00:00",
        "expected_latest": "2026-11-25",
        "promised_ship_date": "2026-11-20",
        "business_days_late": 2,
    },
    "delivery_delayed/expected_date_passed": {
        "reason": "expected_date_passed",
        "expected_earliest": "2026-11-21",
        "expected_latest": "2026-11-23",
    },
    "delivery_delayed/carrier_reported": {
        "reason": "carrier_reported",
        "carrier_code": "RETARD",
        "carrier_label": "Retard d'acheminement",
    },
    "delivery_delayed/no_scan": {
        "reason": "no_scan",
        "last_scan_at": "2026-11-20T08:00:00+00:00",
        "last_status": "in_transit",
        "silent_business_hours": 60.0,
        "max_silence_hours": 48.0,
    },
    "address_problem": {"carrier_code": "AD", "carrier_label": "Adresse incomplète"},
    "returned_to_sender": {"reason": "not_collected", "back_at_sender": False},
    "returned_to_sender/true": {"reason": "not_collected", "back_at_sender": True},
    "damaged": {"reported_at": "2026-11-24T11:00:00+00:00"},
    "refused": {"back_at_sender": False},
    "available_for_pickup": {
        "kind": "pickup_point",
        "pickup_point_id": "FR-066974",
        "name": "Tabac Presse du Marché",
        "address": "12 rue de la République",
        "postcode": "69002",
        "city": "Lyon",
        "opening_hours": [],
        "deadline": "2026-12-04",
    },
    "delivered_to_third_party/neighbour": {
        "handed_to": "neighbour",
        "received_by": "M. Dupont",
        "delivered_at": DELIVERED_AT,
    },
    "delivered_to_third_party/reception": {
        "handed_to": "reception",
        "received_by": "J. Martin",
        "delivered_at": DELIVERED_AT,
    },
    "delivered_to_third_party/safe_place": {
        "handed_to": "safe_place",
        "delivered_at": DELIVERED_AT,
    },
    "delivered": {"delivered_at": DELIVERED_AT, "on_time": True, "incidents": []},
    "delivered/false": {"delivered_at": DELIVERED_AT, "on_time": False, "incidents": []},
    "out_for_delivery": {"start_time": "10:00:00", "end_time": "12:00:00"},
    "attempt_failed": {
        "reason": "recipient_absent",
        "attempts": 1,
        "pickup_point_name": "Tabac Presse du Marché",
    },
    STATUS_CHANGED: {"status": "in_transit"},
}
CASES = sorted(FACTS)
OTHER_LANGUAGES = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)s")
# Words a missing scan must never bring to the shopper's mind.
LOSS_WORDS = {
    "en": ("lost", "loss"),
    "fr": ("perdu", "perte", "égaré"),
    "de": ("verloren", "verlust"),
    "es": ("perdido", "extraviado", "pérdida"),
    "it": ("perso", "smarrito"),
    "nl": ("kwijt", "verloren", "zoek"),
}


def message(case: str, facts: Mapping[str, Any] | None = None, **shipment: Any) -> OutboundMessage:
    event = case.split("/")[0]
    fields: dict[str, Any] = {
        "id": 7,
        "merchant_id": 1,
        "order_number": "ML-10423",
        "carrier": "mondial_relay",
        "tracking_number": "12345678",
        "status": "in_transit",
        "estimate": ESTIMATE,
    }
    if event == Situation.AVAILABLE_FOR_PICKUP:
        fields |= {"status": "available_for_pickup", "pickup_point": POINT}
    return OutboundMessage(
        notification_id=1,
        idempotency_key="7:situation:1:email",
        channel="email",
        event=event,
        recipient="shopper@example.com",
        locale="fr",
        merchant=Merchant(1, "maison-lumiere", MERCHANT, "default"),
        shipment=ShipmentSnapshot(**(fields | shipment)),
        facts=FACTS[case] if facts is None else facts,
        page_url="https://track.example/t/abc",
        created_at=NOW,
    )


def render(
    case: str, code: str, facts: Mapping[str, Any] | None = None, **shipment: Any
) -> MessageText:
    return message_text(message(case, facts, **shipment), language(code), today=TODAY)


def everything(text: MessageText) -> str:
    return " ".join((text.subject, text.heading, *text.paragraphs, text.action, text.sms))


def email(text: MessageText) -> str:
    return " ".join((text.subject, text.heading, *text.paragraphs))


@pytest.mark.parametrize("code", LANGUAGES)
@pytest.mark.parametrize("case", CASES)
def test_every_event_renders_in_every_language_without_a_missing_value(
    case: str, code: str
) -> None:
    text = render(case, code)
    assert all((text.subject, text.heading, text.paragraphs, text.action, text.sms))
    assert not PLACEHOLDER.search(everything(text))


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
@pytest.mark.parametrize("case", CASES)
def test_no_english_is_left_in_other_languages(case: str, code: str) -> None:
    english, text = render(case, "en"), render(case, code)
    assert text.subject != english.subject
    assert text.heading != english.heading
    assert text.action != english.action
    assert text.sms != english.sms
    assert not set(text.paragraphs) & set(english.paragraphs)


def test_every_situation_has_its_own_message() -> None:
    generic = render(STATUS_CHANGED, "en").subject
    for kind in Situation:
        case = next(c for c in CASES if c.split("/")[0] == kind)
        assert render(case, "en").subject != generic, kind


@pytest.mark.parametrize("code", LANGUAGES)
def test_shipped_gives_carrier_tracking_number_and_the_page_s_expected_days(code: str) -> None:
    lang = language(code)
    text = render("shipped", code)
    assert "Mondial Relay" in email(text)
    assert "12345678" in email(text)
    assert lang.day(date(2026, 11, 26)) in email(text)
    assert lang.day(date(2026, 11, 27)) in email(text)
    assert text.action == chrome(lang, "track")
    assert "27" in text.sms
    assert "Mondial Relay" in text.sms


def test_shipped_promises_the_current_estimate_not_the_one_stored_with_the_facts() -> None:
    stale = language("en").day(date(2026, 11, 25))
    text = render("shipped", "en")
    assert stale not in email(text)
    assert "We expect it between Thursday 26 November and Friday 27 November." in text.paragraphs


def test_shipped_with_a_one_day_estimate_names_that_day() -> None:
    one_day = DeliveryEstimate(
        earliest=date(2026, 11, 27), latest=date(2026, 11, 27), source="carrier"
    )
    text = render("shipped", "fr", estimate=one_day)
    assert "Nous l’attendons le vendredi 27 novembre." in text.paragraphs


def test_a_passed_estimate_is_not_promised() -> None:
    passed = DeliveryEstimate(
        earliest=date(2026, 11, 20), latest=date(2026, 11, 24), source="carrier"
    )
    text = render("shipped", "en", estimate=passed)
    assert not any("expect" in p for p in text.paragraphs)
    assert "expected by" not in text.sms


@pytest.mark.parametrize("code", LANGUAGES)
def test_shipped_late_says_sorry_and_gives_the_new_date(code: str) -> None:
    lang = language(code)
    text = render("shipped_late", code)
    assert lang.day(date(2026, 11, 20)) in email(text)  # the promise it missed
    assert lang.day(date(2026, 11, 27)) in email(text)  # the new expected day
    assert lang.day(date(2026, 11, 25)) not in email(text)  # not the stale estimate


def test_shipped_late_in_english_and_french_apologises() -> None:
    assert "sorry" in everything(render("shipped_late", "en")).lower()
    assert "désolés" in everything(render("shipped_late", "fr")).lower()


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_missing_scan_is_never_called_a_loss(code: str) -> None:
    words = everything(render("delivery_delayed/no_scan", code)).lower()
    assert not [w for w in LOSS_WORDS[code] if re.search(rf"\b{w}", words)]
    assert language(code).day(date(2026, 11, 20)) in email(render("delivery_delayed/no_scan", code))


def test_the_three_delays_say_different_things() -> None:
    texts = [
        render(f"delivery_delayed/{r}", "en")
        for r in ("expected_date_passed", "carrier_reported", "no_scan")
    ]
    assert len({t.subject for t in texts}) == len({t.sms for t in texts}) == 3
    passed, reported, silent = (email(t) for t in texts)
    assert "Monday 23 November" in passed
    assert "Friday 27 November" in passed
    assert "Mondial Relay tells us" in reported
    assert "Retard d'acheminement" in reported
    assert "late" not in silent


def test_a_delay_promises_no_new_date_while_the_carrier_gives_none() -> None:
    passed = DeliveryEstimate(
        earliest=date(2026, 11, 21), latest=date(2026, 11, 23), source="carrier"
    )
    text = render("delivery_delayed/expected_date_passed", "en", estimate=passed)
    assert not any("now expects" in p for p in text.paragraphs)
    assert "We expected it by Monday 23 November" in email(text)


@pytest.mark.parametrize("code", LANGUAGES)
def test_address_problem_asks_to_confirm_the_address(code: str) -> None:
    english = render("address_problem", "en")
    assert english.action == "Confirm my address"
    assert render("address_problem", code).action == language(code).gettext("Confirm my address")


def test_returned_to_sender_offers_reship_refund_or_credit() -> None:
    for case in ("returned_to_sender", "returned_to_sender/true"):
        words = everything(render(case, "en"))
        assert "send it to you again" in words
        assert "refund" in words
        assert "store credit" in words
        french = everything(render(case, "fr"))
        assert "réexpédi" in french.lower()
        assert "rembours" in french
        assert "avoir" in french
    assert "back with us" in render("returned_to_sender/true", "en").subject
    assert "coming back" in render("returned_to_sender", "en").subject


def test_damaged_says_to_inspect_and_refuse_or_note_reservations() -> None:
    words = email(render("damaged", "en"))
    assert "inspect it in front of the driver" in words
    assert "refuse it" in words
    assert "reservations on the delivery slip" in words
    french = email(render("damaged", "fr"))
    assert "réserves" in french
    assert "refuser" in french


def test_refused_asks_whether_it_was_really_you_and_why() -> None:
    text = render("refused", "en")
    assert text.heading == "Did you refuse this parcel?"
    assert any("If it was not you" in p for p in text.paragraphs)
    assert any("tell us why" in p for p in text.paragraphs)
    assert "Was it really you?" in text.sms


@pytest.mark.parametrize("code", LANGUAGES)
def test_pickup_says_where_when_and_until_when(code: str) -> None:
    lang = language(code)
    text = render("available_for_pickup", code)
    words = email(text)
    assert "Tabac Presse du Marché" in words
    assert "12 rue de la République" in words
    assert "69002 Lyon" in words
    assert lang.day(date(2026, 12, 4)) in words
    assert f"{lang.weekday(0)} – {lang.weekday(5)} 09:00–12:30, 14:00–19:00" in words
    assert "Tabac Presse du Marché" in text.sms
    assert re.search(r"\b0?4\D12\b", text.sms)


def test_pickup_reads_the_facts_when_the_shipment_has_no_point() -> None:
    text = render("available_for_pickup", "en", pickup_point=None)
    assert "Where: Tabac Presse du Marché, 12 rue de la République, 69002 Lyon." in text.paragraphs
    assert any("Friday 4 December" in p for p in text.paragraphs)


def test_pickup_without_point_or_deadline_falls_back_to_plain_sentences() -> None:
    text = render("available_for_pickup", "en", facts={"kind": "locker"}, pickup_point=None)
    assert text.heading == "Your parcel is ready to collect"
    assert text.paragraphs == (
        "Where: the pickup point named on your tracking page.",
        "Collect it soon, with an ID and your tracking number.",
    )
    assert "at its pickup point" in text.sms


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_neighbour_is_named_when_known(code: str) -> None:
    text = render("delivered_to_third_party/neighbour", code)
    assert "M. Dupont" in text.heading
    assert "M. Dupont" in text.sms
    unnamed = render(
        "delivered_to_third_party/neighbour",
        code,
        facts={"handed_to": "neighbour", "delivered_at": DELIVERED_AT},
    )
    assert "M. Dupont" not in everything(unnamed)
    assert not PLACEHOLDER.search(everything(unnamed))


def test_third_parties_each_say_who_or_where() -> None:
    reception = render("delivered_to_third_party/reception", "en")
    safe_place = render("delivered_to_third_party/safe_place", "en")
    assert "J. Martin signed for it at reception on Wednesday 25 November." in reception.paragraphs
    assert "safe place" in email(safe_place)
    assert "letterbox" in email(safe_place)
    other = render("delivered_to_third_party", "en", facts={"handed_to": "locker"})
    assert other.paragraphs == (
        "Mondial Relay delivered it, but not into your own hands.",
        "Your tracking page says who or where has it.",
    )


@pytest.mark.parametrize("code", LANGUAGES)
def test_delivered_thanks_and_invites_to_the_survey(code: str) -> None:
    lang = language(code)
    for case in ("delivered", "delivered/false"):
        text = render(case, code)
        assert text.action == chrome(lang, "survey")
    assert "Thank you" in email(render("delivered", "en"))
    assert "later than we had promised" in email(render("delivered/false", "en"))


def test_out_for_delivery_gives_the_hours_when_known() -> None:
    text = render("out_for_delivery", "en")
    assert (
        "Mondial Relay will deliver your parcel today, between 10:00 and 12:00." in text.paragraphs
    )
    assert "between 10:00 and 12:00" in text.sms
    plain = render("out_for_delivery", "en", facts={"start_time": None, "end_time": None})
    assert "Mondial Relay will deliver your parcel today." in plain.paragraphs
    assert "10:00" not in everything(plain)


def test_a_failed_attempt_says_what_comes_next() -> None:
    at_point = render("attempt_failed", "en")
    assert any("It will wait for you at Tabac Presse du Marché" in p for p in at_point.paragraphs)
    retry = render("attempt_failed", "en", facts={"attempts": 1})
    assert any("tries again on the next working day" in p for p in retry.paragraphs)
    assert "try again" in retry.sms


def test_preparation_delay_says_not_yet_handed_over_and_we_will_tell_you() -> None:
    text = render("preparation_delay", "en")
    assert any("by Monday 23 November" in p for p in text.paragraphs)
    assert any("We will tell you as soon as it leaves" in p for p in text.paragraphs)


def test_a_status_change_reads_as_the_page_s_sentence() -> None:
    lang = language("de")
    text = render(STATUS_CHANGED, "de", status="out_for_delivery")
    assert text.heading == sentence(lang, "out_for_delivery", None)
    assert text.heading in text.sms


@pytest.mark.parametrize("code", LANGUAGES)
@pytest.mark.parametrize("case", CASES)
def test_sms_starts_with_the_merchant_and_fits_one_gsm7_segment(case: str, code: str) -> None:
    sms = render(case, code).sms
    assert sms.startswith(MERCHANT)
    length = measure(sms)
    assert length.characters <= 160
    # A status change quotes the page's sentence, which may need UCS-2 ("está"): one segment still.
    assert is_gsm7(sms) or (case == STATUS_CHANGED and length.segments == 1)


def test_sms_uses_plain_apostrophes_even_from_carrier_values() -> None:
    facts = {"handed_to": "neighbour", "received_by": "Mme D’Almeida", "delivered_at": DELIVERED_AT}
    text = render("delivered_to_third_party/neighbour", "fr", facts=facts)
    assert "Mme D'Almeida" in text.sms
    assert "Mme D’Almeida" in text.heading  # the email keeps the typographic one


def test_a_missing_fact_gives_the_less_precise_sentence() -> None:
    text = render("preparation_delay", "en", facts={"label_created": False})
    assert text.paragraphs[0] == "Your order is not ready to leave our warehouse yet."
    unreadable = render(
        "delivery_delayed/no_scan", "en", facts={"reason": "no_scan", "last_scan_at": "yesterday"}
    )
    assert unreadable.heading == "No news from the carrier for a while"


def test_an_unknown_delay_reason_gets_the_generic_delay() -> None:
    text = render("delivery_delayed/no_scan", "en", facts={"reason": "strike"})
    assert text.subject == "Your order ML-10423 is taking longer than planned"


def test_dates_are_read_in_the_shopper_s_zone() -> None:
    late_evening = {"reason": "no_scan", "last_scan_at": "2026-11-20T23:30:00+00:00"}
    text = render("delivery_delayed/no_scan", "en", facts=late_evening)
    assert text.heading == "No news from the carrier since Saturday 21 November"  # Paris: 00:30


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_chrome_strings_are_translated_and_filled_in(code: str) -> None:
    lang, english = language(code), language("en")
    keys = (
        "order",
        "footer",
        "unsubscribe",
        "contact",
        "unsubscribe_title",
        "unsubscribe_confirm",
        "unsubscribe_button",
        "unsubscribe_done",
        "tracking_number",
        "carrier",
        "survey",
        "track",
        "sms_stop",
    )
    values = {"merchant": MERCHANT, "order_number": "ML-10423"}
    for key in keys:
        text = chrome(lang, key, **values)
        assert text != chrome(english, key, **values), key
        assert not PLACEHOLDER.search(text)
    assert MERCHANT in chrome(lang, "footer", merchant=MERCHANT)
    assert "ML-10423" in chrome(lang, "order", order_number="ML-10423")
    assert is_gsm7(chrome(lang, "sms_stop"))


def test_french_reads_as_a_french_shop_writes() -> None:
    lang: Language = language("fr")
    assert chrome(lang, "order", order_number="1042") == "Commande 1042"
    text = render("shipped", "fr")
    assert text.subject == "Votre commande ML-10423 est en route"
    assert "Son numéro de suivi\u202f: 12345678." in text.paragraphs[0]
    assert text.sms.startswith("Maison Lumière : votre commande ML-10423 est en route")
