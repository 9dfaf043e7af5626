"""The cache key of a signed-link page: everything its bytes depend on, and nothing else.

The rows it shows (their versions, pages/versions.py), the link itself (the access grant: two
links to one parcel never share an entry), the template, the query string (language, revealed
contact, survey step…), the negotiated language, the merchant's local date (the words "today"
and "tomorrow" move at midnight) and whether the survey's answers may still be changed. The
page carries no per-response nonce (the CSP allows only 'self'), so one body serves every hit.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from functools import lru_cache

from starlette.datastructures import QueryParams
from starlette.requests import Request

from suivi_server.pages.i18n import negotiate
from suivi_server.pages.queries import as_utc
from suivi_server.pages.versions import Versions
from suivi_server.pages.view import zone


def page_key(
    request: Request,
    template: str,
    versions: Versions,
    *,
    now: datetime,
    fallback_locale: str,
    answers_editable_for: timedelta,
) -> Hashable:
    settings = versions.merchant_settings
    query: bytes = request.scope["query_string"]
    lang = negotiate(
        query=_lang_asked(query),
        customer=versions.customer_locale,
        accept_language=request.headers.get("accept-language"),
        merchant_default=settings.get("default_locale"),
        fallback=fallback_locale,
    )
    local_date = now.astimezone(zone(str(settings.get("timezone") or "Europe/Paris"))).date()
    answered = versions.answered_at
    editable = answered is not None and now < as_utc(answered) + answers_editable_for
    return (
        template,
        request.scope["path"],
        query,
        lang.code,
        local_date,
        editable,
        versions.digest,
    )


@lru_cache(maxsize=1024)
def _lang_asked(query: bytes) -> str | None:
    """The `lang` of a query string, parsed once per distinct string (pages re-ask the same)."""
    return QueryParams(query).get("lang")
