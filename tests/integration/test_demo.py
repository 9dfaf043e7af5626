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

from suivi import Situation


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def demo(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = _free_port()
    # A real carrier credential in the environment, which the demo must not use.
    env = dict(
        os.environ, SUIVI_DATA_DIR=str(tmp_path / "data"), SUIVI_UPS_WEBHOOK_CREDENTIAL="real"
    )
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
    listed = re.findall(r"(ML-\d+) +\w+ +(\w+) +(http://\S+/t/\S+)", output)
    links = {order: url for order, _, url in listed}
    assert {shows for _, shows, _ in listed} == {s.value for s in Situation}
    assert re.search(r"API key \(shown once\): sk_\w+", output)
    deadline = time.monotonic() + 60
    shown: dict[str, str] = {}
    with httpx.Client(timeout=10) as client:
        # The embedded worker's first polls go through the simulator: each parcel, once polled,
        # shows the banner of the situation it is listed with.
        while len(shown) < len(listed) and time.monotonic() < deadline:
            for order, shows, url in listed:
                if order not in shown and f'banner--{shows}"' in client.get(url).text:
                    shown[order] = shows
            time.sleep(0.5)
        assert len(shown) == len(listed), sorted(set(links) - set(shown))
        page = client.get(links["ML-1004"])  # Mondial Relay, waiting at the pickup point
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
        # Its carriers are the simulator's: webhooks read the settings the worker uses.
        push = client.post(
            f"http://127.0.0.1:{port}/webhooks/ups", content=b"{}", headers={"credential": "real"}
        )
        assert push.status_code == 404
