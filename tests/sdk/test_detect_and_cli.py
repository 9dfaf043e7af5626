"""`detect` ranking, check digits, and the command line's behaviour on good and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from suivi import Registry, Tracker
from suivi._checkdigits import is_valid_s10, is_valid_ups, luhn_valid
from suivi.cli import main
from tests.conftest import samples_dir
from tests.sdk.helpers import fake_point


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("EW112720413FR", True),
        ("EW112720414FR", False),
        ("RR123456785FR", True),
        ("RR12345678FR", False),
    ],
)
def test_s10_check_digit(number: str, valid: bool) -> None:
    assert is_valid_s10(number) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [("1Z999AA10123456784", True), ("1Z999AA10123456785", False), ("1Z999AA1012345678", False)],
)
def test_ups_check_digit(number: str, valid: bool) -> None:
    assert is_valid_ups(number) is valid


def test_luhn() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert not luhn_valid("12a")


def test_detect_finds_the_plugin_and_ignores_bad_check_digits() -> None:
    tracker = Tracker(registry=Registry([fake_point()]))
    assert tracker.detect("fk10000008") == ["fake"]
    assert tracker.detect("FK10000009") == []


def test_detect_ranks_a_check_digit_match_first() -> None:
    candidates = Tracker().detect("1Z999AA10123456784")
    assert candidates[0] == "ups"


def test_cli_lists_installed_adapters() -> None:
    result = CliRunner().invoke(main, ["adapters"])
    assert result.exit_code == 0
    for name in ("colissimo", "chronopost", "dpd", "mondial_relay", "ups"):
        assert name in result.output


def test_cli_parse_of_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["parse", "colissimo", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot read")


def test_cli_parse_with_an_unknown_carrier_exits_2(tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_text("{}")
    result = CliRunner().invoke(main, ["parse", "laposte", str(body)])
    assert result.exit_code == 2
    assert "no adapter named 'laposte'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_detect_of_garbage_exits_2() -> None:
    result = CliRunner().invoke(main, ["detect", "hello"])
    assert result.exit_code == 2


def test_cli_track_rejects_an_invalid_number_before_any_call() -> None:
    result = CliRunner().invoke(
        main, ["track", "ups", "1Z999AA10123456785", "--base-url", "http://127.0.0.1:9"]
    )
    assert result.exit_code == 2
    assert "not a UPS tracking number" in result.stderr


def test_cli_parse_prints_normalized_json(tmp_path: Path) -> None:
    body = samples_dir("colissimo") / "delivered.json"
    result = CliRunner().invoke(main, ["parse", "colissimo", str(body)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"carrier", "tracking_number", "status", "substatus", "events", "estimate"} <= set(data)
    assert data["status"] == "delivered"
