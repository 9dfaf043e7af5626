"""Which choices each situation offers the shopper, and the fields each choice takes, as data.

A choice belongs to a group; a shopper who changes their mind replaces the open choice of the
same group. Validation is a pure function of the submitted fields and the shipment's country:
it returns the details to store, or the message id of the first problem.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from suivi_server.pages.i18n import N_

MAX_TEXT = 500
MAX_LINE = 100
MAX_CITY = 80
# Postcodes where the rule is simple; other countries get a loose pattern.
POSTCODES: Mapping[str, re.Pattern[str]] = {
    "FR": re.compile(r"\d{5}"),
    "DE": re.compile(r"\d{5}"),
    "ES": re.compile(r"\d{5}"),
    "IT": re.compile(r"\d{5}"),
    "BE": re.compile(r"\d{4}"),
    "LU": re.compile(r"\d{4}"),
    "CH": re.compile(r"\d{4}"),
    "AT": re.compile(r"\d{4}"),
    "NL": re.compile(r"\d{4} ?[A-Z]{2}"),
    "PT": re.compile(r"\d{4}-\d{3}"),
    "GB": re.compile(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"),
}
ANY_POSTCODE = re.compile(r"[A-Z0-9][A-Z0-9 -]{1,9}")

# Why a refusal happened, when the shopper says so.
REFUSAL_REASONS: Mapping[str, str] = {
    "not_me": N_("It was not me: I never saw the carrier"),
    "damaged": N_("The parcel was damaged"),
    "too_late": N_("It came too late"),
    "changed_mind": N_("I changed my mind"),
    "fee": N_("The carrier asked me to pay a fee"),
    "other": N_("Another reason"),
}


@dataclass(frozen=True)
class Choice:
    kind: str
    group: str
    label: str  # the button
    shown_back: str  # the sentence the page shows afterwards, with %(day)s
    fields: tuple[str, ...] = ()
    # True: choosing it closes the open choice of its group (state "closed", not "superseded")
    closes: bool = False


CHOICES: Mapping[str, Choice] = {
    c.kind: c
    for c in (
        Choice(
            "confirm_address",
            "address",
            N_("The address is right, deliver it as it is"),
            N_("On %(day)s you confirmed the address; the shop will pass it on to the carrier."),
        ),
        Choice(
            "correct_address",
            "address",
            N_("Correct the address"),
            N_("On %(day)s you corrected the address; the shop will pass it on to the carrier."),
            fields=("line1", "line2", "postcode", "city"),
        ),
        Choice(
            "reship",
            "remedy",
            N_("Send it to me again"),
            N_("You asked for a new delivery on %(day)s; the shop will contact you."),
        ),
        Choice(
            "refund",
            "remedy",
            N_("Refund me"),
            N_("You asked for a refund on %(day)s; the shop will contact you."),
        ),
        Choice(
            "store_credit",
            "remedy",
            N_("Give me a store credit"),
            N_("You asked for a store credit on %(day)s; the shop will contact you."),
        ),
        Choice(
            "refusal",
            "refusal",
            N_("Tell us about the refusal"),
            N_("On %(day)s you told us about the refusal; thank you, the shop will look into it."),
            fields=("was_me", "reason", "text"),
        ),
        Choice(
            "not_received",
            "claim",
            N_("I have not received it"),
            N_("On %(day)s you told us you have not received it; the shop will contact you."),
        ),
        Choice(
            "found_it",
            "claim",
            N_("I found it"),
            N_("On %(day)s you told us you found your parcel: thank you!"),
            closes=True,
        ),
    )
}

REMEDIES = ("reship", "refund", "store_credit")
# Situation → the choices it offers, in page order.
OFFERS: Mapping[str, tuple[str, ...]] = {
    "address_problem": ("confirm_address", "correct_address"),
    "returned_to_sender": REMEDIES,
    "refused": ("refusal", *REMEDIES),
    "lost": REMEDIES,
    "delivered": ("not_received",),
    "delivered_to_third_party": ("not_received",),
}
# An open "not received" claim is a delivery the shopper disputes: it offers these instead.
DISPUTED: tuple[str, ...] = ("found_it", *REMEDIES)

BAD_CHOICE = N_("This choice is not offered for your parcel right now.")
LINE_MISSING = N_("Please enter the street and number.")
LINE_TOO_LONG = N_("An address line may have at most 100 characters.")
CITY_MISSING = N_("Please enter the town or city (at most 80 characters).")
POSTCODE_WRONG = N_("This postcode does not look right for the country.")
ANSWER_MISSING = N_("Please say whether it was you who refused the parcel.")
REASON_WRONG = N_("Please pick a reason from the list.")
TEXT_TOO_LONG = N_("Your message may have at most 500 characters.")


class ChoiceInvalid(ValueError):
    """`message` is a message id to translate for the shopper."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def offered(situations: Iterable[str], open_kinds: Iterable[str]) -> dict[str, str]:
    """Each offered choice → the situation that offers it, in page order."""
    found: dict[str, str] = {}
    kinds = set(open_kinds)
    for situation in situations:
        offers = OFFERS.get(situation, ())
        if "not_received" in offers and "not_received" in kinds:
            offers = DISPUTED
        for kind in offers:
            found.setdefault(kind, situation)
    return found


def clean_text(raw: str, limit: int) -> str:
    """Trimmed, without control characters (line breaks kept); too long is refused, not cut."""
    text = "".join(
        ch for ch in raw.strip() if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    )
    if len(text) > limit:
        raise ChoiceInvalid(TEXT_TOO_LONG if limit == MAX_TEXT else LINE_TOO_LONG)
    return text


def details_of(kind: str, fields: Mapping[str, str], country: str | None) -> dict[str, str]:
    """The details to store for a choice, validated; raises ChoiceInvalid."""
    if kind == "correct_address":
        return _address(fields, (country or "").upper())
    if kind == "refusal":
        return _refusal(fields)
    return {}


def _address(fields: Mapping[str, str], country: str) -> dict[str, str]:
    line1 = clean_text(fields.get("line1", ""), MAX_LINE)
    line2 = clean_text(fields.get("line2", ""), MAX_LINE)
    if not line1:
        raise ChoiceInvalid(LINE_MISSING)
    city = fields.get("city", "").strip()
    if not city or len(city) > MAX_CITY:
        raise ChoiceInvalid(CITY_MISSING)
    postcode = " ".join(fields.get("postcode", "").upper().split())
    if not POSTCODES.get(country, ANY_POSTCODE).fullmatch(postcode):
        raise ChoiceInvalid(POSTCODE_WRONG)
    address = {"line1": line1, "line2": line2, "postcode": postcode}
    address.update(city=clean_text(city, MAX_CITY), country=country)
    return {k: v for k, v in address.items() if v}


def _refusal(fields: Mapping[str, str]) -> dict[str, str]:
    was_me = fields.get("was_me", "")
    if was_me not in {"yes", "no"}:
        raise ChoiceInvalid(ANSWER_MISSING)
    reason = fields.get("reason") or ("not_me" if was_me == "no" else "")
    if reason not in REFUSAL_REASONS:
        raise ChoiceInvalid(REASON_WRONG)
    details = {"was_me": was_me, "reason": reason}
    text = clean_text(fields.get("text", ""), MAX_TEXT)
    return {**details, "text": text} if text else details
