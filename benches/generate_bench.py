"""Generator benchmark: `custseg generate` for each dataset and size, one file at a time.

Usage (from the repo root, after `cargo build --release`; standard library only):

    python3 benches/generate_bench.py [--sizes 100000000] [--no-default] [--datasets health]
                                      [--parquet-sizes 10000000] [--runs 1] [--dir DIR]
                                      [--binary PATH]

Sizes: the dataset's default size (no --rows: the original data's size) and --rows 10000000,
plus any given with --sizes (e.g. --sizes 100000000); --no-default leaves out the two default
sizes, so that `--sizes 20000 --no-default` tries the script in seconds. Each size is written
as .csv; the sizes in --parquet-sizes (default: 10000000) are written as .parquet too.

Each run is one whole process:

    custseg generate DATASET [--rows N] --seed 1 --output DIR/x.csv

Measured per run: wall time from spawn to exit, the process's peak resident set size (ru_maxrss
from os.wait4 on that child, KiB on Linux) and the size of the file written. The row and customer
counts are taken from the line generate prints ("wrote N rows of C customers to F") and the rows
checked against --rows. Each output (and the supermarket's planted-groups side file) is deleted
as soon as it is measured, so only one file is on disk at a time: the 100M-row health CSV alone
is about 22 GB. Before a run the free space under --dir is compared with the file size expected
from an earlier, smaller run of the same dataset and format; a run that would not fit is skipped
with a note instead of filling the disk.

Prints a markdown table (dataset, rows, format, seconds, rows per second, peak RSS, file size) and
the command line for BENCHMARKS.md. With --runs above 1 the median wall time and peak RSS are
reported.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "target" / "bench-data" / "generate"
DATASETS = ["flowers", "supermarket", "health"]
DEFAULT_SIZES: list[int | None] = [None, 10_000_000]  # None: the dataset's default size
DEFAULT_PARQUET_SIZES = [10_000_000]
SEED = 1
# Room left free on the disk beside the expected file size.
DISK_MARGIN = 2 * 2**30
WROTE = re.compile(r"^wrote (\d+) rows of (\d+) customers to ")


def default_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "custseg" / "target"))
    return target / "release" / "custseg"


def run(cmd: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in bytes, stderr) of one whole process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"error: `{' '.join(cmd)}` exited with {proc.returncode}:\n{stderr}")
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    rss = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return wall, rss, stderr


def remove_outputs(path: Path) -> None:
    """Deletes a generated file and the side files written beside it (`<stem>.*.csv`)."""
    path.unlink(missing_ok=True)
    stem = path.name.split(".")[0]
    for side in path.parent.glob(f"{stem}.*.csv"):
        side.unlink()


def size_label(rows: int | None) -> str:
    return "default" if rows is None else f"{rows:,}"


def measure(binary: Path, dataset: str, rows: int | None, fmt: str, out_dir: Path,
            runs: int) -> dict:
    output = out_dir / f"x.{fmt}"
    cmd = [str(binary), "generate", dataset]
    if rows is not None:
        cmd += ["--rows", str(rows)]
    cmd += ["--seed", str(SEED), "--output", str(output)]
    walls, rsses, sizes = [], [], []
    written = customers = None
    for _ in range(runs):
        remove_outputs(output)
        try:
            wall, rss, stderr = run(cmd)
            match = next((m for m in map(WROTE.match, stderr.splitlines()) if m), None)
            if match is None:
                sys.exit(f"error: `{' '.join(cmd)}` did not say what it wrote:\n{stderr}")
            written, customers = int(match.group(1)), int(match.group(2))
            if rows is not None and written != rows:
                sys.exit(f"error: `{' '.join(cmd)}` wrote {written} rows, not {rows}")
            sizes.append(output.stat().st_size)
        finally:
            remove_outputs(output)
        walls.append(wall)
        rsses.append(rss)
    seconds = statistics.median(walls)
    shown = ["custseg" if c == str(binary) else c for c in cmd]
    shown[-1] = f"x.{fmt}"
    return {
        "dataset": dataset,
        "size": rows,
        "rows": written,
        "customers": customers,
        "format": fmt,
        "seconds": seconds,
        "rows_per_s": written / seconds if seconds > 0 else float("nan"),
        "rss": statistics.median(rsses),
        "bytes": statistics.median(sizes),
        "walls": walls,
        "command": " ".join(shown),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", type=Path, default=default_binary())
    parser.add_argument("--sizes", type=int, nargs="+", default=[], metavar="ROWS",
                        help="row counts to add to the default sizes, e.g. 100000000")
    parser.add_argument("--no-default", action="store_true",
                        help="leave out the default sizes (the dataset's own size and 10,000,000)")
    parser.add_argument("--parquet-sizes", type=int, nargs="*", default=DEFAULT_PARQUET_SIZES,
                        metavar="ROWS", help="sizes also written as .parquet (default: %(default)s)")
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=DATASETS)
    parser.add_argument("--runs", type=int, default=1, help="runs per row of the table (median)")
    parser.add_argument("--dir", type=Path, default=DATA_DIR,
                        help="where each file is written, then deleted (default: %(default)s)")
    args = parser.parse_args()
    if not args.binary.is_file():
        sys.exit(f"error: no custseg binary at {args.binary}; run `cargo build --release` (with "
                 "CARGO_TARGET_DIR set if your target directory is elsewhere) or pass --binary")
    if args.runs < 1:
        sys.exit("error: --runs must be at least 1")
    sizes: list[int | None] = [] if args.no_default else list(DEFAULT_SIZES)
    sizes += [s for s in args.sizes if s not in sizes]
    if not sizes:
        sys.exit("error: no sizes: give --sizes or leave out --no-default")
    # Smallest first (the default sizes are at most a few million rows), so that the bytes per row
    # of a small run can tell whether a large one fits on the disk.
    sizes.sort(key=lambda s: 0 if s is None else s)
    args.dir.mkdir(parents=True, exist_ok=True)
    out_dir = Path(tempfile.mkdtemp(prefix="generate-bench-", dir=args.dir))

    results, skipped = [], []
    bytes_per_row: dict[tuple[str, str], float] = {}
    try:
        for dataset in args.datasets:
            for rows in sizes:
                formats = ["csv"] + (["parquet"] if rows in args.parquet_sizes else [])
                for fmt in formats:
                    label = f"{dataset} {size_label(rows)} .{fmt}"
                    known = bytes_per_row.get((dataset, fmt))
                    if rows is not None and known is not None:
                        expected = known * rows
                        free = shutil.disk_usage(out_dir).free
                        if expected + DISK_MARGIN > free:
                            note = (f"{label}: skipped, about {expected / 2**30:.1f} GiB expected "
                                    f"and {free / 2**30:.1f} GiB free under {args.dir}")
                            print(note, file=sys.stderr)
                            skipped.append(note)
                            continue
                    print(f"{label} ...", file=sys.stderr, end="", flush=True)
                    result = measure(args.binary, dataset, rows, fmt, out_dir, args.runs)
                    bytes_per_row[(dataset, fmt)] = result["bytes"] / max(result["rows"], 1)
                    print(f" {result['seconds']:.2f} s, {result['rss'] / 2**20:.0f} MiB, "
                          f"{result['bytes'] / 2**20:.0f} MiB file", file=sys.stderr)
                    results.append(result)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)

    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores; "
          f"{datetime.date.today().isoformat()}, commit {commit}; seed {SEED}; "
          f"{args.runs} run(s) per row{', medians' if args.runs > 1 else ''}; "
          f"each file deleted after it was measured.\n")
    print("| dataset | rows | format | seconds | rows per second | peak RSS (MiB) | file (MiB) |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for r in results:
        rows = f"{r['rows']:,}" + (" (default)" if r["size"] is None else "")
        print(f"| {r['dataset']} | {rows} | .{r['format']} | {r['seconds']:.2f} | "
              f"{r['rows_per_s']:,.0f} | {r['rss'] / 2**20:.0f} | {r['bytes'] / 2**20:.1f} |")
    for note in skipped:
        print(f"\nnote: {note}")
    print("\nRuns (one process each):\n")
    for r in results:
        times = ", ".join(f"{w:.2f}" for w in r["walls"])
        print(f"- `{r['command']}`: {times} s; {r['customers']:,} customers")

    command = "python3 benches/generate_bench.py"
    if args.no_default:
        command += " --no-default"
    if args.sizes:
        command += " --sizes " + " ".join(str(s) for s in args.sizes)
    if args.parquet_sizes != DEFAULT_PARQUET_SIZES:
        command += " ".join(["", "--parquet-sizes", *(str(s) for s in args.parquet_sizes)])
    if args.datasets != DATASETS:
        command += " --datasets " + " ".join(args.datasets)
    if args.runs != 1:
        command += f" --runs {args.runs}"
    if args.dir != DATA_DIR:
        command += f" --dir {args.dir}"
    if args.binary != default_binary():
        command += f" --binary {args.binary}"
    print(f"\nCommand (from the repo root, after `cargo build --release`): `{command}`")


if __name__ == "__main__":
    main()
