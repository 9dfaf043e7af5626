"""Contacts in: the list of recent contacts (page, helpdesk API, imports) with their reason and
situation, its CSV export, and the import of a helpdesk's ticket export.

The import page previews before it stores: the helpdesk detected, which column holds what, the
first tickets with the reason read and the shipment found (htmx shows it as soon as a file is
chosen; without JavaScript, the Preview button does). Importing shows what was done. Every query
filters on the desk's merchant; the list uses ix_contacts_merchant_id_occurred_at.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from suivi_server.dashboard import render
from suivi_server.dashboard.access import DashboardRoute, Desk
from suivi_server.dashboard.loop_tables import reason_name, situation_name
from suivi_server.dashboard.numbers import whole
from suivi_server.dashboard.shopper_view import when
from suivi_server.engagement.contacts import REASONS
from suivi_server.helpdesk.api import MAX_EXPORT_BYTES, MAX_TICKETS
from suivi_server.helpdesk.formats import FORMATS, UnknownFormat
from suivi_server.helpdesk.importer import TooManyLines, import_export
from suivi_server.helpdesk.preview import preview_export
from suivi_server.helpdesk.recent import recent_contacts
from suivi_server.pages.i18n import N_

NAV = N_("Contacts")
IMPORT = N_("Import helpdesk tickets")
NO_FILE = N_("Choose the CSV file your helpdesk exported.")
EMPTY = N_("This file is empty.")
TOO_LARGE = N_("This file is larger than 16 MB: export fewer tickets at a time.")
TOO_MANY = N_("This file has more than %(limit)s tickets: export fewer at a time.")
BAD_ENCODING = N_("This file is not UTF-8 text: export it again as CSV (UTF-8).")
UNKNOWN = N_("This file is not a ticket export we can read (%(detail)s).")
BAD_FORMAT = N_("Choose Zendesk, Freshdesk, Gorgias or automatic detection.")
BAD_FILTER = N_("This filter is not one of the list's: showing all contacts instead.")
CHANNELS: Mapping[str, str] = {
    "phone": N_("Phone"),
    "email": N_("Email"),
    "chat": N_("Chat"),
    "other": N_("Other"),
}
SOURCES: Mapping[str, str] = {
    "page": N_("Tracking page"),
    "api": N_("Helpdesk API"),
    "import": N_("Helpdesk import"),
}
FIELD_NAMES: Mapping[str, str] = {
    "id": N_("Ticket id"),
    "subject": N_("Subject"),
    "text": N_("Message"),
    "email": N_("Requester email"),
    "created_at": N_("Created"),
    "channel": N_("Channel"),
    "tags": N_("Tags"),
    "type": N_("Type"),
}
MATCHED_BY: Mapping[str, str] = {
    "tracking_number": N_("by tracking number"),
    "order_number": N_("by order number"),
    "email": N_("by the requester's email"),
}
CSV_HEADER = (
    N_("Date"),
    N_("Source"),
    N_("Channel"),
    N_("Reason"),
    N_("Situation"),
    N_("Status"),
    N_("Order"),
    N_("Tracking number"),
    N_("Ticket"),
    N_("Message"),
)
PAGE = 50
MAX_CSV = 10_000
# The export, plus the form's other fields and part boundaries: a file past MAX_EXPORT_BYTES
# but within this is read and told TOO_LARGE here, a larger one by the shell before parsing.
MAX_UPLOAD = MAX_EXPORT_BYTES + 64 * 1024
MAX_ID = 2**31 - 1


class Refused(Exception):
    def __init__(self, status: int, message: str, **values: object) -> None:
        super().__init__(message)
        self.status, self.message, self.values = status, message, values


def _choice(value: str | None, allowed: Mapping[str, str]) -> str | None:
    if value in (None, ""):
        return None
    if value not in allowed:
        raise Refused(400, BAD_FILTER)
    return value


def _before(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    before = whole(value)
    if before is None or not 0 < before <= MAX_ID:
        raise Refused(400, BAD_FILTER)
    return before


async def contact_list(request: Request, desk: Desk) -> Response:
    query = request.query_params
    error: str | None = None
    try:
        reason = _choice(query.get("reason"), REASONS)
        source = _choice(query.get("source"), SOURCES)
        before = _before(query.get("before"))
    except Refused as refused:
        reason = source = before = None
        error = refused.message
    as_csv = query.get("format") == "csv"
    found = await recent_contacts(
        desk.conn,
        desk.merchant.id,
        reason=reason,
        source=source,
        before_id=before,
        limit=MAX_CSV if as_csv else PAGE,
    )
    lang = desk.lang
    if as_csv:
        rows = [
            (
                c.occurred_at.isoformat(),
                lang.gettext(SOURCES.get(c.source, c.source)),
                lang.gettext(CHANNELS.get(c.channel, c.channel)),
                reason_name(lang, c.reason),
                situation_name(lang, c.situation) if c.situation else "",
                c.status or "",
                c.order_number or "",
                c.tracking_number or "",
                c.external_id or "",
                c.text or "",
            )
            for c in found.contacts
        ]
        return render.csv_download("contacts.csv", [lang.gettext(h) for h in CSV_HEADER], rows)
    filters = {k: v for k, v in (("reason", reason), ("source", source)) if v}
    return render.page(
        request,
        desk,
        "contacts.html",
        title=NAV,
        status=400 if error else 200,
        error=error,
        page=found,
        filters=filters,
        reasons=REASONS,
        sources=SOURCES,
        channels=CHANNELS,
        reason_name=lambda key: reason_name(lang, key),
        situation_name=lambda key: situation_name(lang, key),
        when=lambda moment: when(moment, desk.merchant, lang),
    )


def _import_page(
    request: Request, desk: Desk, *, status: int = 200, fragment: bool = False, **values: Any
) -> Response:
    context = {
        "formats": FORMATS,
        "field_names": FIELD_NAMES,
        "channels": CHANNELS,
        "matched_by": MATCHED_BY,
        "chosen": values.pop("chosen", "auto"),
        "reason_name": lambda key: reason_name(desk.lang, key),
        "when": lambda moment: when(moment, desk.merchant, desk.lang),
        **values,
    }
    if fragment:
        return render.fragment(request, desk, "_contacts_preview.html", status=status, **context)
    return render.page(
        request, desk, "contacts_import.html", title=IMPORT, status=status, **context
    )


async def import_page(request: Request, desk: Desk) -> Response:
    return _import_page(request, desk)


async def _upload(request: Request) -> tuple[str, str | None, str]:
    """The uploaded export as text, the helpdesk chosen (None: detect) and the step."""
    async with request.form() as form:  # closes the spooled upload afterwards
        chosen = str(form.get("format") or "auto")
        step = "import" if form.get("step") == "import" else "preview"
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Refused(400, NO_FILE)
        data = await upload.read(MAX_EXPORT_BYTES + 1)
    if chosen != "auto" and chosen not in FORMATS:
        raise Refused(400, BAD_FORMAT)
    if len(data) > MAX_EXPORT_BYTES:
        raise Refused(413, TOO_LARGE)
    if not data.strip():
        raise Refused(400, EMPTY)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(400, BAD_ENCODING) from None
    return text, None if chosen == "auto" else chosen, step


async def import_post(request: Request, desk: Desk) -> Response:
    """Preview (stores nothing) or import the uploaded export; a refusal says why."""
    fragment = request.headers.get("hx-request") == "true"
    chosen = "auto"
    try:
        text, helpdesk, step = await _upload(request)
        chosen = helpdesk or "auto"
        if step == "preview":
            preview = await preview_export(desk.conn, desk.merchant, text, helpdesk, desk.now)
            return _import_page(request, desk, fragment=fragment, preview=preview, chosen=chosen)
        summary = await import_export(
            desk.conn, desk.merchant, text, helpdesk, desk.now, MAX_TICKETS
        )
    except Refused as refused:
        error = desk.lang.gettext(refused.message, **refused.values)
        return _import_page(request, desk, status=refused.status, fragment=fragment, error=error)
    except UnknownFormat as exc:
        error = desk.lang.gettext(UNKNOWN, detail=str(exc))
        return _import_page(request, desk, status=400, fragment=fragment, error=error)
    except TooManyLines as exc:
        error = desk.lang.gettext(TOO_MANY, limit=exc.limit)
        return _import_page(request, desk, status=413, fragment=fragment, error=error)
    return _import_page(request, desk, result=summary, chosen=chosen)


ROUTES = [
    DashboardRoute("/contacts", contact_list, name="contacts", nav=NAV),
    DashboardRoute("/contacts/import", import_page, name="contacts_import"),
    DashboardRoute(
        "/contacts/import",
        import_post,
        methods=("POST",),
        name="contacts_import_run",
        max_body=MAX_UPLOAD,
        too_large=TOO_LARGE,
    ),
]
