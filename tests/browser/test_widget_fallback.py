"""The widget in real Chromium: a plain link when the frame cannot show, titled frames otherwise.

Besides the shared fixtures, this module runs its own shop page (any number of widgets, any
language) on a port its own merchant allows, while the default merchant does not allow it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route as StarletteRoute

from suivi_server.security import PageTokens
from tests.browser.conftest import SECRETS, Site, free_port, serve
from tests.server.factories import create_merchant, create_shipment

HEADINGS = {"fr": "Merci pour votre commande", "en": "Thank you for your order"}
LINK_TEXT = {"fr": "Suivre mon colis", "en": "Track my parcel"}
NUMBERS = ("6A10000000001", "6A10000000002")


@dataclass
class Shop:
    url: str
    tokens: tuple[str, ...]  # parcels of a merchant that allows this shop's origin

    def order(self, lang: str, *tokens: str) -> str:
        return f"{self.url}/order?lang={lang}&tokens={','.join(tokens)}"


def widgets_app(app_url: str) -> Starlette:
    """An order confirmation page pasting the one-line snippet once per parcel."""

    async def order(request: Request) -> HTMLResponse:
        lang = request.query_params["lang"]
        snippets = "".join(
            f'<script src="{app_url}/widget.js" data-suivi-token="{token}" '
            f'data-suivi-lang="{lang}" async></script>'
            for token in request.query_params["tokens"].split(",")
        )
        return HTMLResponse(
            f"<!doctype html><html lang='{lang}'><head><meta name=viewport "
            "content='width=device-width'><title>Boutique</title></head><body>"
            f"<h1>{HEADINGS[lang]}</h1>{snippets}</body></html>"
        )

    return Starlette(routes=[StarletteRoute("/order", order)])


@pytest.fixture(scope="module")
def shop(site: Site) -> Iterator[Shop]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ids: list[int] = []

    async def seed(engine: AsyncEngine) -> None:
        merchant_id, _ = await create_merchant(
            engine,
            slug="boutique-widgets",
            name="Boutique Widgets",
            settings={"allowed_origins": [url]},
        )
        for number in NUMBERS:
            ids.append(await create_shipment(engine, merchant_id, tracking_number=number))

    site.run(seed)
    server = serve(widgets_app(site.url), port)
    try:
        yield Shop(url, tuple(PageTokens(SECRETS).sign(i) for i in ids))
    finally:
        server.should_exit = True


def open_order_page(page: Page, url: str) -> None:
    """Open the shop's page and wait until the widget has tried its frame."""
    with page.expect_request("**/embed/**"):
        page.goto(url)
    page.wait_for_timeout(1500)  # time enough for a frame that works to say it loaded


def expect_the_fallback_link(page: Page, site: Site, token: str, lang: str) -> None:
    """The frame was tried and did not show: the shopper sees a link to the page instead."""
    link = page.get_by_role("link", name=LINK_TEXT[lang])
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"{site.url}/t/{token}?lang={lang}")
    expect(page.locator("iframe.suivi-widget")).to_be_hidden()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_on_a_refused_shop_the_shopper_gets_a_link(
    phone: Page, site: Site, shop: Shop, artifacts: Path, lang: str
) -> None:
    token = site.tokens["default"]
    page_url = (
        f"{site.refused_shop}/order?token={token}" if lang == "fr" else shop.order(lang, token)
    )
    phone.clock.install()
    open_order_page(phone, page_url)
    expect_the_fallback_link(phone, site, token, lang)
    phone.screenshot(path=str(artifacts / f"widget-fallback-refused-{lang}.png"), full_page=True)
    phone.clock.fast_forward(11_000)
    expect(phone.locator("iframe.suivi-widget")).to_have_count(0)  # the hidden try is dropped
    phone.get_by_role("link", name=LINK_TEXT[lang]).click()
    expect(phone.locator("h1.headline")).to_be_visible()
    assert phone.url.startswith(f"{site.url}/t/{token}")


@pytest.mark.parametrize("failure", ["network", "server error"])
def test_a_frame_that_fails_to_load_leaves_the_link(
    phone: Page, site: Site, shop: Shop, artifacts: Path, failure: str
) -> None:
    def fail(route: Route) -> None:
        if failure == "network":
            route.abort("connectionrefused")
        else:
            route.fulfill(status=503, content_type="text/html", body="<h1>Service Unavailable</h1>")

    phone.route(f"{site.url}/embed/**", fail)
    open_order_page(phone, shop.order("fr", shop.tokens[0]))
    expect_the_fallback_link(phone, site, shop.tokens[0], "fr")


def test_allowed_widgets_replace_the_link_with_frames_titled_apart(
    phone: Page, shop: Shop, artifacts: Path
) -> None:
    first, second = shop.tokens
    phone.goto(shop.order("fr", first, second, first))
    frames = phone.locator("iframe.suivi-widget")
    expect(frames).to_have_count(3)
    for index in range(3):
        expect(frames.nth(index)).to_be_visible()
        heading = phone.frame_locator("iframe.suivi-widget").nth(index).locator("h1.headline")
        expect(heading).to_have_text("Votre colis est en chemin")
    expect(phone.get_by_role("link", name=LINK_TEXT["fr"])).to_have_count(0)
    titles = frames.evaluate_all("frames => frames.map(f => f.title)")
    assert len(set(titles)) == 3, titles
    assert NUMBERS[0] in titles[0]
    assert NUMBERS[1] in titles[1]
    assert NUMBERS[0] in titles[2]  # the same parcel twice still gets two titles
    phone.screenshot(path=str(artifacts / "widget-allowed-three-fr.png"), full_page=True)


@pytest.mark.parametrize(
    ("path", "lang", "help_text"),
    [
        ("/maison-lumiere/t/plus-valable", "fr", "Appelez-nous"),
        ("/t/plus-valable", "en", "Contact the shop you ordered from"),
    ],
)
def test_the_error_page_fits_a_phone_and_offers_help(
    phone: Page, site: Site, artifacts: Path, path: str, lang: str, help_text: str
) -> None:
    response = phone.goto(f"{site.url}{path}?lang={lang}")
    assert response is not None
    assert response.status == 404
    expect(phone.locator("h1.headline")).to_be_visible()
    expect(phone.locator(".contact")).to_contain_text(help_text)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.csp_errors == []  # type: ignore[attr-defined]
    name = "shop" if "maison" in path else "no-shop"
    phone.screenshot(path=str(artifacts / f"error-{name}-{lang}.png"), full_page=True)
