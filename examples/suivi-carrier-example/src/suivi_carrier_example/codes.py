"""Example Express event codes → Suivi taxonomy, as data.

Every tracking event carries a three-letter `code` from the carrier's published list; this
table is that whole list. The table is inverted once at import, and a code listed twice or a
substatus that does not belong to its status fails there, not at the first parcel. Notices
(a message sent to the recipient) are news, not moves: they never change the parcel's status.
"""

from __future__ import annotations

from typing import Final

from suivi.toolkit import NOTICE, Row, Status, StatusMap, Substatus

S = Status
Sub = Substatus

CODES: Final[tuple[Row, ...]] = (
    ("CRE", S.INFO_RECEIVED, Sub.LABEL_CREATED),  # label printed by the shipper
    ("COL", S.IN_TRANSIT, Sub.PICKED_UP),  # collected from the shipper
    ("HUB", S.IN_TRANSIT, Sub.AT_HUB),  # sorted at a hub
    ("DEP", S.IN_TRANSIT, Sub.DEPARTED),  # left the hub
    ("CUS", S.IN_TRANSIT, Sub.CUSTOMS),  # presented to customs
    ("DLY", S.IN_TRANSIT, Sub.DELAYED),  # missed its connection
    ("DST", S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),  # at the delivering depot
    ("RPT", S.IN_TRANSIT, Sub.TO_PICKUP_POINT),  # on its way to a pickup point
    ("OFD", S.OUT_FOR_DELIVERY, None),  # on the courier's round
    ("ABS", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),  # nobody home, card left
    ("AVL", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),  # waiting at the pickup point
    ("DLV", S.DELIVERED, Sub.TO_RECIPIENT),
    ("NBR", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("PCK", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("ADR", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("DMG", S.EXCEPTION, Sub.DAMAGED),
    ("REF", S.EXCEPTION, Sub.REFUSED),
    ("NCL", S.RETURNING, Sub.NOT_COLLECTED),  # not collected in time: back to the shipper
    ("RTS", S.RETURNING, None),
    ("RTD", S.RETURNED, None),
    ("SMS", S.IN_TRANSIT, None, NOTICE),  # the recipient was sent a message
)

STATUS_MAP: Final = StatusMap("example", CODES)
