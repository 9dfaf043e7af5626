#!/usr/bin/env bash
# Page translations: `extract` refreshes the template and catalogs from the code and themes;
# `compile` builds the .mo files that ship in the wheel. tests/server/test_i18n.py checks both.
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel="${SUIVI_VENV:-.venv}/bin/pybabel"
locale=server/suivi_server/locale

case "${1:-compile}" in
  extract)
    "$pybabel" extract -F "$locale/babel.cfg" -k N_ -k gettext --no-location \
      --sort-output --project Suivi -o "$locale/messages.pot" .
    "$pybabel" update -i "$locale/messages.pot" -d "$locale" --no-fuzzy-matching --width 100
    ;;
  compile)
    "$pybabel" compile -d "$locale" -D messages --statistics
    ;;
  *)
    echo "usage: scripts/i18n.sh [extract|compile]" >&2
    exit 2
    ;;
esac
