"""`suivi sender` as a service manager runs it: SIGTERM ends it cleanly, as `systemctl stop`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_sender_stops_on_a_signal_after_recording_its_work(
    tmp_path: Path, signum: signal.Signals
) -> None:
    env = {
        **os.environ,
        "SUIVI_DATA_DIR": str(tmp_path),
        "SUIVI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "suivi", "sender", "--idle", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    started = ""
    while "sending through" not in started and time.monotonic() < deadline:
        started += process.stdout.readline()
    assert "sending through" in started, started
    process.send_signal(signum)
    output, _ = process.communicate(timeout=20)

    assert process.returncode == 0, output
    assert "sender stopping" in output
    assert "Traceback" not in output
