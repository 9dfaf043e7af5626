"""Languages of the shopper pages: compiled catalogs loaded once, and the choice of language.

The language is chosen by `?lang=`, then the shipment's customer locale, then the browser's
Accept-Language, then the merchant's default, then the server's default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES: tuple[str, ...] = ("fr", "en", "de", "es", "it", "nl")
# Dates read the European way ("Thursday 27 November"), as the shops we serve write them.
_FORMAT_LOCALE = {"en": "en_GB"}
_PRIMARY_TAG = re.compile(r"[a-z]{2,8}")  # BCP 47's language subtag
# Full day names: CLDR skeletons would abbreviate them in several languages.
_DAY = {"de": "EEEE, d. MMMM", "es": "EEEE d 'de' MMMM"}
_SHORT_DAY = {"de": "EEE, d. MMM"}
# French writes the first of the month as an ordinal: "mardi 1er décembre" (CLDR has no such
# pattern, so the day field gets its suffix here, as the typographic convention requires).
_FIRST_OF_MONTH = {"fr": "d'er'"}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the language is known."""
    return message


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    translations: Translations
    locale: Locale

    def gettext(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def day(self, value: date) -> str:
        """'jeudi 27 novembre': the big plain date shoppers look for."""
        return self._format(value, _DAY.get(self.code, "EEEE d MMMM"))

    def short_day(self, value: date) -> str:
        return self._format(value, _SHORT_DAY.get(self.code, "EEE d MMM"))

    def _format(self, value: date, pattern: str) -> str:
        first = _FIRST_OF_MONTH.get(self.code)
        if first and value.day == 1:
            pattern = pattern.replace("d", first, 1)
        return format_date(value, pattern, locale=self.locale)

    def clock(self, value: time | datetime) -> str:
        return format_time(value, "HH:mm", locale=self.locale)

    def weekday(self, index: int) -> str:
        """'lundi' for 0, 'dimanche' for 6: day names as a line of opening hours starts."""
        return str(self.locale.days["stand-alone"]["wide"][index])

    def country(self, code: str) -> str:
        """'France' for 'FR'; the code itself for a territory Babel does not know."""
        return str(self.locale.territories.get(code.upper(), code))


def _load(code: str) -> Language:
    locale = Locale.parse(_FORMAT_LOCALE.get(code, code))
    translations = Translations.load(str(LOCALE_DIR), [code], domain="messages")
    if not isinstance(translations, Translations):
        raise RuntimeError(f"compiled catalog missing for {code!r} in {LOCALE_DIR}")
    name = Locale.parse(code).get_display_name(code) or code
    return Language(code, name[:1].upper() + name[1:], translations, locale)


_LOADED: dict[str, Language] = {code: _load(code) for code in LANGUAGES}


def language(code: str) -> Language:
    return _LOADED[code]


def all_languages() -> tuple[Language, ...]:
    return tuple(_LOADED.values())


def primary_language(tag: str | None) -> str | None:
    """'fr-FR', 'fr_FR' and 'FR' all give 'fr'; None for what is no language tag."""
    primary = (tag or "").strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if _PRIMARY_TAG.fullmatch(primary) else None


def supported(tag: str | None) -> str | None:
    """'fr-FR', 'fr_FR' and 'FR' all mean 'fr'; unknown languages give None."""
    primary = primary_language(tag)
    return primary if primary in _LOADED else None


def from_accept_language(header: str | None) -> str | None:
    """The browser's most preferred language we speak (q-values honoured, order kept on ties)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if (code := supported(tag)) and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None


def negotiate(
    *,
    query: str | None,
    customer: str | None,
    accept_language: str | None,
    merchant_default: str | None,
    fallback: str,
) -> Language:
    code = (
        supported(query)
        or supported(customer)
        or from_accept_language(accept_language)
        or supported(merchant_default)
        or supported(fallback)
        or "en"
    )
    return _LOADED[code]
