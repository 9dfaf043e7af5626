"""The simulator names no carrier: an adapter it has never heard of, registered like a
third-party package and declaring `simulator`, gets its routes, its credentials and its
failure modes; the built-in carriers are found the same way."""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from suivi import Registry, Status, Tracker
from suivi.errors import AdapterLoadError
from suivi.toolkit import (
    Adapter,
    AdapterSettings,
    CarrierHTTP,
    NumberPattern,
    RawResponse,
    StatusMap,
    Substatus,
    Tracking,
)
from suivi_server.simulator import (
    STORIES,
    Failure,
    FailureKind,
    FailureStyle,
    Milestone,
    Parcel,
    SimClock,
    Simulator,
    create_app,
    credential_environment,
    simulated_carriers,
    simulator_settings,
)

pytestmark = pytest.mark.anyio

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
NUMBER = "CX12345678"
SIM_URL = "http://simulator.test"
M = Milestone

# -- a carrier Suivi does not know: adapter, and its simulator module (this one) ----------------

CREDENTIALS = {"token": "sim-coursier-token"}
NATIVE = {
    M.LABEL_CREATED: "LBL",
    M.PICKED_UP: "PU",
    M.AT_HUB: "HUB",
    M.ARRIVED_AT_DELIVERY_SITE: "DS",
    M.OUT_FOR_DELIVERY: "OFD",
    M.DELIVERED: "DLV",
}
STYLE = FailureStyle(unavailable=lambda: JSONResponse({"fault": "maintenance"}, 503))


def routes(sim: Simulator) -> list[BaseRoute]:
    """`GET /coursier/v1/{number}` with an `X-Token` header, in the carrier's own JSON."""

    def answer(request: Request) -> Response:
        if request.headers.get("x-token") != sim.credentials["coursier"]["token"]:
            return JSONResponse({"fault": "token"}, 401)
        parcel = sim.parcel("coursier", request.path_params["number"])
        if parcel is None:
            return JSONResponse({"fault": "unknown"}, 404)
        events = [
            {"at": event.at.isoformat(), "code": NATIVE[event.milestone]}
            for event in parcel.events(sim.clock.now())
        ]
        return JSONResponse({"number": parcel.number, "events": events})

    async def track(request: Request) -> Response:
        return await sim.respond("coursier", lambda: answer(request), STYLE)

    return [Route("/coursier/v1/{number}", track)]


class CoursierSettings(AdapterSettings):
    token: str | None = None


class CoursierAdapter(Adapter):
    name: ClassVar[str] = "coursier"
    display_name: ClassVar[str] = "Coursier Test"
    countries: ClassVar[tuple[str, ...]] = ("FR",)
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (
        NumberPattern(r"CX\d{8}", "CX + 8 digits"),
    )
    default_base_url: ClassVar[str] = "https://coursier.invalid"
    settings_model: ClassVar[type[AdapterSettings]] = CoursierSettings
    status_map: ClassVar[StatusMap] = StatusMap(
        "coursier",
        [
            ("LBL", Status.INFO_RECEIVED, Substatus.LABEL_CREATED),
            ("PU", Status.IN_TRANSIT, Substatus.PICKED_UP),
            ("HUB", Status.IN_TRANSIT, Substatus.AT_HUB),
            ("DS", Status.IN_TRANSIT, Substatus.ARRIVED_AT_DELIVERY_SITE),
            ("OFD", Status.OUT_FOR_DELIVERY, None),
            ("DLV", Status.DELIVERED, Substatus.TO_RECIPIENT),
        ],
    )
    simulator: ClassVar[str | None] = f"{__name__}:routes"

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        request = httpx.Request(
            "GET",
            f"{self.base_url}/coursier/v1/{numbers[0]}",
            headers={"X-Token": self.require("token")},
        )
        return await http.send(request, requested=tuple(numbers))

    def parse(self, raw: RawResponse) -> list[Tracking]:
        data: Any = self.load_json(raw)
        events = [
            self.event(timestamp=datetime.fromisoformat(e["at"]), code=e["code"], label=e["code"])
            for e in data["events"]
        ]
        return [Tracking.from_events(self.name, data["number"], events)]


class BrokenSimulatorAdapter(CoursierAdapter):
    name: ClassVar[str] = "broken"
    simulator: ClassVar[str | None] = f"{__name__}:no_such_routes"


class UnsimulatedAdapter(CoursierAdapter):
    name: ClassVar[str] = "unsimulated"
    simulator: ClassVar[str | None] = None


def registry(*names: str) -> Registry:
    classes = {
        "coursier": "CoursierAdapter",
        "broken": "BrokenSimulatorAdapter",
        "unsimulated": "UnsimulatedAdapter",
    }
    return Registry(
        points=[EntryPoint(n, f"{__name__}:{classes[n]}", "suivi.adapters") for n in names]
    )


@pytest.fixture
def sim() -> Simulator:
    sim = Simulator(
        clock=SimClock(START + timedelta(days=3)),
        carriers=simulated_carriers(registry("coursier", "unsimulated")),
    )
    sim.add_parcel(Parcel("coursier", NUMBER, START, STORIES["delivered"]))
    return sim


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(sim))
    async with httpx.AsyncClient(transport=transport, base_url=SIM_URL) as client:
        yield client


# -- what the simulator does with it -----------------------------------------------------------


async def test_its_routes_answer_in_its_format(client: httpx.AsyncClient, sim: Simulator) -> None:
    answer = await client.get(f"/coursier/v1/{NUMBER}", headers={"X-Token": CREDENTIALS["token"]})
    refused = await client.get(f"/coursier/v1/{NUMBER}", headers={"X-Token": "wrong"})

    assert answer.status_code == 200
    assert [e["code"] for e in answer.json()["events"]] == ["LBL", "PU", "HUB", "DS", "OFD", "DLV"]
    assert refused.status_code == 401
    assert sim.requests["coursier"] == 2


async def test_its_failure_modes_are_played_in_its_error_format(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.add_failure(Failure("coursier", FailureKind.SERVER_ERROR))

    failed = await client.get(f"/coursier/v1/{NUMBER}", headers={"X-Token": CREDENTIALS["token"]})
    recovered = await client.get(
        f"/coursier/v1/{NUMBER}", headers={"X-Token": CREDENTIALS["token"]}
    )

    assert (failed.status_code, failed.json()) == (503, {"fault": "maintenance"})
    assert recovered.status_code == 200


def test_its_credentials_come_from_its_simulator_module(sim: Simulator) -> None:
    assert sim.credentials == {"coursier": CREDENTIALS}
    assert credential_environment(SIM_URL, registry("coursier")) == {
        "SUIVI_COURSIER_BASE_URL": SIM_URL,
        "SUIVI_COURSIER_TOKEN": CREDENTIALS["token"],
    }
    settings = simulator_settings(SIM_URL, registry("coursier"))["coursier"]
    assert isinstance(settings, CoursierSettings)
    assert (settings.token, settings.base_url) == (CREDENTIALS["token"], SIM_URL)


async def test_the_tracker_tracks_it_against_the_simulator(sim: Simulator) -> None:
    transport = httpx.ASGITransport(app=create_app(sim))
    async with (
        httpx.AsyncClient(transport=transport) as http,
        Tracker(
            registry=registry("coursier"),
            settings=simulator_settings(SIM_URL, registry("coursier")),
            http_client=http,
        ) as tracker,
    ):
        tracking = await tracker.track("coursier", NUMBER)

    assert (tracking.status, tracking.substatus) == (Status.DELIVERED, Substatus.TO_RECIPIENT)
    assert sim.requests["coursier"] == 1


async def test_parcels_are_accepted_only_for_the_carriers_it_plays(
    client: httpx.AsyncClient,
) -> None:
    played = await client.post("/_sim/parcels", json={"carrier": "coursier", "number": "CX1"})
    unplayed = await client.post("/_sim/parcels", json={"carrier": "unsimulated", "number": "X"})

    assert played.status_code == 201
    assert unplayed.status_code == 400
    assert "'unsimulated' is not simulated (known: coursier)" in unplayed.json()["error"]


def test_an_adapter_without_a_simulator_is_not_played() -> None:
    assert list(simulated_carriers(registry("coursier", "unsimulated"))) == ["coursier"]


def test_a_simulator_reference_that_does_not_resolve_names_the_carrier() -> None:
    with pytest.raises(AdapterLoadError, match="no_such_routes") as caught:
        simulated_carriers(registry("broken"))
    assert caught.value.carrier == "broken"


# -- the built-in carriers are found the same way ----------------------------------------------


def test_the_installed_simulated_carriers_are_those_of_the_registry() -> None:
    loaded, _ = Registry().load_all()
    declared = {name for name, cls in loaded.items() if cls.simulator}

    assert set(simulated_carriers()) == declared
    assert {"chronopost", "colissimo", "dpd", "mondial_relay", "ups"} <= declared
    assert set(Simulator().credentials) == declared


@pytest.mark.parametrize("carrier", sorted(simulated_carriers()))
def test_simulator_modules_import_only_public_names(carrier: str) -> None:
    """A carrier's simulator module is written like a third-party one: `suivi` and the toolkit,
    and `suivi_server.simulator` itself, never a private module."""
    module = simulated_carriers()[carrier].adapter.simulator or ""
    spec = importlib.util.find_spec(module.partition(":")[0])
    assert spec is not None
    assert spec.origin is not None
    imported: set[str] = set()
    for node in ast.walk(ast.parse(Path(spec.origin).read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    imported.discard("__future__")

    private = [
        name
        for name in sorted(imported)
        if any(part.startswith("_") for part in name.split("."))
        or (name.startswith("suivi_server") and name != "suivi_server.simulator")
    ]
    assert private == []
