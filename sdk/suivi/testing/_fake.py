"""A tiny carrier for tests of code that drives adapters: JSON over HTTP, batches of three.

It talks to no real carrier, so a test mocks its one endpoint (e.g. with respx) and knows
exactly what each number answers.

`GET {base}/v1/parcels?numbers=FK…,FK…` with header `X-Api-Key` answers
`{"parcels": [{"number": …, "events": [{"code", "label", "at"}]}]}`; unknown numbers are absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import httpx

from suivi.toolkit import (
    Adapter,
    AdapterSettings,
    CarrierHTTP,
    NumberPattern,
    RateLimit,
    RawResponse,
    Status,
    StatusMap,
    Substatus,
    Tracking,
    luhn_valid,
)


class FakeCarrierSettings(AdapterSettings):
    """The fake carrier's one credential, sent as `X-Api-Key`."""

    api_key: str | None = None


class FakeCarrier(Adapter):
    """Carrier `fake`: numbers `FK` + 8 digits (Luhn), codes LBL, HUB, OFD and DLV."""

    name: ClassVar[str] = "fake"
    display_name: ClassVar[str] = "Fake Carrier"
    countries: ClassVar[tuple[str, ...]] = ("FR",)
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (
        NumberPattern(r"FK\d{8}", "FK + 8 digits (Luhn)", lambda n: luhn_valid(n[2:])),
    )
    default_base_url: ClassVar[str] = "https://fake.example"
    settings_model: ClassVar[type[AdapterSettings]] = FakeCarrierSettings
    supports_batch: ClassVar[bool] = True
    max_batch: ClassVar[int] = 3
    rate_limit: ClassVar[RateLimit] = RateLimit(per_second=1000, burst=1000, max_concurrency=2)
    status_map: ClassVar[StatusMap] = StatusMap(
        "fake",
        [
            ("LBL", Status.INFO_RECEIVED, Substatus.LABEL_CREATED),
            ("HUB", Status.IN_TRANSIT, Substatus.AT_HUB),
            ("OFD", Status.OUT_FOR_DELIVERY, None),
            ("DLV", Status.DELIVERED, Substatus.TO_RECIPIENT),
        ],
    )

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        """`GET {base}/v1/parcels?numbers=…` with the `X-Api-Key` header."""
        request = httpx.Request(
            "GET",
            f"{self.base_url}/v1/parcels",
            params={"numbers": ",".join(numbers)},
            headers={"X-Api-Key": self.require("api_key")},
        )
        return await http.send(request, requested=tuple(numbers))

    def parse(self, raw: RawResponse) -> list[Tracking]:
        """One Tracking per parcel of the answer; CarrierResponseInvalid for any other shape."""
        data: Any = self.load_json(raw)
        try:
            return [
                Tracking.from_events(
                    self.name,
                    parcel["number"],
                    [
                        self.event(timestamp=e["at"], code=e["code"], label=e["label"])
                        for e in parcel["events"]
                    ],
                )
                for parcel in data["parcels"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise self.invalid(f"unexpected body: {exc}", raw) from None
