#!/usr/bin/env bash
# Installs Suivi with its development tools in ./.venv, PostgreSQL and Chromium from Debian,
# then runs the linters and the whole test suite (SQLite and PostgreSQL, browser tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${SUIVI_VENV:-.venv}"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e ".[dev]"

echo "== services (PostgreSQL, Chromium)"
eval "$(bash scripts/services.sh)"

echo "== ruff"
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
echo "== mypy --strict"
"$venv/bin/mypy" sdk adapters server
echo "== pytest"
set +e
"$venv/bin/pytest" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$status"
