"""`X-Forwarded-For` names the client only when it comes from a configured proxy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner
from starlette.types import Receive, Scope, Send

from suivi_server import serving
from suivi_server.commands import serve
from suivi_server.config import ConfigError, load_settings

pytestmark = pytest.mark.anyio
KEY = "k" * 32


def serve_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> dict[str, Any]:
    """The keyword arguments `suivi serve` hands to uvicorn, without starting anything."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(serving, "build_app", lambda settings, with_worker: "app")
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    environ = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_SECRET_KEYS": KEY, **env}
    result = CliRunner().invoke(serve, ["--no-worker"], env=environ)
    assert result.exit_code == 0, result.output
    return seen


async def client_seen(options: dict[str, Any], peer: str, forwarded_for: str) -> str:
    """The client address the app sees behind uvicorn configured with `options`."""
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["client"][0])

    wanted = {k: options[k] for k in ("proxy_headers", "forwarded_allow_ips")}
    config = uvicorn.Config(app, **wanted)
    config.load()
    scope = {
        "type": "http",
        "client": (peer, 50000),
        "headers": [(b"x-forwarded-for", forwarded_for.encode())],
        "scheme": "http",
    }
    await config.loaded_app(scope, None, None)
    return seen[0]


async def test_by_default_no_peer_can_choose_its_client_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    options = serve_options(monkeypatch, tmp_path)
    assert options["proxy_headers"] is False
    assert await client_seen(options, "127.0.0.1", "203.0.113.9") == "127.0.0.1"


async def test_a_configured_proxy_names_the_client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    options = serve_options(monkeypatch, tmp_path, SUIVI_TRUSTED_PROXIES="10.0.0.0/24, ::1")
    assert await client_seen(options, "10.0.0.7", "203.0.113.9") == "203.0.113.9"
    assert await client_seen(options, "127.0.0.1", "203.0.113.9") == "127.0.0.1"


def test_a_proxy_that_is_not_an_address_is_refused(tmp_path: Path) -> None:
    environ = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_TRUSTED_PROXIES": "10.0.0.1,proxy.lan"}
    with pytest.raises(ConfigError, match=r"'proxy\.lan' is not an IP address"):
        load_settings(environ)
