#!/usr/bin/env bash
# Idempotent set-up of a fresh Debian 12 machine: system packages, uv, the Python environment.
# Safe to run again: every step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

APT_PACKAGES=(
  postgresql-15 postgresql-contrib postgresql-15-wal2json postgresql-15-partman
  redis-server openjdk-17-jre-headless chromium
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  say "installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts a system-wide cluster and redis on install; the project runs its own, on other ports.
  for svc in postgresql redis-server; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
      $SUDO systemctl stop "$svc" || true
    fi
  done
else
  say "system packages present"
fi

if ! command -v uv >/dev/null 2>&1; then
  say "installing uv"
  python3 -m pip install --quiet --disable-pip-version-check uv
fi

say "syncing the Python environment (uv sync --frozen)"
uv sync --frozen --quiet
say "done: $(uv run --frozen python --version), $(java -version 2>&1 | head -1)"
