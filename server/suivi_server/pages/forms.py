"""Shopper forms on the signed-link page: cross-site requests refused, sizes bounded.

A form is accepted only when the browser says it comes from our own page (Origin /
Sec-Fetch-Site, as for "refresh now") AND it carries a token bound to the shipment and the
form's purpose. The signed link is already a secret, so the token is defence in depth: a page
of another shipment, or another form of the same page, cannot be replayed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request

from suivi_server.pages.i18n import N_
from suivi_server.pages.refresh import same_origin

MAX_FORM_BYTES = 16 * 1024
MAX_FIELDS = 40
CROSS_SITE = N_("This form can only be sent from its own page.")
TOO_LONG = N_("This form is too long.")
EXPIRED = N_("This form has expired: reload the page.")
UNREADABLE = N_("This form could not be read: reload the page and try again.")


class FormRefused(Exception):
    """Why a form is refused: `status` is the HTTP answer, `reason` a message id to translate."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class FormGuard:
    def __init__(self, secret_keys: Sequence[str], public_url: str) -> None:
        self._serializer = URLSafeSerializer(list(reversed(secret_keys)), salt="suivi.form")
        self._public_url = public_url

    def token(self, shipment_id: int, purpose: str) -> str:
        """The hidden field value of one form of one shipment's page."""
        return str(self._serializer.dumps([shipment_id, purpose]))

    async def read(self, request: Request, shipment_id: int, purpose: str) -> dict[str, str]:
        """The submitted fields, once the request is proven to come from this page's form."""
        if not same_origin(request, self._public_url):
            raise FormRefused(403, CROSS_SITE)
        fields = _fields(await _body(request), request.headers.get("content-type", ""))
        try:
            bound = self._serializer.loads(fields.pop("form_token", ""))
        except BadSignature:
            raise FormRefused(403, EXPIRED) from None
        if bound != [shipment_id, purpose]:
            raise FormRefused(403, EXPIRED)
        return fields


async def _body(request: Request) -> bytes:
    """The body, refused from its Content-Length and again while it streams (chunked bodies
    have none, and a declared length can lie)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise FormRefused(413, TOO_LONG)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormRefused(413, TOO_LONG)
    return bytes(body)


def _fields(body: bytes, content_type: str) -> dict[str, str]:
    """Our forms are URL-encoded (plain forms and htmx alike); anything else is refused."""
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise FormRefused(415, UNREADABLE)
    try:
        pairs = parse_qsl(
            body.decode(), keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise FormRefused(400, UNREADABLE) from None
    return dict(pairs)
