#!/usr/bin/env bash
# Runs the whole test suite again on a real MariaDB server: a throwaway server on loopback
# (temporary data directory, free port, utf8mb4), a database and a user for the tests, then
# `pytest "$@"` with PORTAL_TEST_DATABASE_URL set. The server is always stopped and its
# directory removed (tests/support/mariadb_server.py does the work; it also handles SIGTERM/SIGINT).
# Without mariadb-server installed this fails: `make test` installs it (scripts/system-deps.sh test).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
if ! command -v mariadbd >/dev/null 2>&1 && ! command -v mysqld >/dev/null 2>&1 \
   && [ ! -x /usr/sbin/mariadbd ] && [ ! -x /usr/sbin/mysqld ]; then
  echo "FEL: MariaDB-servern saknas (mariadbd). Installera mariadb-server och mariadb-client," >&2
  echo "     t.ex. med: sudo scripts/system-deps.sh test" >&2
  exit 1
fi
exec $bin/python -m tests.support.mariadb_server -- $bin/python -m pytest "$@"
