"""Where a notebook's time goes under the evcxr kernel: every code cell's wall time and the CPU
time, split three ways, that it cost.

    .venv/bin/python benches/kernel_cells.py notebooks/05_health_recommendations.ipynb
    .venv/bin/python benches/kernel_cells.py NOTEBOOK --dep ':dep custseg = { path = ".." }'

For each cell it prints the wall time and, as user/system seconds read from /proc:
- `kernel`: the evcxr_jupyter process itself (its embedded rust-analyzer, which infers the type of
  every top-level `let`);
- `build`: the processes the kernel waited for (cargo, rustc and the linker building the cell);
- `runner`: evcxr's child process that loads each cell's shared object and runs it (custseg's
  and polars' own work).

`--dep` replaces the notebook's first cell (its `:dep` line), to compare two ways of depending
on custseg on the same notebook: run the two alternately, since this machine's speed drifts.
Cells run in the notebook's directory, as scripts/run_notebooks.py runs them; nothing is
written back. Needs the kernel spec that scripts/setup-notebooks.sh installs. Run one at a time:
a second kernel builds in its own slot and competes for the two cores.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

TICKS = os.sysconf("SC_CLK_TCK")


def times(pid: str) -> list[float]:
    """utime, stime, cutime, cstime of a process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return [int(x) / TICKS for x in fields[11:15]]


def kernel_cpu() -> tuple[float, ...]:
    """(kernel user, kernel sys, build user, build sys, runner user, runner sys) so far."""
    pids = subprocess.run(["pgrep", "-x", "evcxr_jupyter"], capture_output=True, text=True).stdout.split()
    if not pids:
        return (0.0,) * 6
    kernel = min(pids, key=int)
    k = times(kernel)
    runner = [0.0, 0.0]
    for pid in pids:
        if pid != kernel:
            try:
                r = times(pid)
            except OSError:
                continue
            runner[0] += r[0]
            runner[1] += r[1]
    return (k[0], k[1], k[2], k[3], runner[0], runner[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--dep", help="replaces the first code cell (the `:dep` line)")
    args = parser.parse_args()

    source = nbformat.read(args.notebook, as_version=4)
    cells = [c.source for c in source.cells if c.cell_type == "code"]
    if args.dep:
        cells[0] = args.dep
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    client = NotebookClient(
        nb,
        kernel_name="custseg-rust",
        timeout=3600,
        startup_timeout=120,
        resources={"metadata": {"path": str(args.notebook.resolve().parent)}},
    )
    total = [0.0] * 7
    walls = []
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            before, start = kernel_cpu(), time.perf_counter()
            client.execute_cell(cell, index)
            wall = time.perf_counter() - start
            used = [b - a for a, b in zip(before, kernel_cpu())]
            errors = [o for o in cell.outputs if o.get("output_type") == "error"]
            walls.append(wall)
            total = [t + u for t, u in zip(total, [wall, *used])]
            first_line = cell.source.splitlines()[0] if cell.source else ""
            print(
                f"cell {index + 1:2d} {wall:6.1f} s  kernel {used[0]:4.1f}/{used[1]:4.1f}"
                f"  build {used[2]:4.1f}/{used[3]:4.1f}  runner {used[4]:4.1f}/{used[5]:4.1f}"
                f"{'  ERROR' if errors else ''}  {first_line[:50]}",
                flush=True,
            )
    walls.sort()
    print(
        f"all {len(walls)} cells {total[0]:.1f} s (median cell {walls[len(walls) // 2]:.1f} s); "
        f"CPU user/sys: kernel {total[1]:.1f}/{total[2]:.1f}, build {total[3]:.1f}/{total[4]:.1f}, "
        f"runner {total[5]:.1f}/{total[6]:.1f}"
    )


if __name__ == "__main__":
    sys.exit(main())
