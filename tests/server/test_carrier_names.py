"""Pages, messages and the dashboard name a carrier as its adapter does (`display_name`): the
server keeps no list of carriers, so an adapter installed as a package is named right."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from suivi import Registry
from suivi.toolkit import Adapter, CarrierHTTP, NumberPattern, RawResponse, StatusMap, Tracking
from suivi_server.pages.wording import carrier_name


class NamedAdapter(Adapter):
    name: ClassVar[str] = "coursier_nomme"
    display_name: ClassVar[str] = "Coursier & Fils"
    countries: ClassVar[tuple[str, ...]] = ("FR",)
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (NumberPattern(r"CN\d{8}", "CN"),)
    default_base_url: ClassVar[str] = "https://coursier.invalid"
    status_map: ClassVar[StatusMap] = StatusMap("coursier_nomme", [])

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        raise NotImplementedError("never polled here")

    def parse(self, raw: RawResponse) -> list[Tracking]:
        raise NotImplementedError("never polled here")


@pytest.fixture
def installed_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A distribution declaring NamedAdapter in `suivi.adapters`, as `pip install` leaves it."""
    info = tmp_path / "coursier_nomme-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: coursier-nomme\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[suivi.adapters]\ncoursier_nomme = {__name__}:NamedAdapter\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))


@pytest.mark.parametrize("carrier", Registry().names())
def test_an_installed_carrier_is_named_by_its_adapter(carrier: str) -> None:
    assert carrier_name(carrier) == Registry().get(carrier).display_name


def test_a_carrier_installed_as_a_package_is_named_by_its_adapter(installed_package: None) -> None:
    assert carrier_name("coursier_nomme") == "Coursier & Fils"


def test_a_carrier_no_longer_installed_keeps_a_readable_name() -> None:
    assert carrier_name("ancien_transporteur") == "Ancien Transporteur"
