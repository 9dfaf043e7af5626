"""Mondial Relay's codes as data: the STAT table of Web_Services.asmx and the tracing labels.

Sources:
- [P] STAT codes: PrestaShop/PrestaShop-modules `mondialrelay/errorCode.php` (Mondial Relay's own
  list, French wording kept). 80–83 are "codes tracing", the parcel's overall state.
- [S] STAT codes missing from [P] (8, 26–28, 67–69, 71, 78, 79, 84–89 reserved tracing codes, 92,
  93): sylogix/mondial_relay `lib/mondial_relay/status_codes.rb` (English wording there).
- Tracing events carry no code, only a label (`Libelle`) in the `Langue` asked for; the event
  code Suivi stores is the label's slug (`COLIS LIVRÉ` -> `COLIS_LIVRE`). Labels not listed are
  classified by the keyword rules, then fall back to exception/unknown. Label sources:
  [R] our samples (README "Mondial Relay", confidence MEDIUM for the wording);
  [D] ecommerce-ventures/deliveries `lib/deliveries/couriers/mondial_relay/shipments/trace/
      format_response.rb` (FR and ES labels as answered, dates read as `%d/%m/%y %H:%M`);
  [T] josu1995/TFM `app/Console/Commands/TrazasEstadoTracking.php` (a stored Langue=ES answer:
      STAT 82, Libelle01 "Entrega a domicilio", dates `22/10/18`, blank filler rows);
  [W] the mondialrelay.fr tracking page's step wording: rbignon/woob
      `modules/mondialrelay/pages.py` (`STATUSES_MAPS`); the page shares the WSI2 labels.
  Keywords for EN, ES, NL, DE, IT, PT are the plain words of each language for the same facts
  (delivered, available, refused...), matched as words: wording beyond [D]/[T] is unconfirmed.
- Point Relais keeping period: Mondial Relay keeps a parcel 14 days at the Point Relais before
  sending it back (mondialrelay.fr FAQ "retrait de colis"; locker parcels move to a point after).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from suivi.toolkit import (
    KEEP,
    KeywordRule,
    Row,
    SequenceRule,
    Status,
    StatusMap,
    Substatus,
    codes,
)

S, Sub = Status, Substatus

PICKUP_DAYS: Final = 14
"""Days a parcel waits at the Point Relais before it is returned (the carrier's rule)."""

HOURS_FIELDS: Final = tuple(
    f"Horaires_{day}"
    for day in ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")
)
"""WSI4_PointRelais_Recherche's opening-hours elements, Monday first."""


class StatKind(StrEnum):
    """What a STAT value means for a tracing call."""

    TRACKING = "tracking"  # an answer about the parcel (0, 80–83)
    NOT_FOUND = "not_found"  # the carrier does not know the number
    AUTH = "auth"  # merchant code, account or security key refused
    NUMBER = "number"  # the tracking number is malformed
    UNAVAILABLE = "unavailable"  # the carrier's back end is down: retry later
    CONFIG = "config"  # a setting we send is wrong (language)
    REQUEST = "request"  # shipment-creation codes: never expected from tracing


K = StatKind

# STAT -> (Mondial Relay's wording, meaning). Source: errorCode.php (see module docstring).
STAT_CODES: Final[dict[int, tuple[str, StatKind]]] = {
    0: ("Opération effectuée avec succès", K.TRACKING),
    1: ("Enseigne invalide", K.AUTH),
    2: ("Numéro d'enseigne vide ou inexistant", K.AUTH),
    3: ("Numéro de compte enseigne invalide", K.AUTH),
    5: ("Numéro de dossier enseigne invalide", K.REQUEST),
    7: ("Numéro de client enseigne invalide", K.REQUEST),
    8: ("Incorrect password or hash", K.AUTH),  # [S]
    9: ("Nom de ville non reconnu ou non unique", K.REQUEST),
    10: ("Type de collecte invalide ou incorrect", K.REQUEST),
    11: ("Numéro de Point Relais de collecte invalide", K.REQUEST),
    12: ("Pays du Point Relais de collecte invalide", K.REQUEST),
    13: ("Type de livraison invalide ou incorrect", K.REQUEST),
    14: ("Numéro du Point Relais de livraison invalide", K.REQUEST),
    15: ("Pays du Point Relais de livraison invalide", K.REQUEST),
    16: ("Code pays invalide", K.REQUEST),
    17: ("Adresse invalide", K.REQUEST),
    18: ("Ville invalide", K.REQUEST),
    19: ("Code postal invalide", K.REQUEST),
    20: ("Poids du colis invalide", K.REQUEST),
    21: ("Taille (Longueur + Hauteur) du colis invalide", K.REQUEST),
    22: ("Taille du Colis invalide", K.REQUEST),
    24: ("Numéro de Colis Mondial Relay invalide", K.NUMBER),
    26: ("Incorrect assembly time", K.REQUEST),  # [S]
    27: ("Incorrect mode of collection or delivery", K.REQUEST),  # [S]
    28: ("Incorrect mode of collection", K.REQUEST),  # [S]
    29: ("Mode de livraison invalide", K.REQUEST),
    30: ("Adresse (L1) de l'expéditeur invalide", K.REQUEST),
    31: ("Adresse (L2) de l'expéditeur invalide", K.REQUEST),
    33: ("Adresse (L3) de l'expéditeur invalide", K.REQUEST),
    34: ("Adresse (L4) de l'expéditeur invalide", K.REQUEST),
    35: ("Ville de l'expéditeur invalide", K.REQUEST),
    36: ("Code postal de l'expéditeur invalide", K.REQUEST),
    37: ("Pays de l'expéditeur invalide", K.REQUEST),
    38: ("Numéro de téléphone de l'expéditeur invalide", K.REQUEST),
    39: ("Adresse e-mail de l'expéditeur invalide", K.REQUEST),
    40: ("Action impossible sans ville ni code postal", K.REQUEST),
    41: ("Mode de livraison invalide", K.REQUEST),
    42: ("Montant CRT invalide", K.REQUEST),
    43: ("Devise CRT invalide", K.REQUEST),
    44: ("Valeur du colis invalide", K.REQUEST),
    45: ("Devise de la valeur du colis invalide", K.REQUEST),
    46: ("Plage de numéro d'expédition épuisée", K.REQUEST),
    47: ("Nombre de colis invalide", K.REQUEST),
    48: ("Multi-colis en Point Relais Interdit", K.REQUEST),
    49: ("Mode de collecte ou de livraison invalide", K.REQUEST),
    50: ("Adresse (L1) du destinataire invalide", K.REQUEST),
    51: ("Adresse (L2) du destinataire invalide", K.REQUEST),
    53: ("Adresse (L3) du destinataire invalide", K.REQUEST),
    54: ("Adresse (L4) du destinataire invalide", K.REQUEST),
    55: ("Ville du destinataire invalide", K.REQUEST),
    56: ("Code postal du destinataire invalide", K.REQUEST),
    57: ("Pays du destinataire invalide", K.REQUEST),
    58: ("Numéro de téléphone du destinataire invalide", K.REQUEST),
    59: ("Adresse e-mail du destinataire invalide", K.REQUEST),
    60: ("Champ texte libre invalide", K.REQUEST),
    61: ("Top avisage invalide", K.REQUEST),
    62: ("Instruction de livraison invalide", K.REQUEST),
    63: ("Assurance invalide ou incorrecte", K.REQUEST),
    64: ("Temps de montage invalide", K.REQUEST),
    65: ("Top rendez-vous invalide", K.REQUEST),
    66: ("Top reprise invalide", K.REQUEST),
    67: ("Incorrect latitude", K.REQUEST),  # [S]
    68: ("Incorrect longitude", K.REQUEST),  # [S]
    69: ("Incorrect merchant code", K.AUTH),  # [S]
    70: ("Numéro de Point Relais invalide", K.REQUEST),
    71: ("Nature de point de vente non valide", K.REQUEST),  # [S]
    72: ("Langue expéditeur invalide", K.REQUEST),
    73: ("Langue destinataire invalide", K.REQUEST),
    74: ("Langue invalide", K.CONFIG),
    78: ("Incorrect country of collection", K.REQUEST),  # [S]
    79: ("Incorrect country of delivery", K.REQUEST),  # [S]
    80: ("Code tracing : Colis enregistré", K.TRACKING),
    81: ("Code tracing : Colis en traitement chez Mondial Relay", K.TRACKING),
    82: ("Code tracing : Colis livré", K.TRACKING),
    83: ("Code tracing : Anomalie", K.TRACKING),
    **dict.fromkeys(range(84, 90), ("(Reserved tracking code)", K.TRACKING)),  # [S]
    90: ("AS400 indisponible", K.UNAVAILABLE),
    91: ("Numéro d'expédition invalide", K.NUMBER),
    92: ("Point Relais country and consignee country differ", K.REQUEST),  # [S]
    93: ("No information given by the sorting plan", K.REQUEST),  # [S]
    94: ("Colis Inexistant", K.NOT_FOUND),
    95: ("Compte Enseigne non activé", K.AUTH),
    96: ("Type d'enseigne incorrect en Base", K.AUTH),
    97: ("Clé de sécurité invalide", K.AUTH),
    98: ("Service Indisponible", K.UNAVAILABLE),
    99: ("Erreur générique du service", K.UNAVAILABLE),
}

# The overall state (STAT) decides when no event can: no events yet, or only unknown labels.
# 0/81/83 and the reserved 84–89 are vague, so Libelle01 (the carrier's headline) is read first.
STAT_ROWS: Final[list[Row]] = [
    ("0", S.IN_TRANSIT, None),  # "OK" without a tracing code: the parcel is known and moving
    ("80", S.INFO_RECEIVED, Sub.LABEL_CREATED),  # Colis enregistré
    ("81", S.IN_TRANSIT, None),  # Colis en traitement chez Mondial Relay
    # Colis livré: Mondial Relay hands parcels over at a Point Relais or locker; a home
    # delivery shows in the events ("livré à domicile", "Entrega a domicilio"), which decide.
    ("82", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("83", S.EXCEPTION, Sub.UNKNOWN),  # Anomalie (the events say which)
    # [S] reserved tracing codes: the parcel is known; its events or headline say more.
    (tuple(str(stat) for stat in range(84, 90)), S.IN_TRANSIT, None),
    ("94", S.NOT_FOUND, None),  # Colis inexistant
]
STAT_LABEL_DEPENDENT: Final = ("0", "81", "83", *(str(stat) for stat in range(84, 90)))

# Tracing labels as slugs (see `slug` in the adapter), by source.
LABEL_ROWS: Final[list[Row]] = [
    # [R] our samples and the labels the earlier clients showed
    ("ANNONCE_EXPEDITION", S.INFO_RECEIVED, Sub.LABEL_CREATED),
    ("COLIS_ENREGISTRE", S.INFO_RECEIVED, Sub.LABEL_CREATED),
    ("PRISE_EN_CHARGE_EN_AGENCE", S.IN_TRANSIT, Sub.PICKED_UP),
    ("COLIS_DEPOSE_EN_POINT_RELAIS", S.IN_TRANSIT, Sub.PICKED_UP),
    ("COLIS_EN_COURS_D_ACHEMINEMENT", S.IN_TRANSIT, None),
    ("COLIS_ARRIVE_EN_AGENCE_DE_LIVRAISON", S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),
    ("COLIS_EN_COURS_D_ACHEMINEMENT_VERS_LE_POINT_RELAIS", S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
    ("COLIS_EN_DEDOUANEMENT", S.IN_TRANSIT, Sub.CUSTOMS),
    ("RETARD_D_ACHEMINEMENT", S.IN_TRANSIT, Sub.DELAYED),
    ("COLIS_EN_COURS_DE_LIVRAISON", S.OUT_FOR_DELIVERY, None),
    ("DESTINATAIRE_ABSENT", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("COLIS_DISPONIBLE_AU_POINT_RELAIS", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("COLIS_DISPONIBLE_EN_LOCKER", S.AVAILABLE_FOR_PICKUP, Sub.LOCKER),
    ("COLIS_LIVRE", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("COLIS_LIVRE_A_DOMICILE", S.DELIVERED, Sub.TO_RECIPIENT),
    ("ANOMALIE_ADRESSE_INCOMPLETE_OU_ERRONEE", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("ANOMALIE_COLIS_ENDOMMAGE", S.EXCEPTION, Sub.DAMAGED),
    ("COLIS_REFUSE_PAR_LE_DESTINATAIRE", S.EXCEPTION, Sub.REFUSED),
    ("COLIS_NON_RETIRE_EN_RETOUR_VERS_L_EXPEDITEUR", S.RETURNING, Sub.NOT_COLLECTED),
    ("COLIS_EN_RETOUR_VERS_L_EXPEDITEUR", S.RETURNING, None),
    ("COLIS_RETOURNE_A_L_EXPEDITEUR", S.RETURNED, None),
    # [D] FR and ES labels as answered. A Point Relais taking the parcel in is the sender's
    # drop-off when it comes first and the arrival at the destination point after transit
    # (SEQUENCE below).
    ("RECEPTION_DES_DONNEES", S.INFO_RECEIVED, Sub.LABEL_CREATED),
    ("PRISE_EN_CHARGE_POINT_RELAIS", S.IN_TRANSIT, Sub.PICKED_UP),
    ("COLIS_REMIS_AU_LIVREUR", S.IN_TRANSIT, None),  # to the driver, who may go to a point
    ("DISPONIBLE_AU_POINT_RELAIS", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("DISPONIBLE_EN_EL_PUNTO_PACK", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("RECEPCIONADO_EN_EL_PUNTO_PACK", S.IN_TRANSIT, Sub.PICKED_UP),
    ("RECOGIDO_EN_AGENCIA_PUNTO_PACK", S.IN_TRANSIT, Sub.PICKED_UP),
    ("RECOGIDO_EN_EL_HUB", S.IN_TRANSIT, Sub.AT_HUB),
    ("EN_REPARTO", S.OUT_FOR_DELIVERY, None),
    # The label is cut at 30 characters in the answer ("Destinata").
    ("PAQUETE_ENTREGADO_AL_DESTINATA", S.DELIVERED, None),
    ("LIQUIDADO_EN_ENSENA", S.DELIVERED, None),  # settled: the hand-over is done
    # [T] the headline of a home delivery in Spain
    ("ENTREGA_A_DOMICILIO", S.DELIVERED, Sub.TO_RECIPIENT),
    # [W] the tracking page's steps
    ("COLIS_EN_PREPARATION_CHEZ_L_EXPEDITEUR", S.INFO_RECEIVED, Sub.LABEL_CREATED),
    ("COLIS_REMIS_A_MONDIAL_RELAY", S.IN_TRANSIT, Sub.PICKED_UP),
    (
        "COLIS_EN_TRAITEMENT_SUR_LE_SITE_LOGISTIQUE_DE_DESTINATION",
        S.IN_TRANSIT,
        Sub.ARRIVED_AT_DELIVERY_SITE,
    ),
    # "livré au destinataire" follows the wait at the point for most parcels: COMMON_SEQUENCE
    # reads it as the collection then; alone it is a hand-over to the recipient.
    ("COLIS_LIVRE_AU_DESTINATAIRE", S.DELIVERED, Sub.TO_RECIPIENT),
]

# Keyword rules on the label, as words (accents and case folded, negations honoured), first
# match wins: the specific before the generic ("non retiré" before "retour", "disponible"
# before "livré", "livré au point relais" before "livré"). Per language of `Langue`.
KEYWORDS: Final[list[KeywordRule]] = [
    # fr
    ("non retire", S.RETURNING, Sub.NOT_COLLECTED),
    ("non reclame", S.RETURNING, Sub.NOT_COLLECTED),
    ("retourne a l'expediteur", S.RETURNED, None),
    ("livre a l'expediteur", S.RETURNED, None),
    ("remis a l'expediteur", S.RETURNED, None),
    ("retour*", S.RETURNING, None),
    ("refus*", S.EXCEPTION, Sub.REFUSED),
    ("endommag*", S.EXCEPTION, Sub.DAMAGED),
    ("abime*", S.EXCEPTION, Sub.DAMAGED),
    ("avarie*", S.EXCEPTION, Sub.DAMAGED),
    ("deteriore*", S.EXCEPTION, Sub.DAMAGED),
    ("adresse incomplete", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("adresse erronee", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("adresse incorrecte", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("adresse inconnue", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("perdu", S.EXCEPTION, Sub.LOST),
    ("absent", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("pas pu etre livre", S.ATTEMPT_FAILED, None),
    ("retard", S.IN_TRANSIT, Sub.DELAYED),
    ("anomalie", S.EXCEPTION, Sub.UNKNOWN),
    ("incident", S.EXCEPTION, Sub.UNKNOWN),
    ("retire", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("locker", S.AVAILABLE_FOR_PICKUP, Sub.LOCKER),
    ("disponible", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),  # fr, es
    ("livre au point relais", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("livre en point relais", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("vers le point relais", S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
    ("en cours de livraison", S.OUT_FOR_DELIVERY, None),
    ("voisin", S.DELIVERED, Sub.TO_NEIGHBOUR),
    ("domicile", S.DELIVERED, Sub.TO_RECIPIENT),
    ("livre", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("douane", S.IN_TRANSIT, Sub.CUSTOMS),
    ("agence de livraison", S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),
    ("pris en charge", S.IN_TRANSIT, Sub.PICKED_UP),
    ("prise en charge", S.IN_TRANSIT, Sub.PICKED_UP),
    ("depose", S.IN_TRANSIT, Sub.PICKED_UP),
    ("achemin*", S.IN_TRANSIT, None),
    ("enregistre", S.INFO_RECEIVED, Sub.LABEL_CREATED),
    ("annonce", S.INFO_RECEIVED, Sub.LABEL_CREATED),
    # en
    ("returned to sender", S.RETURNED, None),
    ("return*", S.RETURNING, None),
    ("refused", S.EXCEPTION, Sub.REFUSED),
    ("damaged", S.EXCEPTION, Sub.DAMAGED),
    ("incorrect address", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("recipient absent", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("not at home", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("collected by the recipient", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("available", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("ready for collection", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("delivered to the point relais", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("out for delivery", S.OUT_FOR_DELIVERY, None),
    ("delivered", S.DELIVERED, None),
    ("in transit", S.IN_TRANSIT, None),
    ("transit", S.IN_TRANSIT, None),  # fr, en
    # es
    ("devuelto al remitente", S.RETURNED, None),
    ("devolucion", S.RETURNING, None),
    ("rechazado", S.EXCEPTION, Sub.REFUSED),
    ("danado", S.EXCEPTION, Sub.DAMAGED),
    ("ausente", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),  # es, pt
    ("recogido por el destinatario", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("entregado en el punto pack", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("en reparto", S.OUT_FOR_DELIVERY, None),
    ("domicilio", S.DELIVERED, Sub.TO_RECIPIENT),
    ("entregado", S.DELIVERED, None),
    ("recogido", S.IN_TRANSIT, Sub.PICKED_UP),
    ("recepcionado", S.IN_TRANSIT, Sub.PICKED_UP),
    # nl
    ("geweigerd", S.EXCEPTION, Sub.REFUSED),
    ("beschadigd", S.EXCEPTION, Sub.DAMAGED),
    ("afwezig", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("beschikbaar", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("wordt bezorgd", S.OUT_FOR_DELIVERY, None),
    ("bezorgd", S.DELIVERED, None),
    ("afgeleverd", S.DELIVERED, None),
    ("onderweg", S.IN_TRANSIT, None),
    # de
    ("verweigert", S.EXCEPTION, Sub.REFUSED),
    ("beschadigt", S.EXCEPTION, Sub.DAMAGED),
    ("nicht angetroffen", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("rucksendung", S.RETURNING, None),
    ("vom empfanger abgeholt", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("abholbereit", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("zur abholung bereit", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("in zustellung", S.OUT_FOR_DELIVERY, None),
    ("zugestellt", S.DELIVERED, None),
    ("unterwegs", S.IN_TRANSIT, None),
    # it
    ("reso al mittente", S.RETURNED, None),
    ("rifiutato", S.EXCEPTION, Sub.REFUSED),
    ("danneggiato", S.EXCEPTION, Sub.DAMAGED),
    ("assente", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("ritirato dal destinatario", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("disponibile", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("in consegna", S.OUT_FOR_DELIVERY, None),
    ("consegnato", S.DELIVERED, None),
    ("in transito", S.IN_TRANSIT, None),
    # pt
    ("devolvido ao remetente", S.RETURNED, None),
    ("recusado", S.EXCEPTION, Sub.REFUSED),
    ("danificado", S.EXCEPTION, Sub.DAMAGED),
    ("levantado pelo destinatario", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("disponivel", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    ("em distribuicao", S.OUT_FOR_DELIVERY, None),
    ("entregue", S.DELIVERED, None),
    ("em transito", S.IN_TRANSIT, None),
]

STATUS_MAP: Final = StatusMap(
    "mondial_relay",
    [*STAT_ROWS, *LABEL_ROWS],
    keywords=KEYWORDS,
    label_dependent=STAT_LABEL_DEPENDENT,
)

# A Point Relais taking the parcel in after it travelled is the destination point receiving it
# ([D] reads these labels as "in collection point"); first in the answer, it is the sender's
# drop-off. Not after a bare pickup: the point's own scan follows the sender's drop there.
POINT_RECEIVES: Final = codes(
    "PRISE_EN_CHARGE_POINT_RELAIS", "RECEPCIONADO_EN_EL_PUNTO_PACK", "COLIS_DEPOSE_EN_POINT_RELAIS"
)
SEQUENCE: Final[tuple[SequenceRule, ...]] = (
    # A point receiving a parcel on its way back is the sender's point: still the return.
    SequenceRule(after=("returning",), codes=POINT_RECEIVES, then=KEEP),
    SequenceRule(
        after=(
            "in_transit/-",
            "in_transit/at_hub",
            "in_transit/arrived_at_delivery_site",
            "in_transit/to_pickup_point",
            "out_for_delivery",
        ),
        codes=POINT_RECEIVES,
        then=(S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
        anywhere_before=True,
    ),
    # Once on its way back, the generic transit labels ("COLIS EN COURS D'ACHEMINEMENT") are
    # the return's own moves: the parcel keeps returning, with its reason.
    SequenceRule(after=("returning",), when="in_transit", then=KEEP),
)
