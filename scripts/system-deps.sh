#!/usr/bin/env bash
# Installs the Debian packages the portal (run) or the test suite (test) needs.
# As root they are installed with apt-get; otherwise the exact command is printed.
set -euo pipefail
what=${1:-run}
pkgs=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core fonts-liberation2 sqlite3)
if [ "$what" = test ]; then
  pkgs+=(chromium mariadb-server mariadb-client poppler-utils nginx wrk redis-server openssl nodejs)
fi
if [ "$what" = bench ]; then
  pkgs+=(wrk nginx)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The test OpenID provider (tests/oidc) is installed with npm: NodeSource's nodejs brings it, Debian's does not.
if [ "$what" = test ] && ! command -v npm >/dev/null; then missing+=(npm); fi
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ]; then
  echo "Installerar Debian-paket: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  $cmd
else
  echo "Följande Debian-paket saknas. Kör som root:"
  echo "  sudo $cmd"
  [ "$what" != run ] && exit 1
  exit 0
fi
