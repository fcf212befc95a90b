#!/usr/bin/env bash
# Idempotent set-up for running notebooks under the real evcxr Jupyter kernel:
#   1. evcxr_jupyter 0.22.0 (cargo install, about 7 minutes the first time),
#   2. Jupyter's Python pieces in .venv (pinned in scripts/requirements-notebooks.txt),
#   3. a kernel spec "custseg-rust" inside .venv that starts evcxr through
#      scripts/evcxr-kernel.sh (a persistent build directory per running kernel) with its
#      settings from notebooks/evcxr-config (opt_level 0, dependency cache on).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EVCXR_VERSION=0.22.0

# evcxr_jupyter has no --version; cargo's own record of installed binaries says which is there.
if ! command -v evcxr_jupyter >/dev/null 2>&1 \
    || ! grep -q "\"evcxr_jupyter $EVCXR_VERSION " "${CARGO_HOME:-$HOME/.cargo}/.crates.toml" 2>/dev/null; then
    echo "installing evcxr_jupyter $EVCXR_VERSION (takes several minutes once)"
    cargo install evcxr_jupyter --version "$EVCXR_VERSION" --locked --quiet
fi
EVCXR="$(command -v evcxr_jupyter)"

[ -x "$ROOT/.venv/bin/python" ] || python3 -m venv "$ROOT/.venv"
"$ROOT/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/scripts/requirements-notebooks.txt"

KERNEL_DIR="$ROOT/.venv/share/jupyter/kernels/custseg-rust"
mkdir -p "$KERNEL_DIR"
cat > "$KERNEL_DIR/kernel.json" <<JSON
{
  "argv": ["bash", "$ROOT/scripts/evcxr-kernel.sh", "$EVCXR", "{connection_file}"],
  "display_name": "Rust (custseg)",
  "language": "rust",
  "interrupt_mode": "message",
  "env": {"EVCXR_CONFIG_DIR": "$ROOT/notebooks/evcxr-config"}
}
JSON
echo "notebook kernel ready: custseg-rust ($EVCXR)"
