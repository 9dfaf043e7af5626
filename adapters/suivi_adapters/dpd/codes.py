"""DPD event codes → Suivi taxonomy, as data.

DPD France (cargoNET Webtrace): `clsTrace.StatusNumber`. Every number below is from DPD France's
status list `DPD_status.xlsx` shipped with the "WebService DPD France – suivi de colis V4.7"
documentation (public copy: github.com/PierreDelville/php-dpd, `documents/DPD_status.xlsx`),
which gives each number its four-letter DPD code, its French and English description, its
EDIFACT IFTSTA event/reason and its INOVERT event with the text sent to shippers. The code and
meaning are quoted in the comments. Codes marked (*) are, per that list, "appliqué par le point
relais": scanned by the Pickup relay point itself.

DPD group DELIS (Germany/Benelux, ParcelLifeCycleService 2.0): `statusInfo.status` words, from
the ParcelLifecycleServiceV20 schema and the descriptions DPD sends with them.
"""

from __future__ import annotations

from enum import Enum
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
    codes,
)

S = Status
X = Substatus


def _codes(*numbers: int | range) -> tuple[str, ...]:
    """DPD France numbers as the strings StatusMap compares (Python ranges: end excluded)."""
    out: list[str] = []
    for item in numbers:
        out.extend(str(n) for n in (item if isinstance(item, range) else (item,)))
    return tuple(out)


FRANCE_ROWS: Final[tuple[Row, ...]] = (
    (_codes(0), S.INFO_RECEIVED, X.LABEL_CREATED),  # PDEF pickup request registered
    (_codes(8), S.INFO_RECEIVED, X.LABEL_CREATED),  # CEDI shipper data (EDI) received
    (_codes(10, 230), S.IN_TRANSIT, X.DEPARTED),  # COEC/SMAN departed shipper depot
    (_codes(20), S.IN_TRANSIT, X.AT_HUB),  # COAC arrived at depot / sorting centre
    (_codes(24), S.IN_TRANSIT, None, NOTICE),  # PAVE notification e-mail/SMS failed
    (_codes(26, 27), S.IN_TRANSIT, None, NOTICE),  # PAVP Predict notification sent
    (_codes(28, 89), S.IN_TRANSIT, None),  # CPCH pre-labelled parcel read
    (_codes(29, 97), S.IN_TRANSIT, X.DELAYED),  # PNRC/REST not loaded, left at dock
    (_codes(30, 31, 99), S.OUT_FOR_DELIVERY, None),  # TOUR/TOST/PRIO out for delivery
    (_codes(32, 93), S.AVAILABLE_FOR_PICKUP, X.DEPOT),  # CPAQ/DRIV collect at DPD depot
    (_codes(34), S.IN_TRANSIT, X.DELAYED),  # CNML not put out for delivery
    (_codes(35), S.IN_TRANSIT, X.DELAYED),  # SGMS delivery by appointment
    (_codes(36), S.IN_TRANSIT, X.DELAYED),  # EPMI incomplete shipment, held
    (_codes(40), S.DELIVERED, X.TO_RECIPIENT),  # REMI delivered to consignee
    (_codes(400), S.DELIVERED, X.COLLECTED_AT_PICKUP_POINT),  # REMI* handed over by the relay
    (_codes(44), S.IN_TRANSIT, X.PICKED_UP),  # PICK pickup done
    (_codes(60, 220), S.EXCEPTION, X.HELD_BY_CARRIER),  # STCK/INVE held at depot
    (_codes(62, 160, 161), S.EXCEPTION, X.LOST),  # LOST/PERT lost
    (_codes(71, 271, 273), S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),  # CPPR/LVPR/DBPR at relay
    # NTEM/NPOS/NERE/NABS/NVAD/NEAI/ANNU: collection at the shipper not done or cancelled.
    (_codes(range(74, 80), 300), S.EXCEPTION, None),
    (_codes(80, 292), S.EXCEPTION, X.ADDRESS_PROBLEM),  # MVAD/ECFA wrong address / postcode
    (_codes(88, 190), S.IN_TRANSIT, X.DEPARTED),  # COEX export scan
    (_codes(90), S.IN_TRANSIT, X.DELAYED),  # TEMP delivery on next round
    (_codes(91, 94, 95), S.IN_TRANSIT, X.DELAYED),  # TMPP/FMAI/FMAJ breakdown, weather, force maj.
    # CREF refused by consignee: 100 no reason, 101 late, 103 not ordered, 104 incomplete,
    # 105 no delivery note, 106 refused to sign; 102 refused because damaged.
    (_codes(100, 101, 103, 104, 105, 106), S.EXCEPTION, X.REFUSED),
    (_codes(102), S.EXCEPTION, X.DAMAGED),
    (_codes(107), S.EXCEPTION, None),  # CRFR refused by the relay point
    (_codes(111), S.EXCEPTION, None),  # NLIV not delivered
    (_codes(112, 280, 290), S.IN_TRANSIT, X.REDIRECTED),  # DVAG/DEVY/CORR misrouted, redirected
    (_codes(120, 121), S.IN_TRANSIT, X.DELAYED),  # RDVP/RDVA appointment needed / scheduled
    (_codes(125), S.EXCEPTION, X.ADDRESS_PROBLEM),  # DOOR door code needed
    (_codes(129), S.IN_TRANSIT, X.TO_PICKUP_POINT),  # DBPG DPD chose to deliver to a relay
    (_codes(130), S.ATTEMPT_FAILED, X.RECIPIENT_ABSENT),  # ABST consignee absent
    (_codes(135, 140), S.ATTEMPT_FAILED, X.RECIPIENT_ABSENT),  # FHEB/CONG closed / on holiday
    (_codes(150), S.EXCEPTION, X.DAMAGED),  # DOMT damaged, not deliverable
    (_codes(170, 180), S.IN_TRANSIT, None),  # CHAR/CTRL loaded / quality control
    (_codes(184), S.DELIVERED, X.TO_RECIPIENT, NOTICE),  # PODI scanned proof of delivery
    (_codes(205), S.IN_TRANSIT, X.CUSTOMS),  # DOUA customs transit
    (_codes(211), S.EXCEPTION, X.CUSTOMS_HOLD),  # MDOD missing customs documents
    (_codes(250), S.EXCEPTION, X.HELD_BY_CARRIER),  # NSYS parcel not conforming to system
    # RETO/REOR/RETR/REPR: the list's shipper text is "en retour vers l'adresse d'expédition",
    # and depot and delivery scans follow them: the return under way, not yet back.
    (_codes(260, 261, 263, 264), S.RETURNING, None),
    (_codes(270), S.EXCEPTION, X.DAMAGED),  # BLOQ internal end of life (comes with DOMT)
    (_codes(range(410, 415)), S.EXCEPTION, X.REFUSED),  # IREF* refused at the relay point
    (_codes(441, 442), S.IN_TRANSIT, None),  # IENL* collected by DPD from the relay
    (_codes(444), S.IN_TRANSIT, None),  # IPIC* to be collected by DPD at the relay
    (_codes(450, 451, 452, 456, 457), S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),  # IAVI* notified
    # IAVR/IAVE/IAVN*: availability notice received / failed / impossible: not a parcel move.
    (_codes(453, 454, 455), S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT, NOTICE),
    (_codes(range(460, 463)), S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),  # IREL* reminder sent
    (_codes(470, 471), S.IN_TRANSIT, X.PICKED_UP),  # IDEP* dropped at relay by the shipper
    (_codes(range(480, 485)), S.RETURNING, None),  # IRET* return to shipper under way
    (_codes(494, 498), S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),  # IREC* received at relay
    # REPW recipient's web/SMS reply (appointment, depot or relay pickup, new date, address):
    # an instruction, the parcel has not moved.
    (_codes(500), S.IN_TRANSIT, None, NOTICE),
)

DELIS_ROWS: Final[tuple[Row, ...]] = (
    ("SHIPMENT", S.INFO_RECEIVED, X.LABEL_CREATED),  # parcel data transmitted
    ("PickedUp", S.IN_TRANSIT, X.PICKED_UP),  # "DPD has received your parcel"
    ("BetweenDepots", S.IN_TRANSIT, X.AT_HUB),  # "at the parcel dispatch centre"
    ("Depot", S.IN_TRANSIT, X.ARRIVED_AT_DELIVERY_SITE),  # "at parcel delivery centre"
    ("Courier", S.OUT_FOR_DELIVERY, None),  # "left the parcel delivery centre"
    ("DeliveryFailure", S.ATTEMPT_FAILED, None),  # "we have not been able to deliver"
    ("ParcelShop", S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),  # "delivered to Pickup parcelshop"
    # "After an unsuccessful delivery attempt the parcel is back at the recipient depot."
    ("ReturningFromDelivery", S.ATTEMPT_FAILED, None),
    ("Delivered", S.DELIVERED, X.TO_RECIPIENT),
)

# Labels decide only for codes the tables above do not know (a number added to DPD's list
# later, a DELIS status word not in the schema). Webtrace answers in the `Language` asked for
# (FR, EN); DELIS in its `messageLanguage` (en, de, nl, fr). First match wins, so the more
# specific phrase comes first: "livré ... au point relais" is the relay's arrival, not a
# delivery; "livré" and "livrée" are whole words, never the stem of "livreur" or "livrer".
# Phrases follow the descriptions and INOVERT texts of DPD_status.xlsx (fr, en) and the
# descriptions DELIS sends (en; de/nl/fr words for the same facts).
KEYWORDS: Final[tuple[KeywordRule, ...]] = (
    # back at, or on the way back to, the shipper
    ("retourné à l'expéditeur", S.RETURNED, None),
    ("returned to sender", S.RETURNED, None),
    ("returned to shipper", S.RETURNED, None),
    ("en retour", S.RETURNING, None),
    ("retour à l'expéditeur", S.RETURNING, None),
    ("return to sender", S.RETURNING, None),
    ("retour afzender", S.RETURNING, None),
    ("rücksendung", S.RETURNING, None),
    ("retoure", S.RETURNING, None),
    # the consignee took it from the relay
    ("retiré par le destinataire", S.DELIVERED, X.COLLECTED_AT_PICKUP_POINT),
    ("collected by the consignee", S.DELIVERED, X.COLLECTED_AT_PICKUP_POINT),
    # problems
    ("refus*", S.EXCEPTION, X.REFUSED),  # refus, refusé(e), and English "refused"
    ("verweigert", S.EXCEPTION, X.REFUSED),
    ("geweigerd", S.EXCEPTION, X.REFUSED),
    ("endommag*", S.EXCEPTION, X.DAMAGED),
    ("damaged", S.EXCEPTION, X.DAMAGED),
    ("beschädigt", S.EXCEPTION, X.DAMAGED),
    ("beschadigd", S.EXCEPTION, X.DAMAGED),
    ("perdu", S.EXCEPTION, X.LOST),
    ("lost", S.EXCEPTION, X.LOST),
    ("adresse erronée", S.EXCEPTION, X.ADDRESS_PROBLEM),
    ("adresse incomplète", S.EXCEPTION, X.ADDRESS_PROBLEM),
    ("porte codée", S.EXCEPTION, X.ADDRESS_PROBLEM),
    ("further address needed", S.EXCEPTION, X.ADDRESS_PROBLEM),
    ("wrong address", S.EXCEPTION, X.ADDRESS_PROBLEM),
    ("absent", S.ATTEMPT_FAILED, X.RECIPIENT_ABSENT),
    ("unsuccessful delivery", S.ATTEMPT_FAILED, None),
    ("zustellversuch", S.ATTEMPT_FAILED, None),
    # towards a relay, or handed in there by the shipper
    ("livraison prévue dans un point relais", S.IN_TRANSIT, X.TO_PICKUP_POINT),
    ("choisi de livrer", S.IN_TRANSIT, X.TO_PICKUP_POINT),
    ("déposé conforme", S.IN_TRANSIT, X.PICKED_UP),
    ("déposé au point relais", S.IN_TRANSIT, X.PICKED_UP),
    ("enlevé", S.IN_TRANSIT, X.PICKED_UP),
    ("pris en charge", S.IN_TRANSIT, X.PICKED_UP),
    ("picked up", S.IN_TRANSIT, X.PICKED_UP),
    # waiting to be collected
    ("point relais", S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),
    ("parcelshop", S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),
    ("paketshop", S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),
    ("service point", S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),
    ("à enlever à l'agence", S.AVAILABLE_FOR_PICKUP, X.DEPOT),
    ("à disposition à l'agence", S.AVAILABLE_FOR_PICKUP, X.DEPOT),
    # on the van, then delivered
    ("en tournée", S.OUT_FOR_DELIVERY, None),
    ("en livraison", S.OUT_FOR_DELIVERY, None),
    ("out for delivery", S.OUT_FOR_DELIVERY, None),
    ("delivery in progress", S.OUT_FOR_DELIVERY, None),
    ("in zustellung", S.OUT_FOR_DELIVERY, None),
    ("livré", S.DELIVERED, X.TO_RECIPIENT),
    ("livrée", S.DELIVERED, X.TO_RECIPIENT),
    ("delivered", S.DELIVERED, X.TO_RECIPIENT),
    ("zugestellt", S.DELIVERED, X.TO_RECIPIENT),
    ("afgeleverd", S.DELIVERED, X.TO_RECIPIENT),
    ("bezorgd", S.DELIVERED, X.TO_RECIPIENT),
    # moving through the network
    ("douane", S.IN_TRANSIT, X.CUSTOMS),
    ("customs", S.IN_TRANSIT, X.CUSTOMS),
    ("réorienté", S.IN_TRANSIT, X.REDIRECTED),
    ("misrouted", S.IN_TRANSIT, X.REDIRECTED),
    ("centre de tri", S.IN_TRANSIT, X.AT_HUB),
    ("dispatch centre", S.IN_TRANSIT, X.AT_HUB),
    ("départ", S.IN_TRANSIT, X.DEPARTED),
)

STATUS_MAP: Final = StatusMap("dpd", FRANCE_ROWS + DELIS_ROWS, keywords=KEYWORDS)

# Scans that keep the status they follow: the depot's stock and control scans (STCK 60, CTRL
# 180, INVE 220, which DPD_status.xlsx describes as "held, at consignee's disposal"), its arrival
# scan (COAC 20, DELIS "Depot") and the "not put out today" scans (PNRC 29, CNML 34, TEMP 90,
# REST 97) are the parcel still waiting after a failed attempt or while it waits to be collected.
_WAITING_SCANS: Final = codes("20", "29", "34", "60", "90", "97", "180", "220", "Depot")

# What a DPD event means after the ones before it, in front of COMMON_SEQUENCE (first match
# wins). COMMON_SEQUENCE already reads REMI 40 after CPPR/LVPR/DBPR/IAVI/IREC as a collection,
# DBPG 129 after ABST 130 as the failed attempt still, REMI after IRET as the return reaching
# the shipper, and carries CREF/ECFA/MVAD or a relay's non-collection into IRET.
SEQUENCE: Final[tuple[SequenceRule, ...]] = (
    SequenceRule(after=("attempt_failed",), codes=_WAITING_SCANS, then=KEEP),
    SequenceRule(after=("available_for_pickup",), codes=_WAITING_SCANS, then=KEEP),
    # On its way back (IRET 480-484, RETO/REOR/RETR/REPR 260-264) transit scans are the
    # return's own legs and a "delivered" is the return handed to the shipper: COMMON_SEQUENCE.
    *COMMON_SEQUENCE,
)

# Scans that mean "arrived at a DPD depot": at the consignee's depot it is the delivery site.
DEPOT_ARRIVAL_CODES: Final = frozenset({"20"})

# GetPudoDetails gives a relay's COUNTRY in ISO 3166-1 alpha-3; points keep alpha-2. The
# countries of DPD's European Pickup network.
PUDO_COUNTRIES: Final = {
    "AUT": "AT", "BEL": "BE", "CHE": "CH", "CZE": "CZ", "DEU": "DE", "DNK": "DK", "ESP": "ES",
    "EST": "EE", "FIN": "FI", "FRA": "FR", "GBR": "GB", "HRV": "HR", "HUN": "HU", "IRL": "IE",
    "ITA": "IT", "LTU": "LT", "LUX": "LU", "LVA": "LV", "MCO": "MC", "NLD": "NL", "POL": "PL",
    "PRT": "PT", "ROU": "RO", "SVK": "SK", "SVN": "SI", "SWE": "SE",
}  # fmt: skip


class FaultKind(Enum):
    AUTH = "auth"
    NOT_FOUND = "not_found"


# Words in a SOAP fault (code, text or detail, folded to lower case) that say what it means;
# first match wins. "IpPermissionDenied : No permission for this ip-Address" is DPD France's
# documented access fault; DELICOM_ERR_AUTHENTICATION is DELIS's. DPD France's wording for bad
# credentials and unknown numbers is not documented: the other markers are best guesses.
FAULT_MARKERS: Final[tuple[tuple[str, FaultKind], ...]] = (
    ("ippermissiondenied", FaultKind.AUTH),
    ("no permission", FaultKind.AUTH),
    ("delicom_err_authentication", FaultKind.AUTH),
    ("authentication", FaultKind.AUTH),
    ("invalid credentials", FaultKind.AUTH),
    ("userid or password", FaultKind.AUTH),
    ("shipmentnotfound", FaultKind.NOT_FOUND),
    ("no shipment found", FaultKind.NOT_FOUND),
)
