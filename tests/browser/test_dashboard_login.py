"""Signing in to the dashboard in Chromium, on a phone (375×812) and a laptop, in French and
English: the overview opens, nothing widens the page, the CSP holds, a wrong password is said.
Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from tests.browser.conftest import Site, dashboard_sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
VIEWPORTS: dict[str, ViewportSize] = {
    "phone": {"width": 375, "height": 812},
    "laptop": {"width": 1280, "height": 800},
}


@pytest.fixture(params=list(VIEWPORTS))
def screen(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    phone = request.param == "phone"
    context = browser.new_context(
        viewport=VIEWPORTS[request.param], is_mobile=phone, device_scale_factor=2 if phone else 1
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.csp_errors = errors  # type: ignore[attr-defined]
    page.viewport_name = request.param  # type: ignore[attr-defined]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    context.close()


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_signing_in_opens_the_overview(
    screen: Page, site: Site, dashboard_admin: tuple[str, str], lang: str
) -> None:
    name = f"dashboard-login-{screen.viewport_name}-{lang}"  # type: ignore[attr-defined]
    screen.goto(f"{site.url}/dashboard/login?lang={lang}")
    assert screen.get_attribute("html", "lang") == lang
    assert fits(screen)
    screen.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    dashboard_sign_in(screen, site, *dashboard_admin, lang=lang)
    assert screen.get_attribute("html", "lang") == lang  # remembered after the redirect
    assert screen.locator(".user .name").inner_text() == "Camille Martin"
    assert screen.locator("nav a[aria-current=page]").count() == 1
    assert fits(screen)
    screen.screenshot(path=str(SCREENSHOTS / f"{name}-overview.png"), full_page=True)
    screen.click(".user button[type=submit]")  # sign out
    screen.wait_for_url(f"{site.url}/dashboard/login")
    screen.goto(f"{site.url}/dashboard/")
    assert screen.url.startswith(f"{site.url}/dashboard/login?next=")
    assert screen.csp_errors == []  # type: ignore[attr-defined]


def test_a_wrong_password_is_said_on_the_page(
    screen: Page, site: Site, dashboard_admin: tuple[str, str]
) -> None:
    email, _ = dashboard_admin
    screen.goto(f"{site.url}/dashboard/login?lang=en")
    screen.fill("#email", email)
    screen.fill("#password", "certainly not the password")
    screen.click("form button[type=submit]")
    assert screen.locator("[role=alert]").inner_text() == "Wrong email or password."
    assert screen.input_value("#email") == email
    assert fits(screen)
    name = f"dashboard-login-refused-{screen.viewport_name}"  # type: ignore[attr-defined]
    screen.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert screen.csp_errors == []  # type: ignore[attr-defined]
