"""Allowed origins are bare `http(s)://host[:port]`: checked when stored and when framed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi.cli import main
from suivi_server.origins import InvalidOrigin, parse_origin
from suivi_server.pages.headers import content_security_policy
from suivi_server.services import Services
from tests.server.factories import create_merchant, create_shipment
from tests.server.pages_support import page_client

BAD = [
    "https://x.example\n",
    " https://x.example",
    "https://x.example/",
    "https://x.example/shop",
    "https://x.example?a=1",
    "https://x.example#top",
    "https://user:pw@x.example",
    "https://x.example:99999",
    "https://x.example:",
    "ftp://x.example",
    "javascript:alert(1)",
    "https://",
    "https://x.example; script-src *",
    "*",
    "",
]


@pytest.mark.parametrize("text", BAD)
def test_anything_but_a_bare_origin_is_refused(text: str) -> None:
    with pytest.raises(InvalidOrigin, match="expected http"):
        parse_origin(text)


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("https://shop.example", "https://shop.example"),
        ("HTTP://Localhost:8001", "http://localhost:8001"),
        ("http://127.0.0.1:9999", "http://127.0.0.1:9999"),
    ],
)
def test_bare_origins_are_kept_lower_cased(text: str, origin: str) -> None:
    assert parse_origin(text) == origin


def test_the_policy_leaves_out_anything_that_is_not_an_origin() -> None:
    policy = content_security_policy(["https://x.example\n", "https://ok.example", "a b"])
    assert policy.endswith("frame-ancestors https://ok.example")
    assert content_security_policy(["https://x.example\r\n"]).endswith("frame-ancestors 'none'")


def test_the_cli_refuses_an_origin_with_a_trailing_newline(tmp_path: Path) -> None:
    env = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    args = ["merchant", "create", "maison", "--name", "Maison"]
    refused = CliRunner().invoke(main, [*args, "--allowed-origin", "https://x.example\n"], env=env)
    assert refused.exit_code == 2
    assert "is not an origin" in refused.output
    created = CliRunner().invoke(main, [*args, "--allowed-origin", "https://X.example"], env=env)
    assert created.exit_code == 0, created.output  # the refused attempt stored nothing


@pytest.fixture
async def pages(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(app) as client:
        yield client


@pytest.mark.anyio
async def test_a_stored_origin_with_a_newline_never_reaches_the_header(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    origins = ["https://x.example\n", "https://ok.example"]
    merchant_id, _ = await create_merchant(engine, settings={"allowed_origins": origins})
    token = services.tokens.sign(await create_shipment(engine, merchant_id))
    response = await pages.get(f"/embed/{token}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"].endswith(
        "frame-ancestors https://ok.example"
    )
