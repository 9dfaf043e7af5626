"""Takes the themes page's screenshots: a demo tracking page in each bundled theme, on a phone.

    .venv/bin/python scripts/docs_screenshots.py   # writes docs/assets/screenshots/<theme>.png

Serves the demo (SQLite, the carrier simulator) on a free local port, sets the demo merchant's
theme, and photographs the first demo parcel's page with Debian's Chromium (never a downloaded
browser) at a phone's viewport. Re-run it after a visible change to the themes.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from suivi_server.config import load_settings
from suivi_server.serving import build_demo_app

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "assets" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
THEMES = ("default", "minimal")
SECRET = "docs-screenshots-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_demo(data_dir: Path, theme: str) -> tuple[uvicorn.Server, str]:
    """The demo app in a thread, its merchant on `theme`; the first tracking page's address."""
    port = free_port()
    settings = load_settings(environ={"SUIVI_DATA_DIR": str(data_dir), "SUIVI_SECRET_KEYS": SECRET})
    app, links = build_demo_app(settings, host="127.0.0.1", port=port)
    with sqlite3.connect(data_dir / "demo.db") as db:
        db.execute("UPDATE merchants SET theme = ?", (theme,))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    found = re.search(r"http://127\.0\.0\.1:\d+/t/\S+", links)
    if found is None:
        raise SystemExit(f"the demo printed no tracking page link:\n{links}")
    return server, found.group(0)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        # Served before the browser starts: Playwright's sync API owns the main thread's loop.
        demos = {theme: serve_demo(Path(scratch) / theme, theme) for theme in THEMES}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox"]
                )
                for theme, (_, url) in demos.items():
                    page = browser.new_page(viewport=PHONE, locale="en-GB")
                    page.goto(f"{url}?lang=en", wait_until="networkidle")
                    page.screenshot(path=OUT / f"{theme}.png")
                    page.close()
                    print(f"wrote {(OUT / f'{theme}.png').relative_to(ROOT)}")
                browser.close()
        finally:
            for server, _ in demos.values():
                server.should_exit = True


if __name__ == "__main__":
    main()
