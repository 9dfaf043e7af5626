"""The contract every carrier adapter honours, as a test class its package subclasses."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from importlib import import_module
from importlib.metadata import entry_points
from typing import ClassVar

import pytest

from suivi._adapter import Adapter, AdapterSettings, RawResponse
from suivi._models import Tracking
from suivi._registry import ENTRY_POINT_GROUP
from suivi._statusmap import StatusMap
from suivi._taxonomy import Substatus
from suivi.errors import SuiviError
from suivi.testing._fuzz import cut_points, mutations
from suivi.testing._samples import (
    REQUESTED,
    TRACKING,
    WEBHOOK,
    Sample,
    SamplesInvalid,
    read,
    samples,
)

NO_WEBHOOK = "no-webhook"
"""The one parameter of the webhook test when the adapter has no webhook samples."""
SHOWN_FAILURES = 5

Parser = Callable[[bytes], list[Tracking]]


class AdapterContract:
    """Subclass it with `adapter = YourAdapter` in a test module, and pytest runs the contract.

    Each sample of the adapter's `samples/` folder becomes its own test id, so a failure names
    the file. See `suivi.testing` for the folder's layout and `expected.json`.
    """

    adapter: ClassVar[type[Adapter]]
    """The adapter class under test."""

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """One test per sample: `tracking_sample` (answers `parse` reads), `webhook_sample`
        (pushes the webhook parser reads) and `parsed_sample` (both)."""
        try:
            found = list(samples(self.adapter).values())
        except SamplesInvalid:
            found = []  # test_samples_match_expected_json says why
        tracking = [s.name for s in found if s.kind == TRACKING]
        webhook = [s.name for s in found if s.kind == WEBHOOK]
        params = {
            "tracking_sample": tracking,
            "webhook_sample": webhook or [NO_WEBHOOK],
            "parsed_sample": tracking + webhook,
        }
        for name, values in params.items():
            if name in metafunc.fixturenames:
                metafunc.parametrize(name, values, ids=values)

    # -- declarations ----------------------------------------------------------------------

    def test_registered_under_its_name(self) -> None:
        """One `suivi.adapters` entry point, named like the adapter, loads this class."""
        cls = self.adapter
        points = [p for p in entry_points(group=ENTRY_POINT_GROUP) if p.name == cls.name]
        assert len(points) == 1, f"{len(points)} entry points named {cls.name!r}"
        assert points[0].load() is cls, f"entry point {cls.name!r} loads {points[0].value}"

    def test_declares_what_the_platform_needs(self) -> None:
        """Pages, detection and the worker read these; none may be missing or malformed."""
        cls = self.adapter
        assert cls.name.isidentifier(), f"name {cls.name!r}"
        assert cls.name.islower(), f"name {cls.name!r}"
        assert cls.display_name.strip()
        assert cls.countries
        assert all(len(c) == 2 and c.isalpha() and c.isupper() for c in cls.countries)
        assert cls.number_patterns
        assert all(p.description for p in cls.number_patterns)
        assert cls.default_base_url.startswith("https://")
        assert isinstance(cls.status_map, StatusMap)
        assert cls.status_map.codes
        assert cls.max_batch >= 1
        assert cls.supports_batch or cls.max_batch == 1
        assert all(0 <= day <= 6 for day in cls.delivery_weekdays)

    def test_settings_model_is_adapter_settings(self) -> None:
        """Base URL and timeout are common to every adapter's settings."""
        assert issubclass(self.adapter.settings_model, AdapterSettings)

    def test_loads_without_any_setting(self) -> None:
        """An install without this carrier's credentials still starts (they are asked for
        only when a call needs them)."""
        settings = self.adapter.settings_from_env({})
        assert isinstance(settings, self.adapter.settings_model)
        self.adapter(settings)

    def test_settings_come_from_its_environment_variables(self) -> None:
        """`SUIVI_<NAME>_<FIELD>` sets each field; other carriers' variables are ignored."""
        cls = self.adapter
        prefix = f"SUIVI_{cls.name.upper()}_"
        texts = [
            name
            for name, field in cls.settings_model.model_fields.items()
            if field.annotation == str | None and name != "base_url"
        ]
        env = {prefix + "BASE_URL": "https://contract.example", prefix + "TIMEOUT": "7.5"}
        env |= {prefix + name.upper(): f"contract-{name}" for name in texts}
        env["SUIVI_SOME_OTHER_CARRIER_TIMEOUT"] = "1"
        settings = cls.settings_from_env(env)
        assert settings.base_url == "https://contract.example"
        assert settings.timeout == 7.5
        assert {name: getattr(settings, name) for name in texts} == {
            name: f"contract-{name}" for name in texts
        }

    def test_module_docstring_cites_the_api(self) -> None:
        """Maintainers start from the module docstring: it names the carrier API it speaks."""
        assert (sys.modules[self.adapter.__module__].__doc__ or "").strip()

    def test_simulator_reference_imports(self) -> None:
        """`simulator = "module:function"`, when declared, names routes and CREDENTIALS."""
        reference = self.adapter.simulator
        if reference is None:
            return
        module_name, _, function = reference.partition(":")
        module = import_module(module_name)
        assert callable(getattr(module, function, None)), f"{reference} is not a function"
        credentials = getattr(module, "CREDENTIALS", None)
        assert isinstance(credentials, dict), f"{module_name} defines no CREDENTIALS dict"
        self.adapter.settings_model.model_validate(credentials)

    # -- samples ---------------------------------------------------------------------------

    def test_samples_match_expected_json(self) -> None:
        """A samples/ folder exists, and expected.json gives every file exactly one line."""
        assert samples(self.adapter)

    def test_sample_reads_as_expected(self, tracking_sample: str) -> None:
        """The status and substatus of each parcel, or the typed error, expected.json gives."""
        sample = self._sample(tracking_sample)
        assert read(self._adapter(), self._raw(sample.body)) == sample.expected

    def test_every_code_of_the_sample_is_mapped(self, tracking_sample: str) -> None:
        """No event of a sample falls to the `unknown` substatus: its code is in the table."""
        for tracking in self._trackings(tracking_sample):
            unknown = [e.code for e in tracking.events if e.substatus is Substatus.UNKNOWN]
            assert unknown == [], f"codes missing from the {self.adapter.name} table: {unknown}"

    def test_events_are_aware_and_newest_first(self, tracking_sample: str) -> None:
        """Every timestamp carries its zone; events come newest first, for this carrier."""
        for tracking in self._trackings(tracking_sample):
            assert tracking.carrier == self.adapter.name
            times = [e.timestamp for e in tracking.events]
            assert all(t.tzinfo is not None and t.utcoffset() is not None for t in times)
            assert times == sorted(times, reverse=True)

    def test_webhook_parses_its_samples(self, webhook_sample: str) -> None:
        """A declared webhook has samples, and reads each into Trackings with mapped codes."""
        webhook = self.adapter.webhook
        if webhook_sample == NO_WEBHOOK:
            assert webhook is None, 'a webhook is declared: add samples of {"kind": "webhook"}'
            return
        assert webhook is not None, f"{webhook_sample} is a webhook sample: declare `webhook`"
        trackings = webhook.parse(self._sample(webhook_sample).body)
        assert trackings
        for tracking in trackings:
            assert tracking.carrier == self.adapter.name
            assert all(e.substatus is not Substatus.UNKNOWN for e in tracking.events)

    # -- damaged answers -------------------------------------------------------------------

    def test_every_truncation_gives_trackings_or_a_typed_error(self, parsed_sample: str) -> None:
        """Cut anywhere (every byte of a short body, evenly spread cuts of a long one), an
        answer still parses or raises a SuiviError: never another exception."""
        parse = self._parser(parsed_sample)
        body = self._sample(parsed_sample).body
        self._assert_typed(parse, (body[:cut] for cut in cut_points(len(body))))

    def test_fuzzed_bodies_give_trackings_or_a_typed_error(self, parsed_sample: str) -> None:
        """Seeded random mutations of the answer parse or raise a SuiviError, never more."""
        parse = self._parser(parsed_sample)
        body = self._sample(parsed_sample).body
        self._assert_typed(parse, mutations(body, f"{self.adapter.name}/{parsed_sample}"))

    # -- helpers ---------------------------------------------------------------------------

    def _adapter(self) -> Adapter:
        return self.adapter(self.adapter.settings_model.model_construct())

    def _sample(self, name: str) -> Sample:
        return samples(self.adapter)[name]

    def _raw(self, body: bytes) -> RawResponse:
        return RawResponse(body=body, requested=REQUESTED)

    def _trackings(self, name: str) -> list[Tracking]:
        try:
            return self._adapter().parse(self._raw(self._sample(name).body))
        except SuiviError:
            return []  # an expected error: test_sample_reads_as_expected checks which

    def _parser(self, name: str) -> Parser:
        adapter = self._adapter()
        webhook = self.adapter.webhook
        if self._sample(name).kind == WEBHOOK:
            if webhook is None:
                pytest.fail(f"{name} is a webhook sample but the adapter declares no webhook")
            return webhook.parse
        return lambda body: adapter.parse(self._raw(body))

    def _assert_typed(self, parse: Parser, bodies: Iterable[bytes]) -> None:
        failures = []
        for body in bodies:
            try:
                result = parse(body)
            except SuiviError:
                continue
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc} (body {body[:60]!r}…)")
                continue
            if not (isinstance(result, list) and all(isinstance(t, Tracking) for t in result)):
                failures.append(f"returned {type(result).__name__}, not a list of Tracking")
        shown = "\n".join(failures[:SHOWN_FAILURES])
        assert not failures, f"{len(failures)} damaged bodies escaped the typed errors:\n{shown}"
