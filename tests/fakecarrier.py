"""A tiny carrier used only by the SDK's tests: JSON over HTTP, batches of three.

`GET {base}/v1/parcels?numbers=FK…,FK…` with header `X-Api-Key` answers
`{"parcels": [{"number": …, "events": [{"code", "label", "at"}]}]}`; unknown numbers are absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import httpx

from suivi import (
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
)
from suivi._checkdigits import luhn_valid


class FakeSettings(AdapterSettings):
    api_key: str | None = None


class FakeAdapter(Adapter):
    name: ClassVar[str] = "fake"
    display_name: ClassVar[str] = "Fake Carrier"
    countries: ClassVar[tuple[str, ...]] = ("FR",)
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (
        NumberPattern(r"FK\d{8}", "FK + 8 digits (Luhn)", lambda n: luhn_valid(n[2:])),
    )
    default_base_url: ClassVar[str] = "https://fake.example"
    settings_model: ClassVar[type[AdapterSettings]] = FakeSettings
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
        request = httpx.Request(
            "GET",
            f"{self.base_url}/v1/parcels",
            params={"numbers": ",".join(numbers)},
            headers={"X-Api-Key": self.require("api_key")},
        )
        return await http.send(request, requested=tuple(numbers))

    def parse(self, raw: RawResponse) -> list[Tracking]:
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
