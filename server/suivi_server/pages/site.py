"""Rendering shared by every shopper page: theme, branding, language and the template context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import Response

from suivi_server.pages import queries
from suivi_server.pages.branding import Branding, branding
from suivi_server.pages.cache import PageCache
from suivi_server.pages.extras import PageExtra
from suivi_server.pages.forms import FormGuard
from suivi_server.pages.i18n import N_, Language, all_languages, negotiate, primary_language
from suivi_server.pages.themes import DEFAULT_THEME, ThemeSet
from suivi_server.pages.versions import Versions
from suivi_server.pages.view import page_view
from suivi_server.recent_reads import RecentReads
from suivi_server.services import Services

REFRESH_SECONDS = 60
VERSIONS_KEPT = 10_000  # a few hundred bytes each: the shipments with a page open right now
PAGE_NOT_FOUND = N_("This page does not exist or the link is incomplete.")
LINK_EXPIRED = N_("This link has expired. You can still find your order below.")


@pass_context
def _gettext(context: Context, message: str) -> str:
    language: Language = context["lang"]
    return language.translations.gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    language: Language = context["lang"]
    return language.translations.ngettext(singular, plural, n)


def install_gettext(env: Environment) -> None:
    """Templates translate with the request's language, read from the render context."""
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]


class Site:
    def __init__(
        self,
        services: Services,
        themes: ThemeSet,
        *,
        extras: Sequence[PageExtra] = (),
        answers_editable_for: timedelta = timedelta(0),
        page_cache: PageCache | None = None,
    ) -> None:
        """`answers_editable_for`: how long after a survey's first answer the page offers to
        change them (the one thing on a page that moves with the clock within a day)."""
        self.services, self.themes = services, themes
        self.extras = tuple(extras)
        self.answers_editable_for = answers_editable_for
        self.page_cache = page_cache or PageCache()
        self.versions: RecentReads[tuple[int, bool], Versions] = services.recent_reads(
            VERSIONS_KEPT
        )
        self.forms = FormGuard(services.settings.secret_keys, services.settings.public_url)

    def brand(self, merchant: queries.MerchantRow | None) -> Branding:
        if merchant is None:
            return branding("", "Suivi", self.themes.theme(DEFAULT_THEME), {})
        theme = self.themes.theme(merchant.theme)
        return branding(merchant.slug, merchant.name, theme, merchant.settings)

    def language(
        self, request: Request, brand: Branding, customer_locale: str | None = None
    ) -> Language:
        return negotiate(
            query=request.query_params.get("lang"),
            customer=customer_locale,
            accept_language=request.headers.get("accept-language"),
            merchant_default=brand.default_locale,
            fallback=self.services.settings.default_locale,
        )

    def render(
        self,
        request: Request,
        brand: Branding,
        lang: Language,
        template: str,
        context: Mapping[str, Any],
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        full = {
            "brand": brand,
            "lang": lang,
            # the language the shop writes its own words in (its survey, say)
            "shop_lang": primary_language(brand.default_locale)
            or primary_language(self.services.settings.default_locale),
            "languages": all_languages(),
            "refresh_seconds": REFRESH_SECONDS,
            **context,
        }
        renderer = self.themes.renderer(brand.theme.name)
        response = renderer.TemplateResponse(request, template, full, status_code=status)
        response.headers.update({"Cache-Control": "no-store", "Vary": "Accept-Language"})
        response.headers.update(headers or {})
        return response

    def page_path(self, shipment_id: int, request: Request) -> str:
        lang = request.query_params.get("lang")
        token = self.services.tokens.sign(shipment_id)
        return f"/t/{token}" + (f"?lang={lang}" if lang else "")

    def tracking_page(
        self,
        request: Request,
        data: queries.PageData,
        *,
        token: str | None,
        limited: bool = False,
        template: str = "page.html",
        headers: Mapping[str, str] | None = None,
        status: int = 200,
        notice: str | None = None,
        refresh_seconds: int | None = None,
        extras: Mapping[str, Any] | None = None,
    ) -> Response:
        """`notice` is a message id, translated here once the language is known; `extras` are
        what features add to a full page (pages/extras.py)."""
        brand = self.brand(data.merchant)
        customer_locale = None if limited else data.shipment["customer_locale"]
        lang = self.language(request, brand, customer_locale)
        view = page_view(data, brand, lang, limited=limited, now=self.services.clock())
        context = {
            "view": view,
            "token": token,
            "notice": lang.gettext(notice) if notice else None,
            "refresh_seconds": refresh_seconds or REFRESH_SECONDS,
            "extras": {} if limited else dict(extras or {}),
            "form_token": partial(self.forms.token, int(data.shipment["id"])),
        }
        return self.render(request, brand, lang, template, context, status=status, headers=headers)

    def lookup_page(
        self,
        request: Request,
        merchant: queries.MerchantRow,
        form: Mapping[str, str],
        *,
        error: str | None = None,
        parcels: Sequence[queries.Candidate] = (),
        status: int = 200,
    ) -> Response:
        brand = self.brand(merchant)
        lang = self.language(request, brand)
        context = {
            "form": {k: form.get(k, "") for k in ("order_number", "tracking_number")},
            "error": lang.gettext(error) if error else None,
            "parcels": [
                {"tracking_number": c.tracking_number, "url": self.page_path(c.id, request)}
                for c in parcels
            ],
        }
        headers = {"Retry-After": "60"} if status == 429 else None
        return self.render(
            request, brand, lang, "lookup.html", context, status=status, headers=headers
        )

    def not_found(self, request: Request, merchant: queries.MerchantRow | None = None) -> Response:
        return self.error(request, merchant, PAGE_NOT_FOUND, 404)

    def error(
        self, request: Request, merchant: queries.MerchantRow | None, message: str, status: int
    ) -> Response:
        brand = self.brand(merchant)
        lang = self.language(request, brand)
        context = {"message": lang.gettext(message)}
        return self.render(request, brand, lang, "error.html", context, status=status)
