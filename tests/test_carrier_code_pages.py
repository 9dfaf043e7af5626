"""The code pages in docs/carriers/ say exactly what the adapters' tables say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_carrier_page_is_generated_from_its_current_table() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "carrier_codes.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_page_lists_every_native_code() -> None:
    from suivi import Registry

    registry = Registry()
    for name in registry.names():
        text = (ROOT / "docs" / "carriers" / f"{name}.md").read_text()
        for code, _ in registry.get(name).status_map.items():
            assert f"| `{code}` |" in text, (name, code)
