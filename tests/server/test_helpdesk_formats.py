"""Helpdesk exports read as tickets: each helpdesk's own headers, dates and channel names, the
format recognised from the header row, custom reference fields found, bad lines reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from suivi_server.helpdesk.formats import FORMATS, UnknownFormat, detect
from suivi_server.helpdesk.matching import candidates
from suivi_server.helpdesk.tickets import BadLine, Ticket, parse_moment, read_export
from tests.server.conftest import NOW

FIXTURES = Path(__file__).parents[1] / "fixtures" / "helpdesk"
PARIS = ZoneInfo("Europe/Paris")


def _read(name: str, fmt: str | None = None) -> tuple[str, list[Ticket | BadLine]]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    export = read_export(text, fmt, merchant_zone=PARIS, now=NOW)
    return export.columns.format.name, list(export.lines)


def _tickets(name: str) -> list[Ticket]:
    _, lines = _read(name)
    assert all(isinstance(line, Ticket) for line in lines)
    return [line for line in lines if isinstance(line, Ticket)]


def test_a_zendesk_export_is_read_with_its_columns_channels_and_local_dates() -> None:
    first, second, third, fourth = _tickets("zendesk.csv")
    assert first.ticket_id == "1041"
    assert first.subject == "Où est mon colis ?"
    assert first.text.startswith("Bonjour,\nje n'ai aucune nouvelle")
    assert first.email == "camille@example.com"
    assert first.occurred_at == datetime(2026, 11, 20, 13, 5, tzinfo=UTC)  # 14:05 in Paris
    assert first.references == ("CMD-1001",)  # the custom "Order number [txt]" field
    assert second.email == "tom@example.com"
    assert [t.channel for t in (first, second, third, fourth)] == [
        "email",
        "phone",
        "email",
        "chat",
    ]
    assert (first.line, second.line) == (2, 5)  # a multi-line cell: numbered where it starts


def test_a_freshdesk_export_is_read_with_its_columns_and_day_first_dates() -> None:
    first, second, third = _tickets("freshdesk.csv")
    assert (first.ticket_id, first.email, first.references) == (
        "5501",
        "camille@example.com",
        ("CMD-1001",),  # the custom "Numéro de commande" field
    )
    assert first.occurred_at == datetime(2026, 11, 19, 9, 15, tzinfo=UTC)
    assert third.occurred_at == datetime(2026, 11, 21, 7, 5, tzinfo=UTC)  # 21/11/2026 08:05
    assert [t.channel for t in (first, second, third)] == ["email", "phone", "chat"]


def test_a_gorgias_export_is_read_with_utc_dates_and_its_channel_names() -> None:
    first, second, third = _tickets("gorgias.csv")
    assert first.ticket_id == "88001"
    assert first.text == "Hi, order CMD-1001 has not moved since Monday. Where is it?"
    assert first.occurred_at == datetime(2026, 11, 20, 13, 5, tzinfo=UTC)
    assert third.occurred_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # no offset: UTC
    assert [t.channel for t in (first, second, third)] == ["email", "chat", "other"]


@pytest.mark.parametrize(
    ("name", "helpdesk"),
    [("zendesk.csv", "zendesk"), ("freshdesk.csv", "freshdesk"), ("gorgias.csv", "gorgias")],
)
def test_the_helpdesk_is_recognised_from_the_header_row(name: str, helpdesk: str) -> None:
    assert _read(name)[0] == helpdesk


def test_headers_are_matched_whatever_their_case_spacing_and_delimiter() -> None:
    text = "TICKET ID ; subject ;created time\n7;Retard;2026-11-20 10:00\n"
    found, [ticket] = _read_text(text)
    assert found == "freshdesk"
    assert isinstance(ticket, Ticket)
    assert ticket.subject == "Retard"


def _read_text(text: str, fmt: str | None = None) -> tuple[str, list[Ticket | BadLine]]:
    export = read_export(text, fmt, merchant_zone=PARIS, now=NOW)
    return export.columns.format.name, list(export.lines)


def test_an_unknown_header_row_is_refused_saying_what_each_helpdesk_needs() -> None:
    with pytest.raises(UnknownFormat, match="Zendesk: Id, Created at"):
        detect(["Name", "Email", "Message"])
    with pytest.raises(UnknownFormat, match="no header row"):
        _read_text("\n\n")
    with pytest.raises(UnknownFormat, match="not a Gorgias export: no column created_datetime"):
        _read_text((FIXTURES / "zendesk.csv").read_text(encoding="utf-8"), "gorgias")


def test_a_file_fitting_two_helpdesks_equally_asks_which() -> None:
    with pytest.raises(UnknownFormat, match="fit both"):
        detect(["Id", "Created at", "ticket_id", "created_datetime"])


def test_bad_lines_are_reported_by_number_and_the_others_kept() -> None:
    future = (NOW + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    text = (
        "Id,Subject,Created at\n"
        "1,ok,2026-11-20 10:00\n"
        ",no id,2026-11-20 10:00\n"
        "3,bad date,yesterday\n"
        f"4,future,{future}\n"
        "\n"
        "5,also ok,2026-11-21 10:00\n"
    )
    _, lines = _read_text(text)
    assert [(type(line).__name__, line.line) for line in lines] == [
        ("Ticket", 2),
        ("BadLine", 3),
        ("BadLine", 4),
        ("BadLine", 5),
        ("Ticket", 7),
    ]
    assert [(b.field, b.message) for b in lines if isinstance(b, BadLine)] == [
        ("id", "the ticket has no id"),
        ("created_at", "'yesterday' is not a date and time"),
        ("created_at", "in the future"),
    ]


def test_dates_with_an_offset_are_read_as_written_and_naive_ones_in_the_given_zone() -> None:
    assert parse_moment("2026-11-20T10:00:00Z", PARIS) == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert parse_moment("2026-07-20 10:00", PARIS) == datetime(2026, 7, 20, 8, tzinfo=UTC)
    assert parse_moment("2026-11-20 10:00:00 UTC", PARIS) == datetime(2026, 11, 20, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="out of range"):
        parse_moment("0001-01-01 00:00", PARIS)


def test_every_format_requires_an_id_and_a_date() -> None:
    for fmt in FORMATS.values():
        assert set(fmt.required) == {"id", "created_at"}


def test_reference_candidates_use_the_carriers_number_shapes() -> None:
    tracking, orders = candidates(
        ["Colis 6a 12345678901? non: 6A12345678902, commande #1001 (2 verres, le 24)"]
    )
    assert tracking == ["6A12345678902"]  # a Colissimo shape, written in one piece
    assert {"#1001", "1001"} <= set(orders)
    assert not {"2", "24", "#24"} & set(orders)
