"""La Poste "Suivi v2" event codes → Suivi taxonomy, as data.

Sources, grouped (facts only, code → meaning):
- [LP] La Poste Suivi v2 code list (developer.laposte.fr, catalog "suivi@2"), as reproduced by
  the client `tracking/couriers*.py` of a public tracking GUI (codes DR1 … DI2 with their French
  meanings and which ones are problems) and by the carrier samples README (research 2026-11-24).
- [KA] karrio `modules/connectors/laposte` (`units.py`, `tests/laposte/test_tracking.py`): AN1.
- [DG] DigitalGenius "Colissimo / La Poste Track & Trace" (docs.digitalgenius.com): en_GB labels
  of DI1, MD2, ET1 and DR1 as the API sends them, and its code → status grouping.
- [AB] petrus-v/AnyBlok-Delivery `anyblok_delivery/bloks/colissimo/eventcodes.py`: the legacy
  6-letter Colissimo codes of the pre-Okapi web service, still sent for old parcels and partners.
- [OA] La Poste Suivi v2 OpenAPI (api-evangelist/la-poste-groupe
  `openapi/_original/la-poste-groupe-suivi-openapi.json`): labels follow `lang`, one of fr_FR,
  en_GB, de_DE, es_ES, it_IT, nl_NL; events "in anti chronological order".

La Poste reuses a few codes for different situations and only the label tells them apart:
ND1 "non distribuable" (absent recipient vs. bad address vs. no access), AG1 (post office vs.
pickup point vs. locker, or announced for tomorrow), RE1 (refused vs. not collected), DI1
(recipient vs. neighbour vs. caretaker vs. collected) and PB1 (delay vs. damage). Those are
`LABEL_DEPENDENT`: the KEYWORDS decide first, the table row is the fallback when none matches.
Keywords are French (fr_FR) and English (en_GB) words and phrases matched on folded labels at
word boundaries, first match wins, so the more specific ones come first.
"""

from __future__ import annotations

from typing import Final

from suivi.toolkit import (
    KeywordRule,
    Row,
    Status,
    StatusMap,
    Substatus,
)

S = Status
Sub = Substatus

ROWS: Final[tuple[Row, ...]] = (
    # -- Suivi v2 codes [LP] ----------------------------------------------------------------
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
    # -- [KA] -------------------------------------------------------------------------------
    ("AN1", S.EXCEPTION, Sub.ADDRESS_PROBLEM),  # address not found (not in [LP])
    # -- legacy Colissimo codes [AB] --------------------------------------------------------
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

# Each reused code, with the statuses its label may lead to: a reason word in a delivery's label
# ("livré dans votre boîte aux lettres en votre absence") refines nothing and flips nothing.
LABEL_DEPENDENT: Final = {
    "ND1": (S.ATTEMPT_FAILED, S.EXCEPTION, S.RETURNING, S.AVAILABLE_FOR_PICKUP, S.IN_TRANSIT),
    "AG1": (S.AVAILABLE_FOR_PICKUP, S.IN_TRANSIT),
    "RE1": (S.RETURNING, S.RETURNED),
    "DI1": (S.DELIVERED, S.RETURNED),
    "PB1": (S.EXCEPTION, S.IN_TRANSIT),
}

# fr_FR phrases are La Poste's wording (carrier samples, [AB] comments); en_GB ones follow [DG].
KEYWORDS: Final[tuple[KeywordRule, ...]] = (
    # damage and delay (PB1)
    ("endommage", S.EXCEPTION, Sub.DAMAGED),
    ("endommagee", S.EXCEPTION, Sub.DAMAGED),
    ("deteriore", S.EXCEPTION, Sub.DAMAGED),
    ("damaged", S.EXCEPTION, Sub.DAMAGED),
    # refusal and non-collection start a return (RE1, RENAVA)
    ("refuse", S.RETURNING, Sub.REFUSED),
    ("refusee", S.RETURNING, Sub.REFUSED),
    ("refus", S.RETURNING, Sub.REFUSED),
    ("refused", S.RETURNING, Sub.REFUSED),
    ("pas ete retire", S.RETURNING, Sub.NOT_COLLECTED),
    # not "not collected" alone: AG1 warns "it will be returned … if not collected by …"
    ("not been collected in time", S.RETURNING, Sub.NOT_COLLECTED),
    ("not collected in time", S.RETURNING, Sub.NOT_COLLECTED),
    # "Il est retourné à l'expéditeur", never AG1's "sera retourné … s'il n'est pas retiré"
    ("est retourne a", S.RETURNING, None),
    ("is being returned", S.RETURNING, None),
    ("has been returned to", S.RETURNING, None),
    # why a delivery failed (ND1); the reason stands in its own clause after "livré :"/"car"
    ("adresse est incomplete", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("adresse incomplete", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("erronee", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("inexacte", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("address is incomplete", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("incorrect address", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("address is incorrect", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("absent", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("absence", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("pas pu etre livre en votre absence", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("avis de passage", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("you were not at home", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("you were absent", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("delivery notice", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("acces", S.ATTEMPT_FAILED, Sub.NO_ACCESS),
    ("pas pu acceder", S.ATTEMPT_FAILED, Sub.NO_ACCESS),
    ("unable to access", S.ATTEMPT_FAILED, Sub.NO_ACCESS),  # never "access" alone: access points
    ("could not access", S.ATTEMPT_FAILED, Sub.NO_ACCESS),
    ("no access", S.ATTEMPT_FAILED, Sub.NO_ACCESS),
    ("pas pu etre livre", S.ATTEMPT_FAILED, None),
    ("could not be delivered", S.ATTEMPT_FAILED, None),
    # who received it (DI1)
    ("voisin", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("neighbour", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("neighbor", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("gardien", S.DELIVERED, Sub.TO_RECEPTION),
    ("caretaker", S.DELIVERED, Sub.TO_RECEPTION),
    ("a ete retire", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("has been collected", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    # delivered back to the sender (DI2's wording, also under RE1/DI1), then delivered (DI1)
    ("livre a votre expediteur", S.RETURNED, None),
    ("livre a l expediteur", S.RETURNED, None),
    ("delivered to the sender", S.RETURNED, None),
    ("delivered to your sender", S.RETURNED, None),
    ("est livre", S.DELIVERED, Sub.TO_RECIPIENT),
    ("a ete livre", S.DELIVERED, Sub.TO_RECIPIENT),
    ("has been delivered", S.DELIVERED, Sub.TO_RECIPIENT),
    ("was delivered", S.DELIVERED, Sub.TO_RECIPIENT),
    ("retard", S.IN_TRANSIT, Sub.DELAYED),
    ("retarde", S.IN_TRANSIT, Sub.DELAYED),
    ("delay", S.IN_TRANSIT, Sub.DELAYED),
    ("delayed", S.IN_TRANSIT, Sub.DELAYED),
    # announced for tomorrow at a point: on its way there, not waiting yet (AG1, ND1)
    ("sera disponible des", S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
    ("sera disponible demain", S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
    ("sera disponible a partir", S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
    ("will be available from", S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
    ("will be available tomorrow", S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
    # where it waits (AG1); a locker first, as "Pickup Station" lockers stand in post offices
    ("consigne", S.AVAILABLE_FOR_PICKUP, Sub.LOCKER),
    ("pickup station", S.AVAILABLE_FOR_PICKUP, Sub.LOCKER),
    ("locker", S.AVAILABLE_FOR_PICKUP, Sub.LOCKER),
    ("point de retrait", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("point retrait", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("relais", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("pickup point", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("relay point", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("bureau de poste", S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),
    ("post office", S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),
)

STATUS_MAP: Final = StatusMap("colissimo", ROWS, keywords=KEYWORDS, label_dependent=LABEL_DEPENDENT)

# Sequence: La Poste's classes (a DI1 after AG1 is a collection, AG1 reminders, RE1's transit
# scans back to the sender and its final DI1, reasons carried from ND1/AG1 into RE1) are all
# read by suivi.toolkit.COMMON_SEQUENCE from the statuses above, so no code-specific rule is
# needed; tests/adapters/test_colissimo_sequence.py holds one scenario answer per class.
