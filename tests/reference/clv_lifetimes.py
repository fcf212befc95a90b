"""lifetimes reference for custseg's customer-lifetime-value module: writes tests/fixtures/clv/.

Re-run (from the repo root):

    bash scripts/setup-python.sh                         # once: .venv with pinned lifetimes
    .venv/bin/python tests/reference/clv_lifetimes.py    # (re)write tests/fixtures/clv/
    .venv/bin/python tests/reference/clv_lifetimes.py --check   # regenerate into a temp dir
                                  # and compare with the committed files (tolerances below)

Anchored on Python's lifetimes 0.11.3 (PyPI, MIT licence, Cameron Davidson-Pilon),
run unmodified on the repo's pinned pandas 3.1.1 / numpy 2.4.6 / scipy 1.17.1 /
autograd 1.9.1 (see "lifetimes on pandas 3" below: no shim is needed for the
functions used here).  Takes ~15-20 s, a third of it reading and cleaning the
541,909-row Online Retail file.  Every statement about lifetimes below was read in its source
(site-packages/lifetimes/utils.py and fitters/*.py) and, where it is a number,
is asserted by this script on every run.

Inputs
------
* CDNOW_sample.txt: copied byte for byte from lifetimes' package
  (site-packages/lifetimes/datasets/) to tests/fixtures/clv/ by the write mode
  (--check verifies the committed copy against the package).  No header, CRLF
  line ends, whitespace-separated columns: customer id (5 digits, zero-padded,
  read as an integer: "00004" is 4), the customer's number 1..2357 in the sample
  (the "ID" of lifetimes' bundled cdnow_customers_summary.csv), date YYYYMMDD,
  number of CDs, dollar amount.  6,919 transactions of 2,357 customers, dated
  1997-01-01 .. 1998-06-30; all customers made their first purchase in the first
  12 weeks of 1997, by 1997-03-25 (the cohort of Fader, Hardie & Lee 2005).
  Its rows are exactly the master's rows of its customers (asserted).
* CDNOW_master.txt.gz: lifetimes' CDNOW_master.txt gzipped with `gzip -n -9`
  (no name, no time stamp: the same bytes every time).  Unlike the sample it HAS
  a header line ("customer_id date number_of_cds dollar_value") and 4 columns
  (no sample number): 69,659 transactions of 23,570 customers.  Shipped for the
  Rust side; only its content is verified here.
* data/online-retail/online_retail.csv.gz cleaned EXACTLY as rfm_parity.py does
  (its read_transactions/clean are imported): kept rows have a CustomerID, an
  InvoiceNo not matching ^C\\d+$, Quantity > 0 and UnitPrice > 0; customer =
  CustomerID, date = InvoiceDate (with its time of day), amount = Quantity *
  UnitPrice.

Files written to tests/fixtures/clv/ (floats with Python repr, the shortest
round-trip text; integers plain; "\\n" line ends; JSON with sorted keys):
  cdnow_sample_summary.csv       lifetimes' summary of CDNOW_sample for the
                                 39-week calibration period (see "Which
                                 observation end" below): customer_id,frequency,
                                 recency,T,monetary_value; weeks.
  cdnow_sample_summary_full.csv  the same with observation end = the last date in
                                 the file, 1998-06-30 (lifetimes' default).
  online_retail_summary_weeks.csv  Online Retail summary, freq="D",
                                 freq_multiplier=7 (weeks), observation end = the
                                 last InvoiceDate (2011-12-09 12:50, i.e. day
                                 2011-12-09).
  online_retail_summary_days.csv   the same in days (freq_multiplier=1).
  cdnow_fits.json        BG/NBD, BG/NBD with penalizer_coef=0.1, Pareto/NBD and
                         Gamma-Gamma fitted on cdnow_sample_summary.csv:
                         parameters, standard errors (where lifetimes has them),
                         total log-likelihood, lifetimes' objective value, the
                         published values, a "polished" optimum; the
                         frequency/monetary correlation; the holdout totals.
  cdnow_predictions.csv  per customer, for the first 50 customers of
                         cdnow_sample_summary.csv (by id) plus the customer with
                         the largest frequency (1760, x = 29): the summary and
                         bgnbd/pnbd_expected_purchases_39, bgnbd/pnbd_p_alive,
                         gg_expected_average_profit, clv_bgnbd_gg_12_months.
  cdnow_points.json      BG/NBD and Pareto/NBD at the published points (FHL 2005:
                         x=2, t_x=30.43, T=38.86, t=39; unconditional E[X(t)] at
                         t = 1, 3, 32, 78 weeks) and the CLV of customer 1760
                         month by month.
  cdnow_holdout_summary.csv      calibration_and_holdout_data: customer_id,
                         frequency_cal,recency_cal,T_cal,monetary_value_cal,
                         frequency_holdout,monetary_value_holdout,duration_holdout.
  cdnow_holdout_predictions.csv  customer_id, frequency_holdout and the BG/NBD
                         (fitted on the calibration columns) expected purchases in
                         the holdout: bgnbd_expected_purchases_holdout.
  clv_meta.json          versions; every input's sha256 (of the uncompressed
                         content), rows, customers and dates; each summary's
                         settings and counts.
The write mode also (re)installs the inputs CDNOW_sample.txt and
CDNOW_master.txt.gz there; --check verifies them instead.  README.md in that
directory (sources, licence, file layout) is written by hand.
The script is deterministic: running it twice gives byte-identical files
(Pareto/NBD's random start is seeded, see below).

Which observation end (CDNOW)
-----------------------------
The published CDNOW numbers (Fader, Hardie & Lee 2005, "Counting your customers
the easy way"; lifetimes' docs; lifetimes' bundled cdnow_customers_summary.csv)
are for the 39-week CALIBRATION period 1997-01-01 .. 1997-09-30: 2,357
customers, 946 with frequency > 0, 2,457 repeat purchases, BG/NBD LL -9582.43.
With the last date of the file (1998-06-30) as the observation end, 1,139
customers have frequency > 0 and the fits are not the published ones.  So
cdnow_sample_summary.csv, the fits and the predictions use
observation_period_end = 1997-09-30 (asserted: 2,357 rows, 946 repeat buyers,
and every frequency/recency/T within 0.005 of the bundled 2-decimal summary);
cdnow_sample_summary_full.csv is the last-date summary (2,357 rows, 1,139
repeat buyers).  1997-09-30 is also the calibration end of the holdout example,
whose calibration columns are asserted bit-identical to cdnow_sample_summary.csv.

Summary semantics (lifetimes.utils.summary_data_from_transaction_data, with
monetary_value_col set, include_first_transaction=False)
----------------------------------------------------------------------------
freq is a pandas period ("D" here) and freq_multiplier divides the time unit
(7: weeks made of days).
 1. Every transaction time is FLOORED to its period: to_period(freq).
    to_timestamp() (freq "D": midnight of its calendar day; the time of day is
    dropped).  The observation end is floored the same way (2011-12-09 12:50 ->
    2011-12-09) and transactions with floored time <= floored observation end
    are kept (the whole last day is in).  Default observation end: the max
    transaction time.
 2. Purchases of one customer in the same period (the same calendar day)
    COLLAPSE into one: groupby([period, customer]).sum() adds their amounts.
 3. The customer's first period (earliest day) is the "first" purchase.
    frequency = number of distinct periods - 1 (repeat purchase DAYS, not
    invoices or rows).
 4. recency = (last period start - first period start) / np.timedelta64(1, freq)
    / freq_multiplier; T = (observation end - first period start) / (1 freq) /
    freq_multiplier.  With "D" and 7: whole days / 7 as float64, e.g. recency
    30.428571428571427 = 213 / 7.  recency = 0 when frequency = 0.
 5. monetary_value = MEAN over the REPEAT periods of the per-period SUMS: the
    first day's summed amount (all purchases of that day) is set to NaN and
    excluded; the other days' sums are averaged (pandas groupby mean); 0.0 when
    frequency = 0.  E.g. a customer with 20.00 + 5.00 on day 1, 10.00 + 4.00 on
    day 5 and 30.00 on day 9 has frequency 2, monetary_value (14 + 30) / 2 = 22.
 6. Columns frequency, recency, T, monetary_value as float64, one row per
    customer with a kept transaction; this script sorts customers numerically.
This script re-derives every summary with plain Python from the documented rule
(direct_summary) and asserts frequency, recency and T bit-identical and
monetary_value within 1e-12 relative (summation order).
freq="W" is a different thing: periods are pandas W-SUN weeks (Monday to
Sunday), all purchases in a calendar week collapse, recency and T are whole
weeks between week starts (asserted: 935 repeat buyers instead of 946 for the
CDNOW calibration).  FHL's data, and these fixtures, use days / 7.

Holdout semantics (lifetimes.utils.calibration_and_holdout_data, freq="D",
freq_multiplier=7, calibration_period_end 1997-09-30, observation_period_end
1998-06-30; freq_multiplier IS supported: it is passed to the calibration
summary and divides duration_holdout):
  *_cal      summary_data_from_transaction_data of the transactions with time
             <= calibration_period_end (a timestamp comparison, not floored),
             observation end = calibration_period_end (steps 1-6 above).
  frequency_holdout       number of distinct periods (days) with a purchase in
             (calibration end, observation end] (no purchase is excluded there).
  monetary_value_holdout  the plain MEAN of the holdout TRANSACTION amounts
             (rows, NOT per-day sums: unlike monetary_value_cal).
  Both 0 for customers without holdout purchases (fillna(0)); customers whose
  first purchase is after the calibration end are dropped (left join; none in
  CDNOW).  duration_holdout = (Period(obs end) - Period(cal end)).n /
  freq_multiplier = 273 / 7 = 39.0 for every customer.
Asserted against a plain-Python re-derivation as well.

Fitters (lifetimes 0.11.3)
--------------------------
Time is rescaled before fitting: scale = 1 / max(T); recency and T are
multiplied by it, the fitted alpha (and Pareto/NBD's beta) divided back.
* BetaGeoFitter (BG/NBD): scipy.optimize.minimize(method=None -> BFGS,
  tol=1e-7) of the objective in LOG parameters log(r, alpha*scale, a, b) from
  x0 = 0.1 * ones(4), gradient by autograd.  Objective
      NLL_mean + penalizer_coef * (r^2 + (alpha*scale)^2 + a^2 + b^2)
  where NLL_mean = -sum_i w_i ll_i / sum_i w_i is the MEAN negative
  log-likelihood per customer in SCALED time (FHL 2005 eq. 6 per customer).
  The penalty is on the parameters themselves (not their logs), SQUARED, alpha
  in scaled time units, added to the MEAN (not the total) NLL.
* GammaGammaFitter: same BFGS (tol=1e-7, x0 = 0.1 * ones(3)) in log(p, q, v);
  objective NLL_mean + penalizer_coef * (p^2 + q^2 + v^2), NLL_mean the mean
  over the repeat buyers (frequency > 0, monetary_value > 0 required).
* ParetoNBDFitter: scipy Nelder-Mead (tol=1e-4, maxiter=2000) in the RAW
  parameters (r, alpha*scale, s, beta*scale) (any <= 0 gives +inf) from a
  RANDOM start np.random.normal(1.0, 0.05, 4) drawn from numpy's GLOBAL random
  state: this script calls np.random.seed(PNBD_SEED) first.  Objective
      -sum_i w_i ll_i / mean(w) + penalizer_coef * (r^2 + (alpha*scale)^2 + s^2 + (beta*scale)^2)
  i.e. the TOTAL NLL (for unit weights) + penalty: not the mean, unlike the
  other two.  No Hessian, so no standard errors.
* log-likelihood: lifetimes 0.11.3 has NO public log_likelihood_ attribute.
  It keeps the minimised objective as _negative_log_likelihood_: BG/NBD and GG
  the MEAN NLL (+ penalty), Pareto/NBD the TOTAL NLL (+ penalty), both in scaled
  time.  Rescaling time changes the log-likelihood (a density in time) by a
  constant: LL(weeks) = LL(scaled) + (sum_i x_i) * log(scale), here
  -590.0748 + 2457 * log(1/38.857...) = -9582.4292 for BG/NBD (asserted for
  BG/NBD and Pareto/NBD).  cdnow_fits.json stores log_likelihood_total = the TOTAL
  log-likelihood in the data's unit (weeks), computed with lifetimes' own
  objective at the fitted parameters on the unscaled data with penalizer 0 (times
  sum(w) for the mean objectives): BG/NBD -9582.4292, Pareto/NBD -9594.9762,
  GG -4055.9177 (comparable with the published -9582.43 / -9594.97); and
  lifetimes_objective = _negative_log_likelihood_ as lifetimes stores it.
* standard_errors_ (BG/NBD, GG): delta method on the Hessian H (autograd) of the
  minimised objective (mean NLL incl. penalty) in log parameters:
  se_j = theta_j * sqrt([H^-1]_jj / sum(w)) (asserted).  (Its variance_matrix_
  multiplies inv(H) by (theta^2) as a 1-D row, so the OFF-diagonal entries are
  theta_j^2 [H^-1]_ij, not theta_i theta_j [H^-1]_ij; the diagonal, hence the
  standard errors, is the usual delta-method value.)
* "polished": lifetimes' own objective (penalty included) minimised further from
  lifetimes' solution: Newton steps with autograd's gradient and Hessian
  (BG/NBD, GG; gradient ~0 in float64), or Nelder-Mead in log parameters with
  xatol = fatol = 1e-12 (Pareto/NBD, whose objective autograd cannot
  differentiate).  lifetimes' BG/NBD result is within 4.3e-7 relative of it,
  GG within 4e-9, Pareto/NBD within 7.1e-5 (its Nelder-Mead tolerance is 1e-4;
  see the tolerances below).
Published values asserted (to half a unit of the last published digit): BG/NBD
r=0.2426 alpha=4.4136 a=0.7929 b=2.4259 LL -9582.43; Pareto/NBD r=0.553,
s=0.606 (half a unit) and alpha=10.578, beta=11.668 within 5e-3 (lifetimes'
Nelder-Mead result moves by ~2e-3 in beta with the random start, and the
published beta is 7e-4 below the polished optimum 11.66874); its LL -9594.976 against the published
-9594.97 within 0.01 (the published value is truncated: the polished maximum is
-9594.97618).  GG p=6.25 q=3.74 v=15.45 to 3 significant figures (within
half a unit of the third digit: 0.005, 0.005, 0.05): fitted on our
unrounded monetary values v = 15.4435; lifetimes' docs fit the bundled
cdnow_customers_summary_with_transactions.csv, whose zbar is rounded to cents,
and that gives 15.4477 (asserted), hence the published 15.45.
frequency_monetary_correlation = Pearson correlation of frequency and
monetary_value over the repeat buyers (lifetimes' docs' check of the GG
independence assumption): 0.1139.

Predictions
-----------
* conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T): expected
  repeat purchases in the next t weeks (BG/NBD: FHL 2005 eq. 10 with hyp2f1, and
  its Euler-transformed form where hyp2f1 overflows; Pareto/NBD: Fader-Hardie
  note 009 eq. 41).  t = 39 here.
* conditional_probability_alive(x, t_x, T): BG/NBD 1 / (1 + a/(b+x-1) *
  ((alpha+T)/(alpha+t_x))^(r+x)) for x > 0 and 1.0 for x = 0; Pareto/NBD note
  009 eqs. 36-37.
* GammaGamma conditional_expected_average_profit(x, m) = (1 - w) * v p / (q - 1)
  + w m with w = p x / (p x + q - 1): the population mean v p / (q - 1) for
  x = 0.
* customer_lifetime_value(bgf, x, t_x, T, m, time=12, discount_rate=0.01,
  freq="W") (GammaGammaFitter method -> utils._customer_lifetime_value).  "time"
  is in MONTHS; freq is the unit of T and maps a month to
      factor = {"W": 4.345, "M": 1.0, "D": 30, "H": 720}[freq]
  time units (a week-based month is 4.345 weeks: 12 months = 52.14 weeks; a
  day-based one 30 days).  Steps, with m^ = GG conditional_expected_average_profit:
      clv = 0
      for i in np.arange(1, time + 1) * factor:        # 4.345, 8.69, ..., 52.14
          n_i = E[X(i) | x, t_x, T] - E[X(i - factor) | x, t_x, T]
          clv += m^ * n_i / (1 + discount_rate) ** (i / factor)
  where E[X(t)|...] is the model's conditional_expected_number_of_purchases_
  up_to_time (bgf.predict).  So month k's expected purchases are valued at m^
  and discounted by a full k months (end of month, monthly rate); i / factor
  is computed in float64 (k up to rounding); without discounting the sum
  telescopes to m^ * E[X(12 * factor)].  cdnow_points.json lists the twelve
  steps for customer 1760 (asserted to add up to lifetimes' value).

Tolerances of --check (tests/reference/fixture_compare.py; versions, strings
and integers exactly):
  * summaries, counts, correlation: the defaults |a-b| <= 1e-12 + 1e-9 max(|a|,|b|)
    (pandas sums and float divisions).
  * BG/NBD, penalised BG/NBD, GG fields and everything computed from them
    (bgnbd_*, gg_*, clv_* columns, "bgnbd", "bgnbd_penalized", "gamma_gamma",
    "clv_steps", "holdout"): rtol 1e-5.  BFGS stops within its tolerance of the
    optimum, at a point that may move with the last bits of the objective on
    another processor; lifetimes' result is within 4.3e-7 relative of the
    polished optimum here (parameters; 1.1e-7 for the predictions), asserted
    below a third of the tolerance: two machines whose results both pass that
    assertion agree within the tolerance.
  * Pareto/NBD fields (pnbd_* columns, "pareto_nbd"): rtol 1e-3.  Nelder-Mead
    with tol 1e-4 stops up to ~1e-4 relative from the optimum (start seeds 0, 7
    and 123 differ by 1.6e-4 in beta); with seed 7 lifetimes' parameters are
    within 7.1e-5 of the polished optimum, the predictions within 1.3e-5, both
    asserted below a third of the tolerance (same argument).
  * "polished": rtol 1e-5 (Pareto/NBD's polished optimum moves by 3.4e-7 with the
    start; the Newton-polished ones are exact to ~1e-12).
  * "log_likelihood_total", "lifetimes_objective": rtol 1e-8.  At an optimum the
    objective is flat: any stopping point within the optimizers' tolerances
    changes it by < 1e-6 absolute (observed 3.4e-7 for Pareto/NBD's total NLL
    across seeds), 1e-8 relative is ~1e-4 absolute on -9582.

lifetimes on pandas 3
---------------------
lifetimes 0.11.3 (2020) runs unmodified for everything used here on pandas
3.1.1, numpy 2.4.6, scipy 1.17.1 and autograd 1.9.1: no compatibility shim.
Its import emits a Pandas4Warning (it sets the no-op option
mode.chained_assignment), silenced below.  Not used here and broken or fragile
on this stack: generate_data (DataFrame.append, removed in pandas 2) and
calculate_alive_path (fillna(method=...), removed in pandas 3);
lifetimes.datasets imports pkg_resources, which needs setuptools in the venv
(setuptools 65.5 is there on Python 3.11; absent from Python >= 3.12 venvs and
removed from recent setuptools), so this script reads the dataset files by path
and never imports lifetimes.datasets.  lifetimes' fitters module turns
FutureWarnings off process-wide (warnings.simplefilter at import).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from scipy.optimize import minimize

with warnings.catch_warnings():
    # lifetimes.utils sets pd.options.mode.chained_assignment (a no-op since pandas 3)
    warnings.filterwarnings("ignore", message=".*mode.chained_assignment.*")
    import lifetimes
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
    from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data
from autograd import grad, hessian

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in tests/reference from the imports below
from fixture_compare import Rules, Tolerance, compare_dirs, report  # noqa: E402
from rfm_parity import clean, read_transactions  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "tests" / "fixtures" / "clv"
ONLINE_RETAIL = REPO / "data" / "online-retail" / "online_retail.csv.gz"
DATASETS = Path(lifetimes.__file__).resolve().parent / "datasets"  # read by path (see docstring)

SAMPLE_TXT = "CDNOW_sample.txt"
MASTER_TXT = "CDNOW_master.txt"
MASTER_GZ = "CDNOW_master.txt.gz"
# sha256 of lifetimes 0.11.3's files (the wheel's RECORD)
SAMPLE_SHA256 = "6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a"
MASTER_SHA256 = "eff6889ed364c5199d6eacbbeb7a6d559971df4406ac876f322c373f00a072ef"

LIFETIMES_VERSION = "0.11.3"
CALIBRATION_END = "1997-09-30"  # FHL 2005's 39-week calibration period
OBSERVATION_END = "1998-06-30"  # the last date of CDNOW_sample.txt
WEEKS = 7                       # freq="D", freq_multiplier=7
PNBD_SEED = 7                   # np.random.seed before ParetoNBDFitter.fit (random start)
PREDICTION_T = 39.0
FIRST_CUSTOMERS = 50
CLV_MONTHS, CLV_DISCOUNT, CLV_FREQ = 12, 0.01, "W"
PENALIZER = 0.1
UNCONDITIONAL_T = [1.0, 3.0, 32.0, 78.0]

PUBLISHED = {  # FHL 2005 / lifetimes' docs; value -> allowed |difference|
    "bgnbd": {"r": (0.2426, 5e-5), "alpha": (4.4136, 5e-5), "a": (0.7929, 5e-5),
              "b": (2.4259, 5e-5), "log_likelihood_total": (-9582.43, 5e-3)},
    # Pareto/NBD: alpha and beta within 5e-3 (5e-4 relative), not half a unit: lifetimes'
    # Nelder-Mead stops ~1e-4 relative from the optimum (beta 11.6677 .. 11.6696 over start
    # seeds) and the published beta is itself 7e-4 below the polished optimum 11.6687
    "pareto_nbd": {"r": (0.553, 5e-4), "alpha": (10.578, 5e-3), "s": (0.606, 5e-4),
                   "beta": (11.668, 5e-3), "log_likelihood_total": (-9594.97, 1e-2)},
    # GG to 3 significant figures: half a unit of the third digit
    "gamma_gamma": {"p": (6.25, 5e-3), "q": (3.74, 5e-3), "v": (15.45, 5e-2)},
}
PUBLISHED_POINTS = {"conditional": {"frequency": 2, "recency": 30.43, "T": 38.86, "t": 39.0,
                                    "published": 1.226},
                    "unconditional": [0.0532, 0.1506, 1.0437, 1.8576]}
POINT_TOLERANCE = 1e-3

BFGS_TOLERANCE = Tolerance(rtol=1e-5, atol=1e-12)
NELDER_MEAD_TOLERANCE = Tolerance(rtol=1e-3, atol=1e-12)
POLISHED_TOLERANCE = Tolerance(rtol=1e-5, atol=1e-12)
OBJECTIVE_TOLERANCE = Tolerance(rtol=1e-8, atol=1e-12)
BG_COLUMNS = ["bgnbd_expected_purchases_39", "bgnbd_p_alive", "gg_expected_average_profit",
              "clv_bgnbd_gg_12_months", "bgnbd_expected_purchases_holdout"]
PNBD_COLUMNS = ["pnbd_expected_purchases_39", "pnbd_p_alive"]
CHECK_RULES = Rules(tolerances={
    **{k: BFGS_TOLERANCE for k in ["bgnbd", "bgnbd_penalized", "gamma_gamma", "clv_steps",
                                   "holdout", *BG_COLUMNS]},
    **{k: NELDER_MEAD_TOLERANCE for k in ["pareto_nbd", *PNBD_COLUMNS]},
    "polished": POLISHED_TOLERANCE,
    "log_likelihood_total": OBJECTIVE_TOLERANCE,
    "lifetimes_objective": OBJECTIVE_TOLERANCE,
})
EXPECTATIONS = ["cdnow_sample_summary.csv", "cdnow_sample_summary_full.csv",
                "online_retail_summary_weeks.csv", "online_retail_summary_days.csv",
                "cdnow_fits.json", "cdnow_predictions.csv", "cdnow_points.json",
                "cdnow_holdout_summary.csv", "cdnow_holdout_predictions.csv", "clv_meta.json"]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cell(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("no booleans in these CSVs")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    assert math.isfinite(value), value
    return repr(value)


def write_csv(path: Path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        w.writerows([cell(v) for v in row] for row in rows)


def write_json(path: Path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(obj, fh, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
        fh.write("\n")


def floats(series: pd.Series) -> dict:
    return {str(k): float(v) for k, v in series.items()}


def close(a: float, b: float, tolerance: Tolerance) -> bool:
    return tolerance.allows(float(a), float(b))


def max_rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def whole(x: float) -> int:
    assert float(x).is_integer(), x
    return int(x)


# --------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------

def read_cdnow_sample(path: Path) -> pd.DataFrame:
    """CDNOW_sample.txt: no header, whitespace-separated, CRLF: id, id2, YYYYMMDD, cds, amount."""
    raw = pd.read_csv(path, sep=r"\s+", header=None, dtype=str)
    assert raw.shape == (6919, 5), raw.shape
    tx = pd.DataFrame({
        "customer_id": raw[0].astype("int64"), "id2": raw[1].astype("int64"),
        "date": pd.to_datetime(raw[2], format="%Y%m%d"),
        "quantity": raw[3].astype("int64"), "amount": raw[4].astype("float64")})
    assert all(float(s) == v for s, v in zip(raw[4], tx["amount"])), "float parse mismatch"
    return tx


def read_online_retail() -> pd.DataFrame:
    kept = clean(read_transactions(ONLINE_RETAIL))  # rfm_parity's reading and cleaning
    return pd.DataFrame({"customer_id": kept["CustomerID"].to_numpy(),
                         "date": kept["InvoiceDate"].to_numpy(),
                         "amount": (kept["Quantity"] * kept["UnitPrice"]).to_numpy()})


def install_inputs(out_dir: Path):
    """The write mode's copies: the sample byte for byte, the master with `gzip -n -9`."""
    shutil.copyfile(DATASETS / SAMPLE_TXT, out_dir / SAMPLE_TXT)
    with open(out_dir / MASTER_GZ, "wb") as fh:
        subprocess.run(["gzip", "-n", "-9", "-c", str(DATASETS / MASTER_TXT)], stdout=fh,
                       check=True)


def check_inputs(out_dir: Path) -> list[str]:
    """The committed copies hold the package's bytes (the gz is compared uncompressed)."""
    problems = []
    for name, data in ((SAMPLE_TXT, lambda p: p.read_bytes()),
                       (MASTER_GZ, lambda p: gzip.decompress(p.read_bytes()))):
        path = out_dir / name
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        source = DATASETS / (SAMPLE_TXT if name == SAMPLE_TXT else MASTER_TXT)
        if data(path) != source.read_bytes():
            problems.append(f"{path}: content differs from lifetimes' {source}")
    return problems


def iso(yyyymmdd: str) -> str:
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


def input_meta() -> dict:
    sample = (DATASETS / SAMPLE_TXT).read_bytes()
    master = (DATASETS / MASTER_TXT).read_bytes()
    assert sha256_bytes(sample) == SAMPLE_SHA256 and sha256_bytes(master) == MASTER_SHA256, \
        "lifetimes' CDNOW files differ from 0.11.3's"
    lines = master.decode("ascii").splitlines()
    assert lines[0].split() == ["customer_id", "date", "number_of_cds", "dollar_value"], lines[0]
    rows = [line.split() for line in lines[1:]]
    assert all(len(r) == 4 for r in rows) and master.count(b"\r\n") == len(lines)
    tx = read_cdnow_sample(DATASETS / SAMPLE_TXT)
    assert sample.count(b"\r\n") == len(tx) == 6919
    assert tx["customer_id"].nunique() == tx["id2"].nunique() == 2357
    assert (tx.groupby("customer_id")["id2"].nunique() == 1).all()
    assert tx.groupby("customer_id")["date"].min().max() == pd.Timestamp("1997-03-25")
    # the sample is the master's rows of its customers, plus the sample number
    ids = {f"{c:05d}" for c in tx["customer_id"]}
    assert sorted(r for r in rows if r[0] in ids) == sorted(
        [f"{c:05d}", d.strftime("%Y%m%d"), str(q), f"{a:.2f}"]
        for c, d, q, a in tx[["customer_id", "date", "quantity", "amount"]].itertuples(index=False))
    return {
        SAMPLE_TXT: {"sha256": SAMPLE_SHA256, "rows": len(tx),
                     "customers": int(tx["customer_id"].nunique()),
                     "first_date": tx["date"].min().strftime("%Y-%m-%d"),
                     "last_date": tx["date"].max().strftime("%Y-%m-%d"),
                     "header": False, "columns": ["customer_id", "id2", "date", "number_of_cds",
                                                  "dollar_value"]},
        MASTER_GZ: {"sha256_uncompressed": MASTER_SHA256, "rows": len(rows),
                    "customers": len({r[0] for r in rows}),
                    "first_date": iso(min(r[1] for r in rows)),
                    "last_date": iso(max(r[1] for r in rows)),
                    "header": True, "columns": lines[0].split()},
    }


# --------------------------------------------------------------------------
# summaries: lifetimes and a plain-Python re-derivation of the documented rule
# --------------------------------------------------------------------------

def summary(tx: pd.DataFrame, observation_end, multiplier: int) -> pd.DataFrame:
    s = summary_data_from_transaction_data(
        tx, "customer_id", "date", monetary_value_col="amount",
        observation_period_end=observation_end, freq="D", freq_multiplier=multiplier)
    return s.sort_index()


def day_numbers(times: pd.Series) -> np.ndarray:
    """Calendar days (days since 1970-01-01) of timestamps: the time of day dropped."""
    return times.to_numpy().astype("datetime64[D]").astype("int64")


def day_sums(tx: pd.DataFrame, keep: np.ndarray) -> dict:
    """customer -> {calendar day number: [amounts]} for the rows where keep is True."""
    out: dict = {}
    for customer, day, amount in zip(tx["customer_id"].to_numpy()[keep].tolist(),
                                     day_numbers(tx["date"])[keep].tolist(),
                                     tx["amount"].to_numpy()[keep].tolist()):
        out.setdefault(customer, {}).setdefault(day, []).append(amount)
    return out


def direct_summary(tx: pd.DataFrame, observation_end, multiplier: int) -> dict:
    """The documented rule in plain Python: per customer, days <= the observation day."""
    end = int(day_numbers(pd.Series([pd.Timestamp(observation_end)]))[0])
    out = {}
    for customer, days in day_sums(tx, day_numbers(tx["date"]) <= end).items():
        ordered = sorted(days)
        repeat = [math.fsum(days[d]) for d in ordered[1:]]
        out[customer] = {
            "frequency": float(len(ordered) - 1),
            "recency": (ordered[-1] - ordered[0]) / multiplier,
            "T": (end - ordered[0]) / multiplier,
            "monetary_value": math.fsum(repeat) / len(repeat) if repeat else 0.0}
    return out


def check_summary(s: pd.DataFrame, direct: dict, what: str):
    assert list(s.columns) == ["frequency", "recency", "T", "monetary_value"], list(s.columns)
    assert s.index.tolist() == sorted(direct), f"{what}: customers differ"
    tolerance = Tolerance(rtol=1e-12, atol=1e-12)
    for customer, row in zip(s.index, s.itertuples(index=False)):
        want = direct[customer]
        assert (row.frequency, row.recency, row.T) == \
            (want["frequency"], want["recency"], want["T"]), (what, customer, row, want)
        assert close(row.monetary_value, want["monetary_value"], tolerance), (what, customer)


def check_against_bundled(s: pd.DataFrame, tx: pd.DataFrame):
    """The calibration summary is lifetimes' bundled 2-decimal one (ID = the sample number)."""
    ids = tx.groupby("customer_id")["id2"].first()
    ours = s.set_axis(ids.reindex(s.index).to_numpy()).sort_index()
    bundled = pd.read_csv(DATASETS / "cdnow_customers_summary.csv").set_index("ID").sort_index()
    zbar = pd.read_csv(DATASETS / "cdnow_customers_summary_with_transactions.csv") \
        .set_index("ID").sort_index()
    assert ours.index.tolist() == bundled.index.tolist() == zbar.index.tolist()
    assert (ours["frequency"] == bundled["frequency"]).all()
    assert (ours["frequency"] == zbar["x"]).all()
    for mine, theirs in ((ours["recency"], bundled["recency"]), (ours["T"], bundled["T"]),
                         (ours["monetary_value"], zbar["zbar"])):
        assert (mine - theirs).abs().max() <= 0.005 + 1e-9, (mine - theirs).abs().max()


def summary_rows(s: pd.DataFrame):
    return [[int(c), whole(r.frequency), r.recency, r.T, r.monetary_value]
            for c, r in zip(s.index, s.itertuples(index=False))]


SUMMARY_HEADER = ["customer_id", "frequency", "recency", "T", "monetary_value"]


def summary_meta(s: pd.DataFrame, observation_end: str, multiplier: int, source: str) -> dict:
    return {"source": source, "observation_period_end": observation_end, "freq": "D",
            "freq_multiplier": multiplier, "customers": len(s),
            "repeat_buyers": int((s["frequency"] > 0).sum()),
            "repeat_purchase_days": whole(s["frequency"].sum())}


# --------------------------------------------------------------------------
# fits
# --------------------------------------------------------------------------

def newton_polish(objective, theta, args, steps=30):
    """Newton's method on a smooth objective (autograd gradient and Hessian)."""
    for _ in range(steps):
        g = grad(objective)(theta, *args)
        step = np.linalg.solve(hessian(objective)(theta, *args), g)
        theta = theta - step
        if np.max(np.abs(step)) < 1e-15:
            break
    g = grad(objective)(theta, *args)
    assert np.max(np.abs(g)) < 1e-9, g
    return theta, float(np.max(np.abs(g)))


def check_standard_errors(fitter):
    n = fitter.data["weights"].sum()
    se = fitter.params_.to_numpy() * np.sqrt(np.diag(np.linalg.inv(fitter._hessian_)) / n)
    assert np.allclose(se, fitter.standard_errors_.to_numpy(), rtol=1e-12, atol=0)


def fit_bgnbd(s: pd.DataFrame, penalizer: float) -> dict:
    x, t_x, T = s["frequency"], s["recency"], s["T"]
    bgf = BetaGeoFitter(penalizer_coef=penalizer).fit(x, t_x, T)
    check_standard_errors(bgf)
    n = len(s)
    xs, rs, Ts, w = x.to_numpy().astype(int), t_x.to_numpy(), T.to_numpy(), np.ones(n, dtype=int)
    nll = BetaGeoFitter._negative_log_likelihood
    p = bgf.params_
    log_scaled = np.log([p["r"], p["alpha"] * bgf._scale, p["a"], p["b"]])
    args = (xs, rs * bgf._scale, Ts * bgf._scale, w, penalizer)
    assert nll(log_scaled, *args) == bgf._negative_log_likelihood_
    penalty = penalizer * float(np.sum(np.exp(log_scaled) ** 2))
    log_unscaled = np.log(p[["r", "alpha", "a", "b"]].to_numpy())
    ll = -float(nll(log_unscaled, xs, rs, Ts, w, 0.0)) * n
    if penalizer == 0.0:  # the change of time unit: LL(weeks) = LL(scaled) + sum(x) log(scale)
        scaled_ll = -float(bgf._negative_log_likelihood_) * n
        assert math.isclose(ll, scaled_ll + xs.sum() * math.log(bgf._scale), rel_tol=1e-12)
    theta, gmax = newton_polish(nll, log_scaled, args)
    polished = np.exp(theta)
    polished[1] /= bgf._scale
    gap = max_rel(p.to_numpy(), polished)
    assert gap < BFGS_TOLERANCE.rtol / 3, gap
    out = {"penalizer_coef": penalizer, "params": floats(p),
           "standard_errors": floats(bgf.standard_errors_),
           "log_likelihood_total": ll,
           "lifetimes_objective": float(bgf._negative_log_likelihood_),
           "penalty": penalty, "time_scale": float(bgf._scale),
           "polished": {"params": dict(zip(["r", "alpha", "a", "b"], map(float, polished))),
                        "lifetimes_objective": float(nll(theta, *args)),
                        "max_abs_gradient": gmax}}
    return out, bgf, polished


def fit_pareto_nbd(s: pd.DataFrame) -> dict:
    np.random.seed(PNBD_SEED)  # lifetimes draws the start from numpy's global random state
    pnbd = ParetoNBDFitter().fit(s["frequency"], s["recency"], s["T"])
    assert pnbd._hessian_ is None and not hasattr(pnbd, "standard_errors_")
    n = len(s)
    xs, rs, Ts, w = (s["frequency"].to_numpy().astype(int), s["recency"].to_numpy(),
                     s["T"].to_numpy(), np.ones(n, dtype=np.int64))
    nll = ParetoNBDFitter._negative_log_likelihood
    p = pnbd.params_
    sc = pnbd._scale
    scaled = np.array([p["r"], p["alpha"] * sc, p["s"], p["beta"] * sc])
    args = (xs, rs * sc, Ts * sc, w, 0.0)
    assert math.isclose(nll(scaled, *args), pnbd._negative_log_likelihood_, rel_tol=1e-14)
    ll = -float(nll(p[["r", "alpha", "s", "beta"]].to_numpy(), xs, rs, Ts, w, 0.0))
    assert math.isclose(ll, -pnbd._negative_log_likelihood_ + xs.sum() * math.log(sc),
                        rel_tol=1e-12)
    o = minimize(lambda q: nll(np.exp(q), *args), np.log(scaled), method="Nelder-Mead",
                 options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000})
    assert o.success, o.message
    polished = np.exp(o.x)
    polished[[1, 3]] /= sc
    gap = max_rel(p.to_numpy(), polished)
    assert gap < NELDER_MEAD_TOLERANCE.rtol / 3, gap
    out = {"penalizer_coef": 0.0, "seed": PNBD_SEED, "params": floats(p),
           "standard_errors": None,
           "log_likelihood_total": ll,
           "lifetimes_objective": float(pnbd._negative_log_likelihood_),
           "time_scale": float(sc),
           "polished": {"params": dict(zip(["r", "alpha", "s", "beta"], map(float, polished))),
                        "lifetimes_objective": float(o.fun)}}
    return out, pnbd, polished


def fit_gamma_gamma(repeat: pd.DataFrame) -> dict:
    gg = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    check_standard_errors(gg)
    n = len(repeat)
    args = (repeat["frequency"].to_numpy().astype(float), repeat["monetary_value"].to_numpy(),
            np.ones(n, dtype=int), 0.0)
    nll = GammaGammaFitter._negative_log_likelihood
    log_p = np.log(gg.params_.to_numpy())
    assert nll(log_p, *args) == gg._negative_log_likelihood_
    theta, gmax = newton_polish(nll, log_p, args)
    polished = np.exp(theta)
    gap = max_rel(gg.params_.to_numpy(), polished)
    assert gap < BFGS_TOLERANCE.rtol / 3, gap
    out = {"penalizer_coef": 0.0, "customers": n, "params": floats(gg.params_),
           "standard_errors": floats(gg.standard_errors_),
           "log_likelihood_total": -float(nll(log_p, *args)) * n,
           "lifetimes_objective": float(gg._negative_log_likelihood_),
           "polished": {"params": dict(zip(["p", "q", "v"], map(float, polished))),
                        "lifetimes_objective": float(nll(theta, *args)),
                        "max_abs_gradient": gmax}}
    return out, gg, polished


def check_published(fits: dict):
    for model, values in PUBLISHED.items():
        for name, (want, within) in values.items():
            got = fits[model][name] if name == "log_likelihood_total" else \
                fits[model]["params"][name]
            assert abs(got - want) <= within, (model, name, got, want)
    # the published GG values come from lifetimes' cent-rounded zbar data
    zbar = pd.read_csv(DATASETS / "cdnow_customers_summary_with_transactions.csv")
    zbar = zbar[zbar["x"] > 0]
    gg = GammaGammaFitter().fit(zbar["x"], zbar["zbar"])
    assert [round(v, 2) for v in gg.params_] == [6.25, 3.74, 15.45], gg.params_


def with_params(fitter, names, values):
    """A copy of a fitted lifetimes model with other parameters (for the polished checks)."""
    other = type(fitter).__new__(type(fitter))
    other.__dict__.update(fitter.__dict__)
    other.params_ = pd.Series(list(values), index=names)
    if "predict" in other.__dict__:  # fit() binds predict to the fitted object itself
        other.predict = other.conditional_expected_number_of_purchases_up_to_time
    return other


# --------------------------------------------------------------------------
# predictions
# --------------------------------------------------------------------------

def predictions(s: pd.DataFrame, bgf, pnbd, gg) -> pd.DataFrame:
    x, t_x, T, m = s["frequency"], s["recency"], s["T"], s["monetary_value"]
    out = s.copy()
    out["bgnbd_expected_purchases_39"] = np.asarray(
        bgf.conditional_expected_number_of_purchases_up_to_time(PREDICTION_T, x, t_x, T))
    out["pnbd_expected_purchases_39"] = np.asarray(
        pnbd.conditional_expected_number_of_purchases_up_to_time(PREDICTION_T, x, t_x, T))
    out["bgnbd_p_alive"] = np.asarray(bgf.conditional_probability_alive(x, t_x, T))
    out["pnbd_p_alive"] = np.asarray(pnbd.conditional_probability_alive(x, t_x, T))
    out["gg_expected_average_profit"] = np.asarray(gg.conditional_expected_average_profit(x, m))
    out["clv_bgnbd_gg_12_months"] = np.asarray(gg.customer_lifetime_value(
        bgf, x, t_x, T, m, time=CLV_MONTHS, discount_rate=CLV_DISCOUNT, freq=CLV_FREQ))
    return out


def clv_steps(bgf, gg, row, lifetimes_value: float) -> dict:
    """lifetimes' _customer_lifetime_value for one customer, step by step."""
    x, t_x, T, m = row["frequency"], row["recency"], row["T"], row["monetary_value"]
    factor = 4.345
    m_hat = float(gg.conditional_expected_average_profit(x, m))
    steps, clv = [], 0.0
    for k, i in enumerate(np.arange(1, CLV_MONTHS + 1) * factor, start=1):
        cum = float(bgf.predict(i, x, t_x, T))
        prev = float(bgf.predict(i - factor, x, t_x, T))
        discount = float((1 + CLV_DISCOUNT) ** (i / factor))
        contribution = m_hat * (cum - prev) / discount
        clv += contribution
        steps.append({"month": k, "t": float(i), "expected_purchases_to_t": cum,
                      "expected_purchases_to_previous": prev, "discount_factor": discount,
                      "contribution": contribution})
    assert math.isclose(clv, lifetimes_value, rel_tol=1e-14), (clv, lifetimes_value)
    return {"customer_id": int(row.name), "frequency": whole(x), "recency": float(t_x),
            "T": float(T), "monetary_value": float(m), "expected_average_profit": m_hat,
            "months": CLV_MONTHS, "discount_rate": CLV_DISCOUNT, "freq": CLV_FREQ,
            "weeks_per_month": factor, "steps": steps, "clv": clv}


def points(bgf, pnbd) -> dict:
    c = PUBLISHED_POINTS["conditional"]
    out = {}
    for name, model in (("bgnbd", bgf), ("pareto_nbd", pnbd)):
        value = float(model.conditional_expected_number_of_purchases_up_to_time(
            c["t"], c["frequency"], c["recency"], c["T"]))
        unconditional = np.asarray(model.expected_number_of_purchases_up_to_time(
            np.array(UNCONDITIONAL_T)), dtype=float)
        out[name] = {
            "conditional_expected_purchases": {
                "frequency": c["frequency"], "recency": c["recency"], "T": c["T"], "t": c["t"],
                "value": value},
            "expected_purchases_up_to_time": [{"t": t, "value": float(v)}
                                              for t, v in zip(UNCONDITIONAL_T, unconditional)]}
        if name == "bgnbd":  # FHL 2005's published values
            out[name]["conditional_expected_purchases"]["published"] = c["published"]
            assert abs(value - c["published"]) <= POINT_TOLERANCE, value
            for entry, want in zip(out[name]["expected_purchases_up_to_time"],
                                   PUBLISHED_POINTS["unconditional"]):
                entry["published"] = want
                assert abs(entry["value"] - want) <= POINT_TOLERANCE, (entry, want)
    return out


# --------------------------------------------------------------------------
# holdout
# --------------------------------------------------------------------------

def holdout(tx: pd.DataFrame) -> pd.DataFrame:
    h = calibration_and_holdout_data(
        tx, "customer_id", "date", calibration_period_end=CALIBRATION_END,
        observation_period_end=OBSERVATION_END, freq="D", freq_multiplier=WEEKS,
        monetary_value_col="amount")
    return h.sort_index()


def check_holdout(h: pd.DataFrame, tx: pd.DataFrame, calibration: pd.DataFrame):
    cal = h[["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal"]]
    assert cal.index.tolist() == calibration.index.tolist()
    assert cal.to_numpy().tobytes() == calibration.to_numpy().tobytes(), \
        "the calibration columns are not the calibration summary"
    cal_end, obs_end = pd.Timestamp(CALIBRATION_END), pd.Timestamp(OBSERVATION_END)
    in_holdout = ((tx["date"] > cal_end) & (tx["date"] <= obs_end)).to_numpy()
    days = day_sums(tx, in_holdout)
    rows = {}
    for customer, amount in zip(tx["customer_id"][in_holdout], tx["amount"][in_holdout]):
        rows.setdefault(int(customer), []).append(float(amount))
    duration = (obs_end - cal_end).days / WEEKS
    tolerance = Tolerance(rtol=1e-12, atol=1e-12)
    for customer, r in zip(h.index, h.itertuples(index=False)):
        assert r.frequency_holdout == len(days.get(customer, {})), customer
        amounts = rows.get(customer, [])
        want = math.fsum(amounts) / len(amounts) if amounts else 0.0
        assert close(r.monetary_value_holdout, want, tolerance), (customer, want)
        assert r.duration_holdout == duration == 39.0


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def generate(out_dir: Path, verbose: bool = True):
    out_dir.mkdir(parents=True, exist_ok=True)
    assert lifetimes.__version__ == LIFETIMES_VERSION, lifetimes.__version__
    clock = time.perf_counter()
    meta = {"versions": {"lifetimes": lifetimes.__version__, "pandas": pd.__version__,
                         "numpy": np.__version__, "scipy": scipy.__version__,
                         "autograd": version("autograd")},
            "inputs": input_meta(), "summaries": {}}

    # a) CDNOW summaries (calibration: the fits' data; full: observation end = last date)
    tx = read_cdnow_sample(DATASETS / SAMPLE_TXT)
    assert tx["date"].max() == pd.Timestamp(OBSERVATION_END)
    cal = summary(tx, CALIBRATION_END, WEEKS)
    check_summary(cal, direct_summary(tx, CALIBRATION_END, WEEKS), "cdnow calibration")
    assert len(cal) == 2357 and int((cal["frequency"] > 0).sum()) == 946
    assert cal["frequency"].sum() == 2457
    check_against_bundled(cal, tx)
    full = summary(tx, None, WEEKS)
    check_summary(full, direct_summary(tx, OBSERVATION_END, WEEKS), "cdnow full")
    assert len(full) == 2357 and int((full["frequency"] > 0).sum()) == 1139
    weekly = summary_data_from_transaction_data(tx, "customer_id", "date", "amount",
                                                observation_period_end=CALIBRATION_END, freq="W")
    assert int((weekly["frequency"] > 0).sum()) == 935 and (weekly["T"] % 1 == 0).all()
    write_csv(out_dir / "cdnow_sample_summary.csv", SUMMARY_HEADER, summary_rows(cal))
    write_csv(out_dir / "cdnow_sample_summary_full.csv", SUMMARY_HEADER, summary_rows(full))
    meta["summaries"]["cdnow_sample_summary.csv"] = summary_meta(
        cal, CALIBRATION_END, WEEKS, SAMPLE_TXT)
    meta["summaries"]["cdnow_sample_summary_full.csv"] = summary_meta(
        full, OBSERVATION_END, WEEKS, SAMPLE_TXT)
    t_cdnow = time.perf_counter()

    # b) Online Retail, weeks and days
    retail = read_online_retail()
    last = retail["date"].max()
    for name, multiplier in (("online_retail_summary_weeks.csv", WEEKS),
                             ("online_retail_summary_days.csv", 1)):
        s = summary(retail, last, multiplier)
        check_summary(s, direct_summary(retail, last, multiplier), name)
        write_csv(out_dir / name, SUMMARY_HEADER, summary_rows(s))
        meta["summaries"][name] = summary_meta(s, last.strftime("%Y-%m-%d %H:%M:%S"), multiplier,
                                               ONLINE_RETAIL.name)
    meta["inputs"][ONLINE_RETAIL.name] = {
        "sha256": sha256_bytes(ONLINE_RETAIL.read_bytes()),
        "rows_kept": len(retail), "customers": int(retail["customer_id"].nunique()),
        "first_date": retail["date"].min().strftime("%Y-%m-%d %H:%M:%S"),
        "last_date": last.strftime("%Y-%m-%d %H:%M:%S"),
        "cleaning": "tests/reference/rfm_parity.py clean(); amount = Quantity * UnitPrice"}
    t_retail = time.perf_counter()

    # c) fits on the calibration summary
    fits = {"lifetimes_version": lifetimes.__version__, "data": {
        "summary": "cdnow_sample_summary.csv", "observation_period_end": CALIBRATION_END,
        "time_unit": "weeks (days / 7)", "customers": len(cal),
        "repeat_buyers": int((cal["frequency"] > 0).sum()),
        "repeat_purchases": whole(cal["frequency"].sum()), "max_T": float(cal["T"].max())}}
    fits["bgnbd"], bgf, bg_polished = fit_bgnbd(cal, 0.0)
    fits["bgnbd_penalized"], _, _ = fit_bgnbd(cal, PENALIZER)
    fits["pareto_nbd"], pnbd, pnbd_polished = fit_pareto_nbd(cal)
    repeat = cal[cal["frequency"] > 0]
    fits["gamma_gamma"], gg, gg_polished = fit_gamma_gamma(repeat)
    fits["frequency_monetary_correlation"] = float(
        repeat[["frequency", "monetary_value"]].corr().iloc[0, 1])
    for model, values in PUBLISHED.items():
        fits[model]["published"] = {k: v for k, (v, _) in values.items()}
    check_published(fits)
    t_fits = time.perf_counter()

    # d) predictions: the first 50 customers and the most frequent one
    top = cal["frequency"].idxmax()
    assert (cal["frequency"] == cal.loc[top, "frequency"]).sum() == 1
    chosen = cal.iloc[:FIRST_CUSTOMERS]
    if top not in chosen.index:
        chosen = pd.concat([chosen, cal.loc[[top]]])
    pred = predictions(chosen, bgf, pnbd, gg)
    alt = predictions(chosen, with_params(bgf, ["r", "alpha", "a", "b"], bg_polished),
                      with_params(pnbd, ["r", "alpha", "s", "beta"], pnbd_polished),
                      with_params(gg, ["p", "q", "v"], gg_polished))
    for columns, tolerance in ((BG_COLUMNS[:4], BFGS_TOLERANCE), (PNBD_COLUMNS,
                                                                   NELDER_MEAD_TOLERANCE)):
        gap = max_rel(pred[columns].to_numpy(), alt[columns].to_numpy())
        assert gap < tolerance.rtol / 3, (columns, gap)
    columns = SUMMARY_HEADER[1:] + [
        "bgnbd_expected_purchases_39", "pnbd_expected_purchases_39", "bgnbd_p_alive",
        "pnbd_p_alive", "gg_expected_average_profit", "clv_bgnbd_gg_12_months"]
    write_csv(out_dir / "cdnow_predictions.csv", ["customer_id"] + columns,
              [[int(c), whole(r["frequency"])] + [float(r[k]) for k in columns[1:]]
               for c, r in pred.iterrows()])
    pts = points(bgf, pnbd)
    pts["clv_steps"] = clv_steps(bgf, gg, pred.loc[top], float(pred.loc[top,
                                                               "clv_bgnbd_gg_12_months"]))
    write_json(out_dir / "cdnow_points.json", pts)

    # e) holdout: calibration 1997-01-01..1997-09-30, holdout 1997-10-01..1998-06-30
    h = holdout(tx)
    check_holdout(h, tx, cal)
    bgf_cal = BetaGeoFitter().fit(h["frequency_cal"], h["recency_cal"], h["T_cal"])
    assert bgf_cal.params_.to_numpy().tobytes() == bgf.params_.to_numpy().tobytes()
    expected = np.asarray(bgf_cal.conditional_expected_number_of_purchases_up_to_time(
        h["duration_holdout"], h["frequency_cal"], h["recency_cal"], h["T_cal"]))
    first = pred["bgnbd_expected_purchases_39"]
    assert np.array_equal(pd.Series(expected, index=h.index).reindex(first.index).to_numpy(),
                          first.to_numpy())
    write_csv(out_dir / "cdnow_holdout_summary.csv",
              ["customer_id", "frequency_cal", "recency_cal", "T_cal", "monetary_value_cal",
               "frequency_holdout", "monetary_value_holdout", "duration_holdout"],
              [[int(c), whole(r.frequency_cal), r.recency_cal, r.T_cal, r.monetary_value_cal,
                whole(r.frequency_holdout), r.monetary_value_holdout, r.duration_holdout]
               for c, r in zip(h.index, h.itertuples(index=False))])
    write_csv(out_dir / "cdnow_holdout_predictions.csv",
              ["customer_id", "frequency_holdout", "bgnbd_expected_purchases_holdout"],
              [[int(c), whole(f), e] for c, f, e in zip(h.index, h["frequency_holdout"], expected)])
    fits["holdout"] = {
        "calibration_period_end": CALIBRATION_END, "observation_period_end": OBSERVATION_END,
        "freq": "D", "freq_multiplier": WEEKS,
        "duration_holdout": float(h["duration_holdout"].iloc[0]),
        "bgnbd_params_cal": floats(bgf_cal.params_),
        "actual_purchases_holdout": whole(h["frequency_holdout"].sum()),
        "expected_purchases_holdout": float(expected.sum()),
        "customers_with_holdout_purchases": int((h["frequency_holdout"] > 0).sum())}
    write_json(out_dir / "cdnow_fits.json", fits)
    write_json(out_dir / "clv_meta.json", meta)
    t_end = time.perf_counter()

    if verbose:
        print(f"cdnow summaries {t_cdnow - clock:.1f} s, online retail {t_retail - t_cdnow:.1f} s, "
              f"fits {t_fits - t_retail:.1f} s, predictions + holdout {t_end - t_fits:.1f} s")
        for name, m in meta["summaries"].items():
            print(f"{name}: {m['customers']} customers, {m['repeat_buyers']} repeat buyers")
        for model in ("bgnbd", "bgnbd_penalized", "pareto_nbd", "gamma_gamma"):
            params = ", ".join(f"{k}={v:.6g}" for k, v in fits[model]["params"].items())
            print(f"{model}: {params}; LL {fits[model]['log_likelihood_total']:.4f}")
        print(f"holdout: actual {fits['holdout']['actual_purchases_holdout']}, BG/NBD expected "
              f"{fits['holdout']['expected_purchases_holdout']:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with the committed fixtures "
                         "(values within tolerances)")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args()
    if not args.check:
        generate(args.out)
        install_inputs(args.out)
        return 0
    problems = check_inputs(args.out)
    for line in problems:
        print(f"input differs: {line}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), verbose=False)
        status = report(compare_dirs(args.out, tmp, EXPECTATIONS, CHECK_RULES), CHECK_RULES)
    return 1 if problems else status


if __name__ == "__main__":
    sys.exit(main())
