#!/usr/bin/env bash
# Builds the documentation site into ./site (or the folder given), strictly: a broken link, a
# missing include or an unknown generated table fails. `serve` previews it with live reload.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${SUIVI_VENV:-.venv}"
export NO_MKDOCS_2_WARNING=1

case "${1:-build}" in
  serve)
    exec "$venv/bin/mkdocs" serve
    ;;
  build)
    exec "$venv/bin/mkdocs" build --strict --quiet --site-dir "${2:-site}"
    ;;
  *)
    echo "usage: scripts/docs.sh [build [DIR]|serve]" >&2
    exit 2
    ;;
esac
