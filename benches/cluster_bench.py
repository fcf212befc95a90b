"""Clustering benchmark: `custseg cluster` model selection against scikit-learn, in one run.

Usage (from the repo root, after `bash scripts/setup-python.sh` and `cargo build --release`):

    .venv/bin/python benches/cluster_bench.py [--runs 5] [--runs-large 1] [--binary PATH]
        [--workdir /tmp/custseg-bench] [--customers 1000000]

Both programs do the same job on a per-customer table (customer_id,recency,frequency,monetary):
read the CSV, log1p then standard scaling of the three columns, k-means (k-means++, n_init 10,
seed 0) for k = 2..10 with inertia, silhouette, Calinski-Harabasz and Davies-Bouldin for each k,
and write the selection table:

    custseg --timings cluster FEATURES.csv --features recency,frequency,monetary \\
        --transform log1p,standard --k 2..10 --model kmeans --seed 0 --selection OUT.csv
    python benches/cluster_sklearn.py --features FEATURES.csv \\
        --columns recency,frequency,monetary --k 2..10 --selection OUT.csv

Each reports its own stage times as one JSON line (custseg: `--timings` on stderr;
scikit-learn, with its default threading: benches/cluster_sklearn.py on stdout).

Datasets:
  bundled    tests/fixtures/cluster/online_retail_rfm_features.csv (4,338 customers of the
             Online Retail data), silhouette over all customers; --runs alternating runs after
             one uncounted warm-up each.
  synthetic  --customers (default 1,000,000) customers with 4 planted groups, from
             numpy default_rng(2026), written once to WORKDIR and reused (delete it after
             changing the generator); both sides get `--silhouette-sample 10000` (silhouette of a
             seeded random sample of 10,000 customers); --runs-large alternating runs, no warm-up.

Before any number is printed the two selection CSVs are compared: the same k's and inertia within
0.5% (relative) or the script stops; the differences in silhouette, Calinski-Harabasz and
Davies-Bouldin are printed, not enforced (the two k-means can end in different local optima, and
sampled silhouettes use different samples).

Run it on an idle machine: scikit-learn's OpenMP threads spin-wait on each other, so with a core
busy elsewhere (e.g. a cargo build) its k-means runs several times slower; the script warns when
the load average is above 0.5. On the project machine the scikit-learn side takes about 6 s a run
on the bundled data and 90 s on 1,000,000 customers, so the defaults take about 2.5 minutes plus
custseg's own time (and 4 s to write the synthetic CSV the first time).

Peak memory is each process's maximum resident set size from wait4(2), the number GNU
`/usr/bin/time -v` prints as "Maximum resident set size" (getrusage(RUSAGE_CHILDREN) would give
the maximum over all children so far, not per run). Progress goes to stderr; stdout is a
markdown section for BENCHMARKS.md: machine, command, one table per dataset (stage medians,
process wall time, peak RSS, scikit-learn / custseg ratios).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "tests" / "fixtures" / "cluster" / "online_retail_rfm_features.csv"
SKLEARN_SCRIPT = REPO / "benches" / "cluster_sklearn.py"
COLUMNS = "recency,frequency,monetary"
K = "2..10"
INERTIA_RTOL = 0.005
SYNTHETIC_SEED = 2026
SILHOUETTE_SAMPLE = 10_000

# Table rows: label, custseg stage, scikit-learn stage.
STAGES = [
    ("read CSV", "read", "read"),
    ("log1p + standard scaling", "features", "transform"),
    (f"model selection (k-means and 3 metrics, k = {K})", "selection", "selection"),
    ("write selection CSV", "write", "write"),
    ("end to end, in process", "total", "total"),
]

# Planted groups: share of customers, recency range in days, mean number of repeat purchases
# (Poisson), log-mean and log-sd of the spend per purchase.
GROUPS = [
    (0.12, (1, 30), 12.0, 5.0, 0.5),    # recent, frequent, big spenders
    (0.28, (10, 120), 4.0, 4.3, 0.6),   # regulars
    (0.25, (120, 300), 1.5, 4.0, 0.6),  # lapsing
    (0.35, (250, 400), 0.2, 3.2, 0.7),  # one-off, long gone
]


def default_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "custseg" / "target"))
    return target / "release" / "custseg"


def synthetic_features(path: Path, n: int) -> None:
    rng = np.random.default_rng(SYNTHETIC_SEED)
    share, rec, repeat, log_mean, log_sd = (np.array(v) for v in zip(*GROUPS))
    group = rng.choice(len(GROUPS), size=n, p=share)
    lo, hi = np.array([r[0] for r in rec]), np.array([r[1] for r in rec])
    recency = rng.integers(lo[group], hi[group] + 1)
    frequency = 1 + rng.poisson(repeat[group])
    spend = frequency * rng.lognormal(log_mean[group], log_sd[group])
    table = pd.DataFrame({
        "customer_id": np.arange(1, n + 1),
        "recency": recency,
        "frequency": frequency,
        "monetary": np.maximum(np.round(spend, 2), 0.01),
    })
    # Written under a temporary name so an interrupted run never leaves a truncated cache.
    partial = path.with_suffix(".partial")
    table.to_csv(partial, index=False)
    partial.rename(path)


def run(cmd: list[str], json_stream: str) -> tuple[dict, float, int]:
    """Runs cmd; returns its stage timings (keys without "_s"), wall seconds and peak RSS in KiB."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        sys.exit(f"error: exit code {proc.returncode} from\n  {shlex.join(cmd)}\n{tail}")
    stream = stdout if json_stream == "stdout" else stderr
    lines = [line for line in stream.splitlines() if line.startswith("{")]
    if not lines:
        sys.exit(f"error: no JSON timings line on {json_stream} of\n  {shlex.join(cmd)}")
    timings = {k.removesuffix("_s"): v for k, v in json.loads(lines[-1]).items()}
    return timings, wall, usage.ru_maxrss


METRICS = {"inertia": "inertia", "silhouette": "silhouette",
           "calinski_harabasz": "Calinski-Harabasz", "davies_bouldin": "Davies-Bouldin"}
RELATIVE = {"inertia", "calinski_harabasz"}  # compared relatively; scale-free ones as differences


def read_selection(path: Path) -> dict[int, dict[str, float]]:
    with open(path, newline="") as fh:
        return {int(row["k"]): {m: float(row[m]) for m in METRICS} for row in csv.DictReader(fh)}


def compare_selections(custseg_csv: Path, sklearn_csv: Path) -> str:
    """Stops on different k's or inertia beyond INERTIA_RTOL; returns a one-line summary."""
    ours, theirs = read_selection(custseg_csv), read_selection(sklearn_csv)
    if sorted(ours) != sorted(theirs):
        sys.exit(f"error: custseg has k = {sorted(ours)}, scikit-learn k = {sorted(theirs)}")
    diffs = {k: {m: (ours[k][m] - theirs[k][m]) / (theirs[k][m] if m in RELATIVE else 1.0)
                 for m in METRICS} for k in sorted(ours)}
    print("   k   inertia rel   silhouette   CH rel      DB", file=sys.stderr)
    for k, d in diffs.items():
        print(f"  {k:2d}" + "".join(f"   {d[m]:+.2e}" for m in METRICS), file=sys.stderr)
    worst = {m: max(diffs, key=lambda k: abs(diffs[k][m])) for m in METRICS}
    k = worst["inertia"]
    if abs(diffs[k]["inertia"]) > INERTIA_RTOL:
        sys.exit(f"error: inertia differs by {diffs[k]['inertia']:+.2%} at k = {k} "
                 f"(limit {INERTIA_RTOL:.1%}): {custseg_csv} vs {sklearn_csv}")
    return "custseg - scikit-learn, largest over k: " + ", ".join(
        f"{name} {diffs[worst[m]][m]:+.2e}{' relative' if m in RELATIVE else ''} (k = {worst[m]})"
        for m, name in METRICS.items()) + "."


def bench(name: str, features: Path, extra: list[str], runs: int, warmup: bool,
          binary: Path, workdir: Path) -> dict:
    out = workdir / name
    out.mkdir(parents=True, exist_ok=True)
    ours_csv, theirs_csv = out / "custseg_selection.csv", out / "sklearn_selection.csv"
    ours_cmd = [str(binary), "--timings", "cluster", str(features), "--features", COLUMNS,
                "--transform", "log1p,standard", "--k", K, "--model", "kmeans", "--seed", "0",
                "--selection", str(ours_csv)] + extra
    theirs_cmd = [sys.executable, str(SKLEARN_SCRIPT), "--features", str(features),
                  "--columns", COLUMNS, "--k", K, "--selection", str(theirs_csv)] + extra
    result = {"custseg": [], "sklearn": []}
    for i in range(int(warmup) + runs):
        for side, cmd, stream in (("custseg", ours_cmd, "stderr"),
                                  ("sklearn", theirs_cmd, "stdout")):
            timings, wall, rss = run(cmd, stream)
            print(f"{name}: {'warm-up' if i < warmup else f'run {i + 1 - warmup}/{runs}'} "
                  f"{side} {wall:.2f} s, {rss / 1024:.0f} MiB", file=sys.stderr)
            if i >= warmup:
                result[side].append((timings, wall, rss))
        if i == 0:
            result["agreement"] = compare_selections(ours_csv, theirs_csv)
    return result


def table(name: str, description: str, result: dict) -> str:
    def stage(side, key):
        values = [t[key] for t, _, _ in result[side] if key in t]
        return statistics.median(values) if values else None

    def row(label, a, b, fmt):
        cells = [fmt.format(v) if v is not None else "n/a" for v in (a, b)]
        ratio = f"{b / a:.1f}x" if a and b else "n/a"
        return f"| {label} | {cells[0]} | {cells[1]} | {ratio} |"

    lines = [f"### {name}", "", description, "",
             "| stage | custseg (s) | scikit-learn (s) | scikit-learn / custseg |",
             "|---|---:|---:|---:|"]
    lines += [row(label, stage("custseg", ours), stage("sklearn", theirs), "{:.4f}")
              for label, ours, theirs in STAGES]
    # Stages one side reports that the other has no counterpart for.
    known = {s for _, ours, theirs in STAGES for s in (ours, theirs)} | {"peak_rss_kib"}
    for key in sorted({k for t, _, _ in result["custseg"] for k in t} - known):
        lines.append(row(f"{key} (custseg only)", stage("custseg", key), None, "{:.4f}"))
    for key in sorted({k for t, _, _ in result["sklearn"] for k in t} - known):
        lines.append(row(f"{key} (scikit-learn only)", None, stage("sklearn", key), "{:.4f}"))
    walls = {side: statistics.median(w for _, w, _ in result[side])
             for side in ("custseg", "sklearn")}
    lines.append(row("process wall time", walls["custseg"], walls["sklearn"], "{:.4f}"))
    rss = {side: max(r for _, _, r in result[side]) / 1024 for side in ("custseg", "sklearn")}
    lines.append(row("peak RSS (MiB)", rss["custseg"], rss["sklearn"], "{:.0f}"))
    lines += ["", result["agreement"], ""]
    return "\n".join(lines)


def runs_text(runs: int) -> str:
    return "1 run each" if runs == 1 else f"{runs} alternating runs, medians"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor() or platform.machine())
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"Machine: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB; Python "
            f"{platform.python_version()}, scikit-learn {version('scikit-learn')}, numpy "
            f"{version('numpy')}, pandas {version('pandas')} (scikit-learn's default threading).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs on the bundled data")
    parser.add_argument("--runs-large", type=int, default=1, help="measured runs on synthetic data")
    parser.add_argument("--binary", type=Path, default=default_binary())
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/custseg-bench"))
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    if not (args.binary.is_file() and os.access(args.binary, os.X_OK)):
        sys.exit(f"error: no custseg binary at {args.binary}: build it with "
                 "`cargo build --release` or pass --binary PATH")
    if os.getloadavg()[0] > 0.5:
        # scikit-learn's OpenMP threads spin-wait on each other: with a core busy elsewhere
        # (e.g. a cargo build) its k-means runs several times slower.
        print(f"warning: load average {os.getloadavg()[0]:.1f}; the machine is not idle",
              file=sys.stderr)
    args.workdir.mkdir(parents=True, exist_ok=True)

    bundled = bench("bundled", BUNDLED, [], args.runs, True, args.binary, args.workdir)
    synthetic_csv = args.workdir / f"synthetic_{args.customers}_seed{SYNTHETIC_SEED}.csv"
    if not synthetic_csv.exists():
        print(f"writing {synthetic_csv}", file=sys.stderr)
        synthetic_features(synthetic_csv, args.customers)
    synthetic = bench("synthetic", synthetic_csv, ["--silhouette-sample", str(SILHOUETTE_SAMPLE)],
                      args.runs_large, False, args.binary, args.workdir)

    python = os.path.relpath(sys.executable, REPO)
    command = shlex.join([python, "benches/cluster_bench.py", *sys.argv[1:]])
    print(f"Command: `{command}`, {time.strftime('%Y-%m-%d')}.\n")
    print(machine() + "\n")
    print(table(f"Online Retail customers (4,338), {runs_text(args.runs)}",
                f"Input `{BUNDLED.relative_to(REPO)}`; silhouette over all customers.", bundled))
    print(table(f"{args.customers:,} synthetic customers, {runs_text(args.runs_large)}",
                f"Input generated by this script (numpy default_rng({SYNTHETIC_SEED}), 4 planted "
                f"groups); silhouette on a seeded sample of {SILHOUETTE_SAMPLE:,} customers "
                "(`--silhouette-sample`).", synthetic))


if __name__ == "__main__":
    main()
