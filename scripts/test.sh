#!/usr/bin/env bash
# Runs the whole suite on SQLite, then again on a real MariaDB server when one can be started.
set -uo pipefail
bin=.venv/bin
mkdir -p test-artifacts
status=0
echo "== Säkerhetsgranskning av koden (bandit, hög allvarlighet)"
$bin/bandit -q -r portal --severity-level high || status=$?
echo "== Testsviten mot SQLite"
if [ $status -eq 0 ]; then $bin/python -m pytest "$@" || status=$?; fi
if [ -x scripts/test-mysql.sh ] && [ $status -eq 0 ]; then
  echo "== Testsviten mot MariaDB"
  # The browser tests and the benchmark run serve the portal from their own SQLite files whatever
  # the database under test, and the deployed stack (tests/deployed) brings its own MariaDB, so
  # running them again here would test nothing new; everything that touches the database runs.
  scripts/test-mysql.sh -m "not browser and not bench and not deployed" "$@" || status=$?
fi
# pytest exits 5 when no test ran: that is a failure here.
exit $status
