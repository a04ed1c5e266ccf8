#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright cannot download browsers here).
# Installs it when missing and we are root; otherwise says what to do.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium ontbreekt: installeren met apt-get (voor de browsertests) ..."
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "Chromium ontbreekt: installeer het pakket 'chromium' (Debian/Ubuntu) voor de browsertests;" >&2
echo "zonder Chromium worden de browsertests overgeslagen (behalve in CI, waar ze falen)." >&2
