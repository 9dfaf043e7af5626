"""Reading a helpdesk's ticket export into tickets, one at a time, or why a line cannot be read.

Rows are read as they are needed (a generator over the CSV), so a large export never sits in
memory twice; a line that cannot be read is reported with its number and never blocks the
others. The delimiter (`,` `;` or tab) is read from the header row, as for shipment imports.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from suivi_server.engagement.contacts import MAX_TEXT
from suivi_server.helpdesk.formats import (
    FORMATS,
    ColumnMap,
    Field,
    HelpdeskFormat,
    UnknownFormat,
    channel_of,
    detect,
    mapping,
)

# Dates some accounts export instead of ISO 8601 (French day-first settings).
DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M")
# How far ahead of the server's clock a ticket may be dated (clocks drift a little).
FUTURE_SLACK = timedelta(hours=1)
MAX_ID = 180  # stored as "<helpdesk>:<id>" in a 200-character column
MAX_REFERENCE = 200
# Cells stored as they are (no text column takes a NUL); the others lose their control characters.
NO_NUL: tuple[Field, ...] = ("id", "email")


@dataclass(frozen=True, slots=True)
class Ticket:
    line: int
    ticket_id: str
    subject: str
    text: str
    email: str | None
    occurred_at: datetime
    channel: str
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Export:
    """An export whose header was understood, and its lines still to read."""

    columns: ColumnMap
    lines: Iterator[Ticket | BadLine]


def _plain(value: str, limit: int) -> str:
    """Trimmed, without control characters (line breaks kept), cut at `limit` characters."""
    text = "".join(
        ch for ch in value.strip() if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_moment(value: str, naive: tzinfo) -> datetime:
    """A helpdesk's date: ISO 8601 (with or without offset, "Z" or " UTC") or day-first; one
    without an offset is read in `naive`. ValueError when it is none of those."""
    text = value.strip()
    if text.endswith(" UTC"):
        text, naive = text.removesuffix(" UTC"), UTC
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for pattern in DAY_FIRST:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"{value!r} is not a date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive)
    try:
        year = moment.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not 1970 <= year <= 9998:
        raise ValueError(f"{value!r} is out of range")
    return moment


def _rows(reader: Iterator[list[str]]) -> Iterator[tuple[list[str], str | None]]:
    """Rows, or why one cannot be read: an oversize or broken row must not stop the file."""
    while True:
        try:
            yield next(reader), None
        except StopIteration:
            return
        except csv.Error as exc:
            yield [], f"unreadable CSV: {exc}"


def read_export(text: str, fmt: str | None, *, merchant_zone: tzinfo, now: datetime) -> Export:
    """The export's columns (detected when `fmt` is None) and its tickets, read lazily.

    UnknownFormat when the header row is missing or fits no (or the given) helpdesk."""
    header_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = _rows(reader)
    headers, error = next(rows, ([], None))
    if error is not None or not any(h.strip() for h in headers):
        raise UnknownFormat("the file has no header row: export the tickets with their columns")
    chosen = detect(headers) if fmt is None else FORMATS[fmt]
    columns = mapping(chosen, headers)
    missing = [name for name in chosen.required if name not in columns.fields]
    if missing:
        needed = ", ".join(chosen.columns[name][0] for name in missing)
        raise UnknownFormat(f"not a {chosen.label} export: no column {needed}")
    naive = merchant_zone if chosen.naive_dates == "merchant" else UTC
    return Export(columns, _tickets(lambda: reader.line_num, rows, columns, naive, now))


def _tickets(
    line_num: Callable[[], int],
    rows: Iterator[tuple[list[str], str | None]],
    columns: ColumnMap,
    naive: tzinfo,
    now: datetime,
) -> Iterator[Ticket | BadLine]:
    """Each row numbered by the line it starts on (a quoted cell may span several)."""
    start = line_num() + 1
    for cells, error in rows:
        number, start = start, line_num() + 1
        if error is not None:
            yield BadLine(number, "line", error)
        elif any(cell.strip() for cell in cells):
            yield ticket_of(number, cells, columns, naive, now)


def ticket_of(
    number: int, cells: list[str], columns: ColumnMap, naive: tzinfo, now: datetime
) -> Ticket | BadLine:
    """One row as a ticket, or the first field that makes it unusable."""

    def cell(name: Field) -> str:
        index = columns.fields.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    fmt: HelpdeskFormat = columns.format
    ticket_id = cell("id")
    if not ticket_id:
        return BadLine(number, "id", "the ticket has no id")
    if len(ticket_id) > MAX_ID:
        return BadLine(number, "id", f"longer than {MAX_ID} characters")
    for name in NO_NUL:
        if "\x00" in cell(name):
            return BadLine(number, name, "holds a NUL character")
    try:
        occurred_at = parse_moment(cell("created_at"), naive)
    except ValueError as exc:
        return BadLine(number, "created_at", str(exc))
    if occurred_at > now + FUTURE_SLACK:
        return BadLine(number, "created_at", "in the future")
    email = cell("email").casefold()
    references = tuple(
        _plain(cells[i], MAX_REFERENCE) for i in columns.references if i < len(cells)
    )
    return Ticket(
        line=number,
        ticket_id=ticket_id,
        subject=_plain(cell("subject"), MAX_TEXT),
        text=_plain(cell("text"), MAX_TEXT),
        email=email if "@" in email else None,
        occurred_at=occurred_at.astimezone(UTC),
        channel=channel_of(fmt, cell("channel")),
        references=tuple(r for r in references if r),
    )
