"""`suivi serve --workers 2` on SQLite (WAL) and PostgreSQL: the parent migrates an empty
database, two web processes answer, and a change written through one shows on the pages the
other serves within SUIVI_PAGE_RECHECK_SECONDS."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from suivi_server.security import PageTokens
from suivi_server.storage.engine import create_engine, upgrade
from tests.server.conftest import SECRET_KEYS
from tests.server.factories import bearer, create_merchant, create_shipment

TCP_TABLE = Path("/proc/net/tcp")
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not TCP_TABLE.exists(), reason="finds each connection's process in /proc"),
]
STARTED = "Application startup complete"
PROCESS = re.compile(r"Started server process \[(\d+)\]")
RECHECK_SECONDS = 0.5
CONNECTIONS_TRIED = 100  # the kernel hands each new connection to either process
RENAMED = "Lampe Opaline bleue"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def empty_database(database_url: str) -> AsyncIterator[str]:
    """The suite's database for this test with no schema at all, so `suivi serve` migrates it;
    on PostgreSQL this worker's shared database is left migrated again whatever happens."""
    if database_url.startswith("sqlite"):
        Path(database_url.split("///", 1)[1]).unlink()  # the copy of the migrated template
        yield database_url
        return
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        await conn.execute(sa.text("CREATE SCHEMA public"))
    await engine.dispose()
    try:
        yield database_url
    finally:
        await upgrade(database_url)


def serving_process(server_port: int, client_port: int, pids: list[int]) -> int | None:
    """Which of the web processes holds the server end of our connection (Linux /proc)."""
    ends = f"0100007F:{server_port:04X} 0100007F:{client_port:04X}"
    inodes = [
        fields[9]
        for fields in (line.split() for line in TCP_TABLE.read_text().splitlines()[1:])
        if f"{fields[1]} {fields[2]}" == ends
    ]
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if inodes and os.readlink(fd) == f"socket:[{inodes[0]}]":
                    return pid
            except OSError:  # a descriptor closed while we looked
                continue
    return None


async def client_per_process(
    base_url: str, port: int, pids: list[int], path: str
) -> dict[int, httpx.AsyncClient]:
    """One open connection to each web process, each having served `path` with a 200."""
    clients: dict[int, httpx.AsyncClient] = {}
    for _ in range(CONNECTIONS_TRIED):
        client = httpx.AsyncClient(base_url=base_url)
        response = await client.get(path)
        assert response.status_code == 200
        client_port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
        pid = serving_process(port, client_port, pids)
        if pid is None or pid in clients:
            await client.aclose()
            continue
        clients[pid] = client
        if len(clients) == len(pids):
            break
    return clients


async def test_web_processes_share_one_migrated_database_and_see_each_others_changes(
    empty_database: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SUIVI_DATABASE_URL": empty_database,
        "SUIVI_DATA_DIR": str(tmp_path),
        "SUIVI_SECRET_KEYS": ",".join(SECRET_KEYS),
        "SUIVI_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SUIVI_PAGE_RECHECK_SECONDS": str(RECHECK_SECONDS),
    }
    suivi = str(Path(sys.executable).with_name("suivi"))  # the installed command itself
    command = [suivi, "serve", "--workers", "2", "--port", str(port)]
    clients: dict[int, httpx.AsyncClient] = {}
    with subprocess.Popen(
        command, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as server:
        try:
            assert server.stderr is not None
            pids: list[int] = []
            started = 0
            for line in server.stderr:  # each process says so once it listens
                pids += [int(pid) for pid in PROCESS.findall(line)]
                started += STARTED in line
                if started == 2:
                    break
            assert started == 2, "both web processes should have started"
            assert len(set(pids)) == 2

            engine = create_engine(empty_database)  # the parent has migrated it: seed it
            try:
                merchant_id, key = await create_merchant(engine)
                shipment_id = await create_shipment(engine, merchant_id)
            finally:
                await engine.dispose()
            page = f"/t/{PageTokens(SECRET_KEYS).sign(shipment_id)}"
            base_url = f"http://127.0.0.1:{port}"
            clients = await client_per_process(base_url, port, pids, page)
            assert set(clients) == set(pids), "both web processes should serve the page"

            writer, reader = (clients[pid] for pid in pids)
            assert "Lampe Opaline" in (await reader.get(page)).text  # now kept by the reader
            item = {"product_id": "LAMP-1", "name": RENAMED, "quantity": 1, "price": "89.00"}
            patched = await writer.patch(
                f"/api/shipments/{shipment_id}", json={"items": [item]}, headers=bearer(key)
            )
            written = time.monotonic()
            assert patched.status_code == 200
            assert RENAMED in (await writer.get(page)).text  # the writer's own change: at once
            while True:  # the other process: at the latest once the interval has passed
                asked = time.monotonic()
                shown = await reader.get(page)
                assert shown.status_code == 200
                if RENAMED in shown.text:
                    break
                assert asked - written < RECHECK_SECONDS, "a page older than the interval"
        finally:
            for client in clients.values():
                await client.aclose()
            server.terminate()
            server.wait(timeout=20)
