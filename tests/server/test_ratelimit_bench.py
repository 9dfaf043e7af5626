"""Smoke run of bench/ratelimit_writes.py on both databases: its table, and no second over quota."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

BENCH = Path(__file__).resolve().parents[2] / "bench" / "ratelimit_writes.py"
pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ratelimit_writes", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ratelimit_writes"] = module
    spec.loader.exec_module(module)
    return module


async def test_the_bench_runs_in_smoke_mode(
    bench: ModuleType, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await bench.measure(engine, bench.smoke(bench.SCENARIOS), 1) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + len(bench.SCENARIOS)
    batch = rows[1].split("|")
    before, after = float(batch[2]), float(batch[3])
    assert after < before  # a batch's callers share chunks
