"""Every code block of the documentation is run or checked, so the docs cannot drift.

The rule, by block language:
- `python`: executed, against the carrier simulator (the SDK's credentials and base URLs point
  at it, and it knows the numbers the docs track) with the wall clock held at a fixed time.
- `bash`: each command runs in a scratch directory holding a migrated SQLite database, when it
  is fast and self-contained (`suivi --help`, `suivi detect …`, `suivi db upgrade`, the
  `sqlite3` backups, any `--help`). Long-running commands (`suivi serve`, `worker`, `sender`,
  `simulator`, `bash scripts/demo.sh`) run as `--help` of the same subcommand with the same
  options, so a renamed or removed option fails. A repository script's subcommand must be
  one its `case` accepts; `pip install` extras must exist; `pg_dump` runs against the test
  PostgreSQL when one is configured.
- `html`: the widget snippet: a script tag whose `src` is the server's `/widget.js` and whose
  attributes the widget reads.
- a block that only includes a repository file (`--8<--`): the file must exist; the deployment
  files are checked by tests/docs/test_deploy_files.py, the theme files are the ones the
  server's theme tests render.
Any other block, or a command no rule covers, fails `test_every_block_is_covered`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner

from suivi.cli import main
from suivi_server.simulator import STORIES, Parcel
from suivi_server.simulator.engine import credential_environment
from tests.conftest import SIM_START, RunningSimulator

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
POSTGRES = os.environ.get("SUIVI_TEST_POSTGRES_URL")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)(?P<attrs>[^\n]*)$")
INCLUDE = re.compile(r'^--8<-- "(?P<path>[^"]+)"$')
# The parcels the docs' Python blocks track, by carrier and number, with their story.
DOC_PARCELS = {
    ("colissimo", "6A12345678901"): "delivered",
    ("ups", "1Z999AA10123456784"): "in_transit",
    ("dpd", "25077012345678"): "out_for_delivery",
}
# Commands that never end on their own: checked as `--help` of the same options.
LONG_RUNNING = ("serve", "worker", "sender", "simulator")
# `bash scripts/demo.sh ARGS` is `suivi serve --demo ARGS` (its last line, asserted below).
DEMO_LAST_LINE = 'exec "$venv/bin/suivi" serve --demo "$@"'


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    code: str

    @property
    def includes(self) -> list[str] | None:
        """The included paths when the block is only `--8<--` lines, else None."""
        lines = [line.strip() for line in self.code.splitlines() if line.strip()]
        found = [INCLUDE.match(line) for line in lines]
        return [m.group("path") for m in found if m] if lines and all(found) else None

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for path in sorted(DOCS.rglob("*.md")):
        lines = path.read_text().splitlines()
        index = 0
        while index < len(lines):
            opening = FENCE.match(lines[index])
            if opening is None:
                index += 1
                continue
            indent, start = opening.group("indent"), index
            body = []
            index += 1
            while not lines[index].strip().startswith("```"):
                body.append(lines[index].removeprefix(indent))
                index += 1
            page = str(path.relative_to(DOCS))
            found.append(Block(page, start + 1, opening.group("lang"), "\n".join(body)))
            index += 1
    return found


def commands(block: Block) -> list[list[str]]:
    """The block's commands, one a line, comments dropped, `$VARIABLES` kept for the shell."""
    result = []
    for line in block.code.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            result.append(words)
    return result


def check_command(words: list[str]) -> list[str] | None:
    """What runs to check `words`, or None when the rule is a static check (done here)."""
    program, args = words[0], words[1:]
    if program == "suivi":
        if args and args[0] in LONG_RUNNING and "--help" not in args:
            return ["suivi", *args, "--help"]
        return ["suivi", *args]
    if program == "bash" and args[0] == "scripts/demo.sh":
        script = (ROOT / args[0]).read_text().rstrip().splitlines()
        assert script[-1] == DEMO_LAST_LINE
        return ["suivi", "serve", "--demo", *args[1:], "--help"]
    if program == "bash" and args[0].startswith("scripts/"):
        script = (ROOT / args[0]).read_text()
        for sub in args[1:2]:
            assert re.search(rf"^\s+{re.escape(sub)}\)$", script, re.MULTILINE), words
        return None
    if program == "pip" and args[0] == "install":
        extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
            "optional-dependencies"
        ]
        for spec in args[1:]:
            name, _, wanted = spec.partition("[")
            assert name == "suivi", spec
            assert set(wanted.rstrip("]").split(",")) <= set(extras), spec
        return None
    if program == "sqlite3":
        return words
    if program == "pg_dump":
        return words if POSTGRES else ["pg_dump", "--version"]
    raise AssertionError(f"no rule covers {shlex.join(words)!r}")


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with every migration applied, copied by each shell test."""
    data = tmp_path_factory.mktemp("docs-db") / "data"
    result = CliRunner().invoke(main, ["db", "upgrade"], env={"SUIVI_DATA_DIR": str(data)})
    assert result.exit_code == 0, result.output
    return data / "suivi.db"


@pytest.fixture
def scratch(tmp_path: Path, migrated: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding ./data/suivi.db, the default database of every command."""
    (tmp_path / "data").mkdir()
    shutil.copy(migrated, tmp_path / "data" / "suivi.db")
    for key in [k for k in os.environ if k.startswith("SUIVI_") and "TEST" not in k]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("SUIVI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SUIVI_DATABASE_URL", POSTGRES or f"sqlite:///{tmp_path}/data/suivi.db")
    monkeypatch.chdir(tmp_path)
    return tmp_path


ALL = blocks()
SHELL = [b for b in ALL if b.lang == "bash" and b.includes is None]
PYTHON = [b for b in ALL if b.lang == "python" and b.includes is None]


def test_every_block_is_covered() -> None:
    for block in ALL:
        if block.includes is not None:
            assert all((ROOT / path).is_file() for path in block.includes), block
            continue
        assert block.lang in ("python", "bash", "html"), f"{block}: no rule for {block.lang!r}"
        if block.lang == "bash":
            for words in commands(block):
                check_command(words)  # raises for a command no rule covers


def test_a_command_without_a_rule_is_refused() -> None:
    with pytest.raises(AssertionError, match="no rule covers"):
        check_command(["curl", "https://example.com"])


@pytest.mark.parametrize("block", SHELL, ids=str)
def test_shell_block(block: Block, scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for words in commands(block):
        argv = check_command(words)
        if argv is None:
            continue
        argv = [os.path.expandvars(word) for word in argv]
        if argv[0] == "suivi":
            # In-process (a fresh interpreter per command would cost seconds), on the SQLite
            # database: `pg_dump` alone is shown against PostgreSQL.
            with monkeypatch.context() as local:
                local.delenv("SUIVI_DATABASE_URL")
                result = CliRunner().invoke(main, argv[1:], catch_exceptions=False)
            assert result.exit_code == 0, f"{block}: {shlex.join(words)}\n{result.output}"
            continue
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{block}: {shlex.join(words)}\n{done.stdout}{done.stderr}"


@pytest.mark.parametrize("block", PYTHON, ids=str)
def test_python_block(
    block: Block,
    simulator: RunningSimulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for (carrier, number), story in DOC_PARCELS.items():
        simulator.sim.add_parcel(Parcel(carrier, number, SIM_START, STORIES[story], story=story))
    for key in [k for k in os.environ if k.startswith("SUIVI_") and "TEST" not in k]:
        monkeypatch.delenv(key)
    for key, value in credential_environment(simulator.base_url).items():
        monkeypatch.setenv(key, value)
    simulator.sim.clock.set(SIM_START + timedelta(days=3))
    with time_machine.travel(SIM_START + timedelta(days=3), tick=False):
        exec(compile(block.code, str(block), "exec"), {"__name__": "__main__"})
    # A number the simulator did not answer for would print its error instead of a status.
    assert "Error" not in capsys.readouterr().out


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("block", [b for b in ALL if b.lang == "html"], ids=str)
def test_html_block_is_the_widget_snippet(block: Block) -> None:
    parser = _Tags()
    parser.feed(block.code)
    widget = (ROOT / "themes" / "default" / "static" / "widget.js").read_text()
    [(tag, attrs)] = parser.tags
    assert tag == "script"
    assert (attrs["src"] or "").endswith("/widget.js")
    for name in attrs:
        if name.startswith("data-"):
            assert f'"{name}"' in widget, name
