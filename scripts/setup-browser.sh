#!/usr/bin/env bash
# Idempotent set-up for the headless-browser report checks (tests/browser/):
#   - Debian's chromium at /usr/bin/chromium (no browser downloads: the network
#     only reaches the package registries, so `playwright install` cannot work);
#   - the pinned node dependencies (playwright-core) via `npm ci`.
# Fast when already done: both steps are skipped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/tests/browser"

if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "setup-browser: /usr/bin/chromium is missing and we are not root (no sudo):" >&2
        echo "  as root run: apt-get update && apt-get install -y --no-install-recommends chromium" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium
fi

command -v npm >/dev/null 2>&1 || { echo "setup-browser: npm not found (apt-get install nodejs npm)" >&2; exit 1; }
if [ ! -d "$DIR/node_modules" ] || [ "$DIR/package-lock.json" -nt "$DIR/node_modules" ]; then
    (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$DIR/node_modules"   # mark as up to date with the lock file
fi

echo "browser env ready: $(/usr/bin/chromium --version 2>/dev/null || echo chromium), playwright-core $(node -p "require('$DIR/node_modules/playwright-core/package.json').version")"
