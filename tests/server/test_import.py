"""Bulk import from JSON lines or CSV: per-line results, and one bad line never blocks the rest."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi.cli import main
from suivi_server.api.responses import ImportOut
from suivi_server.importer import Line, guess_format, parse_csv, unflatten
from tests.server.factories import bearer, create_merchant, shipment_payload

HEADER = "order_number;carrier;tracking_number;customer.email;promise.delivery_date;items.0.name"
CSV = f"""{HEADER};items.0.price
CMD-1;colissimo;6A12345678901;a@example.com;2026-11-26;Lampe;89.00
CMD-2;colissimo;6A12345678902;not-an-email;2026-11-26;Vase;25
CMD-3;pigeon;123;b@example.com;;;
CMD-4;dpd;25012345678901;c@example.com;26/11/2026;"Table
basse";120
CMD-5;dpd;25012345678902;;;;
"""


def _jsonl(*records: object) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n"


JSONL = _jsonl(
    shipment_payload(order_number="A-1", tracking_number="6A12345678901"),
    "{broken",
    shipment_payload(order_number="A-2", tracking_number="6A12345678902", segment="vip"),
    "",
    [1, 2],
    shipment_payload(order_number="A-3", carrier="ups", tracking_number="6A12345678903"),
)


@pytest.mark.anyio
async def test_a_jsonl_import_reports_each_line(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    _, key = await create_merchant(engine)
    response = await client.post("/api/shipments/import", content=JSONL, headers=bearer(key))
    report = ImportOut.model_validate(response.json())
    assert (report.created, report.updated, report.failed) == (2, 0, 3)
    outcome = {line.line: line.result for line in report.lines}
    assert outcome == {1: "created", 2: "failed", 3: "created", 5: "failed", 6: "failed"}
    [ups] = [line for line in report.lines if line.line == 6]
    assert ups.errors[0].field == "tracking_number"
    listed = await client.get("/api/shipments", headers=bearer(key))
    assert {s["order_number"] for s in listed.json()["data"]} == {"A-1", "A-2"}


@pytest.mark.anyio
async def test_a_csv_import_reads_dotted_columns_and_names_bad_fields(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    _, key = await create_merchant(engine)
    headers = {**bearer(key), "Content-Type": "text/csv"}
    response = await client.post("/api/shipments/import", content=CSV, headers=headers)
    report = ImportOut.model_validate(response.json())
    results = {line.line: line for line in report.lines}
    assert (report.created, report.failed) == (2, 3)
    assert results[2].result == "created"
    assert results[3].errors[0].field == "customer.email"
    assert results[4].errors[0].field == "carrier"
    assert results[5].errors[0].field == "promise.delivery_date"
    assert results[7].result == "created"
    created = await client.get(f"/api/shipments/{results[2].id}", headers=bearer(key))
    assert created.json()["items"] == [{"name": "Lampe", "quantity": 1, "price": "89.00"}]


@pytest.mark.anyio
async def test_importing_the_same_file_twice_updates_instead_of_duplicating(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    _, key = await create_merchant(engine)
    first = await client.post("/api/shipments/import", content=JSONL, headers=bearer(key))
    second = await client.post("/api/shipments/import", content=JSONL, headers=bearer(key))
    assert (second.json()["created"], second.json()["updated"]) == (0, 2)
    ids = [line["id"] for line in first.json()["lines"] if line["id"]]
    assert ids == [line["id"] for line in second.json()["lines"] if line["id"]]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("query", "body", "status"),
    [("?format=xml", "{}", 422), ("", b"\xff\xfe\xfa", 400)],
)
async def test_a_bad_format_or_encoding_is_a_4xx(
    client: httpx.AsyncClient, engine: AsyncEngine, query: str, body: str | bytes, status: int
) -> None:
    _, key = await create_merchant(engine)
    response = await client.post(f"/api/shipments/import{query}", content=body, headers=bearer(key))
    assert response.status_code == status


def test_csv_line_numbers_count_physical_lines_of_multiline_cells() -> None:
    numbers = [line.number for line in parse_csv(CSV)]
    assert numbers == [2, 3, 4, 5, 7]


def test_an_oversize_csv_cell_fails_its_line_only() -> None:
    text = f'order_number,carrier\n"{"x" * 200_000}",dpd\nCMD-2,dpd\n'
    lines = list(parse_csv(text))
    assert [(line.number, line.data is None) for line in lines] == [(2, True), (3, False)]
    assert "unreadable CSV" in (lines[0].error or "")


def test_csv_delimiter_is_read_from_the_header() -> None:
    [line] = parse_csv("order_number,carrier\nCMD-1,dpd\n")
    assert line == Line(2, {"order_number": "CMD-1", "carrier": "dpd"})


def test_a_csv_row_with_too_many_cells_is_unreadable() -> None:
    [line] = parse_csv("a,b\n1,2,3\n")
    assert line.data is None
    assert line.error == "3 cells for 2 columns"


def test_unflatten_builds_nested_objects_and_lists() -> None:
    pairs = [
        ("customer.email", "a@b.fr"),
        ("items.0.name", "Lampe"),
        ("items.1.name", "Vase"),
        ("segment", "  "),
    ]
    assert unflatten(pairs) == {
        "customer": {"email": "a@b.fr"},
        "items": [{"name": "Lampe"}, {"name": "Vase"}],
    }


def test_unflatten_refuses_gaps_in_list_positions() -> None:
    with pytest.raises(ValueError, match=r"items\.2\.name"):
        unflatten([("items.2.name", "Vase")])


@pytest.mark.parametrize(
    ("hint", "text", "expected"),
    [
        ("orders.csv", "{", "csv"),
        ("text/csv", "", "csv"),
        ("application/x-ndjson", "a", "jsonl"),
        (None, ' {"a": 1}', "jsonl"),
        (None, "a,b", "csv"),
    ],
)
def test_the_format_comes_from_the_hint_then_the_content(
    hint: str | None, text: str, expected: str
) -> None:
    assert guess_format(text, hint) == expected


def test_the_cli_creates_a_merchant_then_imports_with_a_summary(tmp_path: Path) -> None:
    env = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    runner = CliRunner()
    created = runner.invoke(main, ["merchant", "create", "maison", "--name", "Maison"], env=env)
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("sk_")
    again = runner.invoke(main, ["merchant", "create", "maison", "--name", "Maison"], env=env)
    assert again.exit_code == 1
    assert "already exists" in again.output

    source = tmp_path / "orders.csv"
    source.write_text(CSV)
    imported = runner.invoke(main, ["import", str(source), "--merchant", "maison"], env=env)
    assert imported.exit_code == 1  # some lines failed
    assert "2 created, 0 updated, 3 failed" in imported.stdout
    assert "line 3: customer.email:" in imported.stderr
    assert "line 5: promise.delivery_date:" in imported.stderr


def test_the_cli_refuses_an_unknown_merchant(tmp_path: Path) -> None:
    env = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    source = tmp_path / "orders.jsonl"
    source.write_text(JSONL)
    result = CliRunner().invoke(main, ["import", str(source), "--merchant", "nobody"], env=env)
    assert result.exit_code == 1
    assert "no merchant 'nobody'" in result.output
