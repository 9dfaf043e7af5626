"""Two audiences, two modules: `suivi` for merchant code, `suivi.toolkit` for adapter authors."""

from __future__ import annotations

import tomllib
import types
from pathlib import Path

import pytest

import suivi
import suivi.toolkit

ROOT = Path(__file__).resolve().parents[2]
# What only an adapter needs: none of it is merchant vocabulary.
ADAPTER_AUTHOR_NAMES = (
    "Adapter",
    "AdapterSettings",
    "CarrierHTTP",
    "InboundWebhook",
    "KeywordRule",
    "NOTICE",
    "NumberPattern",
    "OAuth2ClientCredentials",
    "PARIS",
    "RateLimit",
    "RawResponse",
    "Row",
    "StatusMap",
    "aware",
    "error_for_status",
    "fold",
    "parse_local",
    "retry_after_seconds",
)


def kind(name: str) -> int:
    return 0 if name.isupper() else 1 if name[0].isupper() else 2


def test_the_toolkit_lists_every_public_name_sorted() -> None:
    public = {
        name
        for name, value in vars(suivi.toolkit).items()
        if not name.startswith("_")
        and (not isinstance(value, types.ModuleType) or name == "soap")
        and name != "annotations"
    }
    assert set(suivi.toolkit.__all__) == public
    assert suivi.toolkit.__all__ == sorted(suivi.toolkit.__all__, key=lambda n: (kind(n), n))


@pytest.mark.parametrize("name", ADAPTER_AUTHOR_NAMES)
def test_adapter_author_names_live_in_the_toolkit_only(name: str) -> None:
    assert name in suivi.toolkit.__all__
    assert not hasattr(suivi, name)


def test_every_private_sdk_module_is_banned_outside_the_sdk() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    banned = config["tool"]["ruff"]["lint"]["flake8-tidy-imports"]["banned-api"]
    private = {f"suivi.{path.stem}" for path in (ROOT / "sdk" / "suivi").glob("_*.py")}
    assert private - {"suivi.__init__", "suivi.__main__"} <= set(banned)
