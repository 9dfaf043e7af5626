"""The reason classifier's phrase table, French and English, as data.

Each reason lists (weight, rule). A rule is one or more parts joined by " + ", all of which must
appear somewhere in the ticket; a part is alternatives joined by " | "; an alternative is folded
words (lower case, no accents, punctuation as spaces), a trailing `*` making the last word a
prefix. A leading `~` means a negation just before it cancels it ("pas abîmé", "not damaged");
requests keep their meaning when negated ("pas encore remboursé" is about a refund). Negative
weights take back what a word suggests in a context that means something else ("back in stock").
"""

from __future__ import annotations

from collections.abc import Mapping

# When a ticket speaks of several things, the first reason of this order that scores enough
# wins: the problem that caused the contact, before what the shopper asks as a consequence
# ("broken, I want a refund" is about a damaged parcel; "late, cancel it" about a cancellation).
PRIORITY = (
    "damaged",
    "not_received",
    "change_address",
    "return_or_refund",
    "delivery_date",
    "where_is_my_order",
)
THRESHOLD = 3

_DELIVERED = "~livre | ~livree | ~delivered | ~remis | ~left in a safe place | ~statut livre"
_NOT_GOT = (
    "pas recu | rien recu | jamais recu | jamais eu | rien eu | pas eu | ne l ai pas"
    " | rien trouve | n ai rien | jamais arrive* | rien dans ma boite"
    " | not received | haven t received | havent received | didn t get | didnt get"
    " | never got | never received | never arrived | don t have it | nothing | no parcel"
    " | not here | wasn t me | pas moi | isn t mine | not mine"
)
_ADDRESS = "adresse | adrese | adress | address | addresse | code postal | postcode | zip code"
_ADDRESS_CHANGE = (
    "chang* | modif* | mauvais* | erreur | trompe* | incomplet* | corrig* | nouvelle | autre"
    " | update* | wrong | correct* | different | new | instead | add | manque | typed | faute"
)

PHRASES: Mapping[str, tuple[tuple[int, str], ...]] = {
    "damaged": (
        (3, "~endommag* | ~abim* | ~casse | ~cassee | ~casses | ~cassees | une casse"),
        (3, "~brise* | ~ecrase* | ~dechire* | ~fendu* | ~fissur* | ~ebrech* | ~eventre*"),
        (3, "~tordu* | ~defonce* | ~enfonce* | ~raye | ~rayure* | ~mauvais etat"),
        (3, "~damag* | ~broken | ~broke | ~crack* | ~crushed | ~shatter* | ~smashed"),
        (3, "~dented | ~chipped | ~scratch* | ~torn | ~ruined | ~in pieces | ~bad condition"),
        (-3, "link broken | broken link | lien casse"),
        (3, "~terrible condition | ~soaking wet | ~soaked | ~water stain* | ~defective"),
        (2, "~mouill* | ~tache | ~tachee | ~sale | ~ne s allume plus"),
    ),
    "not_received": (
        (4, f"{_DELIVERED} + {_NOT_GOT}"),
        (3, "~stolen | ~vole"),
        (3, "signe* | signature + pas moi | wasn t me | isn t mine | not mine"),
    ),
    "change_address": (
        (3, f"{_ADDRESS} + {_ADDRESS_CHANGE}"),
        (3, "demenag* | point relais | pickup point | relais | redirect* | rediriger"),
        (3, "lieu de travail | my office | my work | door code | code de la porte | digicode"),
        (2, "moved | flat number | apartment | etage | batiment"),
        (2, "ship it to | deliver it to | envoyer le colis dans | faire livrer | me faire livrer"),
        (1, "instead"),
    ),
    "return_or_refund": (
        (3, "rembours* | refund* | retour | retourn* | return* | send it back | send back"),
        (3, "annul* | cancel* | echang* | exchange* | money back | retractation"),
        (3, "renvoy*"),
        (2, "swap | refuse le colis"),
        (-3, "back in stock | retour en stock | restock*"),
    ),
    "delivery_date": (
        (3, "retard* | late | delay* | delai* | eta | how long | combien de temps"),
        (3, "how many days | taking forever | taking so long | trop long* | c est long"),
        (3, "pour quand | quand | when will | when can | when do | a quelle heure | what time"),
        (3, "arrive before | arrive by | arriver avant | arrivera avant | recevoir avant"),
        (3, "date de livraison | date d arrivee | delivery date | expect my delivery"),
        (2, "date | when | prevu* pour | annonce* pour | due on | avant | before | still waiting"),
        (1, "toujours rien | toujours pas"),
        (-3, "back in stock | en stock | restock*"),
    ),
    "where_is_my_order": (
        (3, "ou est | ou en est | ou se trouve | where is | where s | wheres | where my"),
        (3, "where it is | where it s"),
        (3, "perdu* | lost | introuvable | localis* | bloque* | stuck"),
        (3, "pas de nouvelles | aucune nouvelle | no update | any update | no news"),
        (3, "nothing since | no email | aucun mail | aucun mouvement | ne bouge | not moving"),
        (3, "hasn t updated | hasn t moved | hasn t changed | nothing has changed"),
        (2, "suivi | tracking | expedie* | shipped | status | statut"),
        (3, "hasn t arrived | not arrived | pas arrive* | n est pas arrive*"),
    ),
}
