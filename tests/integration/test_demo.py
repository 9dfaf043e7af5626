"""The README's main job: `suivi serve --demo` serves tracked demo shipments within seconds."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def demo(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = _free_port()
    env = dict(os.environ, SUIVI_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen(
        [sys.executable, "-m", "suivi", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if "Application startup complete" in line:
            break
    try:
        yield port, "".join(lines)
    finally:
        process.terminate()
        process.wait(timeout=15)
        process.stdout.close()


def test_demo_serves_tracked_shipments_in_every_situation(demo) -> None:  # type: ignore[no-untyped-def]
    port, output = demo
    links = dict(re.findall(r"(ML-\d+) .*?(http://\S+/t/\S+)", output))
    assert len(links) == 10
    assert re.search(r"API key \(shown once\): sk_\w+", output)
    deadline = time.monotonic() + 30
    with httpx.Client(timeout=10) as client:
        page = client.get(links["ML-1004"])  # Mondial Relay, waiting at the pickup point
        while "TABAC LE BALTO" not in page.text and time.monotonic() < deadline:
            time.sleep(0.5)  # the embedded worker's first poll goes through the simulator
            page = client.get(links["ML-1004"])
        assert page.status_code == 200
        assert "TABAC LE BALTO" in page.text
        assert "Content-Security-Policy" in page.headers
        english = client.get(links["ML-1001"], params={"lang": "en"})
        assert english.status_code == 200
        assert 'lang="en"' in english.text
        lookup = client.get(f"http://127.0.0.1:{port}/maison-lumiere/track")
        assert lookup.status_code == 200
        schema = client.get(f"http://127.0.0.1:{port}/api/openapi.json")
        assert schema.status_code == 200
