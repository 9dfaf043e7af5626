"""Real Chromium against the real app over HTTP, plus a second localhost origin that embeds it.

The app runs under uvicorn on a free port with a SQLite database seeded before start-up; two tiny
"shop" servers on other ports embed the widget, one allowed by the merchant and one not.
Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.security import PageTokens
from suivi_server.storage.engine import create_engine, upgrade_sync
from tests.server.factories import add_event, create_merchant, create_shipment

T = TypeVar("T")
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SECRETS = ("browser-test-secret-0123456789abcdefghij",)
PHONE: ViewportSize = {"width": 390, "height": 844}
# The app's clock for every browser test: two days before the announced window.
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
ESTIMATE = {
    "earliest": "2026-11-27",
    "latest": "2026-11-27",
    "start_time": "10:00:00",
    "end_time": "12:00:00",
    "source": "carrier",
}

if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed at /usr/bin/chromium", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(app: Any, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"server on port {port} did not start")
        time.sleep(0.02)
    return server


def shop_app(app_url: str) -> Starlette:
    """A merchant's own page pasting the one-line widget snippet."""

    async def order(request: Request) -> HTMLResponse:
        token = request.query_params["token"]
        return HTMLResponse(
            "<!doctype html><html><head><meta name=viewport content='width=device-width'>"
            "<title>Shop</title></head><body><h1>Merci pour votre commande</h1>"
            f'<script src="{app_url}/widget.js" data-suivi-token="{token}" '
            'data-suivi-lang="fr" async></script></body></html>'
        )

    return Starlette(routes=[Route("/order", order)])


@dataclass
class Site:
    url: str
    allowed_shop: str
    refused_shop: str
    database_url: str
    tokens: dict[str, str]
    shipments: dict[str, int]

    def run(self, work: Callable[[AsyncEngine], Awaitable[None]]) -> None:
        """Change the database while the server runs (SQLite WAL allows it)."""

        async def main() -> None:
            engine = create_engine(self.database_url)
            try:
                await work(engine)
            finally:
                await engine.dispose()

        off_loop(lambda: asyncio.run(main()))


def off_loop(work: Callable[[], T]) -> T:
    """Run blocking asyncio work in its own thread: Playwright's sync API owns this one's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


async def _seed(engine: AsyncEngine, allowed_origin: str) -> dict[str, int]:
    contact = {"phone": "01 23 45 67 89", "email": "service@maison-lumiere.fr"}
    default_id, _ = await create_merchant(
        engine, settings={"allowed_origins": [allowed_origin], "contact": contact}
    )
    minimal_id, _ = await create_merchant(
        engine,
        slug="atelier",
        name="Atelier Brun",
        theme="minimal",
        settings={"allowed_origins": [allowed_origin], "contact": contact},
    )
    ids = {
        "default": await create_shipment(engine, default_id, estimate=ESTIMATE),
        "minimal": await create_shipment(engine, minimal_id, estimate=ESTIMATE),
    }
    for shipment_id in ids.values():
        await add_event(
            engine,
            shipment_id,
            datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
            "in_transit",
            "PCH",
            "Prise en charge",
            substatus="picked_up",
            location={"city": "PARIS"},
        )
    return ids


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite+aiosqlite:///{folder / 'suivi.db'}"
    app_port, allowed_port, refused_port = free_port(), free_port(), free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    allowed = f"http://127.0.0.1:{allowed_port}"
    off_loop(lambda: upgrade_sync(database_url))

    async def seed() -> dict[str, int]:
        engine = create_engine(database_url)
        try:
            return await _seed(engine, allowed)
        finally:
            await engine.dispose()

    shipments = off_loop(lambda: asyncio.run(seed()))
    settings = Settings(
        database_url=database_url, data_dir=folder, secret_keys=SECRETS, public_url=app_url
    )
    servers = [
        serve(create_app(settings, clock=lambda: NOW, migrate=False), app_port),
        serve(shop_app(app_url), allowed_port),
        serve(shop_app(app_url), refused_port),
    ]
    tokens = {name: PageTokens(SECRETS).sign(i) for name, i in shipments.items()}
    try:
        yield Site(
            app_url, allowed, f"http://127.0.0.1:{refused_port}", database_url, tokens, shipments
        )
    finally:
        for server in servers:
            server.should_exit = True


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Module-scoped: the sync API runs an event loop that must be gone before async tests."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-size page that records Content-Security-Policy violations in `page.csp_errors`."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.csp_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS / "browser", ignore_errors=True)
    (ARTIFACTS / "browser").mkdir(parents=True)
    return ARTIFACTS / "browser"


DASHBOARD_EMAIL = "admin@maison-lumiere.example"


@pytest.fixture(scope="session")
def dashboard_admin(site: Site) -> tuple[str, str]:
    """An admin of the first shop, as (email, password) to type into the login form."""
    from tests.server.dashboard_support import PASSWORD, create_user, merchant_id_for

    async def seed(engine: AsyncEngine) -> None:
        merchant_id = await merchant_id_for(engine, "maison-lumiere")
        await create_user(engine, merchant_id, DASHBOARD_EMAIL, role="admin", name="Camille Martin")

    site.run(seed)
    return DASHBOARD_EMAIL, PASSWORD


def dashboard_sign_in(page: Page, site: Site, email: str, password: str, lang: str = "fr") -> None:
    """Sign in through the real form and wait for the overview."""
    page.goto(f"{site.url}/dashboard/login?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{site.url}/dashboard/")


@pytest.fixture
def dashboard_page(
    browser: Browser, site: Site, dashboard_admin: tuple[str, str]
) -> Iterator[Page]:
    """A laptop-size page signed in to the dashboard as the first shop's admin; Content-Security-
    Policy violations are recorded in `page.csp_errors`."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.csp_errors = errors  # type: ignore[attr-defined]
    dashboard_sign_in(page, site, *dashboard_admin)
    yield page
    context.close()
