"""`suivi merchant notifications`: rules from a config file, checked before anything is stored."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from suivi.cli import main

RULES = """
daily_cap = 2
quiet_hours = { start = "20:00", end = "09:00" }

[events.shipped]
channels = ["email", "sms"]

[events.delivery_delayed]
enabled = false
"""


def test_rules_are_loaded_from_a_toml_file_and_printed_back(tmp_path: Path) -> None:
    env = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    runner = CliRunner()
    assert (
        runner.invoke(main, ["merchant", "create", "maison", "--name", "M"], env=env).exit_code == 0
    )
    source = tmp_path / "rules.toml"
    source.write_text(RULES)

    stored = runner.invoke(
        main, ["merchant", "notifications", "maison", "--file", str(source)], env=env
    )
    assert stored.exit_code == 0, stored.output
    assert "changed: shipped, delivery_delayed" in stored.stderr
    shown = json.loads(runner.invoke(main, ["merchant", "notifications", "maison"], env=env).stdout)
    assert shown["daily_cap"] == 2
    assert shown["quiet_hours"] == {"start": "20:00:00", "end": "09:00:00"}
    assert shown["events"]["shipped"]["channels"] == ["email", "sms"]
    assert shown["events"]["delivery_delayed"]["enabled"] is False
    assert shown["events"]["delivered"]["enabled"] is True  # left out: the default


def test_an_invalid_file_is_refused_with_its_reason_and_nothing_stored(tmp_path: Path) -> None:
    env = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    runner = CliRunner()
    runner.invoke(main, ["merchant", "create", "maison", "--name", "M"], env=env)
    source = tmp_path / "rules.json"
    source.write_text(json.dumps({"events": {"teleported": {}}, "daily_cap": 0}))

    refused = runner.invoke(
        main, ["merchant", "notifications", "maison", "--file", str(source)], env=env
    )
    assert refused.exit_code == 1
    assert "rules.json" in refused.output
    assert "teleported" in refused.output
    shown = json.loads(runner.invoke(main, ["merchant", "notifications", "maison"], env=env).stdout)
    assert shown["daily_cap"] == 3
    unknown = runner.invoke(main, ["merchant", "notifications", "nobody"], env=env)
    assert unknown.exit_code == 1
    assert "no merchant 'nobody'" in unknown.output
