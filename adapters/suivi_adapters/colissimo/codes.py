"""La Poste "Suivi v2" event codes → Suivi taxonomy, as data.

Sources: the La Poste code list (DR1 … DI2) as published with the Suivi v2 API
(developer.laposte.fr, catalog "suivi@2") and reproduced by third-party clients; karrio's
`laposte` connector (`units.py`, `tests/laposte/test_tracking.py`) for AN1 and observed labels;
legacy Colissimo 6-letter codes from the pre-Okapi web service (AnyBlok-Delivery
`colissimo/eventcodes.py`), kept because old parcels and some partners still send them.

La Poste reuses a few codes for different situations and only the label tells them apart:
ND1 "non distribuable" (absent recipient vs. bad address vs. refusal), AG1 (post office vs.
pickup point vs. locker), RE1 (refused vs. not collected), DI1 (recipient vs. neighbour vs.
collected) and PB1 (delay vs. damage). Those are `LABEL_DEPENDENT`: the KEYWORDS below decide
first, and the table row is the fallback when no keyword matches. Keywords are matched on the
label lower-cased without accents, first match wins, so the more specific ones come first.
"""

from __future__ import annotations

from typing import Final

from suivi import Status, StatusMap, Substatus
from suivi._statusmap import KeywordRule, Row

S = Status
Sub = Substatus

ROWS: Final[tuple[Row, ...]] = (
    # -- Suivi v2 codes (developer.laposte.fr code list) ---------------------------------
    ("DR1", S.INFO_RECEIVED, Sub.LABEL_CREATED),  # Déclaratif réceptionné
    ("PC1", S.IN_TRANSIT, Sub.PICKED_UP),  # Pris en charge
    ("PC2", S.IN_TRANSIT, Sub.PICKED_UP),  # Pris en charge dans le pays d'expédition
    ("ET1", S.IN_TRANSIT, Sub.AT_HUB),  # En cours de traitement (karrio: out_for_delivery, wrong)
    ("ET2", S.IN_TRANSIT, Sub.DEPARTED),  # Traitement dans le pays d'expédition, prêt à partir
    ("ET3", S.IN_TRANSIT, Sub.AT_HUB),  # Traitement dans le pays de destination
    ("ET4", S.IN_TRANSIT, Sub.AT_HUB),  # Traitement dans un pays de transit
    ("EP1", S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),  # En attente de présentation
    ("DO1", S.IN_TRANSIT, Sub.CUSTOMS),  # Entrée en douane
    ("DO2", S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),  # Sortie de douane
    ("DO3", S.EXCEPTION, Sub.CUSTOMS_HOLD),  # Retenu en douane
    ("PB1", S.EXCEPTION, None),  # Problème en cours (label says which: delay, damage…)
    ("PB2", S.IN_TRANSIT, None),  # Problème résolu
    ("MD2", S.OUT_FOR_DELIVERY, None),  # Mis en distribution
    ("ND1", S.EXCEPTION, None),  # Non distribuable (label says why)
    ("AG1", S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),  # En attente d'être retiré au guichet
    ("RE1", S.RETURNING, None),  # Retourné à l'expéditeur: on its way back
    ("DI1", S.DELIVERED, Sub.TO_RECIPIENT),  # Distribué
    ("DI2", S.RETURNED, None),  # Distribué à l'expéditeur: back at the sender
    ("AN1", S.EXCEPTION, Sub.ADDRESS_PROBLEM),  # karrio: address not found (unofficial)
    # -- legacy Colissimo codes (pre-Okapi web service) -----------------------------------
    (("COMCFM", "PCHMQT"), S.INFO_RECEIVED, Sub.LABEL_CREATED),  # label / data ready
    ("PCHCFM", S.IN_TRANSIT, Sub.PICKED_UP),  # picked up
    ("AARCFM", S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),  # arrived at delivery site
    ("AARDVY", S.IN_TRANSIT, Sub.DELAYED),  # misrouted: delivery will be late
    (("DEPGUI", "RENAVI"), S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),  # at the post office
    ("MLVARS", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),  # at the chosen pickup point
    ("LIVCFM", S.DELIVERED, Sub.TO_RECIPIENT),  # delivered
    ("LIVGAR", S.DELIVERED, Sub.TO_RECEPTION),  # delivered to the caretaker
    ("LIVRTI", S.DELIVERED, Sub.TO_NEIGHBOUR),  # delivered to caretaker/neighbour
    ("LIVREO", S.RETURNED, None),  # delivered back to the sender
    ("RENNRV", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),  # absent, re-presented next day
    ("RENAIN", S.EXCEPTION, Sub.ADDRESS_PROBLEM),  # undeliverable, information missing
    ("RENAVA", S.RETURNING, Sub.REFUSED),  # refused, returned to sender
)

LABEL_DEPENDENT: Final = ("ND1", "AG1", "RE1", "DI1", "PB1")

KEYWORDS: Final[tuple[KeywordRule, ...]] = (
    ("endommag*", S.EXCEPTION, Sub.DAMAGED),
    ("deterior*", S.EXCEPTION, Sub.DAMAGED),
    ("refus*", S.RETURNING, Sub.REFUSED),
    ("pas ete retire", S.RETURNING, Sub.NOT_COLLECTED),
    # "Il est retourné à l'expéditeur" (but not AG1's "sera retourné … s'il n'est pas retiré")
    ("est retourne a", S.RETURNING, None),
    ("absent", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("acces", S.ATTEMPT_FAILED, Sub.NO_ACCESS),
    ("adresse est incomplete", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("adresse incomplete", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("erronee", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("inexacte", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("voisin", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("gardien", S.DELIVERED, Sub.TO_RECEPTION),
    ("a ete retire", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("retard*", S.IN_TRANSIT, Sub.DELAYED),
    ("consigne", S.AVAILABLE_FOR_PICKUP, Sub.LOCKER),
    ("point de retrait", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("point retrait", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("relais", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
)

STATUS_MAP: Final = StatusMap("colissimo", ROWS, keywords=KEYWORDS, label_dependent=LABEL_DEPENDENT)
