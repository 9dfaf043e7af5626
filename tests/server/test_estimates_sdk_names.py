"""The server's estimates read the SDK through its public names only: `suivi.__all__` is what the
SDK promises to keep, its private modules may change shape from one release to the next."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import suivi
import suivi_server.estimates
import suivi_server.storage
import suivi_server.worker

PACKAGE = Path(suivi_server.estimates.__file__).parent
# The packages the delivery's path runs through: a poll's storage, its pipeline, its learning.
PIPELINE = [
    PACKAGE,
    Path(suivi_server.storage.__file__).parent,
    Path(suivi_server.worker.__file__).parent,
]


def sdk_imports(package: Path = PACKAGE) -> list[tuple[str, str, str]]:
    """(file, module, name) of every name a package imports from the SDK."""
    found = []
    for path in sorted(package.glob("*.py")):
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


@pytest.mark.parametrize("package", PIPELINE, ids=lambda p: p.name)
def test_the_delivery_path_imports_no_private_sdk_module(package: Path) -> None:
    private = [i for i in sdk_imports(package) if i[1].startswith("suivi._")]
    assert private == []
