"""Smoke test of bench/worker_vs_raw.py: tiny sizes, it runs and prints its ratio; no timing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "worker_vs_raw.py"


def test_the_bench_runs_in_smoke_mode_and_prints_its_ratio() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--smoke"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    ratio = [line for line in done.stdout.splitlines() if line.startswith("ratio worker/raw: ")]
    assert len(ratio) == 1, done.stdout
    assert "polls/s" in ratio[0]
