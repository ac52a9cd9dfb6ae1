#!/usr/bin/env bash
# Serves the portal with gunicorn and runs the outbox worker beside it.
set -euo pipefail
host=${1:-127.0.0.1}; port=${2:-8000}
bin=.venv/bin
$bin/portal demo-logins
echo
echo "Samverkansportalen körs på http://$host:$port  (avsluta med Ctrl+C)"
worker_pid=
if $bin/portal --help 2>/dev/null | grep -q '^  outbox'; then
  $bin/portal outbox run --loop &
  worker_pid=$!
  trap '[ -n "$worker_pid" ] && kill $worker_pid 2>/dev/null || true' EXIT INT TERM
fi
# --timeout 120: PDFs (a whole guideline, a registerutdrag of a long case) take seconds, more under load.
$bin/gunicorn --workers "${PORTAL_WORKERS:-2}" --timeout 120 --bind "$host:$port" --access-logfile - \
  --access-logformat '"%(m)s" %(s)s %(L)ss' 'portal:create_app()'
