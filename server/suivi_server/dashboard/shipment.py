"""`/dashboard/shipments/{id}`: one shipment as the shopper sees it (their page in a frame,
through a fresh signed link, and its banners), with all that was sent, chosen, answered and
said about it; actions: ask the carrier again, add a note, mark handled.

Actions are POST forms (CSRF-checked by the shell) that redirect back with a flash message.
A note that cannot be stored comes back in the form with the reason, never lost.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from suivi_server.api.shipments import REFRESH_INTERVAL
from suivi_server.dashboard import render
from suivi_server.dashboard.access import DashboardRoute, Desk
from suivi_server.dashboard.loop_tables import reason_name, situation_name
from suivi_server.dashboard.shipment_queries import owns, shipment_file
from suivi_server.dashboard.shopper_view import CHANNELS, PROBLEMS, label, shopper_view, when
from suivi_server.dashboard.triage import MAX_NOTE, NoteTooLong, add_note, clean_note, mark_handled
from suivi_server.engagement.choices import CHOICES
from suivi_server.pages.i18n import N_
from suivi_server.pages.view import sentence
from suivi_server.pages.wording import carrier_name
from suivi_server.storage.refresh import schedule_refresh

TITLE = N_("Shipment %(number)s")
MAX_ID = 2**31 - 1  # the id column is a 32-bit integer on PostgreSQL
# How long the agent's copy of the shopper's link stays valid.
PREVIEW_LINK_LIFETIME = timedelta(hours=1)
REFRESH_ASKED = N_("The carrier will be asked again within a minute.")
REFRESH_TOO_SOON = N_("This shipment was polled moments ago or a poll is already due.")
NOTE_ADDED = N_("Note added.")
NOTE_EMPTY = N_("Write something before adding a note.")
NOTE_TOO_LONG = N_("A note may have at most %(max)s characters.")
HANDLED = N_("Marked handled: it leaves the problem list until a newer problem starts.")
CHOICE_STATES = {
    "open": N_("Waiting for the shop"),
    "handled": N_("Handled"),
    "superseded": N_("Replaced by a later choice"),
    "closed": N_("Withdrawn"),
}
NOTIFICATION_STATES = {
    "pending": N_("Waiting"),
    "sent": N_("Sent"),
    "failed": N_("Failed"),
    "skipped": N_("Not sent"),
    "cancelled": N_("Cancelled"),
    "superseded": N_("Replaced"),
}


def _shipment_id(request: Request) -> int:
    """The id in the path; one past any stored id answers 404, never a database error."""
    shipment_id = int(request.path_params["shipment_id"])
    if shipment_id > MAX_ID:
        raise HTTPException(404)
    return shipment_id


def _back(request: Request, shipment_id: int) -> str:
    return render.url(request, "shipment", shipment_id=shipment_id)


async def _show(
    request: Request, desk: Desk, *, error: str | None = None, note: str = "", status: int = 200
) -> Response:
    shipment_id = _shipment_id(request)
    found = await shipment_file(desk.conn, desk.merchant.id, shipment_id)
    if found is None:
        raise HTTPException(404)
    lang, s = desk.lang, found.shipment
    view = shopper_view(desk.merchant, s, found.situations, found.page_events(), lang, desk.now)
    token = desk.services.tokens.sign(shipment_id, expires_at=desk.now + PREVIEW_LINK_LIFETIME)
    return render.page(
        request,
        desk,
        "shipment.html",
        title=lang.gettext(TITLE, number=s["tracking_number"]),
        status=status,
        file=found,
        s=s,
        view=view,
        problem=label(PROBLEMS, s["problem"], lang),
        problem_since=when(s["problem_since"], desk.merchant, lang) if s["problem_since"] else None,
        status_sentence=sentence(lang, s["status"], s["substatus"]),
        carrier=carrier_name(s["carrier"]),
        shopper_link=f"/t/{token}",
        handled_at=when(found.handled_at, desk.merchant, lang) if found.handled_at else None,
        when=lambda moment: when(moment, desk.merchant, lang),
        channel_name=lambda key: label(CHANNELS, key, lang),
        event_name=lambda key: situation_name(lang, key),
        reason_name=lambda key: reason_name(lang, key),
        status_name=lambda status, substatus: sentence(lang, status, substatus),
        choice_name=lambda key: lang.gettext(CHOICES[key].label) if key in CHOICES else key,
        choice_states=CHOICE_STATES,
        notification_states=NOTIFICATION_STATES,
        error=error,
        note=note,
        max_note=MAX_NOTE,
    )


async def show(request: Request, desk: Desk) -> Response:
    return await _show(request, desk)


async def _owned(request: Request, desk: Desk) -> int:
    shipment_id = _shipment_id(request)
    if not await owns(desk.conn, desk.merchant.id, shipment_id):
        raise HTTPException(404)
    return shipment_id


async def refresh(request: Request, desk: Desk) -> Response:
    """Ask for a poll now, as the API's refresh does (at most one every few minutes)."""
    shipment_id = await _owned(request, desk)
    asked = await schedule_refresh(
        desk.conn, shipment_id, now=desk.now, min_interval=REFRESH_INTERVAL
    )
    flash = REFRESH_ASKED if asked else REFRESH_TOO_SOON
    return render.redirect(desk.services.settings, _back(request, shipment_id), flash=flash)


async def _note_text(request: Request) -> str:
    form = await request.form()
    raw = form.get("text")
    return raw if isinstance(raw, str) else ""


async def note(request: Request, desk: Desk) -> Response:
    shipment_id = await _owned(request, desk)
    raw = await _note_text(request)
    try:
        text = clean_note(raw)
    except NoteTooLong:
        message = desk.lang.gettext(NOTE_TOO_LONG, max=MAX_NOTE)
        return await _show(request, desk, error=message, note=raw, status=400)
    if not text:
        return await _show(request, desk, error=desk.lang.gettext(NOTE_EMPTY), status=400)
    await add_note(
        desk.conn,
        merchant_id=desk.merchant.id,
        shipment_id=shipment_id,
        user_id=desk.user.id,
        text=text,
        now=desk.now,
    )
    return render.redirect(desk.services.settings, _back(request, shipment_id), flash=NOTE_ADDED)


async def handled(request: Request, desk: Desk) -> Response:
    shipment_id = await _owned(request, desk)
    raw = await _note_text(request)
    try:
        text = clean_note(raw)
    except NoteTooLong:
        message = desk.lang.gettext(NOTE_TOO_LONG, max=MAX_NOTE)
        return await _show(request, desk, error=message, note=raw, status=400)
    await mark_handled(
        desk.conn,
        merchant_id=desk.merchant.id,
        shipment_id=shipment_id,
        user_id=desk.user.id,
        note=text,
        now=desk.now,
    )
    return render.redirect(desk.services.settings, _back(request, shipment_id), flash=HANDLED)


_ID = "/shipments/{shipment_id:int}"
ROUTES = [
    DashboardRoute(_ID, show, name="shipment"),
    DashboardRoute(_ID + "/refresh", refresh, methods=("POST",), name="shipment_refresh"),
    DashboardRoute(_ID + "/notes", note, methods=("POST",), name="shipment_note"),
    DashboardRoute(_ID + "/handled", handled, methods=("POST",), name="shipment_handled"),
]
