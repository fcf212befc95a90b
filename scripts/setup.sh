#!/usr/bin/env bash
# One-time (idempotent) set-up of everything the tests need beyond cargo. Finished steps are
# skipped quickly, so scripts/test.sh runs this every time.
#   - .venv with the pinned Python tools (pandas reference scripts, benchmark, Jupyter pieces)
#   - Debian's chromium and the pinned playwright-core, for the report's browser test
#   - evcxr_jupyter and the custseg-rust kernel spec, for the notebooks
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup-python.sh"
bash "$ROOT/scripts/setup-browser.sh"
bash "$ROOT/scripts/setup-notebooks.sh"
