"""RFM benchmark: `custseg rfm` against the same work in pandas, in one run, on the bundled data.

Usage (from the repo root, after `bash scripts/setup-python.sh` and `cargo build --release`):

    .venv/bin/python benches/rfm_bench.py [--runs 7] [--binary PATH]

Both programs do the same job (read the Online Retail .csv.gz, clean with the default rules, RFM
with pandas-qcut quintiles, rf-regex segments, write the per-customer CSV) and report their own
stage times as one JSON line (custseg: `--timings` on stderr; pandas: benches/rfm_pandas.py on
stdout). Runs alternate between the two so machine noise hits both alike; the median of each stage
is reported. Process wall time (interpreter start-up and imports included) is reported too.
The outputs are compared for equal customers, scores and segments before any number is printed.
Prints a markdown table for BENCHMARKS.md.
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "online-retail" / "online_retail.csv.gz"


def default_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "custseg" / "target"))
    return target / "release" / "custseg"


def run(cmd: list[str], json_stream: str) -> tuple[dict, float]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    stream = proc.stdout if json_stream == "stdout" else proc.stderr
    line = [l for l in stream.splitlines() if l.startswith("{")][-1]
    return json.loads(line), wall


def same_results(a: Path, b: Path) -> None:
    ra = list(csv.DictReader(open(a)))
    rb = list(csv.DictReader(open(b)))
    assert len(ra) == len(rb), (len(ra), len(rb))
    for x, y in zip(ra, rb):
        for k in ("customer_id", "recency", "frequency", "r", "f", "m", "rfm_code", "segment"):
            assert x[k] == y[k], (k, x, y)
        assert abs(float(x["monetary"]) - float(y["monetary"])) <= 1e-9 * max(1.0, abs(float(y["monetary"])))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--binary", type=Path, default=default_binary())
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    rust_out, pandas_out = tmp / "custseg.csv", tmp / "pandas.csv"
    rust_cmd = [str(args.binary), "--timings", "rfm", str(DATA), "--segments", "rf-regex", "--output", str(rust_out)]
    pandas_cmd = [sys.executable, str(REPO / "benches" / "rfm_pandas.py"), str(DATA), str(pandas_out)]
    # One warm-up each (page cache, first-run effects), not counted.
    run(rust_cmd, "stderr")
    run(pandas_cmd, "stdout")
    same_results(rust_out, pandas_out)
    rust, pandas, rust_wall, pandas_wall = [], [], [], []
    for _ in range(args.runs):
        t, w = run(rust_cmd, "stderr")
        rust.append(t)
        rust_wall.append(w)
        t, w = run(pandas_cmd, "stdout")
        pandas.append(t)
        pandas_wall.append(w)
    med = lambda rows, key: statistics.median(r[key] for r in rows)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores; {args.runs} alternating runs, medians; "
          f"pandas {__import__('pandas').__version__}, Python {platform.python_version()}.\n")
    print("| stage | custseg (s) | pandas (s) | pandas / custseg |")
    print("|---|---:|---:|---:|")
    # custseg reads, cleans and aggregates in one streaming pass (its `rfm` stage: there is no
    # separate load stage when the input is a file); pandas reads, cleans, then computes RFM.
    for row in rust:
        row["pass_s"] = row.get("load_s", 0.0) + row["rfm_s"]
    for row in pandas:
        row["pass_s"] = row["read_s"] + row["clean_s"] + row["rfm_s"]
    for label, key in [("read, clean and RFM (aggregate, score, segment)", "pass_s"),
                       ("write CSV", "write_s"), ("end to end, in process", "total_s")]:
        a, b = med(rust, key), med(pandas, key)
        print(f"| {label} | {a:.4f} | {b:.4f} | {b / a:.1f}x |")
    print(f"| (pandas read alone) | | {med(pandas, 'read_s'):.4f} | |")
    print(f"| (pandas RFM alone) | | {med(pandas, 'rfm_s'):.4f} | |")
    a, b = statistics.median(rust_wall), statistics.median(pandas_wall)
    print(f"| end to end, process wall time | {a:.4f} | {b:.4f} | {b / a:.1f}x |")


if __name__ == "__main__":
    main()
