"""Page links are only as strong as their signing key: blank and short keys never start a server."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from suivi_server.commands import serve
from suivi_server.config import ConfigError, load_settings
from suivi_server.security import PageTokens

STRONG = "s" * 32


@pytest.mark.parametrize(
    "value", [" ", f"{STRONG}, ", f"{STRONG},,{STRONG}", "short-key", f"{STRONG},{'x' * 31}"]
)
def test_blank_or_short_keys_are_refused_at_start_up(tmp_path: Path, value: str) -> None:
    environ = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_SECRET_KEYS": value}
    with pytest.raises(ConfigError, match=r"SUIVI_SECRET_KEYS: key \d .*at least 32 bytes"):
        load_settings(environ)


def test_strong_keys_are_read_in_order_without_spaces(tmp_path: Path) -> None:
    environ = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_SECRET_KEYS": f" {STRONG} , {'t' * 40}"}
    assert load_settings(environ).secret_keys == (STRONG, "t" * 40)


def test_without_keys_a_strong_local_key_is_generated(tmp_path: Path) -> None:
    keys = load_settings({"SUIVI_DATA_DIR": str(tmp_path)}).secret_keys
    assert len(keys) == 1
    assert len(keys[0].encode()) >= 32
    assert load_settings({"SUIVI_DATA_DIR": str(tmp_path)}).secret_keys == keys


@pytest.mark.parametrize("keys", [("",), (STRONG, "short")])
def test_page_tokens_refuse_a_short_key(keys: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        PageTokens(keys)


def test_serve_explains_the_bad_key_instead_of_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUIVI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SUIVI_SECRET_KEYS", f"{STRONG}, ")
    result = CliRunner().invoke(serve, [])
    assert result.exit_code == 1
    assert "SUIVI_SECRET_KEYS: key 2 is blank" in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a traceback
