#!/usr/bin/env bash
# Start JupyterLab from .venv on the notebooks in notebooks/, listening on 127.0.0.1 only, with
# the kernels installed in .venv (custseg-rust, python3). Prints the URL with its token
# ($JUPYTER_TOKEN, or a random one). Fetches nothing from the network: no news feed, no
# update check, no PyPI extension listing. Opens a browser only if there is a display.
#   usage: bash scripts/lab.sh [--port N] [--no-browser] [extra jupyter lab args...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

usage() { echo "usage: bash scripts/lab.sh [--port N] [--no-browser] [extra jupyter lab args...]"; }

port=8888
open_browser=1
[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || open_browser=0 # headless: nothing to open
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --port) [ $# -ge 2 ] || { usage >&2; exit 2; }; port="$2"; shift 2 ;;
        --port=*) port="${1#--port=}"; shift ;;
        --no-browser) open_browser=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) extra+=("$1"); shift ;;
    esac
done
case "$port" in
    ''|*[!0-9]*) echo "lab.sh: --port needs a number, got '$port'" >&2; exit 2 ;;
esac

if [ ! -x "$VENV/bin/jupyter" ] || [ ! -x "$VENV/bin/jupyter-lab" ]; then
    echo "lab.sh: JupyterLab is not installed in $VENV; run 'bash scripts/setup.sh' first." >&2
    exit 1
fi
if [ ! -f "$VENV/share/jupyter/kernels/custseg-rust/kernel.json" ]; then
    echo "lab.sh: warning: the custseg-rust kernel is not installed; run 'bash scripts/setup.sh' for the Rust notebooks." >&2
fi

# Kernel specs from .venv first (the jupyter in .venv looks there too; this also wins over
# same-named specs in ~/.local/share/jupyter).
export JUPYTER_PATH="$VENV/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
# Jupyter reads the token from the environment, which keeps it out of `ps`.
if [ -z "${JUPYTER_TOKEN:-}" ]; then
    JUPYTER_TOKEN="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
fi
export JUPYTER_TOKEN

args=(
    --ServerApp.ip=127.0.0.1
    --ServerApp.port="$port"
    --ServerApp.port_retries=0 # fail if the port is taken rather than print a wrong URL
    --ServerApp.root_dir="$ROOT/notebooks"
    --LabApp.news_url=None
    --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate
    --LabApp.extension_manager=readonly
)
[ "$open_browser" = 1 ] || args+=(--no-browser)
[ "$(id -u)" != 0 ] || args+=(--allow-root)

echo "JupyterLab: http://127.0.0.1:$port/lab?token=$JUPYTER_TOKEN"
exec "$VENV/bin/jupyter" lab "${args[@]}" ${extra[@]+"${extra[@]}"}
