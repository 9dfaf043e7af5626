"""Mondial Relay's codes as data: the STAT table of Web_Services.asmx and the tracing labels.

Sources:
- STAT codes: PrestaShop/PrestaShop-modules `mondialrelay/errorCode.php` (Mondial Relay's own
  list, French wording kept). 80–83 are "codes tracing", the parcel's overall state.
- Tracing events carry no code, only a label (`Libelle`). The labels below are those in the
  public clients' fixtures and our samples (README "Mondial Relay", confidence MEDIUM for the
  wording); the event code Suivi stores is the label's slug (`COLIS LIVRÉ` -> `COLIS_LIVRE`).
  Labels not listed are classified by the keyword rules, then fall back to exception/unknown.
- Point Relais keeping period: Mondial Relay keeps a parcel 14 days at the Point Relais before
  sending it back (mondialrelay.fr FAQ "retrait de colis"; locker parcels move to a point after).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from suivi import Status, StatusMap, Substatus
from suivi._statusmap import KeywordRule, Row

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
    70: ("Numéro de Point Relais invalide", K.REQUEST),
    72: ("Langue expéditeur invalide", K.REQUEST),
    73: ("Langue destinataire invalide", K.REQUEST),
    74: ("Langue invalide", K.CONFIG),
    80: ("Code tracing : Colis enregistré", K.TRACKING),
    81: ("Code tracing : Colis en traitement chez Mondial Relay", K.TRACKING),
    82: ("Code tracing : Colis livré", K.TRACKING),
    83: ("Code tracing : Anomalie", K.TRACKING),
    90: ("AS400 indisponible", K.UNAVAILABLE),
    91: ("Numéro d'expédition invalide", K.NUMBER),
    94: ("Colis Inexistant", K.NOT_FOUND),
    95: ("Compte Enseigne non activé", K.AUTH),
    96: ("Type d'enseigne incorrect en Base", K.AUTH),
    97: ("Clé de sécurité invalide", K.AUTH),
    98: ("Service Indisponible", K.UNAVAILABLE),
    99: ("Erreur générique du service", K.UNAVAILABLE),
}

# The overall state (STAT) decides when no event can: no events yet, or only unknown labels.
# 0/81/83 are vague, so Libelle01 (the carrier's headline) is read first for them.
STAT_ROWS: Final[list[Row]] = [
    ("0", S.IN_TRANSIT, None),  # "OK" without a tracing code: the parcel is known and moving
    ("80", S.INFO_RECEIVED, Sub.LABEL_CREATED),  # Colis enregistré
    ("81", S.IN_TRANSIT, None),  # Colis en traitement chez Mondial Relay
    # Colis livré: Mondial Relay hands parcels over at a Point Relais or locker; a home
    # delivery shows in the events ("livré à domicile"), which then decide.
    ("82", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("83", S.EXCEPTION, Sub.UNKNOWN),  # Anomalie (the events say which)
    ("94", S.NOT_FOUND, None),  # Colis inexistant
]
STAT_LABEL_DEPENDENT: Final = ("0", "81", "83")

# Tracing labels as slugs (see `slug` in the adapter). Seen in samples and client fixtures.
LABEL_ROWS: Final[list[Row]] = [
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
]

# Keyword rules on the label (accents and case folded), first match wins: the specific
# before the generic ("non retiré" before "retour", "disponible" before "livré").
KEYWORDS: Final[list[KeywordRule]] = [
    ("non retire", S.RETURNING, Sub.NOT_COLLECTED),
    ("retourne a l'expediteur", S.RETURNED, None),
    ("livre a l'expediteur", S.RETURNED, None),
    ("remis a l'expediteur", S.RETURNED, None),
    ("retour*", S.RETURNING, None),
    ("refus*", S.EXCEPTION, Sub.REFUSED),
    ("endommag*", S.EXCEPTION, Sub.DAMAGED),
    ("avari*", S.EXCEPTION, Sub.DAMAGED),
    ("deterior*", S.EXCEPTION, Sub.DAMAGED),
    ("adresse", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    ("perdu", S.EXCEPTION, Sub.LOST),
    ("absent", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    ("retard", S.IN_TRANSIT, Sub.DELAYED),
    ("anomalie", S.EXCEPTION, Sub.UNKNOWN),
    ("incident", S.EXCEPTION, Sub.UNKNOWN),
    ("retire", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ("locker", S.AVAILABLE_FOR_PICKUP, Sub.LOCKER),
    ("disponible", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
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
    ("depos*", S.IN_TRANSIT, Sub.PICKED_UP),
    ("achemin*", S.IN_TRANSIT, None),
    ("transit", S.IN_TRANSIT, None),
    ("enregistr*", S.INFO_RECEIVED, Sub.LABEL_CREATED),
    ("annonce", S.INFO_RECEIVED, Sub.LABEL_CREATED),
]

STATUS_MAP: Final = StatusMap(
    "mondial_relay",
    [*STAT_ROWS, *LABEL_ROWS],
    keywords=KEYWORDS,
    label_dependent=STAT_LABEL_DEPENDENT,
)
