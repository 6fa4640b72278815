#!/usr/bin/env bash
# Installs what the studio and its tests need on a fresh Debian machine:
# npm packages from the lockfile and, with --chromium, Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--chromium" ]] && [[ ! -x /usr/bin/chromium ]]; then
  echo "[setup] installing Debian's chromium (needs root or sudo)"
  SUDO=""
  if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

# Reinstall when node_modules is missing or older than the lockfile.
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[setup] installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund
fi
