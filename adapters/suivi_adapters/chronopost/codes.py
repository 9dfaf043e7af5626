"""Chronopost trackSkybillV2 event codes → Suivi taxonomy, as data.

No official list is published. Sources (see carrier-samples/chronopost/CODES.md):
[WL] weblinko/php-chronopost examples/Track.php, [UPS] plhery/universal-parcel-scraper
carriers/chronopost/status.ts + statuses.json (observed live), [KAR] karrio chronopost tests,
[VIS] couillema/micro_services test mocks (low confidence), [C2S] 3z3qu13l/chronopost-tracking
README.md (a history in which "Livraison effectuée" follows "Colis en cours de livraison au point
de retrait") and utils/constants.js (Shop2Shop wordings, "Retiré par le destinataire").
Codes arrive space-padded ("D  "); StatusMap trims them. Chronopost reuses codes with other
wordings (SD, P, D…): those are label-dependent, so the keyword rules on `eventLabel` decide
first and the code is the fallback. Labels come in the language asked for (`fr_FR` or `en_GB`):
keywords are given in both.
"""

from __future__ import annotations

from typing import Final

from suivi.toolkit import (
    COMMON_SEQUENCE,
    KEEP,
    NOTICE,
    KeywordRule,
    Row,
    SequenceRule,
    Status,
    StatusMap,
    Substatus,
)
from suivi.toolkit import (
    codes as any_of,
)

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
    # Customs problem solved [UPS]; ST "Dédouané", customs cleared [VIS, low confidence].
    (("SJ", "ST"), S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),
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
    # Not parcel moves: delivery instruction received [WL, UPS], recipient told by SMS/mail
    # [WL, UPS]; CT "Consigne traitée" (instruction processed) and H "Information" [VIS, low
    # confidence]: a notice keeps the parcel where it was rather than guessing a move.
    (("CL", "SM", "CT", "H"), S.IN_TRANSIT, None, NOTICE),
)

# Checked first for label-dependent codes, and for codes not in the table. First match wins,
# so the narrower phrase stands before the wider one. Words and phrases, folded, matched at word
# boundaries; a negation before them in the clause ("non livré") cancels them. French wordings
# are Chronopost's own where a source gives them ([WL], [UPS]); English ones are the en_GB
# wordings of the same events ([KAR] and our samples) and the usual words for the rest.
KEYWORDS: Final[tuple[KeywordRule, ...]] = (
    # Refusal: "Echec de livraison suite au refus du destinataire" (the P code with its reason).
    ("refus", S.EXCEPTION, Sub.REFUSED),
    ("refuse", S.EXCEPTION, Sub.REFUSED),  # folded "refusé(e)"; en "refused" below
    ("refusee", S.EXCEPTION, Sub.REFUSED),
    ("refused", S.EXCEPTION, Sub.REFUSED),
    ("endommage*", S.EXCEPTION, Sub.DAMAGED),  # endommagé(e)(s)
    ("avarie*", S.EXCEPTION, Sub.DAMAGED),
    ("damaged", S.EXCEPTION, Sub.DAMAGED),
    ("adresse incomplete", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("adresse erronee", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("adresse incorrecte", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("incorrect address", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("incomplete address", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("voisin", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("gardien", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("neighbour", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("neighbor", S.DELIVERED, Sub.TO_NEIGHBOUR),
    # "Colis en retour expéditeur" [UPS]; the return's own delivery is a sequence rule. Never
    # a bare "retour": "colis en retour à l'agence" is the van back at the depot, not a return.
    ("retour expediteur", S.RETURNING, None),
    ("retour a l'expediteur", S.RETURNING, None),
    ("retour vers l'expediteur", S.RETURNING, None),
    ("retour a l'envoyeur", S.RETURNING, None),
    ("return to sender", S.RETURNING, None),
    ("returned to sender", S.RETURNING, None),
    ("returning to sender", S.RETURNING, None),
    ("dedouane", S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),  # "dédouané(e)": cleared, good news
    ("dedouanee", S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),
    ("customs cleared", S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),
    ("cleared customs", S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),
    ("retenu en douane", S.EXCEPTION, Sub.CUSTOMS_HOLD),
    ("bloque en douane", S.EXCEPTION, Sub.CUSTOMS_HOLD),
    ("held in customs", S.EXCEPTION, Sub.CUSTOMS_HOLD),
    ("held by customs", S.EXCEPTION, Sub.CUSTOMS_HOLD),
    ("dedouanement", S.IN_TRANSIT, Sub.CUSTOMS),  # clearance under way, neither held nor done
    ("douane", S.IN_TRANSIT, Sub.CUSTOMS),
    ("customs", S.IN_TRANSIT, Sub.CUSTOMS),
    ("absence", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),  # P "suite à l'absence du destinataire"
    ("absent", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("avis de passage", S.ATTEMPT_FAILED, None),
    ("pas pu etre livre", S.ATTEMPT_FAILED, None),  # negated on purpose: the phrase says it
    ("could not be delivered", S.ATTEMPT_FAILED, None),
    ("unable to deliver", S.ATTEMPT_FAILED, None),
    ("echec de livraison", S.ATTEMPT_FAILED, None),  # NA [UPS]
    ("delivery failed", S.ATTEMPT_FAILED, None),
    ("failed delivery", S.ATTEMPT_FAILED, None),
    ("reportee", S.IN_TRANSIT, Sub.DELAYED),  # SD/IA "Livraison reportée de 24h" [UPS]
    ("reporte", S.IN_TRANSIT, Sub.DELAYED),
    ("retard*", S.IN_TRANSIT, Sub.DELAYED),  # A2/AT "Colis retardé …" [UPS, WL], "en retard"
    ("postponed", S.IN_TRANSIT, Sub.DELAYED),
    ("delayed", S.IN_TRANSIT, Sub.DELAYED),
    # RB "Colis en cours de livraison au point de retrait" [WL, UPS], before the round itself.
    ("livraison au point de retrait", S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
    ("mis a disposition", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),  # AB [WL, UPS]
    ("available at", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("remis au destinataire au point de retrait", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("retire par le destinataire", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),  # [C2S]
    ("collected by the recipient", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("en cours de livraison", S.OUT_FOR_DELIVERY, None),  # TA [WL, UPS]
    ("in delivery", S.OUT_FOR_DELIVERY, None),  # TA "Shipment in delivery to the consignee"
    ("out for delivery", S.OUT_FOR_DELIVERY, None),
    ("livraison effectuee", S.DELIVERED, None),  # D [WL, UPS]
    ("delivered", S.DELIVERED, None),  # D "Delivered" [KAR]
)

# Codes seen with several wordings: SD [UPS], the failure codes whose label gives the reason,
# D (home, neighbour…), SK (address or customs information), I2 (incident of any kind).
LABEL_DEPENDENT: Final = ("SD", "P", "NA", "D", "SK", "I2")

STATUS_MAP: Final = StatusMap(
    "chronopost", ROWS, keywords=KEYWORDS, label_dependent=LABEL_DEPENDENT
)

# What a Chronopost event means after the ones before it, in front of COMMON_SEQUENCE (which
# already makes D after AB a collection [UPS, WL], RB after AB the same point [UPS: "the
# courier's drop-off scan can follow the pickup point's own arrival scan"], D after R the return
# reaching the sender [UPS], R after AB a parcel nobody collected).
SEQUENCE: Final[tuple[SequenceRule, ...]] = (
    # The return leg is scanned with the ordinary codes (TS, SC, SD, TA…) before its D [UPS]:
    # they move the parcel back, so it stays returning, with the reason the return started with.
    SequenceRule(after=("returning",), when="in_transit", then=KEEP),
    SequenceRule(after=("returning",), when="out_for_delivery", then=KEEP),
    # D straight after RB, with no AB read between [C2S]: the point has the parcel and only
    # hands it over to its recipient, so the delivery is a collection there.
    SequenceRule(
        after=("in_transit/to_pickup_point",),
        codes=any_of("D"),
        then=(S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ),
    # TT after AB is the relay handing the parcel to a driver ("Colis remis par le relais
    # Pickup au chauffeur" [UPS]): it leaves the point uncollected, on its way back.
    SequenceRule(
        after=("available_for_pickup",), codes=any_of("TT"), then=(S.RETURNING, Sub.NOT_COLLECTED)
    ),
    *COMMON_SEQUENCE,
)

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
