"""Recommendation benchmark: `custseg recommend` against mlxtend + pandas, whole processes, in one run.

Usage (from the repo root, after `bash scripts/setup-python.sh` and `cargo build --release`):

    .venv/bin/python benches/recommend_bench.py [--custseg PATH] [--input FILE] [--skip-custseg]
        [--workdir DIR]

    .venv/bin/python benches/recommend_bench.py --run-mlxtend INPUT RULES.csv RECS.csv
        # the mlxtend + pandas side alone (what the benchmark runs in a subprocess)

Both programs do the same job, as one whole process each, on the Online Retail data: read it,
clean it with custseg's default rules, find the pair association rules between products with
support >= 0.01 and confidence >= 0.1 over the baskets (invoices), write the rules, and write
every customer's top 10 recommended products:

    custseg --timings recommend [INPUT] --rules RULES.csv --output RECS.csv --k 10 \\
        --min-support 0.01 --min-confidence 0.1 --by segment
    python benches/recommend_bench.py --run-mlxtend INPUT RULES.csv RECS.csv

INPUT: by default custseg is given no input and reads the Online Retail data bundled in the
binary (src/data/bundled.rs embeds data/online-retail/online_retail.csv.gz byte for byte), and
the Python side reads that same file, data/online-retail/online_retail.csv.gz (541,909 rows,
UCI Online Retail, CC BY 4.0; see data/online-retail/SOURCE.md). --input FILE gives FILE to
both.

The mlxtend + pandas side (run_mlxtend below), mlxtend used as its documentation shows:
  1. pandas.read_csv (InvoiceNo and StockCode as str);
  2. the cleaning of tests/reference/rfm_parity.py: drop rows with a missing CustomerID, an
     InvoiceNo matching ^C\\d+$ (cancellations), Quantity <= 0 or UnitPrice <= 0 (397,884 of
     541,909 rows kept);
  3. the one-hot frame: one row per invoice, one bool column per StockCode, True when the
     product is on any line of the invoice (a product on two lines counts once), built with
     pandas.factorize and one numpy scatter into a dense bool array (18,532 x 3,665 = 68 MB), the
     fastest way to build it from a long table (0.08 s; pd.crosstab(...) > 0 gives the same
     frame in 6 s, mlxtend's TransactionEncoder needs a list of lists first). Dense, not sparse:
     fpgrowth turns a sparse frame into a scipy CSR matrix and was slower with it here (4.8 s
     against 4.2 s on the dense frame, 2026-12-01);
  4. mlxtend.frequent_patterns.fpgrowth(onehot, min_support=0.01, use_colnames=True, max_len=2)
     and association_rules(frequent, num_itemsets=<baskets>, metric="confidence",
     min_threshold=0.1); rules written as CSV with the columns of
     tests/fixtures/recommend/rules_expected.csv (antecedent, consequent, support, confidence,
     lift, leverage, conviction), sorted by antecedent then consequent;
  5. pandas top 10 per customer: the customer's distinct products, merged with the rules on
     antecedent; candidate products are the consequents, score = the largest confidence over
     the customer's rules to that product; products the customer already bought are removed
     (an anti-join); sorted by customer, score descending, product id ascending, and the first
     10 of each customer kept (groupby.head); written as CSV customer_id,rank,product,score.
It runs in a subprocess of this script, so that interpreter start-up and importing pandas and
mlxtend count, as custseg's process start does, and prints its stage times (and a few counts)
as one JSON line on stdout (custseg: `--timings` on stderr).

Not the same work, on purpose: custseg blends each customer's rule scores with the popularity
of products in the customer's group (`--by segment`: the RFM segment), so every customer gets
k recommendations; the Python side does the rules-only top-k, which is the expensive part (the
join of every customer's products with the rules). Customers none of whose products is the
antecedent of a rule get no rows there. The comparison is of the whole process, so the
recommendation tables are not compared; the rule sets are.

Measured per run: wall time from spawn to exit and the process's peak resident set size
(ru_maxrss from os.wait4 on that child: per process, the number GNU `/usr/bin/time -v` prints;
getrusage(RUSAGE_CHILDREN) would give the largest over all children so far). One run each,
custseg first, then Python; the input file is read once before, so both start with it in the
page cache.

Agreement (when both ran): the two rule files must hold the same (antecedent, consequent) pairs
with every metric within |a - b| <= 1e-12 + 1e-9 max(|a|, |b|) (conviction: inf only equals
inf); the disagreement count (pairs in one file only, plus pairs with a metric out of
tolerance) is printed and the first few are shown on stderr. A disagreement does not stop the
script: the timings are still printed, with the count beside them. Both sides compare count /
baskets as float64 with min_support (inclusive), so they decide alike; mlxtend's fpgrowth also
prunes with count >= ceil(min_support * baskets), which the script checks gives the same
answer for this number of baskets (see tests/reference/association_rules.py).

Progress and the agreement details go to stderr; stdout is a markdown section for BENCHMARKS.md
(the exact command, machine, versions, one table, the goal and stage times). --skip-custseg runs
the Python side alone (custseg columns n/a), e.g. to time it before custseg is built. The goal
(issue): custseg at least 10x faster than the mlxtend + pandas process, whole process, one run,
with peak memory recorded.

On the project machine (2 cores, load average 1.6 to 1.9 from a cargo build running alongside)
the Python side took 6.85 s wall at 439 MiB peak RSS (2026-12-01, --skip-custseg, one run):
import 0.65, read 0.73, clean 0.10, one-hot 0.08, fpgrowth 4.25, association_rules 0.02, top-k
0.39, writing 0.18 s. 397,884 rows kept, 18,532 baskets, 3,665 products, 625 of them frequent,
333 frequent pairs, 661 rules; 32,805 recommendations for 3,920 of the 4,338 customers.
"""
from __future__ import annotations

import time

PROCESS_START = time.perf_counter()  # the Python side's clock (before pandas and mlxtend)

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "data" / "online-retail" / "online_retail.csv.gz"  # what the binary embeds
WORKDIR = Path("/tmp/custseg-bench/recommend")

K = 10
MIN_SUPPORT = 0.01
MIN_CONFIDENCE = 0.1
BY = "segment"
RULE_COLUMNS = ["antecedent", "consequent", "support", "confidence", "lift", "leverage",
                "conviction"]
METRICS = RULE_COLUMNS[2:]
RTOL, ATOL = 1e-9, 1e-12
SHOW_DISAGREEMENTS = 10
GOAL = 10.0  # custseg at least 10x faster, whole process


def default_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "custseg" / "target"))
    return target / "release" / "custseg"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# the mlxtend + pandas side (run in its own process: `--run-mlxtend INPUT RULES RECS`)
# --------------------------------------------------------------------------------------------

def run_mlxtend(input_path: Path, rules_csv: Path, recs_csv: Path) -> None:
    """Reads and cleans the transactions, mines pair rules with mlxtend, writes the rules and
    every customer's rules-only top K."""
    import numpy as np
    import pandas as pd
    from mlxtend.frequent_patterns import association_rules, fpgrowth
    timings = {}
    clock = [PROCESS_START]

    def mark(stage: str) -> None:
        now = time.perf_counter()
        timings[f"{stage}_s"] = now - clock[0]
        clock[0] = now

    mark("import")

    raw = pd.read_csv(input_path, dtype={"InvoiceNo": str, "StockCode": str})
    mark("read")

    keep = (raw["CustomerID"].notna()
            & ~raw["InvoiceNo"].str.fullmatch(r"C\d+", na=False)
            & (raw["Quantity"] > 0)
            & (raw["UnitPrice"] > 0))
    df = raw.loc[keep, ["InvoiceNo", "StockCode", "CustomerID"]].astype({"CustomerID": "int64"})
    mark("clean")

    basket, _ = pd.factorize(df["InvoiceNo"])
    product, products = pd.factorize(df["StockCode"], sort=True)
    dense = np.zeros((basket.max() + 1, len(products)), dtype=bool)
    dense[basket, product] = True  # a product on two lines of a basket is True once
    onehot = pd.DataFrame(dense, columns=products, copy=False)
    n = len(onehot)
    mark("one_hot")

    frequent = fpgrowth(onehot, min_support=MIN_SUPPORT, use_colnames=True, max_len=2)
    mark("fpgrowth")
    found = association_rules(frequent, num_itemsets=n, metric="confidence",
                              min_threshold=MIN_CONFIDENCE)
    rules = pd.DataFrame({
        "antecedent": found["antecedents"].map(lambda s: next(iter(s))),
        "consequent": found["consequents"].map(lambda s: next(iter(s))),
        **{m: found[m] for m in METRICS},
    }).sort_values(["antecedent", "consequent"], ignore_index=True)
    mark("association_rules")
    rules.to_csv(rules_csv, index=False)
    mark("write_rules")

    owned = df[["CustomerID", "StockCode"]].drop_duplicates()
    candidates = owned.merge(rules[["antecedent", "consequent", "confidence"]],
                             left_on="StockCode", right_on="antecedent")
    best = (candidates.groupby(["CustomerID", "consequent"], sort=False)["confidence"].max()
            .reset_index())
    best = best.merge(owned.rename(columns={"StockCode": "consequent"}),
                      on=["CustomerID", "consequent"], how="left", indicator=True)
    best = best[best["_merge"] == "left_only"]
    top = (best.sort_values(["CustomerID", "confidence", "consequent"],
                            ascending=[True, False, True])
           .groupby("CustomerID", sort=False).head(K))
    recs = pd.DataFrame({
        "customer_id": top["CustomerID"].to_numpy(),
        "rank": top.groupby("CustomerID", sort=False).cumcount().to_numpy() + 1,
        "product": top["consequent"].to_numpy(),
        "score": top["confidence"].to_numpy(),
    })
    mark("top_k")
    recs.to_csv(recs_csv, index=False)
    mark("write_recommendations")
    timings["total_s"] = time.perf_counter() - PROCESS_START
    facts = {"rows_read": len(raw), "rows_kept": len(df), "baskets": n,
             "products": len(products), "customers": int(df["CustomerID"].nunique()),
             "frequent_products": int((frequent["itemsets"].map(len) == 1).sum()),
             "frequent_pairs": int((frequent["itemsets"].map(len) == 2).sum()),
             "rules": len(rules),
             "customers_with_recommendations": int(recs["customer_id"].nunique()),
             "recommendations": len(recs)}
    print(json.dumps({"stages": timings, "facts": facts}))


# --------------------------------------------------------------------------------------------
# the benchmark
# --------------------------------------------------------------------------------------------

def run(cmd: list[str]) -> tuple[float, int, str, str]:
    """(wall seconds, peak RSS in KiB, stdout, stderr) of one whole process; stops on failure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        except OSError as e:
            sys.exit(f"error: cannot start {shlex.join(cmd)}: {e}")
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if code != 0:
        tail = "\n".join(stderr.strip().splitlines()[-20:])
        sys.exit(f"error: exit code {code} from\n  {shlex.join(cmd)}\n{tail}")
    rss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return wall, rss, stdout, stderr


def json_line(stream: str) -> dict:
    lines = [line for line in stream.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def read_rules(path: Path, side: str) -> dict[tuple[str, str], list[float]]:
    """(antecedent, consequent) -> metrics, from a rules CSV with RULE_COLUMNS."""
    if not path.is_file():
        sys.exit(f"error: {side} wrote no rules file at {path}")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in RULE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            sys.exit(f"error: {side}'s rules file {path} has no column(s) {missing} "
                     f"(header: {reader.fieldnames})")
        out = {}
        for row in reader:
            key = (row["antecedent"], row["consequent"])
            if key in out:
                sys.exit(f"error: {side}'s rules file {path} has the rule {key} twice")
            try:
                out[key] = [float(row[m]) for m in METRICS]  # "inf" reads as infinity
            except ValueError as e:
                sys.exit(f"error: {side}'s rules file {path}, rule {key}: {e}")
    return out


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return False
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= ATOL + RTOL * max(abs(a), abs(b))


def compare_rules(ours_path: Path, theirs_path: Path) -> dict:
    """custseg's rules (ours) against mlxtend's (theirs)."""
    ours, theirs = read_rules(ours_path, "custseg"), read_rules(theirs_path, "mlxtend")
    problems = [f"only in custseg: {k[0]} -> {k[1]}" for k in sorted(ours.keys() - theirs.keys())]
    problems += [f"only in mlxtend: {k[0]} -> {k[1]}" for k in sorted(theirs.keys() - ours.keys())]
    worst = 0.0
    for key in sorted(ours.keys() & theirs.keys()):
        bad = []
        for m, a, b in zip(METRICS, ours[key], theirs[key]):
            if not close(a, b):
                bad.append(f"{m} custseg {a!r} mlxtend {b!r}")
            elif math.isfinite(a) and max(abs(a), abs(b)) > 0:
                worst = max(worst, abs(a - b) / max(abs(a), abs(b)))
        if bad:
            problems.append(f"{key[0]} -> {key[1]}: " + "; ".join(bad))
    log(f"rules: custseg {len(ours):,}, mlxtend {len(theirs):,}, {len(problems)} disagreement(s)"
        f"; largest relative difference among the agreeing metrics {worst:.1e}")
    for line in problems[:SHOW_DISAGREEMENTS]:
        log(f"  {line}")
    if len(problems) > SHOW_DISAGREEMENTS:
        log(f"  ... and {len(problems) - SHOW_DISAGREEMENTS} more")
    return {"custseg": len(ours), "mlxtend": len(theirs), "disagreements": len(problems),
            "max_rel": worst}


def fmt_stages(stages: dict) -> str:
    return ", ".join(f"{k.removesuffix('_s')} {v:.3f}" for k, v in stages.items()) or "none"


def machine(binary_version: str) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor() or platform.machine())
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = ", ".join(f"{p} {version(p)}" for p in ("mlxtend", "pandas", "numpy"))
    return (f"Machine: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB; Python "
            f"{platform.python_version()}, {versions}; {binary_version}.")


def check_custseg(binary: Path) -> str:
    """The binary's --version line; stops with a clear message when it cannot run `recommend`."""
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        sys.exit(f"error: no custseg binary at {binary}: build it with `cargo build --release` "
                 "(CARGO_TARGET_DIR set if your target directory is elsewhere), pass "
                 "--custseg PATH, or --skip-custseg")
    probe = subprocess.run([str(binary), "recommend", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        sys.exit(f"error: {binary} has no `recommend` command (an older build?):\n"
                 f"{probe.stderr.strip()[:500]}")
    return subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                          check=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run-mlxtend", nargs=3, metavar=("INPUT", "RULES", "RECS"), type=Path,
                        help="run the mlxtend + pandas side on INPUT, write the rules and the "
                             "recommendations, print stage times as JSON (what the benchmark "
                             "runs in a subprocess)")
    parser.add_argument("--custseg", type=Path, default=default_binary(),
                        help="the custseg binary (default: $CARGO_TARGET_DIR/release/custseg, "
                             "else ~/.cache/custseg/target/release/custseg; now %(default)s)")
    parser.add_argument("--input", type=Path,
                        help="transaction file for both sides (default: custseg reads its "
                             f"bundled data, Python {BUNDLED.relative_to(REPO)})")
    parser.add_argument("--skip-custseg", action="store_true",
                        help="run the mlxtend + pandas side only (no custseg binary needed)")
    parser.add_argument("--workdir", type=Path, default=WORKDIR,
                        help="where the outputs go (default: %(default)s)")
    args = parser.parse_args()

    if args.run_mlxtend:
        run_mlxtend(*args.run_mlxtend)
        return

    binary_version = "custseg not run (--skip-custseg)"
    if not args.skip_custseg:
        binary_version = check_custseg(args.custseg)
    python_input = args.input or BUNDLED
    if not python_input.is_file():
        sys.exit(f"error: no input file at {python_input}")
    if os.getloadavg()[0] > 0.5:
        log(f"warning: load average {os.getloadavg()[0]:.1f}; the machine is not idle")
    args.workdir.mkdir(parents=True, exist_ok=True)
    ours_rules, ours_recs = args.workdir / "custseg_rules.csv", args.workdir / "custseg_recs.csv"
    theirs_rules, theirs_recs = (args.workdir / "mlxtend_rules.csv",
                                 args.workdir / "mlxtend_recs.csv")
    for stale in (ours_rules, ours_recs, theirs_rules, theirs_recs):
        stale.unlink(missing_ok=True)
    ours_cmd = [str(args.custseg), "--timings", "recommend",
                *([str(args.input)] if args.input else []),
                "--rules", str(ours_rules), "--output", str(ours_recs), "--k", str(K),
                "--min-support", str(MIN_SUPPORT), "--min-confidence", str(MIN_CONFIDENCE),
                "--by", BY]
    theirs_cmd = [sys.executable, str(Path(__file__).resolve()), "--run-mlxtend",
                  str(python_input), str(theirs_rules), str(theirs_recs)]
    with open(python_input, "rb") as fh:  # into the page cache
        while fh.read(1 << 24):
            pass

    result = {}
    if not args.skip_custseg:
        log(f"custseg: {shlex.join(ours_cmd)}")
        wall, rss, _, stderr = run(ours_cmd)
        result["custseg"] = (wall, rss, json_line(stderr))
        log(f"custseg: {wall:.2f} s, {rss / 1024:.0f} MiB")
    log(f"mlxtend + pandas: {shlex.join(theirs_cmd)}")
    wall, rss, stdout, _ = run(theirs_cmd)
    report_line = json_line(stdout)
    facts = report_line.get("facts", {})
    result["mlxtend"] = (wall, rss, report_line.get("stages", {}))
    log(f"mlxtend + pandas: {wall:.2f} s, {rss / 1024:.0f} MiB; " + json.dumps(facts))

    n = facts.get("baskets", 0)
    if n and any((k / n >= MIN_SUPPORT) != (k >= math.ceil(MIN_SUPPORT * n))
                 for k in range(n + 1)):
        log(f"warning: with {n:,} baskets mlxtend's two support tests (count / n >= "
            f"{MIN_SUPPORT} and count >= ceil({MIN_SUPPORT} * n)) differ at the boundary")
    agreement = compare_rules(ours_rules, theirs_rules) if "custseg" in result else None

    theirs_wall, theirs_rss, theirs_stages = result["mlxtend"]
    ours = result.get("custseg")
    cells = [
        "Online Retail (bundled)" if args.input is None else f"`{args.input}`",
        f"{facts.get('baskets', 0):,}", f"{facts.get('products', 0):,}",
        f"{ours[0]:.2f}" if ours else "n/a", f"{theirs_wall:.2f}",
        f"{theirs_wall / ours[0]:.1f}x" if ours else "n/a",
        f"{ours[1] / 1024:.0f}" if ours else "n/a", f"{theirs_rss / 1024:.0f}",
        f"{agreement['custseg']:,}" if agreement else "n/a", f"{facts.get('rules', 0):,}",
        str(agreement["disagreements"]) if agreement else "n/a",
    ]
    python = os.path.relpath(sys.executable, REPO)
    command = shlex.join([python, "benches/recommend_bench.py", *sys.argv[1:]])
    print(f"Command: `{command}`, {time.strftime('%Y-%m-%d')}, load average "
          f"{os.getloadavg()[0]:.2f} at the end.\n")
    print(machine(binary_version) + "\n")
    print("| input | baskets | products | custseg (s) | mlxtend + pandas (s) "
          "| mlxtend + pandas / custseg | custseg peak RSS (MiB) | mlxtend + pandas peak RSS (MiB) "
          "| rules (custseg) | rules (mlxtend) | rule disagreements |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("| " + " | ".join(cells) + " |")
    print(f"\nWhole-process wall time, one run each; peak RSS from wait4. Rules at min_support "
          f"{MIN_SUPPORT}, min_confidence {MIN_CONFIDENCE}; top {K} per customer (custseg: rules "
          f"blended with `--by {BY}` popularity; Python: rules only).\n")
    if ours:
        met = theirs_wall / ours[0] >= GOAL
        print(f"- Goal, custseg at least {GOAL:.0f}x faster than mlxtend + pandas, whole "
              f"process: **{'met' if met else 'not met'}** ({theirs_wall / ours[0]:.1f}x).")
        print(f"- custseg stages (s, `--timings`): {fmt_stages(ours[2])}.")
    else:
        print(f"- Goal, custseg at least {GOAL:.0f}x faster than mlxtend + pandas, whole "
              "process: not measured (--skip-custseg).")
    print(f"- mlxtend + pandas stages (s): {fmt_stages(theirs_stages)}.")
    print(f"- mlxtend + pandas counts: {facts.get('rows_kept', 0):,} of "
          f"{facts.get('rows_read', 0):,} rows kept, {facts.get('customers', 0):,} customers, "
          f"{facts.get('frequent_products', 0):,} frequent products, "
          f"{facts.get('frequent_pairs', 0):,} frequent pairs, {facts.get('rules', 0):,} rules, "
          f"{facts.get('recommendations', 0):,} recommendations for "
          f"{facts.get('customers_with_recommendations', 0):,} customers.")
    if agreement:
        print(f"- Rule sets: {agreement['disagreements']} disagreement(s) (a pair in one file "
              f"only, or a metric beyond |a-b| <= {ATOL:g} + {RTOL:g} max(|a|,|b|)); largest "
              f"relative difference among the agreeing metrics {agreement['max_rel']:.1e}.")


if __name__ == "__main__":
    main()
