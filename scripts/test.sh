#!/usr/bin/env bash
# Runs every test: formatting, clippy, the Rust tests (release build, shared with the CLI), and
# the check that the committed pandas fixtures are what the reference script produces.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/env.sh
bash scripts/setup.sh

echo "== rustfmt"
cargo fmt --all -- --check
echo "== clippy"
cargo clippy --release --all-targets -- -D warnings
echo "== cargo test"
cargo test --release
echo "== pandas fixtures are reproducible"
.venv/bin/python tests/reference/rfm_parity.py --check
