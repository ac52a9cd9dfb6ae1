#!/usr/bin/env bash
# Serves the portal with gunicorn and runs the outbox worker and the registerutdrag worker beside it;
# the guideline PDFs are made first (`portal guidance prerender`), so that no reader waits for them.
set -euo pipefail
host=${1:-127.0.0.1}; port=${2:-8000}
bin=.venv/bin
$bin/portal demo-logins
echo
echo "Samverkansportalen körs på http://$host:$port  (avsluta med Ctrl+C)"
worker_pid=
exports_pid=
commands=$($bin/portal --help 2>/dev/null || true)
if grep -q '^  guidance' <<<"$commands"; then
  $bin/portal guidance prerender
fi
if grep -q '^  outbox' <<<"$commands"; then
  $bin/portal outbox run --loop &
  worker_pid=$!
fi
if grep -q '^  exports' <<<"$commands"; then
  $bin/portal exports run &
  exports_pid=$!
fi
trap 'for pid in $worker_pid $exports_pid; do kill $pid 2>/dev/null || true; done' EXIT INT TERM
# --timeout 120: PDFs (a whole guideline, a registerutdrag of a long case) take seconds, more under load.
$bin/gunicorn --workers "${PORTAL_WORKERS:-2}" --timeout 120 --bind "$host:$port" --access-logfile - \
  --access-logformat '"%(m)s" %(s)s %(L)ss' 'portal:create_app()'
