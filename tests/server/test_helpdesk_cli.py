"""`suivi contacts import SHOP FILE`: a helpdesk export imported from a shell, with a summary,
bad lines listed, nothing added the second time."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from suivi.cli import main

# Tickets of long ago: the command runs on the real clock, and these are past on any day.
EXPORT = """id,subject,customer_email,created_datetime,channel,first_message_body
g-1,Where is my order?,a@example.com,2020-03-02T10:00:00Z,email,No news since Monday
g-2,Colis cassé,b@example.com,2020-03-03T10:00:00Z,chat,Le vase est arrivé cassé
,no id,c@example.com,2020-03-04T10:00:00Z,email,
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}


def test_the_cli_imports_an_export_once_with_a_summary_and_line_errors(tmp_path: Path) -> None:
    env, runner = _env(tmp_path), CliRunner()
    created = runner.invoke(main, ["merchant", "create", "maison", "--name", "M"], env=env)
    assert created.exit_code == 0, created.output
    source = tmp_path / "tickets.csv"
    source.write_text(EXPORT, encoding="utf-8")
    first = runner.invoke(main, ["contacts", "import", "maison", str(source)], env=env)
    assert first.exit_code == 1  # a line failed
    assert "gorgias: 2 created, 0 already there, 1 failed" in first.stdout
    assert "0 matched to a shipment, 2 unmatched" in first.stdout
    assert "damaged: 1" in first.stdout
    assert "where_is_my_order: 1" in first.stdout
    assert "line 4: id: the ticket has no id" in first.stderr
    again = runner.invoke(
        main, ["contacts", "import", "maison", str(source), "--format", "gorgias"], env=env
    )
    assert "0 created, 2 already there, 1 failed" in again.stdout


def test_the_cli_refuses_an_unknown_shop_or_a_file_of_no_helpdesk(tmp_path: Path) -> None:
    env, runner = _env(tmp_path), CliRunner()
    runner.invoke(main, ["merchant", "create", "maison", "--name", "M"], env=env)
    source = tmp_path / "tickets.csv"
    source.write_text(EXPORT, encoding="utf-8")
    nobody = runner.invoke(main, ["contacts", "import", "nobody", str(source)], env=env)
    assert nobody.exit_code == 1
    assert "no merchant 'nobody'" in nobody.output
    wrong = runner.invoke(
        main, ["contacts", "import", "maison", str(source), "--format", "zendesk"], env=env
    )
    assert wrong.exit_code == 1
    assert "not a Zendesk export: no column Created at" in wrong.output
