#!/usr/bin/env bash
# Create (if missing) the repo-root virtualenv .venv and install the pinned
# Python dev dependencies (pandas reference scripts, fixtures, benchmark).
# Idempotent: safe to run repeatedly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi

"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$ROOT/scripts/requirements-dev.txt"

echo "python env ready: $VENV/bin/python"
