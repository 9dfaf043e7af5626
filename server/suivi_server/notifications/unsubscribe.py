"""One-click unsubscribe (RFC 8058): signed links, a confirm page, and the POST that records it.

The link names a merchant, a channel and an address, signed with the server's secrets: the
signature is the proof, since a mail provider's one-click POST carries no cookie and no CSRF
token. GET only shows a confirm page (link scanners fetch every link of a message); POST records
the opt-out, from that page's button or straight from the mail client. Links never expire: an
old email's link must still work; rotating the secrets is what retires them.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from suivi_server.notifications.optouts import is_opted_out, record_optout
from suivi_server.notifications.wording import chrome
from suivi_server.pages.queries import MerchantRow
from suivi_server.pages.site import Site, install_gettext
from suivi_server.pages.themes import load_themes, themes_root
from suivi_server.services import Services
from suivi_server.storage.schema import merchants

_SALT = "suivi.unsubscribe"
TEMPLATE = "email/unsubscribe.html"


class UnsubscribeLinks:
    """Signs with the first secret, verifies with all of them (as page links do)."""

    def __init__(self, secret_keys: Sequence[str], public_url: str) -> None:
        if not secret_keys:
            raise ValueError("at least one secret key is required")
        self._serializer = URLSafeSerializer(list(reversed(secret_keys)), salt=_SALT)
        self.public_url = public_url.rstrip("/")

    def url(self, merchant_id: int, channel: str, address: str, *, lang: str | None = None) -> str:
        """`lang` only chooses the confirm page's language; it is not signed."""
        token = self._serializer.dumps([merchant_id, channel, address])
        query = f"?{urlencode({'lang': lang})}" if lang else ""
        return f"{self.public_url}/u/{token}{query}"

    def verify(self, token: str) -> tuple[int, str, str] | None:
        try:
            value = self._serializer.loads(token)
        except BadSignature:
            return None
        match value:
            case [int() as merchant_id, str() as channel, str() as address] if not isinstance(
                merchant_id, bool
            ):
                return merchant_id, channel, address
        return None


class UnsubscribePages:
    def __init__(self, site: Site, links: UnsubscribeLinks) -> None:
        self.site, self.links = site, links

    async def confirm(self, request: Request) -> Response:
        """Ask, never act: a GET may come from a scanner, not from the shopper."""
        return await self._answer(request, record=False)

    async def unsubscribe(self, request: Request) -> Response:
        return await self._answer(request, record=True)

    async def _answer(self, request: Request, *, record: bool) -> Response:
        token = request.path_params["token"]
        found = self.links.verify(token)
        if found is None:
            return self.site.not_found(request)
        merchant_id, channel, address = found
        services = self.site.services
        async with services.engine.begin() as conn:
            merchant = await _merchant(conn, merchant_id)
            if merchant is None:
                return self.site.not_found(request)
            if record:
                await record_optout(conn, merchant_id, channel, address, services.clock())
                done = True
            else:
                done = await is_opted_out(conn, merchant_id, channel, address)
        brand = self.site.brand(merchant)
        lang = self.site.language(request, brand)
        values = {"merchant": brand.name, "address": address}
        context = {
            "token": token,
            "done": done,
            "title": chrome(lang, "unsubscribe_title", **values),
            "confirm": chrome(lang, "unsubscribe_confirm", **values),
            "button": chrome(lang, "unsubscribe_button", **values),
            "done_text": chrome(lang, "unsubscribe_done", **values),
        }
        return self.site.render(request, brand, lang, TEMPLATE, context)


async def _merchant(conn: AsyncConnection, merchant_id: int) -> MerchantRow | None:
    columns = (merchants.c.id, merchants.c.slug, merchants.c.name, merchants.c.theme)
    query = sa.select(*columns, merchants.c.settings).where(merchants.c.id == merchant_id)
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    return MerchantRow(row.id, row.slug, row.name, row.theme, dict(row.settings or {}))


def routes(services: Services, site: Site | None = None) -> list[Route]:
    """`site` shares the shopper pages' themes; without it they are loaded here."""
    if site is None:
        themes = load_themes(themes_root(services.settings.themes_dir), install_gettext)
        site = Site(services, themes)
    pages = UnsubscribePages(
        site, UnsubscribeLinks(services.settings.secret_keys, services.settings.public_url)
    )
    return [
        Route("/u/{token}", pages.confirm, methods=["GET"], name="unsubscribe_confirm"),
        Route("/u/{token}", pages.unsubscribe, methods=["POST"], name="unsubscribe"),
    ]
