"""An adapter runs on its own settings model: another one is refused when the adapter is built."""

from __future__ import annotations

import pytest

from suivi import errors
from suivi.testing import FakeCarrier, FakeCarrierSettings
from suivi.toolkit import AdapterSettings
from tests.sdk.helpers import VALID, RecordingSleep, make_tracker


class OtherSettings(AdapterSettings):
    """Settings of some other carrier."""

    account: str | None = None


@pytest.mark.parametrize("settings", [AdapterSettings(), OtherSettings(account="x")])
def test_settings_of_another_model_are_refused_naming_carrier_and_model(
    settings: AdapterSettings,
) -> None:
    with pytest.raises(errors.ConfigurationError) as raised:
        FakeCarrier(settings)
    assert raised.value.carrier == "fake"
    assert "expected FakeCarrierSettings" in str(raised.value)
    assert type(settings).__name__ in str(raised.value)


def test_settings_of_its_own_model_are_kept() -> None:
    settings = FakeCarrierSettings(api_key="k")
    assert FakeCarrier(settings).settings is settings


def test_settings_built_without_validation_are_its_own_model() -> None:
    adapter = FakeCarrier(FakeCarrier.settings_model.model_construct())
    assert adapter.base_url == "https://fake.example"


@pytest.mark.anyio
async def test_a_tracker_given_another_model_reports_it_for_that_carrier_only() -> None:
    async with make_tracker(RecordingSleep(), settings={"fake": AdapterSettings()}) as tracker:
        [fake, other] = await tracker.track_many([("fake", VALID[0]), ("nope", "X")])
        assert tracker.detect(VALID[0]) == ["fake"]
    assert isinstance(fake.error, errors.ConfigurationError)
    assert isinstance(other.error, errors.AdapterNotFound)
