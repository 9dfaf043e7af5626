"""What each notification says, as data: subject, heading, paragraphs, button and SMS per event.

Every part is a list of candidates, most precise first: a message uses the first one whose
`%(fact)s` placeholders are all known, and the last candidate of a subject, heading, button or
SMS needs only what every shipment has (merchant, order and tracking numbers, carrier). A
paragraph whose candidates all lack a fact is left out. Keys are events (situation kinds and
`status_changed`), or `kind/variant` where one fact changes the whole message (VARIANT_FACT).
Expected dates are the current estimate's days still ahead, as the page's date box shows them
(`expected_earliest` only when it differs from `expected_latest`); `passed_date` is the date a
late parcel was expected by.

Wording is careful on purpose: a missing scan is not a loss, a refusal may be the carrier's
mistake. SMS texts start with the merchant's name, end before the link the SMS channel appends,
stay within one GSM-7 segment with realistic values and use only GSM-7 characters (plain
apostrophes and dashes, numeric dates). `OutboundMessage.template` names a merchant's tone for
later alternatives; every template reads these texts today.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from suivi import Situation
from suivi_server.notifications.message import STATUS_CHANGED
from suivi_server.pages.i18n import N_


@dataclass(frozen=True)
class Wording:
    subjects: tuple[str, ...]
    headings: tuple[str, ...]
    paragraphs: tuple[tuple[str, ...], ...]
    actions: tuple[str, ...]
    sms: tuple[str, ...]


# The fact whose value selects a `kind/value` entry (booleans read "true" / "false").
VARIANT_FACT: Mapping[str, str] = {
    Situation.DELIVERY_DELAYED: "reason",
    Situation.RETURNED_TO_SENDER: "back_at_sender",
    Situation.DELIVERED_TO_THIRD_PARTY: "handed_to",
    Situation.DELIVERED: "on_time",
}

# How a fact is written in a sentence; facts not listed are shown as text.
FACT_FORMATS: Mapping[str, str] = {
    "promised_ship_date": "day",
    "shipped_at": "day",
    "expected_earliest": "day",
    "expected_latest": "day",
    "last_scan_at": "day",
    "deadline": "day",
    "delivered_at": "day",
    "reported_at": "day",
    "start_time": "clock",
    "end_time": "clock",
    "opening_hours": "lines",
}

# Not a catalog entry: the page's own sentence for the current status, already translated.
STATUS_SENTENCE = "%(status_sentence)s"
TRACK = N_("Track my parcel")
STILL_ON_ITS_WAY = N_("You can follow it at any time on its tracking page.")
# Not an event of the merchant's rules: the opt-in code is queued directly (engagement/optins.py).
OPTIN_CONFIRMATION = "optin_confirmation"
SURVEY_INVITE = N_(
    "Tell us how it went: a few quick questions, and your answers help us serve you better."
)

WORDINGS: Mapping[str, Wording] = {
    Situation.PREPARATION_DELAY: Wording(
        (N_("Your order %(order_number)s is taking longer to prepare"),),
        (N_("Your order is taking a little longer"),),
        (
            (
                N_(
                    "We planned to hand your order to the carrier by %(promised_ship_date)s, "
                    "and it is not ready to leave yet."
                ),
                N_("Your order is not ready to leave our warehouse yet."),
            ),
            (
                N_(
                    "We will tell you as soon as it leaves, with its tracking number and its new "
                    "delivery date. Sorry for the wait."
                ),
            ),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: your order %(order_number)s is taking longer to prepare. We will "
                "tell you as soon as it leaves. Sorry for the wait."
            ),
        ),
    ),
    Situation.SHIPPED: Wording(
        (N_("Your order %(order_number)s is on its way"),),
        (N_("Your order has left our warehouse"),),
        (
            (
                N_(
                    "%(carrier)s took your parcel on %(shipped_at)s. Its tracking number is "
                    "%(tracking_number)s."
                ),
                N_("%(carrier)s has your parcel. Its tracking number is %(tracking_number)s."),
            ),
            (
                N_("We expect it between %(expected_earliest)s and %(expected_latest)s."),
                N_("We expect it on %(expected_latest)s."),
            ),
            (STILL_ON_ITS_WAY,),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: your order %(order_number)s is on its way with %(carrier)s, "
                "expected by %(sms_latest)s. Track it:"
            ),
            N_(
                "%(merchant)s: your order %(order_number)s is on its way with %(carrier)s. "
                "Track it:"
            ),
        ),
    ),
    Situation.SHIPPED_LATE: Wording(
        (N_("Your order %(order_number)s is on its way, later than planned"),),
        (N_("Your order has left, later than we promised"),),
        (
            (
                N_(
                    "We had promised to ship it by %(promised_ship_date)s and %(carrier)s only "
                    "took it on %(shipped_at)s. We are sorry for this delay."
                ),
                N_("Your order left later than we promised. We are sorry for this delay."),
            ),
            (
                N_("We now expect it between %(expected_earliest)s and %(expected_latest)s."),
                N_("We now expect it on %(expected_latest)s."),
            ),
            (N_("%(carrier)s tracking number: %(tracking_number)s."),),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: sorry, your order %(order_number)s left late. %(carrier)s now "
                "expects to deliver it by %(sms_latest)s. Track it:"
            ),
            N_(
                "%(merchant)s: sorry, your order %(order_number)s left late. It is on its way "
                "with %(carrier)s. Track it:"
            ),
        ),
    ),
    # The generic delay, for a reason this table does not know yet.
    Situation.DELIVERY_DELAYED: Wording(
        (N_("Your order %(order_number)s is taking longer than planned"),),
        (N_("Your parcel is taking longer than planned"),),
        (
            (N_("Your parcel is still on its way, a little later than planned."),),
            (N_("We are keeping an eye on it and will tell you as soon as we know more."),),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: your order %(order_number)s is taking longer than planned. We are "
                "keeping an eye on it. Details:"
            ),
        ),
    ),
    f"{Situation.DELIVERY_DELAYED}/expected_date_passed": Wording(
        (N_("Your order %(order_number)s is late"),),
        (N_("Your parcel is late"),),
        (
            (
                N_(
                    "We expected it by %(passed_date)s and %(carrier)s has not delivered it "
                    "yet. As far as we know, it is still on its way."
                ),
                N_(
                    "It has not been delivered by the expected date. As far as we know, it is "
                    "still on its way."
                ),
            ),
            (
                N_(
                    "The carrier now expects to deliver it between %(expected_earliest)s and "
                    "%(expected_latest)s."
                ),
                N_("The carrier now expects to deliver it on %(expected_latest)s."),
            ),
            (
                N_(
                    "We are keeping an eye on it and will tell you as soon as we know more. "
                    "Sorry for the wait."
                ),
            ),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: your order %(order_number)s is late. As far as we know it is still "
                "on its way; we are keeping an eye on it. Details:"
            ),
        ),
    ),
    f"{Situation.DELIVERY_DELAYED}/carrier_reported": Wording(
        (N_("Your order %(order_number)s: the carrier reports a delay"),),
        (N_("The carrier has reported a delay"),),
        (
            (
                N_(
                    "%(carrier)s tells us your parcel will arrive later than planned. Its "
                    "message: “%(carrier_label)s”."
                ),
                N_("%(carrier)s tells us your parcel will arrive later than planned."),
            ),
            (
                N_(
                    "We will tell you the new delivery date as soon as the carrier gives it. "
                    "Sorry for the wait."
                ),
            ),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: %(carrier)s reports a delay on your order %(order_number)s. We "
                "will tell you the new date. Details:"
            ),
        ),
    ),
    # Silence is not a loss: most often a scan was skipped or the carrier is late sharing it.
    f"{Situation.DELIVERY_DELAYED}/no_scan": Wording(
        (N_("News of your order %(order_number)s"),),
        (
            N_("No news from the carrier since %(last_scan_at)s"),
            N_("No news from the carrier for a while"),
        ),
        (
            (
                N_(
                    "%(carrier)s has not scanned your parcel since %(last_scan_at)s. This happens: "
                    "often a step was simply not scanned, or the carrier has not shared its "
                    "information yet."
                ),
                N_(
                    "The carrier has not scanned your parcel for a while. This happens: often a "
                    "step was simply not scanned, or the carrier has not shared its information "
                    "yet."
                ),
            ),
            (
                N_(
                    "We are following it closely and will write to you again if anything "
                    "changes. There is nothing you need to do."
                ),
            ),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: no scan of your order %(order_number)s for a while. This happens "
                "and we are following it closely. Details:"
            ),
        ),
    ),
    Situation.ADDRESS_PROBLEM: Wording(
        (N_("Your order %(order_number)s: please confirm your address"),),
        (N_("Please confirm your delivery address"),),
        (
            (
                N_(
                    "%(carrier)s reports a problem with the delivery address. Your parcel can "
                    "still reach you, but it may take a little longer."
                ),
            ),
            (
                N_(
                    "Please check your address and tell us if anything is missing or wrong "
                    "(number, building, door code, name on the letterbox)."
                ),
            ),
        ),
        (N_("Confirm my address"),),
        (
            N_(
                "%(merchant)s: %(carrier)s has a problem with the address for your order "
                "%(order_number)s. Please confirm it:"
            ),
        ),
    ),
    Situation.RETURNED_TO_SENDER: Wording(
        (N_("Your order %(order_number)s is coming back to us"),),
        (N_("What would you like us to do?"),),
        (
            (N_("%(carrier)s could not deliver your parcel and is sending it back to us."),),
            (
                N_(
                    "Tell us what you prefer: we can send it to you again, refund you or give "
                    "you a store credit."
                ),
            ),
        ),
        (N_("Tell us what you prefer"),),
        (
            N_(
                "%(merchant)s: your order %(order_number)s could not be delivered and is coming "
                "back to us. New delivery, refund or credit? Tell us:"
            ),
        ),
    ),
    f"{Situation.RETURNED_TO_SENDER}/true": Wording(
        (N_("Your order %(order_number)s is back with us"),),
        (N_("What would you like us to do?"),),
        (
            (N_("%(carrier)s could not deliver your parcel and has brought it back to us."),),
            (
                N_(
                    "Tell us what you prefer: we can send it to you again, refund you or give "
                    "you a store credit."
                ),
            ),
        ),
        (N_("Tell us what you prefer"),),
        (
            N_(
                "%(merchant)s: your order %(order_number)s could not be delivered and is back "
                "with us. New delivery, refund or credit? Tell us:"
            ),
        ),
    ),
    Situation.DAMAGED: Wording(
        (N_("Your order %(order_number)s: check your parcel when it arrives"),),
        (N_("Check your parcel when it arrives"),),
        (
            (
                N_(
                    "%(carrier)s reported minor damage to the packaging on %(reported_at)s. Your "
                    "parcel is still on its way to you."
                ),
                N_(
                    "%(carrier)s reports minor damage to the packaging. Your parcel is still on "
                    "its way to you."
                ),
            ),
            (
                N_(
                    "When it arrives, inspect it in front of the driver. If the contents are "
                    "damaged, you may refuse it, or accept it and write precise reservations on "
                    "the delivery slip."
                ),
            ),
            (N_("If anything inside is damaged, tell us: we will find a solution."),),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: the packaging of your order %(order_number)s was damaged on the "
                "way. Check it on delivery; you may refuse it. Details:"
            ),
        ),
    ),
    Situation.REFUSED: Wording(
        (N_("Your order %(order_number)s was refused at delivery"),),
        (N_("Did you refuse this parcel?"),),
        (
            (N_("%(carrier)s tells us your parcel was refused at delivery."),),
            (
                N_(
                    "If it was not you, the carrier may have made a mistake: tell us and we "
                    "will sort it out."
                ),
            ),
            (
                N_(
                    "If you did refuse it, tell us why, and what you prefer: a refund, a store "
                    "credit or a change to your order."
                ),
            ),
        ),
        (N_("Tell us what happened"),),
        (
            N_(
                "%(merchant)s: %(carrier)s says your order %(order_number)s was refused. Was it "
                "really you? Tell us what happened:"
            ),
        ),
    ),
    Situation.AVAILABLE_FOR_PICKUP: Wording(
        (N_("Your order %(order_number)s is ready to collect"),),
        (N_("Your parcel is waiting for you at %(name)s"), N_("Your parcel is ready to collect")),
        (
            (
                N_("Where: %(name)s, %(address)s, %(town)s."),
                N_("Where: %(name)s, %(town)s."),
                N_("Where: %(name)s."),
                N_("Where: the pickup point named on your tracking page."),
            ),
            (N_("Opening hours: %(opening_hours)s."),),
            (
                N_(
                    "Collect it by %(deadline)s, with an ID and your tracking number: after that "
                    "date, it will be sent back to us."
                ),
                N_("Collect it soon, with an ID and your tracking number."),
            ),
        ),
        (N_("See the pickup point"),),
        (
            N_(
                "%(merchant)s: your order %(order_number)s is waiting for you at %(name)s until "
                "%(sms_deadline)s. Bring an ID. Details:"
            ),
            N_(
                "%(merchant)s: your order %(order_number)s is waiting for you at %(name)s. "
                "Bring an ID. Details:"
            ),
            N_(
                "%(merchant)s: your order %(order_number)s is ready to collect at its pickup "
                "point. Bring an ID. Details:"
            ),
        ),
    ),
    Situation.DELIVERED_TO_THIRD_PARTY: Wording(
        (N_("Your order %(order_number)s was left for you"),),
        (N_("Your parcel was left for you"),),
        (
            (
                N_("%(carrier)s delivered it on %(delivered_at)s, but not into your own hands."),
                N_("%(carrier)s delivered it, but not into your own hands."),
            ),
            (N_("Your tracking page says who or where has it."),),
        ),
        (TRACK,),
        (N_("%(merchant)s: your order %(order_number)s was delivered and left for you. Details:"),),
    ),
    f"{Situation.DELIVERED_TO_THIRD_PARTY}/neighbour": Wording(
        (N_("Your order %(order_number)s is with a neighbour"),),
        (N_("%(received_by)s, your neighbour, has your parcel"), N_("A neighbour has your parcel")),
        (
            (
                N_("%(received_by)s, a neighbour, took it in for you on %(delivered_at)s."),
                N_(
                    "A neighbour took it in for you on %(delivered_at)s. The carrier usually "
                    "leaves a notice in your letterbox saying who."
                ),
                N_(
                    "A neighbour took it in for you. The carrier usually leaves a notice in your "
                    "letterbox saying who."
                ),
            ),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: your order %(order_number)s was left with your neighbour "
                "%(received_by)s. Details:"
            ),
            N_(
                "%(merchant)s: your order %(order_number)s was left with a neighbour; look for "
                "the carrier's notice. Details:"
            ),
        ),
    ),
    f"{Situation.DELIVERED_TO_THIRD_PARTY}/reception": Wording(
        (N_("Your order %(order_number)s is at reception"),),
        (N_("Ask at reception"),),
        (
            (
                N_("%(received_by)s signed for it at reception on %(delivered_at)s."),
                N_("It was left at reception or with the caretaker on %(delivered_at)s."),
                N_("It was left at reception or with the caretaker."),
            ),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: your order %(order_number)s was left at reception or with the "
                "caretaker. Details:"
            ),
        ),
    ),
    f"{Situation.DELIVERED_TO_THIRD_PARTY}/safe_place": Wording(
        (N_("Your order %(order_number)s was left in a safe place"),),
        (N_("Look near your door"),),
        (
            (
                N_(
                    "%(carrier)s left it in a safe place on %(delivered_at)s: look around your "
                    "entrance, your letterbox or your garden."
                ),
                N_(
                    "%(carrier)s left it in a safe place: look around your entrance, your "
                    "letterbox or your garden."
                ),
            ),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: your order %(order_number)s was left in a safe place near your "
                "door. Details:"
            ),
        ),
    ),
    Situation.DELIVERED: Wording(
        (N_("Your order %(order_number)s has been delivered"),),
        (N_("Enjoy your order!"),),
        (
            (
                N_("%(carrier)s delivered it on %(delivered_at)s. Thank you for your order!"),
                N_("It has been delivered. Thank you for your order!"),
            ),
            (SURVEY_INVITE,),
        ),
        (N_("Tell us how it went"),),
        (
            N_(
                "%(merchant)s: your order %(order_number)s has been delivered. Thank you! Tell "
                "us how it went:"
            ),
        ),
    ),
    f"{Situation.DELIVERED}/false": Wording(
        (N_("Your order %(order_number)s has been delivered"),),
        (N_("Your order has arrived"),),
        (
            (
                N_(
                    "%(carrier)s delivered it on %(delivered_at)s, later than we had promised. "
                    "We are sorry for the wait, and thank you for your patience."
                ),
                N_(
                    "It has been delivered, later than we had promised. We are sorry for the "
                    "wait, and thank you for your patience."
                ),
            ),
            (SURVEY_INVITE,),
        ),
        (N_("Tell us how it went"),),
        (
            N_(
                "%(merchant)s: your order %(order_number)s has been delivered. Sorry for the "
                "wait! Tell us how it went:"
            ),
        ),
    ),
    Situation.OUT_FOR_DELIVERY: Wording(
        (N_("Your order %(order_number)s arrives today"),),
        (N_("Delivery today"),),
        (
            (
                N_(
                    "%(carrier)s will deliver your parcel today, between %(start_time)s and "
                    "%(end_time)s."
                ),
                N_("%(carrier)s will deliver your parcel today."),
            ),
            (N_("If no one is in, the carrier will leave a notice in your letterbox."),),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: your order %(order_number)s arrives today between %(start_time)s "
                "and %(end_time)s. Track it:"
            ),
            N_("%(merchant)s: your order %(order_number)s arrives today. Track it:"),
        ),
    ),
    Situation.ATTEMPT_FAILED: Wording(
        (N_("Your order %(order_number)s: missed delivery"),),
        (N_("Missed delivery"),),
        (
            (N_("The driver could not hand your parcel over."),),
            (
                N_(
                    "It will wait for you at %(pickup_point_name)s: look for the carrier's "
                    "notice in your letterbox, it says from when."
                ),
                N_(
                    "The carrier usually tries again on the next working day, or leaves a notice "
                    "in your letterbox saying where to collect it."
                ),
            ),
        ),
        (TRACK,),
        (
            N_(
                "%(merchant)s: missed delivery of your order %(order_number)s. It will wait for "
                "you at %(pickup_point_name)s. Details:"
            ),
            N_(
                "%(merchant)s: missed delivery of your order %(order_number)s. The carrier will "
                "try again or leave a notice. Details:"
            ),
        ),
    ),
    # The code that confirms an opt-in made on the page (engagement/optins.py).
    OPTIN_CONFIRMATION: Wording(
        (N_("Your code for news of order %(order_number)s: %(code)s"),),
        (N_("Your confirmation code: %(code)s"),),
        (
            (
                N_(
                    "Enter this code on the tracking page of your order %(order_number)s to "
                    "receive its news. It is valid for 30 minutes."
                ),
            ),
            (N_("If you did not ask for it, you can ignore this message."),),
        ),
        (TRACK,),
        (N_("%(merchant)s: your code is %(code)s. Enter it on the tracking page within 30 min:"),),
    ),
    STATUS_CHANGED: Wording(
        (N_("News of your order %(order_number)s"),),
        (STATUS_SENTENCE, N_("News of your order")),
        ((STILL_ON_ITS_WAY,),),
        (TRACK,),
        (N_("%(merchant)s: order %(order_number)s. %(status_sentence)s. Details:"),),
    ),
}

CHROME: Mapping[str, str] = {
    "order": N_("Order %(order_number)s"),
    "footer": N_("You receive this message because you ordered from %(merchant)s."),
    "unsubscribe": N_("Stop these messages"),
    "contact": N_("A question? Contact us"),
    "unsubscribe_title": N_("Stop these messages"),
    "unsubscribe_confirm": N_("Stop emails about your orders from %(merchant)s?"),
    "unsubscribe_button": N_("Yes, stop these emails"),
    "unsubscribe_done": N_("You will no longer receive these messages from %(merchant)s."),
    "tracking_number": N_("Tracking number"),
    "carrier": N_("Carrier"),
    "survey": N_("Tell us how it went"),
    "track": TRACK,
    "sms_stop": N_("Reply STOP to opt out"),
}
