"""The contract suite catches what it promises: each fault of a probe adapter fails its test.

The probe is the fake carrier with samples written to a temporary folder, so each test shows
one fault and the exact test of `AdapterContract` that reports it.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

import suivi.testing
from suivi.testing import AdapterContract, FakeCarrier, SamplesInvalid
from suivi.toolkit import Adapter, InboundWebhook, RawResponse, Tracking

pytest_plugins = ["pytester"]

DELIVERED = {
    "parcels": [
        {
            "number": "FK12345678",
            "events": [
                {"code": "HUB", "label": "Au centre", "at": "2026-11-19T18:00:00+01:00"},
                {"code": "DLV", "label": "Livré", "at": "2026-11-20T10:00:00+01:00"},
            ],
        }
    ]
}
READS_DELIVERED: dict[str, Any] = {"delivered.json": [["delivered", "to_recipient"]]}


def folder_with(tmp_path: Path, expected: dict[str, Any], **files: Any) -> Path:
    folder = tmp_path / "samples"
    folder.mkdir()
    for name, content in files.items():
        (folder / f"{name}.json").write_text(json.dumps(content))
    (folder / "expected.json").write_text(json.dumps(expected))
    return folder


def probe(folder: Path, base: type[Adapter] = FakeCarrier, **attrs: Any) -> AdapterContract:
    adapter = type("Probe", (base,), {"samples": classmethod(lambda cls: folder), **attrs})
    return type("TestProbe", (AdapterContract,), {"adapter": adapter})()


@pytest.fixture
def delivered(tmp_path: Path) -> Path:
    return folder_with(tmp_path, READS_DELIVERED, delivered=DELIVERED)


class CrashesOnBadJson(FakeCarrier):
    def parse(self, raw: RawResponse) -> list[Tracking]:
        json.loads(raw.body)  # a ValueError escapes untyped
        return super().parse(raw)


class CrashesOnAnyChange(FakeCarrier):
    """Cut bodies fail typed; any other change of its sample escapes as an IndexError."""

    def parse(self, raw: RawResponse) -> list[Tracking]:
        if not json.dumps(DELIVERED).encode().startswith(raw.body):
            raise IndexError("unexpected byte")
        return super().parse(raw)


def test_the_probe_honours_the_sample_checks(delivered: Path) -> None:
    contract = probe(delivered)
    contract.test_samples_match_expected_json()
    contract.test_sample_reads_as_expected("delivered.json")
    contract.test_every_code_of_the_sample_is_mapped("delivered.json")
    contract.test_events_are_aware_and_newest_first("delivered.json")
    contract.test_every_truncation_gives_trackings_or_a_typed_error("delivered.json")
    contract.test_fuzzed_bodies_give_trackings_or_a_typed_error("delivered.json")
    contract.test_webhook_parses_its_samples("no-webhook")


def test_a_sample_read_otherwise_than_expected_fails(tmp_path: Path) -> None:
    expected = {"delivered.json": [["in_transit", "at_hub"]]}
    contract = probe(folder_with(tmp_path, expected, delivered=DELIVERED))
    with pytest.raises(AssertionError, match="delivered"):
        contract.test_sample_reads_as_expected("delivered.json")


def test_a_typed_error_is_expected_by_its_class_name(tmp_path: Path) -> None:
    expected = {"broken.json": "CarrierResponseInvalid", "other.json": "CarrierAuthError"}
    contract = probe(folder_with(tmp_path, expected, broken={"nope": 1}, other={"nope": 1}))
    contract.test_sample_reads_as_expected("broken.json")
    with pytest.raises(AssertionError, match="CarrierAuthError"):
        contract.test_sample_reads_as_expected("other.json")


@pytest.mark.parametrize(
    ("expected", "message"),
    [
        ({}, r"files without a line: \['delivered.json'\]"),
        ({**READS_DELIVERED, "gone.json": "CarrierAuthError"}, r"without a file: \['gone.json'\]"),
        ({"delivered.json": [["delivered"]]}, "must be"),
        ({"delivered.json": {"kind": "tracking"}}, "must be"),
    ],
)
def test_expected_json_must_give_every_file_one_valid_line(
    tmp_path: Path, expected: dict[str, Any], message: str
) -> None:
    contract = probe(folder_with(tmp_path, expected, delivered=DELIVERED))
    with pytest.raises(SamplesInvalid, match=message):
        contract.test_samples_match_expected_json()


def test_an_adapter_without_samples_fails(tmp_path: Path) -> None:
    with pytest.raises(SamplesInvalid, match="no samples/ folder"):
        probe(tmp_path / "absent").test_samples_match_expected_json()


def test_a_code_missing_from_the_table_fails(tmp_path: Path) -> None:
    parcel = DELIVERED["parcels"][0]
    odd = {"parcels": [{**parcel, "events": [{**parcel["events"][0], "code": "ZZZ"}]}]}
    contract = probe(folder_with(tmp_path, {"odd.json": [["exception", "unknown"]]}, odd=odd))
    contract.test_sample_reads_as_expected("odd.json")
    with pytest.raises(AssertionError, match="ZZZ"):
        contract.test_every_code_of_the_sample_is_mapped("odd.json")


def test_a_crash_on_a_cut_body_fails(delivered: Path) -> None:
    contract = probe(delivered, CrashesOnBadJson)
    with pytest.raises(AssertionError, match="JSONDecodeError"):
        contract.test_every_truncation_gives_trackings_or_a_typed_error("delivered.json")


def test_a_crash_on_a_mutated_body_fails_though_every_cut_is_typed(delivered: Path) -> None:
    contract = probe(delivered, CrashesOnAnyChange)
    contract.test_every_truncation_gives_trackings_or_a_typed_error("delivered.json")
    with pytest.raises(AssertionError, match="IndexError"):
        contract.test_fuzzed_bodies_give_trackings_or_a_typed_error("delivered.json")


def test_settings_not_read_from_the_environment_fail(delivered: Path) -> None:
    contract = probe(
        delivered, settings_from_env=classmethod(lambda cls, environ=None: cls.settings_model())
    )
    with pytest.raises(AssertionError):
        contract.test_settings_come_from_its_environment_variables()


def test_an_adapter_no_entry_point_registers_fails(delivered: Path) -> None:
    with pytest.raises(AssertionError, match="0 entry points named 'fake'"):
        probe(delivered).test_registered_under_its_name()


def test_webhook_samples_need_a_declared_webhook(tmp_path: Path) -> None:
    expected = {**READS_DELIVERED, "push.json": {"kind": "webhook"}}
    contract = probe(folder_with(tmp_path, expected, delivered=DELIVERED, push=DELIVERED))
    with pytest.raises(AssertionError, match="declare `webhook`"):
        contract.test_webhook_parses_its_samples("push.json")


def test_a_declared_webhook_parses_its_samples_and_needs_some(tmp_path: Path) -> None:
    expected = {**READS_DELIVERED, "push.json": {"kind": "webhook"}}
    folder = folder_with(tmp_path, expected, delivered=DELIVERED, push=DELIVERED)
    webhook = InboundWebhook(
        secret_setting="api_key",
        authenticate=lambda secret, headers, body: True,
        parse=lambda body: FakeCarrier(FakeCarrier.settings_model()).parse(RawResponse(body)),
    )
    probe(folder, webhook=webhook).test_webhook_parses_its_samples("push.json")
    probe(folder, webhook=webhook).test_every_truncation_gives_trackings_or_a_typed_error(
        "push.json"
    )
    with pytest.raises(AssertionError, match="add samples"):
        probe(folder, webhook=webhook).test_webhook_parses_its_samples("no-webhook")


def test_a_simulator_reference_needs_routes_and_credentials(delivered: Path) -> None:
    with pytest.raises(AssertionError, match="CREDENTIALS"):
        probe(delivered, simulator="json:loads").test_simulator_reference_imports()
    with pytest.raises(AssertionError, match="not a function"):
        probe(delivered, simulator="json:nothing_here").test_simulator_reference_imports()


PROBE_PACKAGE = '''
"""A probe carrier: the fake carrier's API, its own package."""

from suivi.testing import FakeCarrier


class ProbeCarrier(FakeCarrier):
    """A carrier package of its own: samples/ sits beside this module."""
'''
PROBE_TESTS = """
from probe_carrier import ProbeCarrier
from suivi.testing import AdapterContract


class TestProbeCarrier(AdapterContract):
    adapter = ProbeCarrier
"""


def test_a_subclass_collects_one_test_per_sample(pytester: pytest.Pytester) -> None:
    package = pytester.mkpydir("probe_carrier")
    (package / "__init__.py").write_text(PROBE_PACKAGE)
    folder_with(package, {**READS_DELIVERED, "key.json": {"kind": "oauth"}}, delivered=DELIVERED)
    (package / "samples" / "key.json").write_text("{}")
    pytester.makepyfile(test_probe=PROBE_TESTS)
    pytester.syspathinsert()
    result = pytester.runpytest_inprocess("-v", "-p", "no:cacheprovider", "-k", "not registered")
    result.assert_outcomes(passed=13, deselected=1)
    result.stdout.fnmatch_lines(
        [
            "*::test_sample_reads_as_expected[[]delivered.json[]] PASSED*",
            "*::test_webhook_parses_its_samples[[]no-webhook[]] PASSED*",
            "*::test_fuzzed_bodies_give_trackings_or_a_typed_error[[]delivered.json[]] PASSED*",
        ]
    )


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(suivi.testing).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert set(suivi.testing.__all__) == public
