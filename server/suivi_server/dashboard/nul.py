"""NUL characters refused at the door: no PostgreSQL text column stores one, so a NUL in a
search or a form field would otherwise fail deep in a query as a server error."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import FormData
from starlette.requests import Request

from suivi_server.pages.i18n import N_

HOLDS_NUL = N_("This request holds a character the dashboard does not accept.")


def any_nul(texts: Iterable[str]) -> bool:
    return any("\x00" in text for text in texts)


def query_holds_nul(request: Request) -> bool:
    """A NUL in a parameter's name or value (as decoded from %00)."""
    return any_nul(part for pair in request.query_params.multi_items() for part in pair)


def form_holds_nul(form: FormData) -> bool:
    """A NUL in a text field's name or value; uploaded files are read by their own checks."""
    return any_nul(
        part
        for key, value in form.multi_items()
        for part in (key, value if isinstance(value, str) else "")
    )
