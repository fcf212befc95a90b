"""pandas reference for custseg's RFM scoring: writes the parity fixtures.

Re-run (from the repo root):

    bash scripts/setup-python.sh                       # once: .venv with pinned pandas
    .venv/bin/python tests/reference/rfm_parity.py     # (re)write tests/fixtures/parity/
    .venv/bin/python tests/reference/rfm_parity.py --check   # regenerate into a temp dir and
                                    # compare with the committed files (tolerances below)

The script is deterministic (numpy default_rng(7), fixed formatting): running it
twice on one machine gives byte-identical files.

--check compares values, not bytes, with tests/reference/fixture_compare.py, like
the other reference scripts: the numbers here come from pandas/numpy reductions
whose last bits are not promised to be the same on every processor.  Integers
(ids, recency, frequency, scores), labels, strings (versions included) and the
fallback flags compare exactly; floats (monetary, qcut bins, quantile
probabilities) and "*_bits" fields within |a-b| <= 1e-12 + 1e-9 max(|a|,|b|).
The transaction CSVs are written from strings and compare exactly in effect.

Semantics implemented here (and by the Rust crate)
--------------------------------------------------
Input: UCI Online Retail schema, columns InvoiceNo, StockCode, Description,
Quantity, InvoiceDate (``YYYY-MM-DD HH:MM:SS``), UnitPrice, CustomerID, Country.

Cleaning: drop rows with a missing CustomerID, cancellations (InvoiceNo matching
``^C\\d+$``; ``CA-2016-1`` is *not* one), Quantity <= 0 and UnitPrice <= 0.

Per customer (customers ordered by CustomerID *numerically*, the pandas groupby
order, which is the order ``rank(method="first")`` breaks ties in):
  snapshot  = calendar date of the max InvoiceDate (over the cleaned rows) + 1 day
  recency   = (snapshot - calendar date of the customer's last purchase).days
  frequency = number of distinct InvoiceNo
  monetary  = sum(Quantity * UnitPrice)

Scores (n = 5 by default; labels 1..n, reversed n..1 for R):
  R = pd.qcut(recency, n, labels=[n..1])
  F = pd.qcut(frequency.rank(method="first"), n, labels=[1..n])
  M = pd.qcut(monetary, n, labels=[1..n])
  Fallback: if the plain qcut of recency or monetary raises "Bin edges must be
  unique", that column is scored as pd.qcut(col.rank(method="first"), n, labels)
  instead (same labels, still reversed for R).

pandas 3 qcut details that matter for bit-exact parity:
  * quantile probabilities: p_k = k * (1/n) (np.linspace), and if n * p_k != k
    in float64 then p_k = nextafter(p_k, 1.0)  (e.g. n=5: p_3 = 0.6000000000000002)
  * edges: np.quantile(values, p, method="linear"): h = (len-1) * p_k, lo = floor(h),
    g = h - lo, a = x[lo], b = x[lo+1] (clamped), edge = a + (b-a)*g if g < 0.5
    else b - (b-a)*(1-g)
  * duplicate edges -> ValueError("Bin edges must be unique")
  * bin of v = searchsorted(edges, v, side="left") (right-closed bins), and
    v == edges[0] goes to bin 1.
  rf-regex segment of f"{r}{f}" (first full match, in this order):
  [1-2][1-2] Hibernating, [1-2][3-4] At Risk, [1-2]5 Can't Lose Them,
  3[1-2] About To Sleep, 33 Need Attention, [3-4][4-5] Loyal Customers,
  41 Promising, 51 New Customers, [4-5][2-3] Potential Loyalists, 5[4-5] Champions.

Files written to tests/fixtures/parity/:
  ties_transactions.csv, ties_expected.csv, ties_expected_meta.json
  fallback_transactions.csv, fallback_expected.csv, fallback_expected_meta.json
  ntiles_expected.csv, ntiles_meta.json          (ties fixture, n = 4 and n = 10)
  qcut_vectors.json                              (low-level pd.qcut cases)
Floats in JSON are written with Python repr (shortest round-trip); the "*_bits"
fields give the same values as f64 bit patterns (hex u64) for exact parsing by
the Rust tests (this machine's bits: compare with tolerances across machines).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in tests/reference from the import below
from fixture_compare import Rules, compare_dirs, report  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "tests" / "fixtures" / "parity"
# --check: every field is an expected value; default tolerances (see the docstring)
CHECK_RULES = Rules()

COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity",
           "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
DATE_FMT = "%Y-%m-%d %H:%M:%S"
CANCEL_RE = r"C\d+"  # used with str.fullmatch, i.e. ^C\d+$

SEGMENTS = [
    (r"[1-2][1-2]", "Hibernating"),
    (r"[1-2][3-4]", "At Risk"),
    (r"[1-2]5", "Can't Lose Them"),
    (r"3[1-2]", "About To Sleep"),
    (r"33", "Need Attention"),
    (r"[3-4][4-5]", "Loyal Customers"),
    (r"41", "Promising"),
    (r"51", "New Customers"),
    (r"[4-5][2-3]", "Potential Loyalists"),
    (r"5[4-5]", "Champions"),
]


# --------------------------------------------------------------------------
# reference implementation
# --------------------------------------------------------------------------

def f64_bits(x: float) -> str:
    return format(np.float64(x).view(np.uint64), "016x")


def segment_of(rf: str) -> str:
    for pat, name in SEGMENTS:
        if re.fullmatch(pat, rf):
            return name
    raise ValueError(f"no segment for {rf!r}")


def read_transactions(path: Path) -> pd.DataFrame:
    df = pd.read_csv(
        path,
        dtype={"InvoiceNo": str, "StockCode": str, "Description": str, "Country": str},
    )
    df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"], format=DATE_FMT)
    # the parsed prices must be the correctly rounded f64s (what Rust's parser gives)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)["UnitPrice"]
    assert all(float(s) == v for s, v in zip(raw, df["UnitPrice"])), "float parse mismatch"
    return df


def clean(df: pd.DataFrame) -> pd.DataFrame:
    keep = (
        df["CustomerID"].notna()
        & ~df["InvoiceNo"].str.fullmatch(CANCEL_RE)
        & (df["Quantity"] > 0)
        & (df["UnitPrice"] > 0)
    )
    out = df.loc[keep].copy()
    out["CustomerID"] = out["CustomerID"].astype("int64")
    return out


def rfm_values(df: pd.DataFrame) -> pd.DataFrame:
    snapshot = df["InvoiceDate"].max().normalize() + pd.Timedelta(days=1)
    df = df.assign(Amount=df["Quantity"] * df["UnitPrice"])
    g = df.groupby("CustomerID")  # sort=True: numeric CustomerID order
    rfm = g.agg(last=("InvoiceDate", "max"),
                frequency=("InvoiceNo", "nunique"),
                monetary=("Amount", "sum"))
    rfm["recency"] = (snapshot - rfm["last"].dt.normalize()).dt.days
    return rfm[["recency", "frequency", "monetary"]]


def qcut_score(col: pd.Series, n: int, reverse: bool, force_rank: bool = False):
    """Returns (int scores, fell_back)."""
    labels = list(range(n, 0, -1)) if reverse else list(range(1, n + 1))
    if force_rank:
        return pd.qcut(col.rank(method="first"), n, labels=labels).astype("int64"), False
    try:
        return pd.qcut(col, n, labels=labels).astype("int64"), False
    except ValueError as e:
        if "Bin edges must be unique" not in str(e):
            raise
        return pd.qcut(col.rank(method="first"), n, labels=labels).astype("int64"), True


def scores(rfm: pd.DataFrame, n: int):
    r, r_fb = qcut_score(rfm["recency"], n, reverse=True)
    f, f_fb = qcut_score(rfm["frequency"], n, reverse=False, force_rank=True)
    m, m_fb = qcut_score(rfm["monetary"], n, reverse=False)
    return r, f, m, {"recency": r_fb, "frequency": f_fb, "monetary": m_fb}


def expected_table(tx_path: Path):
    cleaned = clean(read_transactions(tx_path))
    rfm = rfm_values(cleaned)
    r, f, m, meta = scores(rfm, 5)
    out = pd.DataFrame({
        "customer_id": rfm.index.astype("int64"),
        "recency": rfm["recency"].to_numpy(),
        "frequency": rfm["frequency"].to_numpy(),
        "monetary": rfm["monetary"].to_numpy(),
        "r": r.to_numpy(), "f": f.to_numpy(), "m": m.to_numpy(),
    })
    out["rfm_code"] = [f"{a}{b}{c}" for a, b, c in zip(out["r"], out["f"], out["m"])]
    out["segment"] = [segment_of(f"{a}{b}") for a, b in zip(out["r"], out["f"])]
    return out, rfm, cleaned, meta


def check_fixture(out: pd.DataFrame, rfm: pd.DataFrame, cleaned: pd.DataFrame):
    r, f, m = (pd.Series(out[c].to_numpy(), index=rfm.index) for c in ("r", "f", "m"))
    check_summation_robust(cleaned, rfm, m)
    check_order_matters(rfm, r, f, m)


def check_order_matters(rfm: pd.DataFrame, r, f, m):
    """The fixture must distinguish numeric from string CustomerID order."""
    as_str = rfm.set_axis(rfm.index.astype(str)).sort_index()
    r2, f2, m2, _ = scores(as_str, 5)
    back = lambda s: s.set_axis(s.index.astype("int64")).reindex(rfm.index).to_numpy()
    assert any((back(a) != b.to_numpy()).any() for a, b in ((r2, r), (f2, f), (m2, m))), \
        "string vs numeric CustomerID order gives the same scores"


def check_summation_robust(cleaned: pd.DataFrame, rfm: pd.DataFrame, m: pd.Series):
    """M scores must not depend on float summation order (pandas groupby sum is
    Kahan-compensated; custseg sums exactly and rounds once, math.fsum's value)."""
    naive, exact = {}, {}
    for cid, q, p in zip(cleaned["CustomerID"], cleaned["Quantity"], cleaned["UnitPrice"]):
        naive[cid] = naive.get(cid, 0.0) + float(q) * float(p)
        exact.setdefault(cid, []).append(float(q) * float(p))
    for alt in (pd.Series(naive), pd.Series({k: math.fsum(v) for k, v in exact.items()})):
        alt = alt.reindex(rfm.index)
        assert np.allclose(alt.to_numpy(), rfm["monetary"].to_numpy(), rtol=0, atol=1e-9)
        try:
            alt_m = pd.qcut(alt, 5, labels=[1, 2, 3, 4, 5]).astype("int64")
        except ValueError:
            alt_m = pd.qcut(alt.rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype("int64")
        assert (alt_m.to_numpy() == m.to_numpy()).all(), "M scores depend on summation order"


# --------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------

def write_csv(path: Path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        w.writerows(rows)


def write_json(path: Path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False)
        fh.write("\n")


def write_expected(path: Path, out: pd.DataFrame):
    rows = [
        [int(c), int(rec), int(fr), repr(round(float(mon), 6)), int(r), int(f), int(m), code, seg]
        for c, rec, fr, mon, r, f, m, code, seg in out.itertuples(index=False)
    ]
    write_csv(path, list(out.columns), rows)


# --------------------------------------------------------------------------
# transaction generators
# --------------------------------------------------------------------------

PRODUCTS = [  # (StockCode, Description, typical decimal price)
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "2.55"),
    ("71053", "WHITE METAL LANTERN", "3.39"),
    ("84406B", "CREAM CUPID HEARTS COAT HANGER", "2.75"),
    ("84029G", "KNITTED UNION FLAG HOT WATER BOTTLE", "3.39"),
    ("22752", "SET 7 BABUSHKA NESTING BOXES", "7.65"),
    ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", "4.25"),
    ("22633", "HAND WARMER UNION JACK", "1.85"),
    ("22745", "POPPY'S PLAYHOUSE BEDROOM", "2.1"),
    ("21754", "HOME BUILDING BLOCK WORD", "5.95"),
    ("22310", "IVORY KNITTED MUG COSY", "1.65"),
    ("84879", "ASSORTED COLOUR BIRD ORNAMENT", "1.69"),
    ("22960", "JAM MAKING SET WITH JARS", "4.25"),
    ("POST", "POSTAGE", "18"),
    ("23166", 'MEDIUM CERAMIC TOP STORAGE JAR, "VINTAGE"', "1.25"),
    ("21232", "STRAWBERRY CERAMIC TRINKET BOX", "0.42"),
]
# exactly representable prices for the template baskets (identical monetary ties)
EXACT_PRICES = ["0.5", "1.25", "2.5", "3.75", "0.75", "4.5", "12.75", "1.5"]
COUNTRIES = ["United Kingdom", "United Kingdom", "United Kingdom", "France", "Germany", "EIRE",
             "Norway", "Spain"]


class TxBuilder:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.invoices = []  # (datetime, customer, country, lines, invoice_no or None)
        self.extra_rows = []  # raw rows that bypass numbering (dropped / special)

    def time_on(self, day: datetime) -> datetime:
        r = int(self.rng.integers(0, 10))
        if r == 0:
            return day.replace(hour=0, minute=0, second=0)
        if r == 1:
            return day.replace(hour=23, minute=59, second=0)
        return day.replace(hour=int(self.rng.integers(7, 20)), minute=int(self.rng.integers(0, 60)))

    def random_lines(self, k: int):
        lines = []
        for _ in range(k):
            code, desc, price = PRODUCTS[int(self.rng.integers(0, len(PRODUCTS)))]
            qty = int(self.rng.choice([1, 2, 3, 4, 6, 12, 24]))
            lines.append((code, desc, qty, price))
        return lines

    def template_lines(self, k: int):
        lines = []
        for _ in range(k):
            code, desc, _ = PRODUCTS[int(self.rng.integers(0, len(PRODUCTS)))]
            price = EXACT_PRICES[int(self.rng.integers(0, len(EXACT_PRICES)))]
            qty = int(self.rng.choice([1, 2, 4, 6, 8, 12]))
            lines.append((code, desc, qty, price))
        return lines

    def add(self, when, cust, country, lines, invoice_no=None):
        self.invoices.append((when, cust, country, lines, invoice_no))

    def rows(self, first_invoice=536365):
        inv = sorted(self.invoices, key=lambda t: (t[0], t[1]))
        rows, n = [], first_invoice
        for when, cust, country, lines, inv_no in inv:
            if inv_no is None:
                inv_no, n = str(n), n + 1
            for code, desc, qty, price in lines:
                rows.append([inv_no, code, desc, str(qty), when.strftime(DATE_FMT), price,
                             "" if cust is None else str(cust), country])
        rows.extend(self.extra_rows)
        # stable chronological order, like the real file
        rows.sort(key=lambda r: r[4])
        return rows


def day_pool(rng, k, start=datetime(2010, 12, 1), end=datetime(2011, 12, 8)):
    span = (end - start).days
    offs = sorted(set(int(x) for x in rng.choice(span, size=k, replace=False)))
    return [start + timedelta(days=o) for o in offs]


def make_ties(rng: np.random.Generator):
    b = TxBuilder(rng)
    small_ids = [7, 98, 512, 3001, 99, 100003, 45, 1234]
    big_ids = sorted(int(x) for x in rng.choice(np.arange(12346, 18288), size=52, replace=False))
    ids = small_ids + big_ids
    rng.shuffle(ids)
    ids = [int(x) for x in ids]
    last_day = datetime(2011, 12, 9)
    days = day_pool(rng, 22)
    countries = {c: COUNTRIES[int(rng.integers(0, len(COUNTRIES)))] for c in ids}

    singles, multis = ids[:42], ids[42:]
    # template groups: identical baskets (monetary ties); the first two of each
    # group also share the day (identical recency and monetary)
    groups = [singles[0:5], singles[5:9], singles[9:13], singles[13:16], singles[16:19]]
    for grp in groups:
        lines = b.template_lines(int(rng.integers(1, 4)))
        shared_day = days[int(rng.integers(0, len(days)))]
        for i, c in enumerate(grp):
            day = shared_day if i < 2 else days[int(rng.integers(0, len(days)))]
            b.add(b.time_on(day), c, countries[c], lines)
    # a campaign day: 9 single-invoice customers with the same recency, enough
    # to collapse two n=10 recency edges (fallback) but not two n=5 edges
    for c in singles[19:28]:
        b.add(b.time_on(datetime(2011, 6, 14)), c, countries[c], b.random_lines(int(rng.integers(1, 4))))
    for c in singles[28:]:
        day = days[int(rng.integers(0, len(days)))]
        b.add(b.time_on(day), c, countries[c], b.random_lines(int(rng.integers(1, 5))))
    for c in multis:
        k = int(rng.integers(2, 7))
        for d in sorted(int(x) for x in rng.choice(len(days), size=k, replace=False)):
            b.add(b.time_on(days[d]), c, countries[c], b.random_lines(int(rng.integers(1, 4))))
    # the global max InvoiceDate (kept row) and a same-day early-morning purchase
    b.add(datetime(2011, 12, 9, 12, 50), multis[0], countries[multis[0]], b.random_lines(2))
    b.add(datetime(2011, 12, 9, 0, 0), singles[20], countries[singles[20]],
          [("22633", "HAND WARMER UNION JACK", 6, "1.85")])  # singles[20] now has 2 invoices
    # an invoice that looks odd but is NOT a cancellation: kept
    b.add(datetime(2011, 6, 1, 10, 0), multis[1], countries[multis[1]],
          [("21754", "HOME BUILDING BLOCK WORD", 3, "5.95")], invoice_no="CA-2016-1")

    # rows cleaning must drop (none carries the global max date)
    d = "2011-11-30 10:00:00"
    cust = str(multis[2])
    b.extra_rows += [
        ["C581484", "23843", "PAPER CRAFT , LITTLE BIRDIE", "-80", d, "2.08", cust, "United Kingdom"],
        ["581485", "22960", "JAM MAKING SET WITH JARS", "5", d, "4.25", "", "United Kingdom"],
        ["581486", "22310", "IVORY KNITTED MUG COSY", "4", d, "0", cust, "United Kingdom"],
        ["581487", "22745", "POPPY'S PLAYHOUSE BEDROOM", "-2", d, "2.1", cust, "United Kingdom"],
        ["581488", "84879", "ASSORTED COLOUR BIRD ORNAMENT", "0", d, "1.69", cust, "United Kingdom"],
        ["A581489", "B", "Adjust bad debt", "1", d, "-11062.06", cust, "United Kingdom"],
        # a customer whose only rows are dropped disappears from the output
        ["C581490", "22633", "HAND WARMER UNION JACK", "-12", d, "1.85", "99999", "France"],
    ]
    return b.rows()


def make_fallback(rng: np.random.Generator):
    b = TxBuilder(rng)
    ids = [12350, 7, 13001, 98, 14555, 512, 15000, 17850, 12346, 16000,
           13100, 45, 17000, 12400, 3001, 15500, 16500, 14000, 12500, 18000,
           13500, 14500, 15200, 16200, 17200, 18200, 12600, 13600, 99, 100003]
    countries = {c: COUNTRIES[int(rng.integers(0, len(COUNTRIES)))] for c in ids}
    days = day_pool(rng, 12)
    campaign_day = datetime(2011, 11, 25)
    basket = [("22960", "JAM MAKING SET WITH JARS", 4, "4.5"),
              ("22633", "HAND WARMER UNION JACK", 12, "1.25")]  # 33.0 exactly
    # ids[0:14]: identical basket (monetary tie, 14/30 customers)
    # ids[6:20]: last purchase on the campaign day (recency tie, 14/30)
    for i, c in enumerate(ids):
        same_m = i < 14
        same_r = 6 <= i < 20
        lines = basket if same_m else b.random_lines(int(rng.integers(1, 4)))
        day = campaign_day if same_r else days[int(rng.integers(0, len(days)))]
        b.add(b.time_on(day), c, countries[c], lines)
    # a few repeat buyers outside the tied groups (earlier invoices)
    for c in ids[22:27]:
        b.add(b.time_on(datetime(2011, 3, 1)), c, countries[c], b.random_lines(2))
    b.add(datetime(2011, 12, 9, 12, 50), ids[25], countries[ids[25]], b.random_lines(1))
    b.extra_rows += [
        ["C581499", "22633", "HAND WARMER UNION JACK", "-12", "2011-11-25 11:00:00", "1.25",
         str(ids[3]), "United Kingdom"],
        ["581500", "22960", "JAM MAKING SET WITH JARS", "5", "2011-11-25 11:00:00", "4.5", "",
         "United Kingdom"],
    ]
    return b.rows(first_invoice=570001)


# --------------------------------------------------------------------------
# qcut vectors
# --------------------------------------------------------------------------

QCUT_VECTORS = [
    ("one_to_ten", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], [5, 3]),
    ("unsorted_with_ties", [5.0, 1.0, 3.0, 3.0, 2.0, 8.0, 3.0, 9.0, 1.0, 7.0, 4.0, 6.0], [5, 3]),
    ("heavy_ties_error", [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0], [5]),
    ("single_value", [42.0], [5]),
    ("two_values", [1.0, 2.0], [5]),
    ("all_equal", [3.5, 3.5, 3.5, 3.5], [5]),
    ("negatives", [-5.5, -1.0, 0.0, 2.25, -3.0, 7.0, -0.5, -100.0], [5]),
    ("decimals", [0.1 + 0.2, 0.3, 0.1, 0.2, 0.7, 0.1 + 0.6, 1.1, 2.2, 3.3000000000000003], [5]),
    # six values: h = 5*p is an integer for p=0.2,0.4,0.8; p_3 is bumped
    ("edge_on_values", [0.0, 1.0, 2.0, 2.0, 3.0, 4.0], [5]),
    # same shape but the bumped edge cannot move away from the tied value
    ("bumped_edge_collapses", [0.0, 1.0, 1000.0, 1000.0, 1000.0000000001, 5000.0], [5]),
]


def quantile_probs(n: int) -> list[float]:
    qs = np.linspace(0, 1, n + 1)
    np.putmask(qs, n * qs != np.arange(n + 1), np.nextafter(qs, 1))
    return [float(x) for x in qs]


def qcut_cases():
    cases = []
    for name, values, ns in QCUT_VECTORS:
        for n in ns:
            case = {"name": name, "n": n, "values": values,
                    "values_bits": [f64_bits(v) for v in values]}
            try:
                labels, bins = pd.qcut(pd.Series(values), n, labels=False, retbins=True)
                case["labels"] = [int(x) + 1 for x in labels]
                case["bins"] = [float(x) for x in bins]
                case["bins_bits"] = [f64_bits(x) for x in bins]
            except ValueError as e:
                assert "Bin edges must be unique" in str(e), e
                case["labels"] = "error"
            cases.append(case)
    probs = {str(n): {"probs": quantile_probs(n), "probs_bits": [f64_bits(p) for p in quantile_probs(n)]}
             for n in (3, 4, 5, 10)}
    return {"pandas_version": pd.__version__, "numpy_version": np.__version__,
            "quantile_probs": probs, "cases": cases}


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def generate(out_dir: Path, verbose: bool = True):
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)

    # a) ties
    ties_tx = out_dir / "ties_transactions.csv"
    write_csv(ties_tx, COLUMNS, make_ties(rng))
    ties, ties_rfm, ties_clean, ties_meta = expected_table(ties_tx)
    assert not ties_meta["recency"] and not ties_meta["monetary"], ties_meta
    check_fixture(ties, ties_rfm, ties_clean)
    write_expected(out_dir / "ties_expected.csv", ties)
    write_json(out_dir / "ties_expected_meta.json", ties_meta)

    # b) fallback
    fb_tx = out_dir / "fallback_transactions.csv"
    write_csv(fb_tx, COLUMNS, make_fallback(rng))
    fb, fb_rfm, fb_clean, fb_meta = expected_table(fb_tx)
    assert fb_meta == {"recency": True, "frequency": False, "monetary": True}, fb_meta
    check_fixture(fb, fb_rfm, fb_clean)
    write_expected(out_dir / "fallback_expected.csv", fb)
    write_json(out_dir / "fallback_expected_meta.json", fb_meta)

    # c) n-tiles on the ties fixture
    cols, meta = {"customer_id": ties_rfm.index.astype("int64").to_numpy()}, {}
    for n in (4, 10):
        r, f, m, fell = scores(ties_rfm, n)
        cols[f"r{n}"], cols[f"f{n}"], cols[f"m{n}"] = r.to_numpy(), f.to_numpy(), m.to_numpy()
        meta[str(n)] = fell
    nt = pd.DataFrame(cols)
    write_csv(out_dir / "ntiles_expected.csv", list(nt.columns),
              [[int(v) for v in row] for row in nt.itertuples(index=False)])
    assert meta["10"]["recency"] and not meta["4"]["recency"], meta
    write_json(out_dir / "ntiles_meta.json", meta)

    # d) qcut vectors
    write_json(out_dir / "qcut_vectors.json", qcut_cases())

    if verbose:
        def summary(name, tx, clean_df, table):
            raw = pd.read_csv(tx, dtype=str)
            print(f"{name}: {len(raw)} rows, {len(clean_df)} kept, {len(table)} customers, "
                  f"single-invoice {int((table['frequency'] == 1).sum())}, "
                  f"distinct recency {table['recency'].nunique()}, "
                  f"distinct monetary {table['monetary'].nunique()}")
            print("  segments:", dict(table["segment"].value_counts().sort_index()))
        summary("ties", ties_tx, ties_clean, ties)
        summary("fallback", fb_tx, fb_clean, fb)
        print("ties meta", ties_meta, "| fallback meta", fb_meta, "| ntiles meta", meta)
        print("qcut cases:", [(c["name"], c["n"], c["labels"] == "error") for c in qcut_cases()["cases"]])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with the committed fixtures "
                         "(values within tolerances)")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args()
    if not args.check:
        generate(args.out)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), verbose=False)
        names = [p.name for p in Path(tmp).iterdir()]
        return report(compare_dirs(args.out, tmp, names, CHECK_RULES), CHECK_RULES)


if __name__ == "__main__":
    sys.exit(main())
