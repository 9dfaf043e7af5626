#!/usr/bin/env bash
# Installs Suivi's server into ./.venv and serves the demo: a demo merchant and shipments in
# different situations on SQLite, tracked through the bundled carrier simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${SUIVI_VENV:-.venv}"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e ".[server]"
exec "$venv/bin/suivi" serve --demo "$@"
