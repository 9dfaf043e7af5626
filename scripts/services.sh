#!/usr/bin/env bash
# Installs and starts what the test suite needs besides Python: PostgreSQL, Debian's Chromium and
# wrk (the HTTP load generator of bench/page_vs_bare.py).
# Prints `export SUIVI_TEST_POSTGRES_URL=...` for the caller to eval.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v pg_lsclusters >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >&2
fi

version=$(pg_lsclusters --no-header | awk 'NR==1 {print $1}')
if [ -z "$version" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  as_root pg_createcluster "$version" main >&2
fi
port=$(pg_lsclusters --no-header | awk -v v="$version" '$1==v && $2=="main" {print $3}')
as_root pg_ctlcluster "$version" main start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  as_root su postgres -c "pg_isready -q -p $port" && break
  sleep 1
done
as_root su postgres -c "psql -q -p $port -c \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
as_root su postgres -c "psql -q -p $port -tc \"SELECT 1 FROM pg_database WHERE datname='suivi_test'\" | grep -q 1 || createdb -p $port suivi_test" >&2
echo "export SUIVI_TEST_POSTGRES_URL=postgresql://postgres:postgres@127.0.0.1:$port/suivi_test"
