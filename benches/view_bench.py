"""Customer-view benchmark: `custseg view` against the same view in pandas, generated health data.

Usage (from the repo root, after `bash scripts/setup-python.sh` and `cargo build --release`):

    .venv/bin/python benches/view_bench.py [--runs 5] [--binary PATH] [--regenerate]

Data: made once with

    custseg generate health --seed 1 --output target/bench-data/health-seed1.csv

(the default size, 2,406,316 rows, that of the original file) and reused while it is there
(target/ is not committed); --regenerate makes it again (do so after a change to the health
generator); --data-dir caches it elsewhere.

Programs, each run as a whole process:

    custseg view health-seed1.csv --basket-json product_json --dimension location --output A.csv
    .venv/bin/python benches/view_pandas.py health-seed1.csv B.csv

benches/view_pandas.py runs the functions of tests/reference/customer_view.py, which define
the view's semantics and make the committed fixtures (read_csv once; json.loads per row and
explode for the baskets; groupby aggregates; an unstack of spend by location for the shares).

Measured per run: wall time from spawn to exit (for pandas: interpreter start-up and imports
included) and the process's peak resident set size (ru_maxrss from os.wait4 on that child, so
one run's peak is never mixed with another's). One warm-up of each (page cache, first-run
effects), not counted; then --runs alternating pairs, so machine noise hits both alike;
medians are reported. view_pandas.py's own stage times (read, clean, view, write) are
reported too.

Before any number is printed the two outputs must agree: the same header, the same customers
in the same order; integer columns (visits, items, skus, tenure_days, recency) equal as
numbers; float columns (spend, ticket_size, mean_days_between_visits, share_*) within
|a - b| <= 1e-9 max(|a|, |b|); empty cells in the same places; other cells (customer_id,
dates, dominant_*) equal as text. Numbers are compared as values, so "12" and "12.0" match.
Prints a markdown table and the command line for BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import zip_longest
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "target" / "bench-data"
SEED = 1
INT_COLUMNS = {"visits", "items", "skus", "tenure_days", "recency"}
FLOAT_COLUMNS = {"spend", "ticket_size", "mean_days_between_visits"}
RTOL = 1e-9


def default_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "custseg" / "target"))
    return target / "release" / "custseg"


def run(cmd: list[str]) -> tuple[float, int, str, str]:
    """(wall seconds, peak RSS in bytes, stdout, stderr) of one whole process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"error: `{' '.join(cmd)}` exited with {proc.returncode}:\n{stderr}")
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    rss = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return wall, rss, stdout, stderr


def health_data(binary: Path, data_dir: Path, regenerate: bool) -> Path:
    path = data_dir / f"health-seed{SEED}.csv"
    if path.exists() and not regenerate:
        print(f"data: reusing {path} ({path.stat().st_size / 1e6:.0f} MB)", file=sys.stderr)
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = data_dir / f"health-seed{SEED}.partial.csv"  # renamed once complete
    wall, _, _, _ = run([str(binary), "generate", "health", "--seed", str(SEED),
                         "--output", str(partial)])
    partial.replace(path)
    print(f"data: generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {wall:.1f} s",
          file=sys.stderr)
    return path


def compare_views(a: Path, b: Path) -> int:
    """Raises AssertionError at the first disagreement; returns the number of customers."""
    with open(a, newline="", encoding="utf-8") as fa, open(b, newline="", encoding="utf-8") as fb:
        ra, rb = csv.reader(fa), csv.reader(fb)
        header, header_b = next(ra), next(rb)
        assert header == header_b, f"headers differ:\n  custseg {header}\n  pandas  {header_b}"
        rows = 0
        for x, y in zip_longest(ra, rb):
            rows += 1
            assert x is not None and y is not None, \
                f"custseg and pandas differ in the number of customers (from data row {rows})"
            assert len(x) == len(y) == len(header), f"data row {rows}: cell counts differ"
            assert x[0] == y[0], \
                f"data row {rows}: customer {x[0]!r} (custseg) vs {y[0]!r} (pandas)"
            for column, u, v in zip(header, x, y):
                if u == v:
                    continue
                where = f"customer {x[0]!r}, column {column!r}: custseg {u!r} vs pandas {v!r}"
                assert u != "" and v != "", f"{where} (empty on one side only)"
                if column in INT_COLUMNS:
                    assert float(u) == float(v), f"{where} (integer column, exact)"
                elif column in FLOAT_COLUMNS or column.startswith("share_"):
                    p, q = float(u), float(v)
                    assert abs(p - q) <= RTOL * max(abs(p), abs(q)), \
                        f"{where} (|diff| {abs(p - q):.3g} > {RTOL:g} relative)"
                else:
                    raise AssertionError(f"{where} (text, exact)")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--binary", type=Path, default=default_binary())
    parser.add_argument("--regenerate", action="store_true",
                        help="make the health file again even if it is cached")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR,
                        help="where the generated health file is cached (default: %(default)s)")
    args = parser.parse_args()
    if not args.binary.is_file():
        sys.exit(f"error: no custseg binary at {args.binary}; run `cargo build --release` (with "
                 "CARGO_TARGET_DIR set if your target directory is elsewhere) or pass --binary")
    data = health_data(args.binary, args.data_dir, args.regenerate)
    tmp = Path(tempfile.mkdtemp())
    rust_out, pandas_out = tmp / "custseg.csv", tmp / "pandas.csv"
    rust_cmd = [str(args.binary), "view", str(data), "--basket-json", "product_json",
                "--dimension", "location", "--output", str(rust_out)]
    pandas_cmd = [sys.executable, str(REPO / "benches" / "view_pandas.py"), str(data),
                  str(pandas_out)]
    # One warm-up each, not counted; their outputs are compared.
    run(rust_cmd)
    _, _, _, pandas_log = run(pandas_cmd)
    customers = compare_views(rust_out, pandas_out)
    rust_wall, rust_rss, pandas_wall, pandas_rss, stages = [], [], [], [], []
    for _ in range(args.runs):
        wall, rss, _, _ = run(rust_cmd)
        rust_wall.append(wall)
        rust_rss.append(rss)
        wall, rss, stdout, _ = run(pandas_cmd)
        pandas_wall.append(wall)
        pandas_rss.append(rss)
        stages.append(json.loads([l for l in stdout.splitlines() if l.startswith("{")][-1]))
    # the timed runs wrote the outputs again: still the same view
    compare_views(rust_out, pandas_out)

    import pandas  # for its version only (not loaded before the runs)
    rows_line = next((l for l in pandas_log.splitlines() if l.startswith("rows read")), "")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores; data `custseg generate health "
          f"--seed {SEED}` ({data.stat().st_size / 1e6:.0f} MB; pandas: {rows_line}); "
          f"{customers:,} customers in both views, which agree; {args.runs} alternating runs, "
          f"medians; pandas {pandas.__version__}, Python {platform.python_version()}.\n")
    a, b = statistics.median(rust_wall), statistics.median(pandas_wall)
    ra, rb = statistics.median(rust_rss) / 2**20, statistics.median(pandas_rss) / 2**20
    print("| | custseg | pandas | pandas / custseg |")
    print("|---|---:|---:|---:|")
    print(f"| wall time, whole process (s) | {a:.3f} | {b:.3f} | {b / a:.1f}x |")
    print(f"| peak RSS (MiB) | {ra:.0f} | {rb:.0f} | {rb / ra:.1f}x |")
    for label, key in [("read_csv", "read_s"), ("clean (json.loads per row, explode)", "clean_s"),
                       ("view (groupby, unstack)", "view_s"), ("write CSV", "write_s")]:
        stage = statistics.median(s[key] for s in stages)
        print(f"| pandas stage: {label} (s) | | {stage:.3f} | |")
    print(f"\nruns (s): custseg {', '.join(f'{w:.3f}' for w in rust_wall)}; "
          f"pandas {', '.join(f'{w:.3f}' for w in pandas_wall)}")
    command = ".venv/bin/python benches/view_bench.py"
    if args.runs != 5:
        command += f" --runs {args.runs}"
    if args.binary != default_binary():
        command += f" --binary {args.binary}"
    if args.data_dir != DATA_DIR:
        command += f" --data-dir {args.data_dir}"
    print(f"\nCommand (from the repo root, after `cargo build --release`): `{command}`")


if __name__ == "__main__":
    main()
