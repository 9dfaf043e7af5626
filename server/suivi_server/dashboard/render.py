"""Rendering the dashboard: pages inside base.html, htmx fragments, flash messages, CSV files.

Templates live in dashboard/templates (autoescaped, compiled once per process) and translate
with the request's language. A flash message is a message id carried to the next page by a
short signed cookie, so a redirect after a POST can still say what happened.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from suivi_server.config import Settings
from suivi_server.dashboard import languages
from suivi_server.pages.i18n import Language
from suivi_server.pages.site import install_gettext

if TYPE_CHECKING:
    from suivi_server.dashboard.access import Desk

TEMPLATES = Path(__file__).resolve().parent / "templates"
FLASH_COOKIE = "suivi_dash_flash"
# A cell starting with one of these is read as a formula by spreadsheets (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class NavItem:
    label: str  # message id
    path: str
    admin_only: bool


@pass_context
def _url(context: Context, name: str, **params: Any) -> str:
    return url(context["request"], name, **params)


def url(request: Request, name: str, **params: Any) -> str:
    """The path of a dashboard route by name, wherever the dashboard is mounted."""
    root: str = request.scope.get("root_path", "")
    return root + str(request.app.url_path_for(name, **params))


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_gettext(env)
    env.globals["url"] = _url
    return env


ENV = _environment()


def _flash_serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(list(reversed(settings.secret_keys)), salt="suivi.dashboard.flash")


def _flash(request: Request, settings: Settings, lang: Language) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        message, values = _flash_serializer(settings).loads(raw)
    except (BadSignature, ValueError, TypeError):
        return None
    return lang.gettext(str(message), **{str(k): str(v) for k, v in dict(values).items()})


def _language_links(request: Request) -> list[tuple[str, str, bool]]:
    """(code, link, current) for the language switch: this page in each language."""
    current = request.query_params.get("lang")
    links = []
    for code in languages.LANGUAGES:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        query.append(("lang", code))
        encoded = "&".join(f"{quote(k)}={quote(v)}" for k, v in query)
        links.append((code, f"{request.url.path}?{encoded}", code == current))
    return links


def _render(
    request: Request,
    template: str,
    settings: Settings,
    lang: Language,
    *,
    status: int,
    desk: Desk | None,
    values: Mapping[str, Any],
) -> HTMLResponse:
    nav: Sequence[NavItem] = getattr(request.state, "dashboard_nav", ())
    is_admin = desk is not None and desk.user.is_admin
    context = {
        "request": request,
        "desk": desk,
        "lang": lang,
        "nav": [item for item in nav if is_admin or not item.admin_only],
        "languages": _language_links(request),
        "flash": _flash(request, settings, lang),
        "csrf_token": desk.csrf_token if desk else None,
        **values,
    }
    html = ENV.get_template(template).render(context)
    response = HTMLResponse(html, status_code=status)
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/dashboard")
    languages.remember(request, response)
    return response


def page(
    request: Request, desk: Desk, template: str, *, title: str, status: int = 200, **values: Any
) -> HTMLResponse:
    """A full page for a signed-in user; `template` extends base.html, `title` is translated."""
    return _render(
        request,
        template,
        desk.services.settings,
        desk.lang,
        status=status,
        desk=desk,
        values={"title": desk.lang.gettext(title), **values},
    )


def fragment(
    request: Request, desk: Desk, template: str, *, status: int = 200, **values: Any
) -> HTMLResponse:
    """A partial for htmx to swap in (a template that does not extend base.html)."""
    return _render(
        request,
        template,
        desk.services.settings,
        desk.lang,
        status=status,
        desk=desk,
        values=values,
    )


def public_page(
    request: Request,
    settings: Settings,
    lang: Language,
    template: str,
    *,
    title: str,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A page for someone not signed in (login, invitation, errors): no navigation."""
    return _render(
        request,
        template,
        settings,
        lang,
        status=status,
        desk=None,
        values={"title": lang.gettext(title), **values},
    )


def redirect(
    settings: Settings, path: str, *, flash: str | None = None, **values: object
) -> RedirectResponse:
    """303 to `path` (after a POST), with a message id to show on the next page."""
    response = RedirectResponse(path, status_code=303)
    if flash is not None:
        signed = _flash_serializer(settings).dumps([flash, {k: str(v) for k, v in values.items()}])
        response.set_cookie(FLASH_COOKIE, signed, max_age=60, path="/dashboard", httponly=True)
    return response


def neutralize(value: object) -> str:
    """A cell as text; text a spreadsheet would run as a formula is prefixed with '."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_download(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Response:
    """An RFC 4180 CSV (comma, CRLF, quotes doubled) in UTF-8 with a BOM, which Excel needs to
    read accents right; every cell neutralized against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralize(cell) for cell in header])
    writer.writerows([neutralize(cell) for cell in row] for row in rows)
    safe_name = "".join(c for c in filename if c.isalnum() or c in "._-") or "export.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe_name}"'},
    )
