"""CLV benchmark: `custseg clv` against Python's lifetimes 0.11.3, whole processes, in one run.

Usage (from the repo root, after `bash scripts/setup-python.sh` and `cargo build --release`):

    .venv/bin/python benches/clv_bench.py [--binary PATH] [--customers 1000000] [--repeat 1]
        [--modes transactions,summary] [--skip-cdnow] [--skip-generated] [--skip-custseg]
        [--data-dir DIR] [--workdir DIR]

    .venv/bin/python benches/clv_bench.py --run-lifetimes INPUT OUT.csv [--params P.json]
        [--observation-end YYYY-MM-DD]      # the lifetimes side alone (what the benchmark runs)
    .venv/bin/python benches/clv_bench.py --run-lifetimes-summary SUMMARY OUT.csv
        [--params P.json]                   # the same from a summary file (the summary mode)

Two comparisons per input (--modes, default both; one markdown table each):

  transactions  (read, summary, fit, predict, write) Both programs do the same job on a
                transaction file, as one whole process each, as below.
  summary       (read, fit, predict, write) Both programs read the same per-customer summary
                file and do the rest of the job: the fits, predictions and output without
                reading transactions or building the summary.

From transactions, both programs read the file, build the per-customer summary (purchase days;
frequency = repeat days, recency and T in weeks = days / 7, monetary_value = mean of the repeat
days' sums; observation end = the last date in the file), fit BG/NBD (penalizer 0) on every
customer and Gamma-Gamma (penalizer 0) on the repeat buyers, predict each customer's P(alive),
expected purchases in the next 12 months (52.14 weeks, lifetimes' 4.345 weeks a month), expected
average profit and CLV over 12 months at 1% a month (lifetimes' `customer_lifetime_value(...,
time=12, discount_rate=0.01, freq="W")`), and write the per-customer table as CSV plus the
fitted parameters as JSON:

    custseg --timings clv INPUT [--delimiter space] --keep-non-positive --unit week \\
        --observation-end LAST_DATE --model bgnbd --horizon-months 12 --discount-rate 0.01 \\
        --params P.json --output OUT.csv
    python benches/clv_bench.py --run-lifetimes INPUT OUT.csv --params P.json \\
        --observation-end LAST_DATE

From the summary, the same fits, predictions and output (custseg's segment column is then
empty; --observation-end and the cleaning flags do not apply):

    custseg --timings clv SUMMARY --summary --unit week --model bgnbd --horizon-months 12 \\
        --discount-rate 0.01 --params P.json --output OUT.csv
    python benches/clv_bench.py --run-lifetimes-summary SUMMARY OUT.csv --params P.json

SUMMARY is WORKDIR/<input>/summary.csv, made once per input before the summary mode's runs (not
timed; write_summary below) by lifetimes from the transactions, read as the lifetimes side
reads them: summary_data_from_transaction_data(freq="D", freq_multiplier=7,
monetary_value_col=..., observation_period_end=LAST_DATE), written by DataFrame.to_csv with the
index label customer_id (columns customer_id,frequency,recency,T,monetary_value, times in
weeks). The summary mode's outputs go to WORKDIR/<input>/from_summary/, the transaction mode's
to WORKDIR/<input>/.

The lifetimes side (run_lifetimes below) is lifetimes used as its documentation shows:
pandas.read_csv, summary_data_from_transaction_data(freq="D", freq_multiplier=7,
monetary_value_col=...), BetaGeoFitter().fit, GammaGammaFitter().fit on the repeat buyers with a
mean spend above 0 (lifetimes refuses a repeat buyer whose repeat purchases add up to 0; CDNOW
has one), conditional_probability_alive, conditional_expected_number_of_purchases_up_to_time,
conditional_expected_average_profit, customer_lifetime_value and DataFrame.to_csv. From a
summary (run_lifetimes_summary) it reads the file with pandas.read_csv(SUMMARY,
index_col="customer_id") and goes on as from transactions (the same function, fit_predict_write,
for the fits, predictions and output of both). It runs in a subprocess of this script, so that
interpreter start-up and importing pandas and lifetimes count, as custseg's process start does.
It prints its own stage times as one JSON line on stdout (import, read, summary (transactions
only), fit_bgnbd, fit_gamma_gamma, predict, write, total; custseg: `--timings` on stderr).
LAST_DATE is the last date in the file, given to both explicitly (it is what both take without
the flag).

Inputs:
  CDNOW master  tests/fixtures/clv/CDNOW_master.txt.gz (lifetimes' CDNOW_master.txt, MIT; see
                tests/fixtures/clv/README.md): 69,659 rows of 23,570 customers, header line
                `customer_id date number_of_cds dollar_value`, columns separated by runs of
                spaces, CRLF, dates YYYYMMDD, 80 amounts of 0.00 (kept by both:
                --keep-non-positive), 1997-01-01 .. 1998-06-30. The whole file, not the 39-week
                calibration period of the published fits.
  generated     --customers (default 1,000,000) customers simulated by simulate() below from
                numpy default_rng(2026): BG/NBD purchasing with r=0.243, alpha=4.41 (weeks),
                a=0.793, b=2.43 and Gamma-Gamma spend with p=6.25, q=3.74, v=15.44 (the CDNOW
                fits), first purchases spread uniformly over the 12 weeks from 1997-01-01 and
                observation to 1998-06-30 (78 weeks), as in CDNOW. CSV `customer_id,date,amount`
                (YYYY-MM-DD, cents), one row per purchase, rows in date order. About 2.8 rows and
                66 bytes of CSV per customer (1,000,000 customers: 2.8 M rows, 66 MB), written in
                a few seconds to DATA_DIR (default target/bench-data/) as
                clv_generated_N_seed2026.csv with a .meta.json beside it, and reused while the
                meta (generator version, seed, size) and the file's size match.

Measured per run: wall time from spawn to exit and the process's peak resident set size
(ru_maxrss from os.wait4 on that child: per process, the number GNU `/usr/bin/time -v` prints;
getrusage(RUSAGE_CHILDREN) would give the largest over all children so far). Each run is spawned
and measured by a small separate interpreter (LAUNCHER below), because on Linux a child's
ru_maxrss starts at the peak RSS of the process that forked it, and this script's own peak grows
once it has used pandas (write_summary, compare). The input is read once before the runs so both
start with it in the page cache. --repeat K alternates K pairs (custseg, then lifetimes) and
reports the best (smallest) wall time of each; peak RSS is the largest over the runs.

Agreement, checked in each mode after its first pair, before any time is printed: the two
parameter files (bg_nbd r, alpha, a, b; gamma_gamma p, q, v) must agree within 1e-3 relative or
the script stops with exit code 1; the same customers must be in both tables. Printed, not
enforced: the log-likelihood, the summary columns, P(alive), expected purchases and the largest
relative CLV difference over the customers whose lifetimes CLV is above 1.

Progress and the agreement details go to stderr; stdout is a markdown section for BENCHMARKS.md
(command, machine, versions, then per mode a heading line and a table with a row per input,
agreement and stage times; in the summary mode's table, rows are the summary file's rows).
--skip-custseg runs the lifetimes side alone (custseg columns n/a), e.g. to time lifetimes.

On the project machine (2 cores, load average 1.2 to 1.9 from elsewhere) lifetimes took 4.3 s
on CDNOW (2 s of it importing pandas and lifetimes), 10 s on 100,000 generated customers and
71 to 79 s on 1,000,000 (read 2, summary 4, BG/NBD fit 19-23, Gamma-Gamma fit 5, predictions
21, to_csv 18-21 s), at 0.8 GiB peak RSS (2026-12-01, --skip-custseg, one run each).

lifetimes on pandas 3 (see tests/reference/clv_lifetimes.py): runs unmodified; its import
warns about pandas' mode.chained_assignment option (silenced here). Its BG/NBD and Gamma-Gamma
fits are scipy BFGS (tol 1e-7) over all customers, one autograd gradient per step, then an
autograd Hessian; customers are not condensed into distinct (frequency, recency, T) patterns
(lifetimes' `weights` argument), as lifetimes' documentation does not do it either.
"""
from __future__ import annotations

import time

PROCESS_START = time.perf_counter()  # the lifetimes side's clock (before pandas and lifetimes)

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CDNOW = REPO / "tests" / "fixtures" / "clv" / "CDNOW_master.txt.gz"
DATA_DIR = REPO / "target" / "bench-data"
WORKDIR = Path("/tmp/custseg-bench/clv")

# The prediction settings, lifetimes' CLV convention: months of 4.345 weeks.
HORIZON_MONTHS = 12
DISCOUNT_RATE = 0.01
WEEKS_PER_MONTH = 4.345
HORIZON_WEEKS = HORIZON_MONTHS * WEEKS_PER_MONTH  # 52.14
PARAM_RTOL = 1e-3
# The comparisons (--modes), in the order they run, with their tables' headings.
MODES = {"transactions": "From transactions (read, summary, fit, predict, write)",
         "summary": "From the same summary file (read, fit, predict, write)"}
BG_NAMES = ("r", "alpha", "a", "b")
GG_NAMES = ("p", "q", "v")

# The generated input (see generate()). Bump GENERATOR_VERSION after changing the generator, so
# that cached files are made again.
GENERATOR_VERSION = 1
SEED = 2026
TRUE_BGNBD = {"r": 0.243, "alpha": 4.41, "a": 0.793, "b": 2.43}  # weeks
TRUE_GG = {"p": 6.25, "q": 3.74, "v": 15.44}
START_DATE = "1997-01-01"
COHORT_DAYS = 84   # first purchases: 12 weeks, 1997-01-01 .. 1997-03-25 (as CDNOW)
SPAN_DAYS = 546    # observation: 78 weeks, 1997-01-01 .. 1998-06-30 (as CDNOW)


def default_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "custseg" / "target"))
    return target / "release" / "custseg"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# the lifetimes side (run in its own process: `--run-lifetimes INPUT OUT` or
# `--run-lifetimes-summary SUMMARY OUT`)
# --------------------------------------------------------------------------------------------

class Stages:
    """The lifetimes side's stage times, each from the end of the one before (the first from
    PROCESS_START); print() adds the total and prints them as one JSON line on stdout."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.last = PROCESS_START

    def mark(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[f"{stage}_s"] = now - self.last
        self.last = now

    def print(self) -> None:
        self.times["total_s"] = time.perf_counter() - PROCESS_START
        print(json.dumps(self.times))


def import_lifetimes() -> None:
    """Imports pandas and lifetimes (later imports of them are free)."""
    import warnings

    import numpy  # noqa: F401
    import pandas  # noqa: F401
    with warnings.catch_warnings():
        # lifetimes.utils sets pd.options.mode.chained_assignment (a no-op since pandas 3)
        warnings.filterwarnings("ignore", message=".*mode.chained_assignment.*")
        import lifetimes  # noqa: F401
        import lifetimes.utils  # noqa: F401


def read_transactions(input_path: Path):
    """(transactions DataFrame with datetime dates, name of its amount column): the generated
    CSV (customer_id,date,amount; YYYY-MM-DD) or the CDNOW layout (runs of spaces, a header,
    YYYYMMDD dates, the amount in dollar_value)."""
    import pandas as pd
    opener = gzip.open if input_path.suffix == ".gz" else open
    with opener(input_path, "rt", newline="") as fh:
        header = fh.readline()
    if "," in header:
        tx = pd.read_csv(input_path, dtype={"customer_id": "int64", "date": "str",
                                            "amount": "float64"})
        amount, date_format = "amount", "%Y-%m-%d"
    else:
        tx = pd.read_csv(input_path, sep=r"\s+", dtype={"customer_id": "int64", "date": "str"})
        amount, date_format = tx.columns[-1], "%Y%m%d"
    tx["date"] = pd.to_datetime(tx["date"], format=date_format)
    return tx, amount


def summarize(tx, amount: str, observation_end: str | None):
    """lifetimes' per-customer summary in weeks (purchase days; frequency, recency, T,
    monetary_value), indexed by customer_id."""
    from lifetimes.utils import summary_data_from_transaction_data
    return summary_data_from_transaction_data(
        tx, "customer_id", "date", monetary_value_col=amount,
        observation_period_end=observation_end, freq="D", freq_multiplier=7)


def fit_predict_write(s, out_csv: Path, params_path: Path, rows: int, stages: Stages) -> None:
    """Fits BG/NBD on every customer of the summary s and Gamma-Gamma on its repeat buyers,
    predicts, writes the table and the parameters (`rows`: the input's rows, for the report);
    stages fit_bgnbd, fit_gamma_gamma, predict, write."""
    import numpy as np
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(s["frequency"], s["recency"], s["T"])
    # Total log-likelihood in weeks: lifetimes keeps the mean negative log-likelihood in time
    # divided by max(T); each purchase's density then gains log(scale).
    ll = float(-bgf._negative_log_likelihood_ * len(s)
               + s["frequency"].sum() * np.log(bgf._scale))
    stages.mark("fit_bgnbd")

    # lifetimes raises on a repeat buyer whose mean spend is not above 0.
    repeat = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
    ggf = GammaGammaFitter(penalizer_coef=0.0)
    ggf.fit(repeat["frequency"], repeat["monetary_value"])
    stages.mark("fit_gamma_gamma")

    x, t_x, T, m = s["frequency"], s["recency"], s["T"], s["monetary_value"]
    out = s.copy()
    out["p_alive"] = bgf.conditional_probability_alive(x, t_x, T)
    out["expected_purchases"] = bgf.conditional_expected_number_of_purchases_up_to_time(
        HORIZON_WEEKS, x, t_x, T)
    out["expected_average_profit"] = ggf.conditional_expected_average_profit(x, m)
    out["clv"] = ggf.customer_lifetime_value(bgf, x, t_x, T, m, time=HORIZON_MONTHS,
                                             discount_rate=DISCOUNT_RATE, freq="W")
    stages.mark("predict")

    out.index.name = "customer_id"
    out.to_csv(out_csv)
    params = {
        "bg_nbd": {**{k: float(bgf.params_[k]) for k in BG_NAMES}, "log_likelihood": ll},
        "gamma_gamma": {**{k: float(ggf.params_[k]) for k in GG_NAMES},
                        "log_likelihood": float(-ggf._negative_log_likelihood_ * len(repeat))},
        "customers": len(s), "repeat_buyers": int((s["frequency"] > 0).sum()),
        "gamma_gamma_customers": len(repeat), "rows": rows,
    }
    params_path.write_text(json.dumps(params, indent=2) + "\n")
    stages.mark("write")


def run_lifetimes(input_path: Path, out_csv: Path, params_path: Path,
                  observation_end: str | None) -> None:
    """Reads the transactions, builds the summary, fits BG/NBD and Gamma-Gamma with lifetimes,
    writes the table; stages import, read, summary, fit_bgnbd, fit_gamma_gamma, predict, write."""
    stages = Stages()
    import_lifetimes()
    stages.mark("import")
    tx, amount = read_transactions(input_path)
    stages.mark("read")
    s = summarize(tx, amount, observation_end)
    stages.mark("summary")
    fit_predict_write(s, out_csv, params_path, len(tx), stages)
    stages.print()


def run_lifetimes_summary(summary_path: Path, out_csv: Path, params_path: Path) -> None:
    """Reads a summary written by write_summary(), fits BG/NBD and Gamma-Gamma with lifetimes,
    writes the table; stages import, read, fit_bgnbd, fit_gamma_gamma, predict, write."""
    stages = Stages()
    import_lifetimes()
    import pandas as pd
    stages.mark("import")
    s = pd.read_csv(summary_path, index_col="customer_id")
    stages.mark("read")
    fit_predict_write(s, out_csv, params_path, len(s), stages)
    stages.print()


def write_summary(input_path: Path, observation_end: str, summary_path: Path) -> dict:
    """The benchmark's preparation for the summary mode (not timed as a run): lifetimes'
    summary of the transactions (read_transactions, summarize) written as CSV with the index
    label customer_id, as both programs' input; returns its customers, bytes and seconds."""
    start = time.perf_counter()
    import_lifetimes()
    tx, amount = read_transactions(input_path)
    s = summarize(tx, amount, observation_end)
    summary_path.parent.mkdir(parents=True, exist_ok=True)
    partial = summary_path.with_suffix(".partial")  # renamed once complete
    s.to_csv(partial, index_label="customer_id")
    partial.replace(summary_path)
    seconds = time.perf_counter() - start
    facts = {"customers": len(s), "rows": len(tx), "bytes": summary_path.stat().st_size,
             "seconds": seconds}
    log(f"summary: wrote {summary_path}: {len(s):,} customers from {len(tx):,} rows, "
        f"{facts['bytes'] / 2**20:.1f} MiB in {seconds:.2f} s")
    return facts


# --------------------------------------------------------------------------------------------
# the generated input
# --------------------------------------------------------------------------------------------

def simulate(n: int, seed: int):
    """n customers' purchases: (customer ids 1..n, day numbers from START_DATE, cents).

    Per customer (times in weeks, BG/NBD as Fader, Hardie & Lee 2005 define it):
      lambda ~ Gamma(r, rate alpha)  purchase rate while alive
      p ~ Beta(a, b)                 chance of dropping out right after each repeat purchase
      first ~ U(0, COHORT_DAYS)      time of the first purchase (days from START_DATE)
      window = (SPAN_DAYS - first) / 7   weeks from the first purchase to the end of the data
    A customer who never dropped out would make N ~ Poisson(lambda * window) repeat purchases in
    the window, at the order statistics of N uniforms; one who drops out after repeat purchase
    J ~ Geometric(p) makes x = min(N, J) of them. The first x order statistics of N uniforms are
    S_k / (S_x + G), k = 1..x, with S_k the sum of k Exp(1) spacings and G ~ Gamma(N + 1 - x)
    the sum of the other N + 1 - x, so no customer needs more than x draws and nothing is sorted.
    Spend (Gamma-Gamma, Colombo & Jiang 1999): nu ~ Gamma(q, rate v) per customer, each
    purchase z ~ Gamma(p, rate nu), in cents, at least 1. Purchase times are floored to days,
    so some repeat purchases fall on the same day as another (lifetimes and custseg count days).
    """
    import numpy as np
    rng = np.random.default_rng(seed)
    r, alpha, a, b = (TRUE_BGNBD[k] for k in BG_NAMES)
    p, q, v = (TRUE_GG[k] for k in GG_NAMES)
    rate = rng.gamma(r, 1.0 / alpha, n)
    drop = rng.beta(a, b, n)
    first = rng.uniform(0.0, COHORT_DAYS, n)
    window_days = SPAN_DAYS - first
    would_buy = rng.poisson(rate * window_days / 7.0)
    drops_after = rng.geometric(drop)
    x = np.minimum(would_buy, drops_after)

    owner = np.repeat(np.arange(n), x)
    spacings = rng.standard_exponential(int(x.sum()))
    cumulative = np.cumsum(spacings)
    ends = np.cumsum(x)
    before = np.concatenate(([0.0], cumulative))[ends - x]  # the sum before each customer's run
    s_k = cumulative - before[owner]
    buyers = x > 0
    s_x = np.zeros(n)
    s_x[buyers] = s_k[ends[buyers] - 1]
    rest = np.zeros(n)
    rest[buyers] = rng.standard_gamma(would_buy[buyers] + 1 - x[buyers])
    u = s_k / (s_x + rest)[owner]
    repeat_day = np.floor(first[owner] + u * window_days[owner]).astype(np.int64)

    customer = np.concatenate((np.arange(n), owner))
    day = np.concatenate((np.floor(first).astype(np.int64), repeat_day))
    nu = rng.gamma(q, 1.0 / v, n)
    spend = rng.standard_gamma(p, customer.size) / nu[customer]
    cents = np.maximum(np.rint(spend * 100.0).astype(np.int64), 1)
    order = np.argsort(day * (n + 1) + customer, kind="stable")  # by date, then customer
    return customer[order] + 1, day[order], cents[order]


def write_transactions(path: Path, customer, day, cents) -> None:
    """customer_id,date,amount with pyarrow's CSV writer (date32 and decimal(12,2) columns)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    n = customer.size
    epoch_day = int((np.datetime64(START_DATE) - np.datetime64("1970-01-01")).astype(np.int64))
    dates = pa.array((day + epoch_day).astype(np.int32), type=pa.date32())
    wide = np.zeros((n, 2), dtype=np.int64)  # decimal128: 16-byte little-endian integers
    wide[:, 0] = cents
    amounts = pa.Array.from_buffers(pa.decimal128(12, 2), n, [None, pa.py_buffer(wide)])
    table = pa.table({"customer_id": pa.array(customer, type=pa.int64()), "date": dates,
                      "amount": amounts})
    with open(path, "wb") as fh:
        fh.write(b"customer_id,date,amount\n")
        pacsv.write_csv(table, fh, write_options=pacsv.WriteOptions(include_header=False,
                                                                    quoting_style="none"))


def generated_input(data_dir: Path, n: int) -> tuple[Path, dict]:
    """The generated file for n customers, made now or reused from data_dir; and its meta."""
    import numpy as np
    path = data_dir / f"clv_generated_{n}_seed{SEED}.csv"
    meta_path = path.with_suffix(".meta.json")
    want = {"generator_version": GENERATOR_VERSION, "seed": SEED, "customers": n,
            "bg_nbd": TRUE_BGNBD, "gamma_gamma": TRUE_GG, "start": START_DATE,
            "cohort_days": COHORT_DAYS, "span_days": SPAN_DAYS}
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in want} == want and meta.get("bytes") == path.stat().st_size:
            log(f"generated input: reusing {path} ({meta['rows']:,} rows, "
                f"{meta['bytes'] / 2**20:.1f} MiB)")
            return path, meta
    data_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    customer, day, cents = simulate(n, SEED)
    simulated = time.perf_counter()
    partial = path.with_suffix(".partial")  # renamed once complete
    write_transactions(partial, customer, day, cents)
    partial.replace(path)
    done = time.perf_counter()
    last = np.datetime64(START_DATE) + np.timedelta64(int(day.max()), "D")
    meta = {**want, "rows": int(customer.size), "bytes": path.stat().st_size,
            "first_date": str(np.datetime64(START_DATE) + np.timedelta64(int(day.min()), "D")),
            "last_date": str(last), "repeat_rows": int(customer.size - n),
            "simulate_s": round(simulated - start, 3), "write_s": round(done - simulated, 3)}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    log(f"generated input: wrote {path}: {meta['rows']:,} rows of {n:,} customers, "
        f"{meta['bytes'] / 2**20:.1f} MiB in {done - start:.2f} s (simulate "
        f"{simulated - start:.2f} s, write {done - simulated:.2f} s)")
    return path, meta


# --------------------------------------------------------------------------------------------
# the benchmark
# --------------------------------------------------------------------------------------------

def cdnow_facts(path: Path) -> dict:
    """Rows and last date of the CDNOW master (header line, then id date cds amount)."""
    with gzip.open(path, "rt", newline="") as fh:
        next(fh)
        dates = [line.split()[1] for line in fh if line.strip()]
    last = max(dates)
    return {"rows": len(dates), "last_date": f"{last[:4]}-{last[4:6]}-{last[6:]}"}


# Each measured process is spawned by this small interpreter (`python -I -S -c LAUNCHER RESULT
# CMD...`), not by the benchmark itself: a child's ru_maxrss starts at the peak RSS of the
# process that forked it (Linux carries it over fork and exec), and the benchmark's own peak
# grows with pandas (write_summary(), compare()). It writes "wall exit_code ru_maxrss" to RESULT.
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
    """(wall seconds, peak RSS in KiB, stdout, stderr) of one whole process, spawned and timed
    by LAUNCHER; stops on failure."""
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
    rss = maxrss // 1024 if sys.platform == "darwin" else maxrss
    return wall, rss, stdout, stderr


def timings_line(stream: str) -> dict:
    lines = [line for line in stream.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b) if b != 0 else abs(a - b)


def compare(name: str, ours_csv: Path, ours_params: Path, theirs_csv: Path,
            theirs_params: Path) -> dict:
    """custseg (ours) against lifetimes (theirs): stops on parameters beyond PARAM_RTOL or
    different customers; returns the figures for the table."""
    import numpy as np
    import pandas as pd
    ours_p, theirs_p = json.loads(ours_params.read_text()), json.loads(theirs_params.read_text())
    diffs = {}
    for model, names in (("bg_nbd", BG_NAMES), ("gamma_gamma", GG_NAMES)):
        for k in names:
            try:
                a, b = float(ours_p[model][k]), float(theirs_p[model][k])
            except (KeyError, TypeError, ValueError):
                sys.exit(f"error: {name}: no {model}.{k} in {ours_params} or {theirs_params}")
            diffs[f"{model}.{k}"] = (a, b, rel(a, b))
    log(f"{name}: parameters, custseg vs lifetimes:")
    for key, (a, b, d) in diffs.items():
        log(f"  {key:18s} {a:16.10g} {b:16.10g}   rel {d:.2e}")
    for model in ("bg_nbd", "gamma_gamma"):
        a, b = ours_p[model].get("log_likelihood"), theirs_p[model].get("log_likelihood")
        if a is not None and b is not None:
            log(f"  {model + '.log_likelihood':18s} {a:16.10g} {b:16.10g}   "
                f"rel {rel(float(a), float(b)):.2e} (not enforced)")
    worst = max(diffs, key=lambda k: diffs[k][2])
    if not diffs[worst][2] <= PARAM_RTOL:  # NaN fails too
        bad = ", ".join(f"{k} {d:.2e}" for k, (_, _, d) in diffs.items() if not d <= PARAM_RTOL)
        sys.exit(f"error: {name}: custseg and lifetimes parameters differ by more than "
                 f"{PARAM_RTOL:g} relative: {bad}\n  custseg {ours_params}\n  lifetimes "
                 f"{theirs_params}")

    def table(path: Path) -> pd.DataFrame:
        t = pd.read_csv(path, dtype={"customer_id": "str"})
        ids = t["customer_id"].str.strip()
        if ids.str.fullmatch(r"\d+").all():  # "00004" and "4" are the same customer
            ids = ids.astype("int64")
        return t.assign(customer_id=ids).set_index("customer_id")

    ours, theirs = table(ours_csv), table(theirs_csv)
    if len(ours) != len(theirs) or not ours.index.isin(theirs.index).all():
        only_ours = int((~ours.index.isin(theirs.index)).sum())
        only_theirs = int((~theirs.index.isin(ours.index)).sum())
        sys.exit(f"error: {name}: custseg has {len(ours):,} customers, lifetimes {len(theirs):,} "
                 f"({only_ours:,} only in custseg, {only_theirs:,} only in lifetimes)")
    ours = ours.reindex(theirs.index)
    details = []

    def column(label, key, kind, where=None):
        if key not in ours.columns:
            details.append(f"{label}: no column {key!r} in custseg's table")
            return None
        a, b = ours[key].to_numpy(dtype=float), theirs[key].to_numpy(dtype=float)
        if where is not None:
            a, b = a[where], b[where]
        if a.size == 0:
            return None
        d = np.abs(a - b) if kind == "abs" else np.abs(a - b) / np.abs(b)
        value = float(d.max())  # NaN if either side has a NaN
        details.append(f"{label} {value:.2e}")
        return value

    for key in ("frequency", "recency", "T"):
        column(f"{key} max |diff|", key, "abs")
    column("monetary_value max rel", "monetary_value", "rel",
           theirs["monetary_value"].to_numpy() > 0)
    column("P(alive) max |diff|", "p_alive", "abs")
    column("expected purchases max rel (lifetimes > 1e-3)", "expected_purchases", "rel",
           theirs["expected_purchases"].to_numpy() > 1e-3)
    big = theirs["clv"].to_numpy() > 1
    clv = column(f"CLV max rel ({int(big.sum()):,} customers with CLV > 1)", "clv", "rel", big)
    log(f"{name}: per customer: " + "; ".join(details))
    return {"params_max": diffs[worst][2], "params_worst": worst, "clv_max": clv,
            "clv_customers": int(big.sum()), "details": details}


def commands(mode: str, input_path: Path, extra: list[str], last_date: str, args,
             ours: tuple[Path, Path], theirs: tuple[Path, Path]) -> tuple[list[str], list[str]]:
    """custseg's and the lifetimes side's command lines for one input in one mode; ours and
    theirs are each (table, parameters)."""
    common = ["--unit", "week", "--model", "bgnbd", "--horizon-months", str(HORIZON_MONTHS),
              "--discount-rate", str(DISCOUNT_RATE), "--params", str(ours[1]),
              "--output", str(ours[0])]
    script = [sys.executable, str(Path(__file__).resolve())]
    if mode == "summary":
        return ([str(args.binary), "--timings", "clv", str(input_path), "--summary", *common],
                [*script, "--run-lifetimes-summary", str(input_path), str(theirs[0]),
                 "--params", str(theirs[1])])
    return ([str(args.binary), "--timings", "clv", str(input_path), *extra,
             "--keep-non-positive", "--observation-end", last_date, *common],
            [*script, "--run-lifetimes", str(input_path), str(theirs[0]), "--params",
             str(theirs[1]), "--observation-end", last_date])


def bench(name: str, input_path: Path, extra: list[str], last_date: str, args,
          mode: str = "transactions") -> dict:
    """Both programs on input_path (transactions; with mode "summary" the summary file from
    write_summary), args.repeat alternating pairs; their agreement checked after the first."""
    out = args.workdir / name
    tag = name
    if mode == "summary":
        out, tag = out / "from_summary", f"{name} (summary)"
    out.mkdir(parents=True, exist_ok=True)
    ours_csv, ours_params = out / "custseg_clv.csv", out / "custseg_params.json"
    theirs_csv, theirs_params = out / "lifetimes_clv.csv", out / "lifetimes_params.json"
    ours_cmd, theirs_cmd = commands(mode, input_path, extra, last_date, args,
                                    (ours_csv, ours_params), (theirs_csv, theirs_params))
    with open(input_path, "rb") as fh:  # into the page cache for both
        while fh.read(1 << 24):
            pass
    sides = [("lifetimes", theirs_cmd, "stdout")]
    if not args.skip_custseg:
        sides.insert(0, ("custseg", ours_cmd, "stderr"))
    result = {side: [] for side, _, _ in sides}
    for i in range(args.repeat):
        for side, cmd, stream in sides:
            log(f"{tag}: run {i + 1}/{args.repeat} {side} ...")
            wall, rss, stdout, stderr = run(cmd)
            stages = timings_line(stdout if stream == "stdout" else stderr)
            log(f"{tag}: run {i + 1}/{args.repeat} {side} {wall:.2f} s, {rss / 1024:.0f} MiB")
            result[side].append((wall, rss, stages))
        if i == 0:
            result["facts"] = json.loads(theirs_params.read_text())
            if not args.skip_custseg:
                result["agreement"] = compare(tag, ours_csv, ours_params, theirs_csv,
                                              theirs_params)
    return result


def summary_description(summary: Path, made: dict, source: Path, last_date: str,
                        args) -> str:
    """The summary mode's input, for the notes below its table."""
    return (f"`{summary.relative_to(args.workdir)}` in the workdir ({made['bytes'] / 2**20:.1f} "
            f"MiB, one row per customer: customer_id,frequency,recency,T,monetary_value in "
            f"weeks), written before the runs (not timed, {made['seconds']:.1f} s) by lifetimes' "
            f"summary_data_from_transaction_data of `{source.name}` ({made['rows']:,} rows), "
            f"observation end {last_date}; custseg `--summary`.")


def fmt_stages(stages: dict) -> str:
    return ", ".join(f"{k.removesuffix('_s')} {v:.3f}" for k, v in stages.items()) or "none"


def report(rows: list[tuple[str, dict, str]], args, title: str) -> str:
    """One mode's markdown: a heading line with title, the table, then the notes per input."""
    lines = [f"### {title}", "",
             "| input | customers | rows | lifetimes (s) | custseg (s) | lifetimes / custseg "
             "| lifetimes peak RSS (MiB) | custseg peak RSS (MiB) | parameters: max relative "
             "difference |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    notes = []
    for label, r, description in rows:
        best = {side: min(r[side], key=lambda run_: run_[0]) for side in ("custseg", "lifetimes")
                if side in r}
        peak = {side: max(rss for _, rss, _ in r[side]) / 1024 for side in best}
        theirs = best["lifetimes"][0]
        ours = best["custseg"][0] if "custseg" in best else None
        agreement = r.get("agreement")
        cells = [
            label, f"{r['facts']['customers']:,}", f"{r['facts']['rows']:,}", f"{theirs:.2f}",
            f"{ours:.2f}" if ours else "n/a", f"{theirs / ours:.1f}x" if ours else "n/a",
            f"{peak['lifetimes']:.0f}", f"{peak['custseg']:.0f}" if ours else "n/a",
            (f"{agreement['params_max']:.1e} ({agreement['params_worst']})" if agreement
             else "n/a")]
        lines.append("| " + " | ".join(cells) + " |")
        notes.append(f"- {label}: {description}")
        fitted = r["facts"]
        notes.append("  lifetimes fit: " + ", ".join(
            [f"{k}={fitted['bg_nbd'][k]:.6g}" for k in BG_NAMES]
            + [f"BG/NBD log-likelihood {fitted['bg_nbd']['log_likelihood']:.6g}"]
            + [f"{k}={fitted['gamma_gamma'][k]:.6g}" for k in GG_NAMES])
            + f" ({fitted['gamma_gamma_customers']:,} repeat buyers in the Gamma-Gamma fit).")
        if agreement:
            notes.append("  custseg vs lifetimes: " + "; ".join(agreement["details"]) + ".")
        notes.append(f"  lifetimes stages (s, best run): {fmt_stages(best['lifetimes'][2])}.")
        if ours:
            notes.append(f"  custseg stages (s, best run, `--timings`): "
                         f"{fmt_stages(best['custseg'][2])}.")
    runs = "1 run each" if args.repeat == 1 else f"best of {args.repeat} alternating runs"
    return "\n".join(lines) + f"\n\nWhole-process wall time, {runs}; peak RSS from wait4.\n\n" \
        + "\n".join(notes)


def machine(binary_version: str) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor() or platform.machine())
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = ", ".join(f"{p} {version(p)}" for p in ("lifetimes", "pandas", "numpy", "scipy",
                                                       "autograd"))
    return (f"Machine: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB; Python "
            f"{platform.python_version()}, {versions}; {binary_version}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run-lifetimes", nargs=2, metavar=("INPUT", "OUT"), type=Path,
                        help="run the lifetimes side on INPUT, write the table to OUT, print "
                             "stage times as JSON (what the benchmark runs in a subprocess)")
    parser.add_argument("--run-lifetimes-summary", nargs=2, metavar=("SUMMARY", "OUT"),
                        type=Path,
                        help="run the lifetimes side on a summary CSV (customer_id,frequency,"
                             "recency,T,monetary_value), write the table to OUT, print stage "
                             "times as JSON (what the summary mode runs in a subprocess)")
    parser.add_argument("--params", type=Path,
                        help="with --run-lifetimes or --run-lifetimes-summary: where the "
                             "parameters go (default: OUT with the suffix .params.json)")
    parser.add_argument("--observation-end", help="with --run-lifetimes: YYYY-MM-DD (default: "
                                                  "the last date in INPUT)")
    parser.add_argument("--binary", type=Path, default=default_binary())
    parser.add_argument("--customers", type=int, default=1_000_000,
                        help="customers in the generated input (default: %(default)s)")
    parser.add_argument("--modes", default=",".join(MODES),
                        help="comparisons to run, comma-separated: transactions (both read "
                             "the transactions), summary (both read the same summary file) "
                             "(default: %(default)s)")
    parser.add_argument("--skip-generated", action="store_true")
    parser.add_argument("--skip-cdnow", action="store_true")
    parser.add_argument("--skip-custseg", action="store_true",
                        help="run the lifetimes side only (no custseg binary needed)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="alternating runs of each program, best wall time reported")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR,
                        help="where the generated input is cached (default: %(default)s)")
    parser.add_argument("--workdir", type=Path, default=WORKDIR,
                        help="where the outputs go (default: %(default)s)")
    args = parser.parse_args()

    if args.run_lifetimes:
        input_path, out_csv = args.run_lifetimes
        run_lifetimes(input_path, out_csv, args.params or out_csv.with_suffix(".params.json"),
                      args.observation_end)
        return
    if args.run_lifetimes_summary:
        summary_path, out_csv = args.run_lifetimes_summary
        run_lifetimes_summary(summary_path, out_csv,
                              args.params or out_csv.with_suffix(".params.json"))
        return
    if args.repeat < 1 or args.customers < 1:
        sys.exit("error: --repeat and --customers must be at least 1")
    wanted = {m.strip() for m in args.modes.split(",") if m.strip()}
    if not wanted or not wanted <= MODES.keys():
        sys.exit(f"error: --modes {args.modes!r}: give one or more of {', '.join(MODES)}, "
                 "comma-separated")
    modes = [m for m in MODES if m in wanted]

    binary_version = "custseg not run (--skip-custseg)"
    if not args.skip_custseg:
        if not (args.binary.is_file() and os.access(args.binary, os.X_OK)):
            sys.exit(f"error: no custseg binary at {args.binary}: build it with "
                     "`cargo build --release` (CARGO_TARGET_DIR set if your target directory is "
                     "elsewhere), pass --binary PATH, or --skip-custseg")
        probe = subprocess.run([str(args.binary), "clv", "--help"], capture_output=True, text=True)
        if probe.returncode != 0:
            sys.exit(f"error: {args.binary} has no `clv` command (an older build?):\n"
                     f"{probe.stderr.strip()[:500]}")
        if "summary" in modes and "--summary" not in probe.stdout:
            sys.exit(f"error: {args.binary}'s `clv` has no --summary (an older build?); "
                     "rebuild it or pass --modes transactions")
        binary_version = subprocess.run([str(args.binary), "--version"], capture_output=True,
                                        text=True, check=True).stdout.strip()
    if os.getloadavg()[0] > 0.5:
        log(f"warning: load average {os.getloadavg()[0]:.1f}; the machine is not idle")
    args.workdir.mkdir(parents=True, exist_ok=True)

    inputs = []  # (name, label, transactions, custseg's reading flags, last date, description)
    if not args.skip_cdnow:
        facts = cdnow_facts(CDNOW)
        inputs.append(("cdnow", "CDNOW master", CDNOW,
                       ["--delimiter", "space", "--amount", "dollar_value",
                        "--quantity", "number_of_cds"], facts["last_date"],
                       f"`{CDNOW.relative_to(REPO)}` (header line, columns separated by spaces; "
                       f"custseg `--delimiter space`), observation end {facts['last_date']}."))
    if not args.skip_generated:
        path, meta = generated_input(args.data_dir, args.customers)
        truth = ", ".join(f"{k}={v}" for k, v in {**TRUE_BGNBD, **TRUE_GG}.items())
        inputs.append((f"generated_{args.customers}", f"generated, {args.customers:,} customers",
                       path, [], meta["last_date"],
                       f"`{path.name}` ({meta['bytes'] / 2**20:.1f} MiB; numpy "
                       f"default_rng({SEED}), BG/NBD and Gamma-Gamma at {truth}; "
                       f"{meta['first_date']} .. {meta['last_date']}; made in "
                       f"{meta['simulate_s'] + meta['write_s']:.1f} s), observation end "
                       f"{meta['last_date']}."))
    if not inputs:
        sys.exit("error: nothing to run (--skip-cdnow and --skip-generated)")

    tables = {mode: [] for mode in modes}
    for name, label, path, extra, last_date, description in inputs:
        if "transactions" in modes:
            result = bench(name, path, extra, last_date, args)
            tables["transactions"].append((label, result, description))
        if "summary" in modes:
            summary = args.workdir / name / "summary.csv"
            made = write_summary(path, last_date, summary)
            result = bench(name, summary, [], last_date, args, "summary")
            tables["summary"].append((label, result, summary_description(
                summary, made, path, last_date, args)))

    python = os.path.relpath(sys.executable, REPO)
    command = shlex.join([python, "benches/clv_bench.py", *sys.argv[1:]])
    print(f"Command: `{command}`, {time.strftime('%Y-%m-%d')}.\n")
    print(machine(binary_version) + "\n")
    print("\n\n".join(report(tables[mode], args, MODES[mode]) for mode in modes))


if __name__ == "__main__":
    main()
