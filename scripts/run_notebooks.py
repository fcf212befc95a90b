"""Executes every notebook in notebooks/ headless under the custseg evcxr kernel.

    .venv/bin/python scripts/run_notebooks.py [--inplace] [NOTEBOOK ...]

Fails (exit 1) on any cell error or error output. Writes the executed copies and their HTML
renderings to reports/notebooks/, and prints one line per notebook with its time, its median
cell and its slowest cell (from the kernel's own execute_input/execute_reply times). With --inplace
the executed notebook also replaces the source, so the committed notebooks carry their outputs.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "notebooks"


def error_outputs(nb) -> list[str]:
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
            elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = output.get("text", "")
                if "error" in text.lower() or "panicked" in text:
                    found.append(f"cell {index}: stderr: {text.strip()[:500]}")
    return found


def cell_seconds(nb) -> list[tuple[int, float]]:
    """(code cell number from 1, seconds) for every executed code cell, from nbclient's timing."""
    from datetime import datetime

    def parse(t: str) -> datetime:
        return datetime.fromisoformat(t.replace("Z", "+00:00"))

    times = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            times.append((number, (parse(end) - parse(start)).total_seconds()))
    return times


def run(path: Path, inplace: bool) -> bool:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="custseg-rust",
        timeout=3600,  # the first cell of a cold run builds custseg and polars: ~25 min
        startup_timeout=120,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    ok = True
    try:
        client.execute()
    except CellExecutionError as e:
        print(str(e)[:3000], file=sys.stderr)
        ok = False
    elapsed = time.perf_counter() - start
    problems = error_outputs(nb)
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    ok = ok and not problems
    OUT.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, OUT / path.name)
    html, _ = HTMLExporter().from_notebook_node(nb)
    # nbconvert links require.js and MathJax from a CDN; the notebooks use neither, and the
    # rendering must open offline, so drop those tags.
    html = re.sub(r'<script[^>]*src="https?://[^"]*"[^>]*>\s*</script>', "", html)
    (OUT / path.with_suffix(".html").name).write_text(html, encoding="utf-8")
    if inplace and ok:
        nbformat.write(nb, path)
    times = cell_seconds(nb)
    detail = ""
    if times:
        median = statistics.median(t for _, t in times)
        slowest = max(times, key=lambda x: x[1])
        detail = f"  median cell {median:5.1f} s  slowest cell {slowest[0]} ({slowest[1]:.1f} s)"
        if os.environ.get("CUSTSEG_CELL_TIMES"):
            for number, t in times:
                print(f"    cell {number:2}  {t:6.1f} s")
    print(f"{'ok  ' if ok else 'FAIL'} {path.name}  {elapsed:6.1f} s{detail}")
    return ok, [t for _, t in times]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inplace", action="store_true")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not notebooks:
        sys.exit("no notebooks found in notebooks/")
    results = [run(p.resolve(), args.inplace) for p in notebooks]
    passed = sum(ok for ok, _ in results)
    cells = [t for _, times in results for t in times]
    # Issue 15's goal is about the cell a user waits for, whichever notebook it is in.
    overall = f"; median cell over all {len(cells)} cells {statistics.median(cells):.1f} s" if cells else ""
    print(f"notebooks: {passed} passed, {len(results) - passed} failed{overall}")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
