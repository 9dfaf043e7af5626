"""A merchant's look and contact details: theme defaults overridden by `merchants.settings`.

Merchant values reach CSS only after validation (colours, font names) and HTML only through
autoescaping; colours are served from a stylesheet so the page needs no inline style.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from suivi_server.origins import is_origin
from suivi_server.pages.themes import Theme

# Matched whole (fullmatch): "$" would let a trailing newline into the stylesheet.
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9., %]{5,40}\)")
_FONT = re.compile(r"[A-Za-z0-9 ,'\"-]{1,120}")
COLOUR_NAMES = ("primary", "accent", "background", "text")


@dataclass(frozen=True)
class Contact:
    phone: str | None
    email: str | None
    chat_url: str | None

    @property
    def phone_link(self) -> str | None:
        return "tel:" + re.sub(r"[^0-9+]", "", self.phone) if self.phone else None


@dataclass(frozen=True)
class Branding:
    slug: str
    name: str
    theme: Theme
    logo: str | None
    colours: Mapping[str, str]
    font: str
    contact: Contact
    allowed_origins: tuple[str, ...]
    timezone: str
    default_locale: str | None

    @property
    def css(self) -> str:
        """The merchant's colours and font as CSS custom properties."""
        lines = [f"  --{name}: {value};" for name, value in self.colours.items()]
        lines.append(f"  --font: {self.font};")
        return ":root {\n" + "\n".join(lines) + "\n}\n"

    @property
    def css_version(self) -> str:
        """Part of the stylesheet URL, so a colour change is a new URL browsers fetch."""
        return hashlib.sha256(self.css.encode()).hexdigest()[:12]


def branding(slug: str, name: str, theme: Theme, settings: Mapping[str, Any]) -> Branding:
    colours = dict(theme.colours)
    overrides = settings.get("colours") or {}
    colours.update(
        {k: str(v) for k, v in overrides.items() if k in COLOUR_NAMES and _COLOUR.fullmatch(str(v))}
    )
    font = str(settings.get("font") or "")
    contact = {**theme.contact, **(settings.get("contact") or {})}
    return Branding(
        slug=slug,
        name=name,
        theme=theme,
        logo=_safe_url(settings.get("logo")) or theme.logo,
        colours=colours,
        font=font if _FONT.fullmatch(font) else theme.font,
        contact=Contact(
            phone=contact.get("phone") or None,
            email=contact.get("email") or None,
            chat_url=_safe_url(contact.get("chat_url")),
        ),
        allowed_origins=allowed_origins(settings),
        timezone=str(settings.get("timezone") or "Europe/Paris"),
        default_locale=settings.get("default_locale"),
    )


def allowed_origins(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The origins a merchant lets frame its widget: bare origins only."""
    return tuple(o for o in settings.get("allowed_origins") or () if is_origin(o))


def _safe_url(value: object) -> str | None:
    """Only web links: never `javascript:` or `data:` from a merchant's settings."""
    text = str(value or "")
    return text if text.startswith(("https://", "http://", "/")) else None
