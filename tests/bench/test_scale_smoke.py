"""Smoke test of bench/scale.py: two tiny fleets, every operation run, the report's shape."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "scale.py"


@pytest.fixture(scope="module")
def scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scale", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["scale"] = module
    spec.loader.exec_module(module)
    return module


def test_the_fleet_is_the_same_at_every_run(scale: ModuleType) -> None:
    first = list(scale.shipment_rows(400, 10, 1))
    assert first == list(scale.shipment_rows(400, 10, 1))
    assert [r["next_poll_at"] for r in first[:10]] == [scale.NOW] * 10
    assert all(r["next_poll_at"] is None or r["next_poll_at"] > scale.NOW for r in first[10:])
    assert {r["status"] for r in first[10:]} == {s for _, s, *_ in scale.MIX}
    assert len(list(scale.event_rows(400))) == 800


@pytest.mark.anyio
async def test_the_sizes_take_turns_call_by_call(
    scale: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both sides of a ratio are measured moments apart, so a burst of load hits both."""
    order: list[int] = []

    async def record(fleet: SimpleNamespace) -> None:
        order.append(fleet.size)

    monkeypatch.setattr(scale, "OPERATIONS", {"one": (record, 3)})
    fleets = [SimpleNamespace(size=10), SimpleNamespace(size=1000)]
    found = await scale.measure(fleets, 2, 1000)
    assert order == [10] + [1000] + [10, 1000] * 3 * 2  # the warm-up, then the calls
    assert {size: len(medians) for size, medians in found["one"].items()} == {10: 2, 1000: 2}


def test_the_bench_runs_in_smoke_mode(
    scale: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert scale.main(["--smoke", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    ratios = json.loads(out.split("```json", 1)[1].split("```", 1)[0])
    assert set(ratios) == {*scale.OPERATIONS, "worker memory"}
    assert all(r > 0 for r in ratios.values())
    assert "Database size per million shipments" in out
    targets = out.split("## Targets", 1)[1].splitlines()
    verdicts = [line for line in targets if line.startswith("- ")]
    assert len(verdicts) == len(ratios)
    assert all(line.startswith(("- PASS", "- MISS")) for line in verdicts)
