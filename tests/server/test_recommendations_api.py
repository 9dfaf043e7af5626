"""The product API and `suivi import-products`: feeds in, per-line errors out, curation kept."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi.cli import main
from tests.server.factories import bearer, create_merchant

pytestmark = pytest.mark.anyio

JSONL = "\n".join(
    [
        json.dumps(
            {"id": "A/1", "title": "Lampe", "url": "https://s.example/a", "price": "89.00 EUR"}
        ),
        json.dumps({"id": "B", "title": "Vase", "url": "javascript:alert(1)"}),
        json.dumps({"id": "C", "title": "Bougie", "url": "https://s.example/c"}),
    ]
)
GMC_XML = """<?xml version="1.0"?>
<rss xmlns:g="http://base.google.com/ns/1.0" version="2.0"><channel>
<item><g:id>A/1</g:id><title>Lampe opaline</title><link>https://s.example/a</link>
<g:price>79.00 EUR</g:price><g:availability>out of stock</g:availability></item>
</channel></rss>"""


async def test_an_import_reports_each_line_and_keeps_the_valid_ones(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    _, key = await create_merchant(engine)
    response = await client.post(
        "/api/products/import",
        content=JSONL,
        headers={**bearer(key), "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["failed"], body["unavailable"]) == (2, 0, 1, 0)
    assert body["lines"][1]["line"] == 2
    assert body["lines"][1]["errors"][0]["field"] == "url"
    listed = (await client.get("/api/products", headers=bearer(key))).json()
    assert [(p["sku"], p["price"], p["currency"]) for p in listed["data"]] == [
        ("A/1", "89.00", "EUR"),
        ("C", None, None),
    ]


async def test_a_reimport_updates_keeps_pins_and_replace_retires_what_is_missing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    _, key = await create_merchant(engine)
    headers = bearer(key)
    await client.post("/api/products/import", content=JSONL, headers=headers)
    first = (await client.get("/api/products", headers=headers)).json()["data"][0]
    pinned = await client.patch(
        f"/api/products/{first['id']}", json={"pinned": True}, headers=headers
    )
    assert pinned.status_code == 200
    assert pinned.json()["pinned"] is True

    again = await client.post(
        "/api/products/import?replace=true",
        content=GMC_XML,
        headers={**headers, "Content-Type": "application/xml"},
    )
    assert again.json()["updated"] == 1
    assert again.json()["unavailable"] == 1  # C is no longer in the feed
    products = {
        p["sku"]: p for p in (await client.get("/api/products", headers=headers)).json()["data"]
    }
    assert products["A/1"]["title"] == "Lampe opaline"
    assert products["A/1"]["pinned"] is True  # curation survives the feed
    assert products["A/1"]["available"] is False  # out of stock
    assert products["C"]["available"] is False
    available = await client.get("/api/products?available=true", headers=headers)
    assert available.json()["data"] == []


async def test_products_are_paged_in_feed_order(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    _, key = await create_merchant(engine)
    feed = "\n".join(
        json.dumps({"id": f"P{n}", "title": f"P{n}", "url": "https://s.example/p"})
        for n in range(5)
    )
    await client.post("/api/products/import", content=feed, headers=bearer(key))
    page = (await client.get("/api/products?limit=3", headers=bearer(key))).json()
    assert [p["sku"] for p in page["data"]] == ["P0", "P1", "P2"]
    rest = (
        await client.get(f"/api/products?limit=3&cursor={page['next_cursor']}", headers=bearer(key))
    ).json()
    assert [p["sku"] for p in rest["data"]] == ["P3", "P4"]
    assert rest["next_cursor"] is None


async def test_another_merchants_product_reads_as_missing(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    _, key = await create_merchant(engine)
    _, other = await create_merchant(engine, slug="autre")
    await client.post("/api/products/import", content=JSONL, headers=bearer(key))
    mine = (await client.get("/api/products", headers=bearer(key))).json()["data"][0]
    response = await client.patch(
        f"/api/products/{mine['id']}", json={"excluded": True}, headers=bearer(other)
    )
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert (await client.get("/api/products", headers=bearer(other))).json()["data"] == []


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"", 400, "empty_body"),
        (b"\xff\xfe", 400, "bad_encoding"),
    ],
)
async def test_an_unreadable_import_body_is_a_clear_4xx(
    client: httpx.AsyncClient, engine: AsyncEngine, body: bytes, status: int, error: str
) -> None:
    _, key = await create_merchant(engine)
    response = await client.post("/api/products/import", content=body, headers=bearer(key))
    assert response.status_code == status
    assert response.json()["error"] == error


async def test_a_patch_with_unknown_fields_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    _, key = await create_merchant(engine)
    await client.post("/api/products/import", content=JSONL, headers=bearer(key))
    mine = (await client.get("/api/products", headers=bearer(key))).json()["data"][0]
    response = await client.patch(
        f"/api/products/{mine['id']}", json={"title": "x"}, headers=bearer(key)
    )
    assert response.status_code == 422
    assert response.json()["field"] == "title"


def test_the_cli_imports_a_feed_with_a_summary_and_line_errors(tmp_path: Path) -> None:
    env = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    runner = CliRunner()
    assert (
        runner.invoke(main, ["merchant", "create", "maison", "--name", "M"], env=env).exit_code == 0
    )
    source = tmp_path / "feed.jsonl"
    source.write_text(JSONL)
    imported = runner.invoke(
        main, ["import-products", str(source), "--merchant", "maison"], env=env
    )
    assert imported.exit_code == 1  # a line failed
    assert "2 created, 0 updated, 1 failed, 0 unavailable" in imported.stdout
    assert "line 2: url: expected an http or https URL" in imported.stderr

    gmc = tmp_path / "feed.xml"
    gmc.write_text(GMC_XML)
    replaced = runner.invoke(
        main, ["import-products", str(gmc), "--merchant", "maison", "--replace"], env=env
    )
    assert replaced.exit_code == 0, replaced.output
    assert "0 created, 1 updated, 0 failed, 1 unavailable" in replaced.stdout


def test_the_cli_refuses_an_unknown_merchant(tmp_path: Path) -> None:
    env = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    source = tmp_path / "feed.jsonl"
    source.write_text(JSONL)
    result = CliRunner().invoke(
        main, ["import-products", str(source), "--merchant", "nobody"], env=env
    )
    assert result.exit_code == 1
    assert "no merchant 'nobody'" in result.output
