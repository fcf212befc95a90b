"""Scale benchmark: the per-customer RFM job by custseg, DuckDB, polars (streaming) and pandas,
whole processes, side by side in one run, on one or more Online-Retail-shaped files.

Usage (from the repo root, after `bash scripts/setup-python.sh`, `cargo build --release` and,
once, `.venv/bin/pip install -r benches/requirements-bench.txt` for DuckDB and polars):

    .venv/bin/python benches/scale_bench.py --inputs FILE [FILE ...] [--runs 3]
        [--tools custseg,duckdb,polars,pandas] [--max-pandas-rows 20000000] [--binary PATH]
        [--workdir DIR]

    e.g. --inputs data/online-retail/online_retail.csv.gz /tmp/online_retail.parquet

Inputs: .csv / .csv.gz files, or Parquet (a .parquet file, a directory of them, or a quoted
glob), with the Online Retail columns (InvoiceNo, StockCode, Description, Quantity,
InvoiceDate, UnitPrice, CustomerID, Country; dates like 2010-12-01 08:26:00): the bundled file,
`custseg generate online-retail --rows N -o FILE.csv.gz` (or `-o FILE.parquet`: every column but
Quantity and UnitPrice as text), or a typed Parquet copy of a CSV made by
`benches/scale_to_parquet.py FILE.csv.gz FILE.parquet` (ids int64, dates timestamp).

Programs, each run as a whole process (interpreter start-up and imports included):

    custseg --timings rfm INPUT --output OUT.csv
    .venv/bin/python benches/scale_rfm.py --tool duckdb|polars|pandas INPUT OUT.csv

benches/scale_rfm.py's docstring says how each tool does the job: custseg's default cleaning
(missing values, unparsable numbers and dates, cancellations ^C\\d+$, quantity or price <= 0;
duplicates kept), per customer recency (days from the last purchase's day to the day after the
last kept transaction's), frequency (distinct invoices) and monetary (sum of quantity x price),
pandas-qcut quintile scores (frequency by rank-first; R reversed), the per-customer CSV written.
DuckDB and polars run with their defaults (threads = cores); polars collects with
engine="streaming"; pandas is skipped (row marked "skipped") for inputs of more than
--max-pandas-rows rows, where it would not fit in memory.

Per input: custseg's summary (`custseg rfm INPUT`, not timed) gives the row count ("N customers
from K of R rows") and puts the file in the page cache. Then --runs rounds, each running every
tool once in the order of --tools (so machine noise hits all alike). Measured per run: wall time
from spawn to exit and the process's peak resident set size (ru_maxrss from os.wait4 on that
child, i.e. what GNU `/usr/bin/time -v` prints). Each run is spawned and measured by a small
separate interpreter (LAUNCHER), because on Linux a child's ru_maxrss starts at the peak RSS of
the process that forked it, and this script's own grows while it compares outputs. Reported:
the median and the best wall time, the largest peak RSS over the runs, and each tool's median
time and peak RSS over custseg's. The binary is copied into the work directory before the first
run, so a rebuild in the meantime does not change what is measured.

Agreement, checked after every round, so before any time is printed: each tool's output has the
same customers as custseg's (ids compared as integers when they all are), recency and frequency
equal, monetary within 1e-6 relative, and R, F and M scores equal; each tool kept as many rows as
custseg. Sums of floats in another order can differ in the last bits, so an M score may flip for
a customer whose monetary value sits on a quintile edge (an edge equals a customer's value when
the customers around that quantile have equal sums, each a few ulps apart in another tool):
such differences (customer within 1e-9 relative of an edge computed from custseg's values, M
scored by plain qcut) are counted and printed, not fatal; any other difference stops the script
with exit code 1. DuckDB's and polars' parallel sums change order from run to run (custseg and
pandas sum each customer's rows in file order): on a 10-million-row generated Parquet file one
polars run of three moved one customer across the M edge at 426.76 (another customer on that
edge summed to 426.75999999999993); on the bundled file no score differs.

Progress and agreement details go to stderr; stdout is a markdown section for BENCHMARKS.md
(machine, versions, the table, in-process stage medians, the command).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
HELPER = REPO / "benches" / "scale_rfm.py"
TOOLS = ("custseg", "duckdb", "polars", "pandas")
MONETARY_RTOL = 1e-6
EDGE_RTOL = 1e-9

sys.path.insert(0, str(REPO / "benches"))
sys.dont_write_bytecode = True  # no __pycache__ in benches/ from the import below
from scale_rfm import input_kind, parquet_files, qcut_edges  # noqa: E402


def default_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "custseg" / "target"))
    return target / "release" / "custseg"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# Each measured process is spawned by this small interpreter (`python -I -S -c LAUNCHER RESULT
# CMD...`): it writes "wall exit_code ru_maxrss" to RESULT.
LAUNCHER = """
import os, signal, sys, time
result, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # as subprocess does (Python ignores it)
    try:
        os.execvp(cmd[0], cmd)
    except OSError as e:
        print(f"cannot run {cmd[0]}: {e}", file=sys.stderr, flush=True)
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(result, "w") as fh:
    fh.write(f"{wall!r} {os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def run(cmd: list[str]) -> tuple[float, int, str, str]:
    """(wall seconds, peak RSS in bytes, stdout, stderr) of one whole process; stops on failure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as result:
        launcher = subprocess.run([sys.executable, "-I", "-S", "-c", LAUNCHER, result.name, *cmd],
                                  stdout=out, stderr=err)
        measured = result.read().split()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    code = int(measured[1]) if len(measured) == 3 else launcher.returncode or 1
    if code != 0:
        tail = "\n".join(stderr.strip().splitlines()[-20:])
        sys.exit(f"error: exit code {code} from\n  {shlex.join(cmd)}\n{tail}")
    wall, maxrss = float(measured[0]), int(measured[2])
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    return wall, maxrss if sys.platform == "darwin" else maxrss * 1024, stdout, stderr


def json_line(stream: str) -> dict:
    lines = [line for line in stream.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def copy_binary(binary: Path, workdir: Path) -> Path:
    """A private copy of the binary (waiting up to 10 minutes while a rebuild replaces it)."""
    deadline = time.monotonic() + 600
    while not binary.is_file():
        if time.monotonic() > deadline:
            sys.exit(f"error: no custseg binary at {binary}; run `cargo build --release` (with "
                     "CARGO_TARGET_DIR set if your target directory is elsewhere) or pass --binary")
        log(f"waiting for {binary} ...")
        time.sleep(5)
    copy = workdir / "custseg"
    for _ in range(10):  # the file may be rewritten while copied: copy until it is stable
        before = binary.stat()
        shutil.copy2(binary, copy)
        after = binary.stat()
        if (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns) \
                and copy.stat().st_size == after.st_size:
            break
        time.sleep(5)
    else:
        sys.exit(f"error: {binary} kept changing while it was copied")
    copy.chmod(0o755)
    return copy


# --------------------------------------------------------------------------------------------
# inputs

def describe(path: str) -> dict:
    """Label, format and size on disk of an input."""
    if input_kind(path) == "csv":
        size = os.path.getsize(path)
        fmt = "csv.gz" if path.lower().endswith(".gz") else "csv"
    else:
        files = parquet_files(path)
        size = sum(os.path.getsize(f) for f in files)
        fmt = "parquet" if len(files) == 1 else f"parquet ({len(files)} files)"
    return {"path": path, "label": os.path.basename(path.rstrip("/")) or path, "format": fmt,
            "bytes": size}


def count_rows(binary: Path, path: str) -> dict:
    """custseg's summary line: "N customers from K of R rows" (not timed)."""
    wall, _, stdout, _ = run([str(binary), "rfm", path])
    for line in stdout.splitlines():
        words = line.split()
        if len(words) >= 7 and words[1] == "customers" and words[2] == "from" \
                and words[4] == "of" and words[6].rstrip(";") == "rows":
            return {"customers": int(words[0]), "kept": int(words[3]),
                    "rows": int(words[5]), "summary_s": wall}
    sys.exit(f"error: no 'N customers from K of R rows' line in `custseg rfm {path}`:\n{stdout}")


# --------------------------------------------------------------------------------------------
# agreement

def read_table(path: Path) -> dict:
    """customer id -> (recency, frequency, monetary, r, f, m), ids as int when all are."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = {row["customer_id"]: (int(row["recency"]), int(row["frequency"]),
                                     float(row["monetary"]), int(row["r"]), int(row["f"]),
                                     int(row["m"]))
                for row in reader}
    try:
        return {int(k): v for k, v in rows.items()}
    except ValueError:
        return rows


def compare(tool: str, ours: Path, theirs: Path, label: str) -> dict:
    """custseg's table (ours) against a tool's (theirs); stops on a real disagreement."""
    a, b = read_table(ours), read_table(theirs)
    where = f"{label}: {tool} vs custseg"
    if a.keys() != b.keys():
        only_a, only_b = sorted(a.keys() - b.keys()), sorted(b.keys() - a.keys())
        sys.exit(f"error: {where}: different customers ({len(a)} vs {len(b)}; only in custseg: "
                 f"{only_a[:5]}; only in {tool}: {only_b[:5]})")
    worst, score_diffs, edge_diffs = 0.0, {"r": 0, "f": 0, "m": 0}, []
    edges = None
    for key, x in a.items():
        y = b[key]
        if x[0] != y[0] or x[1] != y[1]:
            sys.exit(f"error: {where}: customer {key}: recency, frequency {x[:2]} vs {y[:2]}")
        d = abs(x[2] - y[2]) / max(abs(x[2]), abs(y[2]), 1e-300)
        worst = max(worst, d)
        if d > MONETARY_RTOL:
            sys.exit(f"error: {where}: customer {key}: monetary {x[2]!r} vs {y[2]!r}")
        for i, name in ((3, "r"), (4, "f"), (5, "m")):
            if x[i] != y[i]:
                score_diffs[name] += 1
                if name != "m":
                    sys.exit(f"error: {where}: customer {key}: {name} {x[i]} vs {y[i]} with the "
                             f"same recency and frequency {x[:2]}")
                if edges is None:
                    edges = qcut_edges(np.asarray([v[2] for v in a.values()]), 5)
                    if edges is None:
                        sys.exit(f"error: {where}: customer {key}: m {x[i]} vs {y[i]}; custseg "
                                 f"scored monetary by rank (quintile edges not unique), where "
                                 f"no difference is expected")
                on_edge = any(abs(x[2] - e) <= EDGE_RTOL * max(abs(e), 1.0) for e in edges)
                if not on_edge:
                    sys.exit(f"error: {where}: customer {key}: m {x[i]} vs {y[i]}, monetary "
                             f"{x[2]!r} vs {y[2]!r}, not on a quintile edge ({edges})")
                edge_diffs.append(key)
    if edge_diffs:
        log(f"warning: {where}: {len(edge_diffs)} M scores differ, all for customers whose "
            f"monetary value is on a quintile edge (float sums in another order): "
            f"{edge_diffs[:10]}")
    return {"customers": len(a), "monetary_rel": worst, "m_edge_diffs": len(edge_diffs)}


# --------------------------------------------------------------------------------------------
# report

def versions(binary: Path) -> str:
    def v(p: str) -> str:
        try:
            return version(p)
        except PackageNotFoundError:
            return "not installed"
    git = ["git", "-C", str(REPO)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(binary.stat().st_mtime))
    return (f"duckdb {v('duckdb')}, polars {v('polars')}, pandas {v('pandas')}, numpy "
            f"{v('numpy')}, Python {platform.python_version()}; custseg at commit {commit}"
            f"{' (work tree with uncommitted changes)' if dirty else ''}, binary built {built}")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor() or platform.machine())
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cores = len(os.sched_getaffinity(0))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cores} cores ({cpu}), {mem:.0f} GiB RAM; load average at start {load}"


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f}"


def size(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n < 2**30 else f"{n / 2**30:,.2f} GiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", nargs="+", required=True,
                        help=".csv/.csv.gz files, Parquet files, directories or quoted globs")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help="comma-separated, run in this order each round (custseg required)")
    parser.add_argument("--max-pandas-rows", type=int, default=20_000_000,
                        help="skip pandas on inputs with more rows (default: %(default)s)")
    parser.add_argument("--binary", type=Path, default=default_binary())
    parser.add_argument("--workdir", type=Path,
                        help="for the binary's copy and the outputs (default: a new temporary "
                             "directory, deleted at the end)")
    args = parser.parse_args()
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if "custseg" not in tools or any(t not in TOOLS for t in tools):
        sys.exit(f"error: --tools must name custseg and any of {', '.join(TOOLS)}")
    for path in args.inputs:
        if not (os.path.exists(path) or input_kind(path) == "parquet" and parquet_files(path)):
            sys.exit(f"error: no input at {path}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="scale_bench."))
    workdir.mkdir(parents=True, exist_ok=True)
    binary = copy_binary(args.binary, workdir)
    header = f"Machine: {machine()}; {versions(args.binary)}."

    results = []  # one per input
    for n, path in enumerate(args.inputs):
        info = describe(path)
        counts = count_rows(binary, path)
        log(f"{info['label']}: {counts['rows']:,} rows, {counts['kept']:,} kept, "
            f"{counts['customers']:,} customers ({counts['summary_s']:.1f} s untimed summary)")
        active = [t for t in tools
                  if not (t == "pandas" and counts["rows"] > args.max_pandas_rows)]
        outs = {t: workdir / f"input{n}_{t}.csv" for t in active}
        cmds = {t: ([str(binary), "--timings", "rfm", path, "--output", str(outs[t])]
                    if t == "custseg" else
                    [sys.executable, str(HELPER), "--tool", t, path, str(outs[t])])
                for t in active}
        walls = {t: [] for t in active}
        rss = {t: [] for t in active}
        stage_runs = {t: [] for t in active}
        agreement = {}
        for round_ in range(args.runs):
            for t in active:
                wall, peak, stdout, stderr = run(cmds[t])
                walls[t].append(wall)
                rss[t].append(peak)
                stage_runs[t].append(json_line(stderr if t == "custseg" else stdout))
                log(f"  round {round_ + 1}/{args.runs} {t:8s} {wall:8.2f} s {mib(peak):>7s} MiB")
            for t in active:
                if t == "custseg":
                    continue
                kept = stage_runs[t][-1].get("rows_kept")
                if kept != counts["kept"]:
                    sys.exit(f"error: {info['label']}: {t} kept {kept} rows, custseg "
                             f"{counts['kept']}")
                agreement[t] = compare(t, outs["custseg"], outs[t], info["label"])
        results.append({"info": info, "counts": counts, "walls": walls, "rss": rss,
                        "stages": stage_runs, "agreement": agreement,
                        "skipped": [t for t in tools if t not in active]})

    # ---- report (stdout)
    print(header + "\n")
    print(f"{args.runs} rounds per input, each running every tool once as a whole process in the "
          f"order {', '.join(tools)}; wall time median and best, peak RSS the largest of the "
          f"runs; ratios are the tool's median time and peak RSS over custseg's.\n")
    print("| input | rows | format | on disk | tool | median (s) | best (s) | peak RSS (MiB) "
          "| time / custseg | peak / custseg |")
    print("|---|---:|---|---:|---|---:|---:|---:|---:|---:|")
    for res in results:
        info, counts = res["info"], res["counts"]
        base_t = statistics.median(res["walls"]["custseg"])
        base_m = max(res["rss"]["custseg"])
        lead = f"| {info['label']} | {counts['rows']:,} | {info['format']} | {size(info['bytes'])}"
        for t in tools:
            if t in res["skipped"]:
                print(f"{lead} | {t} | skipped (more than {args.max_pandas_rows:,} rows) "
                      f"| | | | |")
                continue
            med, best, peak = (statistics.median(res["walls"][t]), min(res["walls"][t]),
                               max(res["rss"][t]))
            print(f"{lead} | {t} | {med:.3f} | {best:.3f} | {mib(peak)} | {med / base_t:.2f}x "
                  f"| {peak / base_m:.2f}x |")
    print()
    for res in results:
        info, counts, agreement = res["info"], res["counts"], res["agreement"]
        print(f"- {info['label']} (`{info['path']}`): {counts['kept']:,} of {counts['rows']:,} "
              f"rows kept, {counts['customers']:,} customers.")
        if agreement:
            parts = [f"{t} (monetary within {a['monetary_rel']:.1e} relative"
                     + (f"; {a['m_edge_diffs']} M scores differ on a quintile edge"
                        if a["m_edge_diffs"] else "") + ")"
                     for t, a in agreement.items()]
            print(f"  Agree with custseg after every round: same customers, recency, frequency, "
                  f"R/F/M scores and kept rows: {'; '.join(parts)}.")
        stage_parts = []
        for t, runs in res["stages"].items():
            keys = [k for k in runs[0] if k.endswith("_s")]
            med = ", ".join(f"{k[:-2]} {statistics.median(r.get(k, 0.0) for r in runs):.3f}"
                            for k in keys)
            stage_parts.append(f"{t} {med}")
        print(f"  In-process stage medians (s): {'; '.join(stage_parts)}.")
        runs_text = "; ".join(f"{t} " + ", ".join(f"{w:.2f}" for w in ws)
                              for t, ws in res["walls"].items())
        print(f"  Runs (s): {runs_text}.")
    command = ".venv/bin/python benches/scale_bench.py --inputs " + " ".join(
        shlex.quote(p) for p in args.inputs)
    if args.runs != 3:
        command += f" --runs {args.runs}"
    if tools != list(TOOLS):
        command += f" --tools {','.join(tools)}"
    if args.max_pandas_rows != 20_000_000:
        command += f" --max-pandas-rows {args.max_pandas_rows}"
    if args.binary != default_binary():
        command += f" --binary {args.binary}"
    print(f"\nCommand (from the repo root, after `cargo build --release`): `{command}`")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
