"""What each situation's banner says, as data: title, body and next action per situation kind.

Titles and bodies are lists of candidates, most precise first: a banner uses the first one whose
`%(fact)s` placeholders are all known (a neighbour's name is dropped on a tracking-number-only
lookup, so the sentence without it is chosen). The last title candidate has no placeholder, so a
banner always has a title. Keys are situation kinds, or `kind/variant` where one fact changes the
whole message (see VARIANT_FACT). Wording is careful on purpose: a missing scan is not a loss.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from suivi import Situation
from suivi_server.pages.i18n import N_


class Tone(StrEnum):
    """How the banner looks; also its rank on the page (problems first)."""

    PROBLEM = "problem"
    WARNING = "warning"
    ACTION = "action"
    INFO = "info"
    GOOD = "good"


class Target(StrEnum):
    """Where the next action leads: only to real places, never to an endpoint we do not have."""

    CONTACT = "contact"  # the merchant's phone, email and chat
    MAP = "map"  # the pickup point on a map


@dataclass(frozen=True)
class Wording:
    tone: Tone
    titles: tuple[str, ...]
    bodies: tuple[str, ...] = ()
    action: str | None = None
    target: Target | None = None


ASK = N_("A question about your order? Contact us:")

# The fact whose value selects a `kind/value` entry (booleans read "true" / "false").
VARIANT_FACT: Mapping[str, str] = {
    Situation.DELIVERY_DELAYED: "reason",
    Situation.RETURNED_TO_SENDER: "back_at_sender",
    Situation.DELIVERED_TO_THIRD_PARTY: "handed_to",
}

# Facts never shown when the page was opened with the tracking number alone: a name, or the
# carrier's own label, which may contain one ("remis à M. Dupont").
PERSONAL_FACTS: frozenset[str] = frozenset({"received_by", "carrier_label"})

# How a fact is written in a sentence; facts not listed are shown as text.
FACT_FORMATS: Mapping[str, str] = {
    "promised_ship_date": "day",
    "shipped_at": "day",
    "expected_latest": "day",
    "last_scan_at": "day",
    "deadline": "day",
    "delivered_at": "day",
    "carrier": "carrier",
}

BANNERS: Mapping[str, Wording] = {
    Situation.PREPARATION_DELAY: Wording(
        Tone.WARNING,
        (N_("Your order is taking longer to prepare"),),
        (
            N_(
                "We planned to hand it to the carrier by %(promised_ship_date)s and could not. "
                "We will tell you as soon as it leaves, with a new delivery date. "
                "Sorry for the wait."
            ),
            N_(
                "It has not left our warehouse yet. We will tell you as soon as it leaves, "
                "with a new delivery date. Sorry for the wait."
            ),
        ),
        ASK,
        Target.CONTACT,
    ),
    Situation.SHIPPED: Wording(
        Tone.INFO,
        (N_("Your order has left our warehouse"),),
        (
            N_("%(carrier)s took it on %(shipped_at)s. We expect it by %(expected_latest)s."),
            N_("%(carrier)s took it on %(shipped_at)s."),
        ),
    ),
    Situation.SHIPPED_LATE: Wording(
        Tone.WARNING,
        (N_("Your order left later than planned"),),
        (
            N_(
                "We had promised to ship it by %(promised_ship_date)s; %(carrier)s took it on "
                "%(shipped_at)s. We now expect it by %(expected_latest)s. Sorry for the wait."
            ),
            N_(
                "We had promised to ship it by %(promised_ship_date)s; %(carrier)s took it on "
                "%(shipped_at)s. Sorry for the wait."
            ),
        ),
        ASK,
        Target.CONTACT,
    ),
    Situation.DELIVERY_DELAYED: Wording(
        Tone.WARNING,
        (N_("Your parcel is taking longer than planned"),),
        (N_("We are keeping an eye on it and will tell you as soon as we know more."),),
        ASK,
        Target.CONTACT,
    ),
    f"{Situation.DELIVERY_DELAYED}/expected_date_passed": Wording(
        Tone.WARNING,
        (N_("Your parcel is late"),),
        (
            N_(
                "We expected it by %(expected_latest)s and it has not been delivered yet. "
                "As far as we know it is still on its way, and we are keeping an eye on it."
            ),
            N_(
                "It has not been delivered by the expected date. As far as we know it is still "
                "on its way, and we are keeping an eye on it."
            ),
        ),
        ASK,
        Target.CONTACT,
    ),
    f"{Situation.DELIVERY_DELAYED}/carrier_reported": Wording(
        Tone.WARNING,
        (N_("The carrier has reported a delay"),),
        (
            N_(
                "Your parcel will arrive later than planned. The carrier's message: "
                "“%(carrier_label)s”. We will update the expected date as soon as we know more."
            ),
            N_(
                "Your parcel will arrive later than planned. We will update the expected date "
                "as soon as we know more."
            ),
        ),
        ASK,
        Target.CONTACT,
    ),
    f"{Situation.DELIVERY_DELAYED}/no_scan": Wording(
        Tone.INFO,
        (
            N_("We have not had news of your parcel since %(last_scan_at)s"),
            N_("We have not had news of your parcel for a while"),
        ),
        (
            N_(
                "The carrier has not scanned it since. This often just means a step was not "
                "scanned, or the carrier has not shared its information yet. We are following "
                "it closely and will tell you if anything changes."
            ),
        ),
        ASK,
        Target.CONTACT,
    ),
    Situation.ADDRESS_PROBLEM: Wording(
        Tone.PROBLEM,
        (N_("Please confirm your address"),),
        (
            N_(
                "The carrier reports a problem with the delivery address. Your parcel can still "
                "reach you, but it may take a little longer."
            ),
        ),
        N_("Confirm or correct your address with us:"),
        Target.CONTACT,
    ),
    Situation.RETURNED_TO_SENDER: Wording(
        Tone.PROBLEM,
        (N_("What would you like us to do?"),),
        (N_("The carrier could not deliver your parcel and is sending it back to us."),),
        N_("Tell us what you prefer: a new delivery, a refund or a store credit."),
        Target.CONTACT,
    ),
    f"{Situation.RETURNED_TO_SENDER}/true": Wording(
        Tone.PROBLEM,
        (N_("What would you like us to do?"),),
        (N_("The carrier could not deliver your parcel and has brought it back to us."),),
        N_("Tell us what you prefer: a new delivery, a refund or a store credit."),
        Target.CONTACT,
    ),
    Situation.DAMAGED: Wording(
        Tone.WARNING,
        (N_("Check your parcel when it arrives"),),
        (
            N_(
                "The carrier reports minor damage to the packaging; your parcel is still on its "
                "way. When it arrives, check it in front of the driver: you may refuse it, or "
                "accept it and write your reservations on the delivery slip."
            ),
        ),
        N_("If anything inside is damaged, tell us:"),
        Target.CONTACT,
    ),
    Situation.REFUSED: Wording(
        Tone.PROBLEM,
        (N_("Did you refuse this parcel?"),),
        (
            N_(
                "The carrier reports that the parcel was refused at delivery. If you did not "
                "refuse it, the carrier may have made a mistake."
            ),
        ),
        N_(
            "Tell us what happened and what you prefer: a refund, a store credit or a change "
            "to your order."
        ),
        Target.CONTACT,
    ),
    Situation.AVAILABLE_FOR_PICKUP: Wording(
        Tone.ACTION,
        (N_("Your parcel is waiting for you at %(name)s"), N_("Ready to collect")),
        (
            N_("Collect it before %(deadline)s, with an ID and your tracking number."),
            N_("Bring an ID and your tracking number when you collect it."),
        ),
        N_("Find the pickup point:"),
        Target.MAP,
    ),
    Situation.DELIVERED_TO_THIRD_PARTY: Wording(
        Tone.ACTION,
        (N_("Your parcel was left for you"),),
        (N_("The carrier handed it over on %(delivered_at)s."),),
        N_("Cannot find it? Contact us:"),
        Target.CONTACT,
    ),
    f"{Situation.DELIVERED_TO_THIRD_PARTY}/neighbour": Wording(
        Tone.ACTION,
        (N_("Ask your neighbour"),),
        (
            N_("%(received_by)s, a neighbour, took it in for you on %(delivered_at)s."),
            N_(
                "A neighbour took it in for you on %(delivered_at)s. The carrier usually leaves "
                "a notice in your letterbox saying who."
            ),
        ),
        N_("Cannot find it? Contact us:"),
        Target.CONTACT,
    ),
    f"{Situation.DELIVERED_TO_THIRD_PARTY}/reception": Wording(
        Tone.ACTION,
        (N_("Ask at reception"),),
        (
            N_("%(received_by)s signed for it at reception on %(delivered_at)s."),
            N_("It was left at reception or with the caretaker on %(delivered_at)s."),
        ),
        N_("Cannot find it? Contact us:"),
        Target.CONTACT,
    ),
    f"{Situation.DELIVERED_TO_THIRD_PARTY}/safe_place": Wording(
        Tone.ACTION,
        (N_("Look near your door"),),
        (
            N_(
                "The carrier left it in a safe place on %(delivered_at)s: look around your "
                "entrance, your letterbox or your garden."
            ),
        ),
        N_("Cannot find it? Contact us:"),
        Target.CONTACT,
    ),
    # No contact buttons on good news: the page's "Need help?" section is one scroll away.
    Situation.DELIVERED: Wording(
        Tone.GOOD,
        (N_("Enjoy your order!"),),
        (N_("We hope everything is as you expected."),),
    ),
    Situation.OUT_FOR_DELIVERY: Wording(
        Tone.INFO,
        (N_("Delivery today"),),
        # The driver's hours are in the date box, right above: the banner says what else to know.
        (N_("If no one is in, the carrier will leave a notice in your letterbox."),),
    ),
    Situation.ATTEMPT_FAILED: Wording(
        Tone.ACTION,
        (N_("Missed delivery"),),
        (
            N_(
                "The driver could not hand your parcel over. It may be left at "
                "%(pickup_point_name)s: look for the carrier's notice in your letterbox."
            ),
            N_(
                "The driver could not hand your parcel over. The carrier usually tries again "
                "on the next working day, or leaves a notice in your letterbox."
            ),
        ),
        ASK,
        Target.CONTACT,
    ),
}
