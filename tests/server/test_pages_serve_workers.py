"""`suivi serve --workers 2`: two web processes on one port, on SQLite (WAL), serving a page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from suivi_server.security import PageTokens
from suivi_server.storage.engine import create_engine, upgrade
from tests.server.conftest import SECRET_KEYS
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio
STARTED = "Application startup complete"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def seeded(database_url: str) -> int:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        merchant_id, _ = await create_merchant(engine)
        return await create_shipment(engine, merchant_id)
    finally:
        await engine.dispose()


async def test_two_web_processes_start_and_serve_a_tracking_page(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'suivi.db'}"
    shipment_id = await seeded(database_url)
    port = free_port()
    env = {
        **os.environ,
        "SUIVI_DATABASE_URL": database_url,
        "SUIVI_DATA_DIR": str(tmp_path),
        "SUIVI_SECRET_KEYS": ",".join(SECRET_KEYS),
        "SUIVI_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    suivi = str(Path(sys.executable).with_name("suivi"))  # the installed command itself
    command = [suivi, "serve", "--workers", "2", "--port", str(port)]
    with subprocess.Popen(
        command, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as server:
        try:
            assert server.stderr is not None
            started = 0
            for line in server.stderr:  # each process says so once it listens
                started += STARTED in line
                if started == 2:
                    break
            assert started == 2, "both web processes should have started"
            token = PageTokens(SECRET_KEYS).sign(shipment_id)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                pages = [await client.get(f"/t/{token}") for _ in range(4)]
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert {page.status_code for page in pages} == {200}
    assert "6A12345678901" in pages[0].text
