"""Smoke test of bench/page_vs_bare.py: one tiny round on SQLite, the structure only.

wrk comes from scripts/services.sh, like PostgreSQL and Chromium; no timing is asserted.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "page_vs_bare.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("page_vs_bare", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["page_vs_bare"] = module
    spec.loader.exec_module(module)
    return module


def test_the_smoke_run_measures_every_target_against_its_bare_twin(bench: ModuleType) -> None:
    rows = bench.main(["--smoke"])
    assert [(r["database"], r["target"]) for r in rows] == [
        ("sqlite", name) for name in bench.TARGET_NAMES
    ]
    for row in rows:
        assert row["errors"] == 0, row  # every answer was the page's own 200 or 304
        assert row["rps_suivi"] > 0
        assert row["rps_bare"] > 0
        assert row["rps_ratio"] == row["rps_suivi"] / row["rps_bare"]
