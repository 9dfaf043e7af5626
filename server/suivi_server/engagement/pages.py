"""The page's choices, contact and opt-in sections: what they show, and the forms they post.

Every form is a plain POST under /t/{token}/… guarded by FormGuard. Without JavaScript the
answer is a 303 back to the page's section (the result is in the database, or in the query for
the contact links); with htmx it is the section's fragment. Refused input answers 4xx with the
page (or, for htmx, the fragment) saying why in the shopper's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from suivi_server.engagement import choices as offers
from suivi_server.engagement import contacts, optins
from suivi_server.engagement.choice_store import open_choices, record_choice
from suivi_server.engagement.sections import kinds as _kinds
from suivi_server.pages.extras import page_extras
from suivi_server.pages.forms import FormRefused
from suivi_server.pages.i18n import N_
from suivi_server.pages.queries import PageData
from suivi_server.pages.site import Site
from suivi_server.pages.tracking import TrackingPages

SECTIONS = {"choices": "_choices.html", "contact": "_contact.html", "optin": "_optin.html"}
BAD_CONTACT = N_("Please pick what it is about, then how to reach us.")


class EngagementPages:
    def __init__(self, site: Site) -> None:
        self.site, self.pages = site, TrackingPages(site)

    async def _answer(
        self,
        request: Request,
        data: PageData,
        section: str,
        *,
        status: int = 303,
        error: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Response:
        """303 to the section, or for htmx / an error the page or fragment rendered here."""
        token = request.path_params["token"]
        is_htmx = request.headers.get("hx-request") == "true"
        if status == 303 and not is_htmx:
            params = dict(query or {})
            if lang := request.query_params.get("lang"):
                params["lang"] = lang
            suffix = f"?{urlencode(params)}" if params else ""
            return RedirectResponse(f"/t/{token}{suffix}#{section}", status_code=303)
        extras = await page_extras(self.site.extras, self.site.services, data, request)
        part = dict(extras.get(section) or {}, error=error)
        if query and section == "contact":
            part["reveal"] = dict(query)
        extras[section] = part
        return self.site.tracking_page(
            request,
            data,
            token=token,
            template=SECTIONS[section] if is_htmx else "page.html",
            status=200 if status == 303 else status,
            extras=extras,
        )

    async def _form(
        self, request: Request, purpose: str
    ) -> tuple[PageData, dict[str, str]] | Response:
        data = await self.pages.load(request)
        if isinstance(data, Response):
            return data
        try:
            fields = await self.site.forms.read(request, int(data.shipment["id"]), purpose)
        except FormRefused as exc:
            return await self._answer(request, data, purpose, status=exc.status, error=exc.reason)
        return data, fields

    async def choose(self, request: Request) -> Response:
        read = await self._form(request, "choices")
        if isinstance(read, Response):
            return read
        data, fields = read
        services, shipment = self.site.services, data.shipment
        kind = fields.get("kind", "")
        try:
            async with services.engine.begin() as conn:
                chosen = await open_choices(conn, int(shipment["id"]))
                offered = offers.offered(_kinds(data), (c.kind for c in chosen))
                if kind not in offered:
                    raise offers.ChoiceInvalid(offers.BAD_CHOICE)
                await record_choice(
                    conn,
                    merchant_id=data.merchant.id,
                    merchant_settings=data.merchant.settings,
                    shipment=shipment,
                    kind=kind,
                    situation=offered[kind],
                    details=offers.details_of(kind, fields, shipment["customer_country"]),
                    now=services.clock(),
                )
        except offers.ChoiceInvalid as exc:
            return await self._answer(request, data, "choices", status=422, error=exc.message)
        return await self._answer(request, data, "choices")

    async def contact(self, request: Request) -> Response:
        read = await self._form(request, "contact")
        if isinstance(read, Response):
            return read
        data, fields = read
        channel, reason = fields.get("channel", ""), fields.get("reason", "")
        available = self.site.brand(data.merchant).contact
        links = {
            "phone": available.phone_link,
            "email": available.email,
            "chat": available.chat_url,
        }
        if reason not in contacts.reasons_for(_kinds(data)) or not links.get(channel):
            return await self._answer(request, data, "contact", status=422, error=BAD_CONTACT)
        services = self.site.services
        now = services.clock()
        contact = contacts.NewContact(
            shipment_id=int(data.shipment["id"]),
            source="page",
            channel=channel,
            reason=reason,
            situation=contacts.leading_situation(_kinds(data)),
            status=data.shipment["status"],
            occurred_at=now,
        )
        async with services.engine.begin() as conn:
            await contacts.record_contact(conn, data.merchant.id, contact, now)
        query = {"contact": channel, "reason": reason}
        return await self._answer(request, data, "contact", query=query)

    async def optin(self, request: Request) -> Response:
        read = await self._form(request, "optin")
        if isinstance(read, Response):
            return read
        data, fields = read
        services = self.site.services
        try:
            async with services.engine.begin() as conn:
                await optins.request_optin(
                    conn,
                    merchant_id=data.merchant.id,
                    shipment=data.shipment,
                    channel=fields.get("channel", ""),
                    raw_address=fields.get("address", ""),
                    keys=services.settings.secret_keys,
                    now=services.clock(),
                )
        except optins.OptinInvalid as exc:
            return await self._answer(request, data, "optin", status=422, error=exc.message)
        return await self._answer(request, data, "optin")

    async def confirm(self, request: Request) -> Response:
        read = await self._form(request, "optin")
        if isinstance(read, Response):
            return read
        data, fields = read
        services = self.site.services
        optin_id = fields.get("optin_id", "")
        async with services.engine.begin() as conn:
            outcome: optins.Outcome = (
                await optins.confirm_optin(
                    conn,
                    shipment_id=int(data.shipment["id"]),
                    optin_id=int(optin_id),
                    code=fields.get("code", "")[:12],
                    keys=services.settings.secret_keys,
                    now=services.clock(),
                )
                if optin_id.isascii() and optin_id.isdigit() and len(optin_id) < 10
                else "missing"
            )
        if outcome != "confirmed":
            error = optins.OUTCOME_MESSAGES[outcome]
            return await self._answer(request, data, "optin", status=422, error=error)
        return await self._answer(request, data, "optin")

    async def stop(self, request: Request) -> Response:
        read = await self._form(request, "optin")
        if isinstance(read, Response):
            return read
        data, fields = read
        optin_id = fields.get("optin_id", "")
        if optin_id.isascii() and optin_id.isdigit() and len(optin_id) < 10:
            async with self.site.services.engine.begin() as conn:
                await optins.revoke_optin(
                    conn,
                    shipment_id=int(data.shipment["id"]),
                    optin_id=int(optin_id),
                    now=self.site.services.clock(),
                )
        return await self._answer(request, data, "optin")


def routes(site: Site) -> list[BaseRoute]:
    pages = EngagementPages(site)
    return [
        Route("/t/{token}/choices", pages.choose, methods=["POST"], name="shopper_choice"),
        Route("/t/{token}/contact", pages.contact, methods=["POST"], name="shopper_contact"),
        Route("/t/{token}/optin", pages.optin, methods=["POST"], name="optin_request"),
        Route("/t/{token}/optin/confirm", pages.confirm, methods=["POST"], name="optin_confirm"),
        Route("/t/{token}/optin/stop", pages.stop, methods=["POST"], name="optin_stop"),
    ]
