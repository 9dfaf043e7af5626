"""Chronopost trackSkybillV2 event codes → Suivi taxonomy, as data.

No official list is published. Sources (see carrier-samples/chronopost/CODES.md):
[WL] weblinko/php-chronopost examples/Track.php, [UPS] plhery/universal-parcel-scraper
carriers/chronopost/status.ts + statuses.json (observed live), [KAR] karrio chronopost tests,
[VIS] couillema/micro_services test mocks (low confidence). Codes arrive space-padded ("D  ");
StatusMap trims them. Chronopost reuses codes with other wordings (SD, P, D…): those are
label-dependent, so the keyword rules on `eventLabel` decide first and the code is the fallback.
"""

from __future__ import annotations

from typing import Final

from suivi import NOTICE, KeywordRule, Row, Status, StatusMap, Substatus

S, Sub = Status, Substatus

ROWS: Final[tuple[Row, ...]] = (
    # Label created / data received, not handed over yet [WL, UPS, KAR, VIS]; EA = part of a
    # multi-parcel shipment, written at label time [UPS].
    (("DC", "EA"), S.INFO_RECEIVED, Sub.LABEL_CREATED),
    # PC picked up at shipper [WL]; DB dropped off by shipper [UPS, KAR]; DY post office [KAR].
    (("PC", "DB", "DY"), S.IN_TRANSIT, Sub.PICKED_UP),
    # SC/EC sorted at departure depot [WL, UPS, KAR]; TS/O/TP moving [WL, UPS, KAR]; T entered a
    # depot [UPS]; EI entered destination country [UPS]; RO repackaged [WL]; TT handed to a
    # forwarder or relay → driver [WL, UPS].
    (("SC", "EC", "TS", "O", "TP", "T", "EI", "RO", "TT"), S.IN_TRANSIT, None),
    (("SJ",), S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),  # customs problem solved [UPS]
    (("SD",), S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),  # sorted at delivery depot [WL, UPS]
    # Postponed 24 h [UPS; ZA/ZT/ZC VIS], delayed at depot / in transit [UPS, WL], on hold [WL],
    # delivery planned next Monday [WL, UPS].
    (("IA", "ZA", "ZT", "ZC", "A2", "AT", "I", "IS"), S.IN_TRANSIT, Sub.DELAYED),
    (("RB",), S.IN_TRANSIT, Sub.TO_PICKUP_POINT),  # on its way to the pickup point [WL, UPS]
    (("TA",), S.OUT_FOR_DELIVERY, None),  # out for delivery [WL, UPS, KAR]
    (("P",), S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),  # failed, recipient absent [UPS]
    (("NA",), S.ATTEMPT_FAILED, None),  # failed, waiting for redelivery instructions [UPS]
    (("AB",), S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),  # at the pickup point [WL, UPS]
    (("RI",), S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),  # collected at pickup point [WL]
    (("D",), S.DELIVERED, None),  # delivered, home or pickup point [WL, UPS, KAR]
    # Waiting for information from the recipient: in practice an address to complete [UPS].
    (("SK",), S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    (("I2",), S.EXCEPTION, None),  # incident at delivery depot, Vision stage INCIDENT [VIS]
    (("R",), S.RETURNING, None),  # returning to sender [UPS]
    # Not parcel moves: delivery instruction received [WL, UPS], recipient told by SMS/mail.
    (("CL",), S.IN_TRANSIT, None, NOTICE),
    (("SM",), S.IN_TRANSIT, None, NOTICE),
)

# Checked first for label-dependent codes, and for codes not in the table. First match wins.
KEYWORDS: Final[tuple[KeywordRule, ...]] = (
    ("refus*", S.EXCEPTION, Sub.REFUSED),
    ("endommag*", S.EXCEPTION, Sub.DAMAGED),
    ("avari*", S.EXCEPTION, Sub.DAMAGED),
    ("damaged", S.EXCEPTION, Sub.DAMAGED),
    ("voisin", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("gardien", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("neighbour", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("retour*", S.RETURNING, None),
    ("dedouan*", S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),  # before "douane": "dédouané" is good news
    ("douane*", S.EXCEPTION, Sub.CUSTOMS_HOLD),
    ("absence", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("avis de passage", S.ATTEMPT_FAILED, None),
    ("report*", S.IN_TRANSIT, Sub.DELAYED),  # SD "Livraison reportée de 24h" [UPS]
)

# Codes seen with several wordings: SD [UPS], the failure codes whose label gives the reason,
# D (home, neighbour…), SK (address or customs information), I2 (incident of any kind).
LABEL_DEPENDENT: Final = ("SD", "P", "NA", "D", "SK", "I2")

STATUS_MAP: Final = StatusMap(
    "chronopost", ROWS, keywords=KEYWORDS, label_dependent=LABEL_DEPENDENT
)

# The same code means more after some earlier code: D after AB is a collection at the pickup
# point [UPS, WL], D after R is the return's delivery to the sender [UPS], R after AB is a
# parcel nobody collected. The most recent earlier trigger code decides.
AFTER: Final[dict[str, dict[str, tuple[Status, Substatus | None]]]] = {
    "D": {"AB": (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT), "R": (S.RETURNED, None)},
    "R": {"AB": (S.RETURNING, Sub.NOT_COLLECTED)},
}
TRIGGERS: Final = frozenset(code for rules in AFTER.values() for code in rules)

# "Type de retrait" wording → where the parcel waits (default: a Chronopost relay) [UPS].
PICKUP_TYPES: Final[tuple[tuple[str, Substatus], ...]] = (
    ("consigne", Sub.LOCKER),
    ("pickup station", Sub.LOCKER),
    ("agence", Sub.DEPOT),
    ("bureau de poste", Sub.POST_OFFICE),
)

# infoCompList names the parser reads.
SIGNER: Final = ("Consignee's name", "Nom du réceptionnaire")  # FR wording unverified
PICKUP_POINT: Final = "Point de retrait"
PICKUP_TYPE: Final = "Type de retrait"
DELIVERY_POINT: Final = "Point de livraison"  # "NAME - STREET - POSTCODE - CITY - CC" [UPS]
WINDOW: Final = ("Début créneau RDV", "Fin créneau RDV")  # "dd/MM/yyyy HH:mm[:ss]" [UPS]
REDELIVERY: Final = "Date de relivraison"  # "dd/MM/yyyy" [UPS]

RELAY_PRODUCT: Final = "86"
"""The Chrono Relais product PointRelaisServiceWS is asked about (as public integrations do)."""
