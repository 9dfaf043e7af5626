"""The deployment files the docs show are ones that work with this version of Suivi.

systemd units: each `ExecStart` is a `suivi` command whose options exist (checked as `--help`
of the same options); the environment file holds only variables the server reads, and loads;
nginx: its upstreams are the ports the web unit is enabled on, and it forwards the headers the
server believes from a trusted proxy.
"""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from suivi.cli import main
from suivi_server.config import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return parser


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_a_unit_starts_a_suivi_command_that_exists(path: Path) -> None:
    service = unit(path)["Service"]
    assert service["EnvironmentFile"] == "/etc/suivi/suivi.env"
    program, *args = shlex.split(service["ExecStart"].replace("%i", "8001"))
    assert program.endswith("/bin/suivi")
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0, result.output


def test_the_environment_file_holds_settings_the_server_loads() -> None:
    lines = (DEPLOY / "suivi.env").read_text().splitlines()
    environ = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    settings = load_settings(environ=environ)
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.public_url == environ["SUIVI_PUBLIC_URL"]
    assert settings.trusted_proxies == (environ["SUIVI_TRUSTED_PROXIES"],)


def test_nginx_sends_to_the_web_replicas_with_the_forwarding_headers() -> None:
    nginx = (DEPLOY / "nginx.conf").read_text()
    web = (DEPLOY / "suivi-web@.service").read_text()
    upstreams = set(re.findall(r"server 127\.0\.0\.1:(\d+);", nginx))
    enabled = set(re.findall(r"suivi-web@(\d+)", web))
    assert upstreams == enabled
    assert "--host 127.0.0.1" in web
    for header in ("X-Forwarded-For", "X-Forwarded-Proto"):
        assert f"proxy_set_header {header}" in nginx
    assert nginx.count("{") == nginx.count("}")
