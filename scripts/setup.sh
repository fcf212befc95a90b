#!/usr/bin/env bash
# One-time (idempotent) set-up of everything the tests need beyond cargo:
#   - .venv with the pinned Python tools (pandas reference scripts, benchmark).
# Safe to run again: finished steps are skipped quickly.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup-python.sh"
