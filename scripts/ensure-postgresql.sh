#!/usr/bin/env bash
# The state-database tests start a throwaway PostgreSQL server (tests/pgkit.py) from
# Debian's binaries (/usr/lib/postgresql/*/bin). Installs them when missing and we are
# root; otherwise says what to do.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL ontbreekt: installeren met apt-get (voor de tests van de statusdatabank) ..."
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  exit 0
fi
echo "PostgreSQL ontbreekt: installeer het pakket 'postgresql' (Debian/Ubuntu) voor de tests van de" >&2
echo "statusdatabank; zonder PostgreSQL worden die tests overgeslagen (behalve in CI, waar ze falen)." >&2
