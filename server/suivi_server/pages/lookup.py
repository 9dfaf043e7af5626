"""The lookup form `/{merchant}/track`: order number + email or postcode, or tracking number.

Order numbers match whatever their case and surrounding spaces, emails whatever their case,
postcodes whatever their spaces. A tracking number alone leads to its own page (tracked.py).

Wrong email and unknown order get the very same answer, so the form tells nothing about which
orders exist. Misses are limited per client address and per order by a sliding window, counted
in the database so that every web replica enforces the same limit (attempts.py).
"""

from __future__ import annotations

import hmac
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from suivi_server.pages import queries
from suivi_server.pages.attempts import AttemptLimiter, client_key, order_key
from suivi_server.pages.i18n import N_
from suivi_server.pages.site import Site

NOT_FOUND = N_("We could not find an order with these details. Please check them and try again.")
TOO_MANY = N_("Too many attempts. Please wait a minute and try again.")


def tracked_path(data: queries.PageData) -> str:
    """The bookmarkable tracking-number-only page of a parcel."""
    carrier = quote(data.shipment["carrier"], safe="")
    number = quote(data.shipment["tracking_number"], safe="")
    return f"/{data.merchant.slug}/track/{carrier}/{number}"


def proves(candidate: queries.Candidate, proof: str) -> bool:
    """The shopper knows the order's email or its postcode (compared in constant time)."""
    if "@" in proof:
        expected, given = (candidate.email or "").strip().casefold(), proof.strip().casefold()
    else:
        expected = (candidate.postcode or "").replace(" ", "").upper()
        given = proof.replace(" ", "").upper()
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


class Lookup:
    def __init__(self, site: Site, limiter: AttemptLimiter) -> None:
        self.site, self.limiter = site, limiter

    async def form(self, request: Request) -> Response:
        slug = request.path_params["merchant"]
        merchant = await queries.merchant(self.site.services.engine, slug)
        if merchant is None:
            return self.site.not_found(request)
        return self.site.lookup_page(request, merchant, form={})

    async def submit(self, request: Request) -> Response:
        slug = request.path_params["merchant"]
        client = client_key(request.client.host if request.client else None)
        form = {k: str(v).strip()[:100] for k, v in (await request.form()).items()}
        engine = self.site.services.engine
        order = form.get("order_number", "")
        keys = (client, order_key(slug, order)) if order else (client,)
        if await self.limiter.blocked(*keys):
            merchant = await queries.merchant(engine, slug)
            if merchant is None:
                return self.site.not_found(request)
            return self.site.lookup_page(request, merchant, form, error=TOO_MANY, status=429)
        if form.get("tracking_number") and not order:
            where = queries.by_tracking_number(slug, form["tracking_number"])
            data = await queries.page_data(engine, where)
            if data is not None:
                lang = request.query_params.get("lang")
                path = tracked_path(data) + (f"?lang={quote(lang)}" if lang else "")
                return RedirectResponse(path, status_code=303)
        merchant, candidates = await queries.order_candidates(engine, slug, order)
        if merchant is None:
            return self.site.not_found(request)
        proof = form.get("proof", "")
        found = [c for c in candidates if proof and proves(c, proof)]
        if len(found) == 1:
            return RedirectResponse(self.site.page_path(found[0].id, request), status_code=303)
        if found:
            return self.site.lookup_page(request, merchant, {}, parcels=found)
        for key in keys:
            await self.limiter.allow(key)
        return self.site.lookup_page(request, merchant, {}, error=NOT_FOUND, status=404)
