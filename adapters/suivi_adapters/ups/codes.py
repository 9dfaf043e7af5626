"""UPS Track API codes → Suivi taxonomy, as data.

Sources: UPS developer portal "API codes" pages for the Track API (copied in karrio
`modules/connectors/ups/vendors/Tracking-*.html`, summarized in
`carrier-samples/ups/REFERENCE_codes.md`), and the Track API OpenAPI spec
(github.com/UPS-API/api-documentation `Tracking.yaml`).

Each activity carries `status.statusCode` (3 digits, zero-padded: "011") and `status.type`
(one or two letters: "D"). The status code is more precise, so it decides; the type is the
fallback when the code is missing or not in the table. Both live in ONE StatusMap: the keys
cannot collide (digits vs letters).

The two-letter `status.code` is the activity's reason ("package exception / delivery codes"
page, `Tracking-delivery-codes.html`): KR says *why* a "013 Exception" happened, 2W that an
"011 Delivered" was a collection at an Access Point. `REASON_CODES` maps the access-point,
collection, return, refusal, address, damage and loss reasons; a reason decides when the
status code is one of the generic `GENERIC_STATUS_CODES` (or missing), or refines it when both
agree on the status (see `adapter.status_mapping`). Only reasons whose code means one thing in
the whole page are listed: the page reuses some codes across its tables (UA "returned to the
sender" / "updated arrival", DL, YI, EP, AG, 50, 53), and those stay unmapped.

Not mapped on purpose: TForce freight (TCFRATY) and Mail Innovations (TSEVSDS) tables of the
reference, which reuse the same numbers with other meanings (freight "050" is "delivered to
consignee", small-package "050" is "address information required").
"""

from __future__ import annotations

from typing import Final

from suivi.toolkit import (
    COMMON_SEQUENCE,
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
Sub = Substatus

# status.type — "Package activity types" (UPS API codes); P comes from the Track API guide.
ACTIVITY_TYPES: Final[tuple[Row, ...]] = (
    ("M", S.INFO_RECEIVED, Sub.LABEL_CREATED),  # Billing Information Received
    ("MV", S.EXCEPTION, None),  # Billing Information Voided (shipper cancelled the label)
    ("P", S.IN_TRANSIT, Sub.PICKED_UP),  # Pickup
    ("I", S.IN_TRANSIT, None),  # In Transit, Out for Delivery (the status code tells which)
    ("W", S.IN_TRANSIT, Sub.AT_HUB),  # Warehousing (freight)
    ("DO", S.IN_TRANSIT, Sub.AT_HUB),  # Delivered Origin CFS (freight)
    ("DD", S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),  # Delivered Destination CFS (freight)
    ("D", S.DELIVERED, Sub.TO_RECIPIENT),  # Delivered
    ("X", S.EXCEPTION, None),  # Exception
    ("NA", S.IN_TRANSIT, None, NOTICE),  # Not Available
    ("U", S.IN_TRANSIT, None, NOTICE),  # Updates (Track Alert API only)
)

# status.statusCode — "Status/description codes" (UPS API codes), every entry of the table.
# Customer requests ("… Requested") and claims are notices: they do not move the parcel.
STATUS_CODES: Final[tuple[Row, ...]] = (
    # label created, not yet handed to UPS
    (("003", "079", "080", "157", "166"), S.INFO_RECEIVED, Sub.LABEL_CREATED),
    ("077", S.INFO_RECEIVED, None),  # Scheduled for Pickup Today
    (("043", "065", "131", "135"), S.INFO_RECEIVED, None, NOTICE),  # pickup voided/attempted
    # moving in the network
    (("038", "160", "167", "168", "169"), S.IN_TRANSIT, Sub.PICKED_UP),
    (
        ("005", "010", "025", "039", "044", "045", "047", "073", "074", "075", "087", "094"),
        S.IN_TRANSIT,
        None,
    ),
    (("137", "143", "158", "159", "164", "165"), S.IN_TRANSIT, None),  # 143 Delivered to Agent
    ("019", S.IN_TRANSIT, None),  # Held for Future Delivery (at the receiver's request)
    (("016", "138"), S.IN_TRANSIT, Sub.AT_HUB),  # In Warehouse; Awaiting Scheduled Departure
    ("071", S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),  # Preparing for Delivery
    (("012", "092"), S.IN_TRANSIT, Sub.CUSTOMS),  # Clearance in Progress
    (("014", "084", "134"), S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),
    (("028", "063", "096", "099", "103", "106", "108"), S.IN_TRANSIT, Sub.REDIRECTED),
    (("057", "070", "100"), S.IN_TRANSIT, Sub.TO_PICKUP_POINT),  # to a UPS Access Point
    # "Delay" (046/048/086/090), weather (032/051-053), rescheduled (055), airport security
    (
        ("032", "046", "048", "051", "052", "053", "055", "086", "090", "132"),
        S.IN_TRANSIT,
        Sub.DELAYED,
    ),
    # last mile
    (("006", "021", "037", "072", "078", "089", "091", "146", "162"), S.OUT_FOR_DELIVERY, None),
    (("022", "023", "024", "060", "061", "066", "145"), S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("062", S.ATTEMPT_FAILED, None),  # Delivery Attempted: Funds Required
    ("139", S.ATTEMPT_FAILED, Sub.NO_ACCESS),  # Security Access Required
    ("040", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),  # Ready for Customer Pickup
    ("161", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),  # Delivered to UPS Access Point
    ("017", S.AVAILABLE_FOR_PICKUP, Sub.DEPOT),  # Held for Customer Pickup (UPS facility)
    ("144", S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),  # Delivered to Post Office for Pickup
    (("011", "026"), S.DELIVERED, Sub.TO_RECIPIENT),  # Delivered; … by Local Post Office
    ("156", S.DELIVERED, Sub.TO_RECEPTION),  # Commercial Inside Release
    # problems
    (("007", "013", "029", "030", "069", "076", "129", "147", "149"), S.EXCEPTION, None),
    ("049", S.EXCEPTION, Sub.DELAYED),  # Delay: Action Required
    ("050", S.EXCEPTION, Sub.ADDRESS_PROBLEM),  # Address Information Required
    (("058", "123", "124", "125", "126", "141"), S.EXCEPTION, Sub.CUSTOMS_HOLD),
    ("059", S.EXCEPTION, Sub.DAMAGED),  # Damage Reported
    ("064", S.EXCEPTION, Sub.REFUSED),  # Delivery Refused
    (("068", "093"), S.EXCEPTION, Sub.LOST),  # Lost and Found; Premier Recovery In Progress
    (("083", "085", "104"), S.EXCEPTION, Sub.HELD_BY_CARRIER),  # Held; COD; for Instructions
    # back to the sender
    (("035", "036", "118"), S.RETURNING, None),
    (("034", "067", "081"), S.RETURNED, None),
    (("033", "119"), S.RETURNING, None, NOTICE),  # Return to Sender Requested
    # notices: requests, confirmations that do not move the parcel, claims, data updates
    (
        ("000", "018", "020", "027", "041", "042", "054", "056", "082", "088", "095", "097"),
        S.IN_TRANSIT,
        None,
        NOTICE,
    ),
    (
        ("098", "101", "102", "105", "107", "109", "110", "111", "112", "113", "114", "115"),
        S.IN_TRANSIT,
        None,
        NOTICE,
    ),
    (
        ("116", "117", "120", "121", "122", "133", "136", "148", "153", "154", "163"),
        S.IN_TRANSIT,
        None,
        NOTICE,
    ),
    (("127", "128", "130", "140", "142"), S.EXCEPTION, None, NOTICE),  # investigations, claims
    ("155", S.DELIVERED, None, NOTICE),  # Delivery Photo
)

# status.code — "Package exception / delivery codes" (UPS API codes page, copied as karrio
# `modules/connectors/ups/vendors/Tracking-delivery-codes.html`; in REFERENCE_codes.md).
REASONS: Final[tuple[Row, ...]] = (
    # at an Access Point, a locker or a UPS counter, waiting for the receiver
    (("2Q", "ZP", "I5", "ZI", "8I"), S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("1N", S.AVAILABLE_FOR_PICKUP, Sub.LOCKER),  # delivered to a locker, awaiting pickup
    ("ZQ", S.AVAILABLE_FOR_PICKUP, Sub.DEPOT),  # Your Pkg Is Being Held For Collection
    # reminders while it waits: the parcel does not move
    (("5G", "6B"), S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT, NOTICE),
    (("2W", "FT"), S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),  # picked up by the receiver
    ("3H", S.DELIVERED, Sub.TO_NEIGHBOUR),  # Neighbor - By Request
    ("9E", S.DELIVERED, Sub.TO_RECEPTION),  # Commercial Inside Release
    ("KM", S.DELIVERED, Sub.TO_RECIPIENT),  # delivered at the receiver's location
    # on the way to an Access Point (chosen, or an alternate one)
    (
        ("6H", "6J", "6K", "7A", "ZD", "ZL", "ZS", "5S", "5V", "5W"),
        S.IN_TRANSIT,
        Sub.TO_PICKUP_POINT,
    ),
    ("5Z", S.IN_TRANSIT, Sub.REDIRECTED),  # Access Point refused it: back to the address
    ("7B", S.IN_TRANSIT, Sub.DELAYED),  # Non-Del To UPS Ap; Status Update Pending
    ("5U", S.EXCEPTION, Sub.HELD_BY_CARRIER),  # Access Point unavailable, receiver contacted
    # failed attempts: "unable to deliver, on the way to an Access Point" (5R, 6R) included
    (("5R", "6R"), S.ATTEMPT_FAILED, None),
    (("C4", "OH", "KX", "7L"), S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    (("G7", "FM", "G8", "IR"), S.ATTEMPT_FAILED, None),  # adult signature / PIN missing
    # refusals
    (("KR", "KS", "KT", "KQ", "KI", "AM", "AN", "AP", "AQ", "AS"), S.EXCEPTION, Sub.REFUSED),
    ("8H", S.RETURNING, Sub.REFUSED),  # refused (release code), will be returned
    # not collected at the Access Point: the return starts
    (("3N", "6C", "5F"), S.RETURNING, Sub.NOT_COLLECTED),
    # returns
    (("KP", "O4", "I1", "UF"), S.RETURNING, None),
    (("B0", "PP", "YJ", "YK", "TU"), S.RETURNED, None),  # back at the sender
    # address, damage, loss
    (("A7", "AL", "CY", "FA", "BO"), S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    (("HE", "HR"), S.EXCEPTION, Sub.DAMAGED),
    (("S9", "TJ"), S.EXCEPTION, Sub.LOST),  # sent to UPS Lost and Found
)

# Status codes too broad to overrule a reason: "On the Way", "Exception", "Unable to Deliver",
# "Out for Delivery", "Delivery Attempted", "Status Not Available".
GENERIC_STATUS_CODES: Final = frozenset(
    {"000", "005", "010", "025", "039", "047", "087", "158", "159", "164", "165"}
    | {"013", "029", "069", "076"}
    | {"006", "021", "037", "072", "089", "091", "146", "162"}
    | {"060", "145"}
    | {"011"}  # "Delivered": the reason tells a collection, a neighbour, a return (B0)
)

# UPS has no status code for these deliveries; its wording says it (011 is label-dependent).
# Labels come in the `locale` asked for: words per language (en, fr, de, es, nl).
DELIVERY_WORDING: Final[tuple[KeywordRule, ...]] = (
    ("neighbour", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("neighbor", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("voisin", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("nachbar*", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("vecino", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("buren", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("receiver picked up", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("picked up at ups access point*", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("retire par le destinataire", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("vom empfanger abgeholt", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    # any other wording of a collection there ("picked up by the receiver at the UPS Access
    # Point location", "collected by …"): a 011 that says picked up is the receiver's hands
    ("picked up", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("collected", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("abgeholt", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("retire", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    # after the collections: "Delivered to UPS Access Point" is not the receiver's hands
    ("access point*", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
)

STATUS_MAP: Final = StatusMap(
    "ups",
    STATUS_CODES + ACTIVITY_TYPES,
    keywords=DELIVERY_WORDING,
    label_dependent=("011",),
)
REASON_CODES: Final = StatusMap("ups", REASONS)

# Sequence rules for UPS answers. The common rules cover what UPS tells with several
# activities: collection after "161 Delivered to UPS Access Point", a type D activity on the way
# back (UPS records the return to the shipper as "011 DELIVERED") is returned, a refusal (064,
# KR…) or a non-collection carried into the return. UPS reasons (2W, 3N, 5R…) say the rest in
# one activity, so no UPS-only rule is needed yet; carrier rules go in front of the common ones.
SEQUENCE: Final[tuple[SequenceRule, ...]] = (
    # "On the Way to a Local UPS Access Point" after one already held it: a move to another
    # point (rerouted), not the same point re-announced, so the common KEEP must not apply.
    SequenceRule(
        after=("available_for_pickup",),
        codes=codes("070", "5S", "ZD"),
        then=(S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
    ),
    *COMMON_SEQUENCE,
)

# Error codes of `{"response": {"errors": [{"code", "message"}]}}` and shipment warnings.
NOT_FOUND_CODES: Final = frozenset({"TW0001"})  # Tracking Information Not Found
INVALID_NUMBER_CODES: Final = frozenset({"TV1002"})  # Invalid inquiry number
AUTH_ERROR_CODES: Final = frozenset(
    {
        "250001",  # Invalid Access License for the tool
        "250002",  # Invalid Authentication Information
        "250003",  # Invalid Access License number
        "10401",  # OAuth: ClientId is Invalid
    }
)

# deliveryDate[].type, most authoritative first: delivered, rescheduled, scheduled.
DELIVERY_DATE_PRIORITY: Final = ("DEL", "RDD", "SDD")
