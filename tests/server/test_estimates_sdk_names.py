"""The server's estimates read the SDK through its public names only: `suivi.__all__` is what the
SDK promises to keep, its private modules may change shape from one release to the next."""

from __future__ import annotations

import ast
from pathlib import Path

import suivi
import suivi_server.estimates

PACKAGE = Path(suivi_server.estimates.__file__).parent


def sdk_imports() -> list[tuple[str, str, str]]:
    """(file, module, name) of every name the estimates package imports from the SDK."""
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.module is None:
                continue
            if node.module == "suivi" or node.module.startswith("suivi."):
                found += [(path.name, node.module, alias.name) for alias in node.names]
    return found


def test_the_estimates_package_imports_no_private_sdk_module() -> None:
    imports = sdk_imports()
    assert {name for _, _, name in imports} >= {"arrival", "local_date", "HORIZON_WEEKS"}
    assert [i for i in imports if i[1] != "suivi"] == []
    assert [i for i in imports if i[2] not in suivi.__all__] == []
