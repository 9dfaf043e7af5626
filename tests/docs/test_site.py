"""The documentation site builds strictly, and its generated pages say what the code says."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from suivi import Registry
from suivi_server.api.openapi import document
from suivi_server.api.routes import OPERATIONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built by scripts/docs.sh (`mkdocs build --strict`): any warning fails it."""
    where = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        ["bash", str(ROOT / "scripts" / "docs.sh"), "build", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return where


def text(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text()


pytestmark = pytest.mark.clock_free


def test_every_native_code_of_every_carrier_is_in_the_codes_page(site: Path) -> None:
    page = text(site, "concepts/native-codes")
    registry = Registry()
    for name in registry.names():
        assert f'id="{name}"' in page
        for code, _ in registry.get(name).status_map.items():
            assert f"<code>{code}</code>" in page, (name, code)


def test_every_carrier_page_lists_its_settings_as_variables(site: Path) -> None:
    registry = Registry()
    for name in registry.names():
        adapter = registry.get(name)
        page = text(site, f"carriers/{name}")
        for field in adapter.settings_model.model_fields:
            assert f"SUIVI_{name.upper()}_{field.upper()}" in page, (name, field)
        for pattern in adapter.number_patterns:
            assert pattern.description.replace("&", "&amp;") in page


def test_every_variable_the_server_reads_is_in_the_configuration_page(site: Path) -> None:
    page = text(site, "server/configuration")
    sources = (ROOT / "server" / "suivi_server").rglob("*.py")
    read = {
        name
        for path in sources
        if "simulator" not in path.parts
        for name in re.findall(r"[\"'](SUIVI_[A-Z0-9_]+)[\"']", path.read_text())
    }
    assert read
    for name in read:
        assert f"<code>{name}</code>" in page, name


def test_every_api_operation_is_in_the_api_page(site: Path) -> None:
    page = text(site, "server/api")
    for path, methods in document(OPERATIONS)["paths"].items():
        for method in methods:
            assert f"{method.upper()} {path}" in page, (method, path)


@pytest.mark.parametrize(
    ("page", "anchor"),
    [
        ("suivi", "suivi.Tracker"),
        ("toolkit", "suivi.toolkit.StatusMap"),
        ("testing", "suivi.testing.AdapterContract"),
    ],
)
def test_the_reference_documents_the_public_modules(site: Path, page: str, anchor: str) -> None:
    assert f'id="{anchor}"' in text(site, f"reference/{page}")
