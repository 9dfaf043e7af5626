"""Reading bulk imports (JSON lines or CSV) into numbered records, for the API and `suivi import`.

One line is one shipment; a line that cannot be read is reported with its number and never
blocks the others.
CSV headers name fields with dotted paths (`customer.email`, `promise.delivery_date`,
`items.0.name`); empty cells are absent fields. The delimiter (`,` `;` or tab) is read from
the header, since French spreadsheets export with semicolons.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")


@dataclass(frozen=True, slots=True)
class Line:
    """One input record: its data, or why it could not be read at all."""

    number: int
    data: dict[str, Any] | None
    error: str | None = None


def guess_format(text: str, hint: str | None = None) -> Format:
    """From a file name or content type when it says, else from the first character."""
    hint = (hint or "").lower()
    if "csv" in hint:
        return "csv"
    if any(word in hint for word in ("jsonl", "ndjson", "json")):
        return "jsonl"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def parse(text: str, fmt: Format) -> Iterator[Line]:
    return parse_csv(text) if fmt == "csv" else parse_jsonl(text)


def parse_jsonl(text: str) -> Iterator[Line]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except ValueError as exc:
            yield Line(number, None, f"not valid JSON: {exc}")
            continue
        if isinstance(data, dict):
            yield Line(number, data)
        else:
            yield Line(number, None, "each line must be a JSON object")


def parse_csv(text: str) -> Iterator[Line]:
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = _rows(reader)
    columns = [name.strip() for name in next(rows, ([], None))[0]]
    start = reader.line_num + 1
    for cells, error in rows:
        number, start = start, reader.line_num + 1
        if error is None and len(cells) > len(columns):
            error = f"{len(cells)} cells for {len(columns)} columns"
        if error is None and any(cell.strip() for cell in cells):
            try:
                data = unflatten(zip(columns, cells, strict=False))
            except ValueError as exc:
                error = str(exc)
            else:
                yield Line(number, data)
        if error is not None:
            yield Line(number, None, error)


def _rows(reader: Iterator[list[str]]) -> Iterator[tuple[list[str], str | None]]:
    """Rows, or why one cannot be read: an oversize or broken row must not stop the file."""
    while True:
        try:
            yield next(reader), None
        except StopIteration:
            return
        except csv.Error as exc:
            yield [], f"unreadable CSV: {exc}"


def unflatten(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """`{"items.0.name": "Lampe"}` → `{"items": [{"name": "Lampe"}]}`; empty cells dropped."""
    root: dict[str, Any] = {}
    for path, value in pairs:
        if not value.strip():
            continue
        node: Any = root
        parts = path.split(".")
        for part, following in itertools.pairwise(parts):
            node = _child(node, part, [] if following.isdigit() else {}, path)
        _set(node, parts[-1], value.strip(), path)
    return root


def _child(node: Any, key: str, empty: Any, path: str) -> Any:
    existing = _get(node, key, path)
    if existing is None:
        _set(node, key, empty, path)
        return empty
    return existing


def _get(node: Any, key: str, path: str) -> Any:
    if isinstance(node, list):
        index = int(key) if key.isdigit() else -1
        return node[index] if 0 <= index < len(node) else None
    if isinstance(node, dict):
        return node.get(key)
    raise ValueError(f"column {path!r} conflicts with another column")


def _set(node: Any, key: str, value: Any, path: str) -> None:
    if isinstance(node, dict) and key:
        node[key] = value
    elif isinstance(node, list) and key.isdigit() and int(key) <= len(node):
        node[int(key) : int(key) + 1] = [value]
    else:
        raise ValueError(f"column {path!r}: list positions must start at 0 and follow each other")
