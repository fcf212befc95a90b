"""mlxtend reference for custseg's product recommendations (pair association rules): writes tests/fixtures/recommend/.

Re-run (from the repo root):

    bash scripts/setup-python.sh                              # once: .venv with pinned mlxtend
    .venv/bin/python tests/reference/association_rules.py     # (re)write the expectations
    .venv/bin/python tests/reference/association_rules.py --check   # regenerate into a temp
                                  # dir and compare with the committed files (tolerances below)

Anchored on mlxtend 0.25.0 (PyPI, BSD-3-Clause, Sebastian Raschka et al.), run
unmodified on the repo's pinned pandas 3.1.1 / numpy 2.4.6 (no warning is
raised: the mlxtend calls run with warnings turned into errors).  Every
statement about mlxtend below was read in its source
(site-packages/mlxtend/frequent_patterns/{fpgrowth,fpcommon,association_rules}.py)
and, where it is a fact about this data, is asserted by this script on every
run.  It takes about a second, most of it importing pandas and mlxtend.  The
script is deterministic: running it twice gives byte-identical files.

Input
-----
tests/fixtures/recommend/baskets.csv: a small hand-made transaction file in the
Online Retail layout (InvoiceNo,StockCode,Description,Quantity,InvoiceDate,
UnitPrice,CustomerID,Country; dates YYYY-MM-DD HH:MM:SS; 2011-03-01 ..
2011-06-30).  It is an INPUT, committed, and not written by this script (see
tests/fixtures/recommend/README.md for how it was made and what is in it).
89 rows, 42 invoices, 12 customers, 11 StockCodes.  Built into it:
  * invoice 545270 has 85123A on two lines (quantities 4 and 2): a basket holds
    a product once;
  * C547984 is a cancellation (-1 x 22720) and 547218 a one-line invoice
    without CustomerID (22139, a product sold nowhere else): both rows are
    dropped, so 87 rows, 40 baskets and 10 products remain;
  * supports are multiples of 1/40 and chosen so that, at min_support 0.1 and
    min_confidence 0.3, 9 pairs are frequent and 16 pair rules pass;
  * 22720 is only ever bought with 22423: 22720 -> 22423 has confidence 1
    (conviction inf), while 22423 -> 22720 has 0.5;
  * the frequent pairs {85123A, 84406B} and {85123A, 47566} give a rule in one
    direction only (x -> 85123A passes, 85123A -> x has 4/14 < 0.3);
  * 22197 is in 3 baskets (support 0.075 < 0.1): a product without rules;
  * seven frequent pairs are in exactly 4 of 40 baskets, support exactly
    min_support (frequent: the test is >=); no candidate rule's confidence is
    within 0.014 of min_confidence (asserted), so the confidence threshold has
    no near-tie.
If the cleaning is skipped, the dropped rows change the result: the extra
baskets change N and so every support, and the cancelled 22720 makes
22720 -> 22423 lose its confidence of 1.

Cleaning (exactly tests/reference/rfm_parity.py's read_transactions and clean,
imported): drop rows with an empty CustomerID, an InvoiceNo matching ^C\\d+$,
Quantity <= 0 or UnitPrice <= 0.

Baskets and items: a basket is an InvoiceNo of the cleaned rows, an item its
StockCode (a string: "85123A", "71053").  The one-hot frame is
pd.crosstab(InvoiceNo, StockCode) > 0: one row per basket, one bool column per
product of the cleaned rows, True if the product is on at least one of the
basket's lines.  So a product on two lines of one invoice counts once.  (The
counts themselves cannot be given to mlxtend: crosstab gives 2 for 545270 x
85123A, and fpgrowth raises "ValueError: The allowed values for a DataFrame are
True, False, 0, 1. Found value 2" (asserted); 0/1 integer frames are accepted
with a DeprecationWarning, bool frames silently.)  Importing mlxtend's
frequent_patterns runs warnings.simplefilter("always", DeprecationWarning)
process-wide (fpcommon.py).

mlxtend semantics (0.25.0)
--------------------------
N = number of baskets (rows of the one-hot frame) = 40.  supp(X) = (number of
baskets containing every item of X) / N, a float64 division count / float(N).
  frequent = fpgrowth(onehot, min_support=0.1, use_colnames=True, max_len=2)
keeps the single products and pairs with supp >= min_support, inclusive, as a
comparison of DOUBLES: single items are filtered with count / float(N) >=
min_support, the conditional FP-trees with count >= ceil(min_support * N)
(min_support * N a float64 product), and the final list with supp >=
min_support again.  Here 4 / 40 is the same double as 0.1 and 0.1 * 40 is
exactly 4.0, so the three agree (asserted for every count 0..N) and pairs in 4
baskets are frequent.  Two traps for a re-implementation:
  * the double 0.1 is 0.1000000000000000055..., above 1/10: comparing the
    exact fraction 4/40 with it would drop those pairs; compare count / N as
    f64 with min_support as f64, as mlxtend does;
  * mlxtend's two tests can disagree at an exact boundary: with min_support
    0.07 and N = 100, 7 / 100 >= 0.07 holds but ceil(0.07 * 100) =
    ceil(7.000000000000001) = 8, so fpgrowth keeps a product in 7 baskets and
    drops a pair in 7 baskets (apriori keeps it; so does fpgrowth when the tree
    is a single path, which is enumerated without the count test; asserted on
    a 100-basket example).  Not the case for the parameters used here or in
    benches/recommend_bench.py.
  rules = association_rules(frequent, num_itemsets=N, metric="confidence",
                            min_threshold=0.3)
takes every frequent itemset of 2+ items and every split of it into a non-empty
antecedent A and consequent C; with max_len=2 that is, for each frequent pair
{x, y}, the two rules x -> y and y -> x, kept when confidence >= 0.3
(inclusive).  Its metrics, all supports as fractions of baskets:
  support(A->C)    = supp(A u C)
  confidence(A->C) = supp(A u C) / supp(A)
  lift(A->C)       = confidence(A->C) / supp(C)
  leverage(A->C)   = supp(A u C) - supp(A) * supp(C)
  conviction(A->C) = (1 - supp(C)) / (1 - confidence(A->C)); inf when
                     confidence(A->C) == 1.0 (mlxtend fills inf, then computes
                     only where confidence < 1.0: no division by zero).
Rules with confidence 1 have support(A u C) == supp(A) as the SAME double (both
are count / N with equal counts), so their confidence is exactly 1.0 and the
conviction exactly inf (22720 -> 22423 here).
num_itemsets: mlxtend 0.23.2 and 0.23.3 (November 2024) made it a REQUIRED
second argument, association_rules(df, num_itemsets, ...) (rasbt/mlxtend#1112:
"missing 1 required positional argument"); since 0.23.4 it is optional with
default 1.  It is documented as the number of transactions and is needed for
null_values=True, BUT it also enters confidence as written in the source:
      confidence = (supp(AuC) * num_itemsets) / (supp(A) * num_itemsets)
(the "disabled" counts are 0 without null values).  With num_itemsets = N the
two products give back the integer counts here, so confidence is the correctly
rounded count(AuC) / count(A); with the default 1 it is supp(AuC) / supp(A), a
quotient of two already rounded fractions, which differs from it in the last
bit for 3 of the 16 rules (and so do 3 lifts and 2 convictions).  This script
passes num_itemsets=N (the documented meaning) and asserts both facts.  lift,
leverage and conviction are then computed from that confidence and the
supports as written above.
The script re-derives every rule from the baskets with plain Python in exact
rational arithmetic (fractions.Fraction: counts, then the formulas) and asserts
the same set of rules, support and confidence equal to the correctly rounded
exact values (bit for bit), and every metric within 1e-15 relative of its exact
value.  Observed: lift and conviction within 1 ulp of the correctly rounded
value (4 rules each are 1 ulp off), leverage within 6 ulps (8.9e-16 relative:
supp(AuC) - supp(A) supp(C) cancels).

Files written to tests/fixtures/recommend/ ("\\n" line ends):
  rules_expected.csv  antecedent,consequent,support,confidence,lift,leverage,
                      conviction: the rules with one antecedent and one
                      consequent (all of them, with max_len=2), sorted by
                      antecedent then consequent as strings (code point order:
                      "20725" < "22423" < ... < "85123A", which is also Rust's
                      String order).  Floats with Python repr (the shortest text
                      that reads back as the same f64: "0.1", "0.5",
                      "2.857142857142857"), conviction "inf" when infinite.
  rules_meta.json     versions, parameters (min_support, min_confidence,
                      max_len, num_itemsets), the input's sha256, counts (rows
                      read and kept, baskets, products, customers, frequent
                      pairs, rules), and under "hand" facts a Rust test can
                      assert directly: kept_rows, baskets, customers, products,
                      product_baskets (StockCode -> number of baskets) and
                      product_support (StockCode -> that number / 40), the rows
                      dropped by reason, the confidence-1 rule.  JSON with
                      sorted keys, indent 2.
README.md in that directory is written by hand.

Tolerances of --check (tests/reference/fixture_compare.py): strings (codes,
versions), integers (counts) exactly; floats within the default |a-b| <= 1e-12 +
1e-9 max(|a|,|b|); inf only equals inf.  Each value here is one to three IEEE
float64 operations on integer counts, so it is in fact the same on every
machine.  The Rust test should read rules_expected.csv and compare the same way
(same pairs in the same order, metrics within 1e-12 relative, conviction inf
exactly where mlxtend has inf): an implementation working from integer counts
may differ from mlxtend in the last bits of lift, leverage and conviction.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import sys
import tempfile
import warnings
from collections import Counter
from fractions import Fraction
from importlib.metadata import version
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from mlxtend.frequent_patterns import apriori, association_rules, fpgrowth

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in tests/reference from the imports below
from fixture_compare import Rules, compare_dirs, report  # noqa: E402
from rfm_parity import clean, read_transactions  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
FIXTURE_DIR = REPO / "tests" / "fixtures" / "recommend"
INPUT = FIXTURE_DIR / "baskets.csv"
RULES_CSV = "rules_expected.csv"
META_JSON = "rules_meta.json"
EXPECTATIONS = [RULES_CSV, META_JSON]
# --check: every field is an expected value; default tolerances (see the docstring)
CHECK_RULES = Rules()

MLXTEND_VERSION = "0.25.0"
MIN_SUPPORT = 0.1
MIN_CONFIDENCE = 0.3
MAX_LEN = 2
RULE_COLUMNS = ["antecedent", "consequent", "support", "confidence", "lift", "leverage",
                "conviction"]
METRICS = RULE_COLUMNS[2:]
# mlxtend against the exact rational value of each metric
EXACT_RTOL = 1e-15
# no candidate rule's confidence this close to MIN_CONFIDENCE (no near-tie at the threshold)
THRESHOLD_MARGIN = 0.014

# What the hand-made input was designed to hold (asserted, documented in the docstring/README).
DESIGN = {
    "rows_read": 89, "kept_rows": 87, "invoices_read": 42, "baskets": 40, "customers": 12,
    "products_read": 11, "products": 10, "frequent_pairs": 9, "rules": 16,
    "duplicate_line": ("545270", "85123A"), "cancelled_invoice": "C547984",
    "missing_customer_invoice": "547218", "infrequent_products": ["22197"],
    "confidence_one": [("22720", "22423")],
    "one_direction": [("47566", "85123A"), ("84406B", "85123A")],
    # num_itemsets=1 (the default) vs N: rules whose confidence differs in the last bit
    "num_itemsets_bit_differences": 3,
}


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cell(value) -> str:
    """A metric as text: Python repr (shortest round-trip), 'inf' for +infinity."""
    value = float(value)
    if math.isinf(value) and value > 0:
        return "inf"
    assert math.isfinite(value), value
    return repr(value)


def write_csv(path: Path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        w.writerows(rows)


def write_json(path: Path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False, sort_keys=True, allow_nan=False)
        fh.write("\n")


def only(items: frozenset) -> str:
    (item,) = items
    return item


# --------------------------------------------------------------------------
# mlxtend
# --------------------------------------------------------------------------

def one_hot(cleaned: pd.DataFrame) -> pd.DataFrame:
    """Basket (InvoiceNo) x product (StockCode) bool frame: True if on any line of the basket."""
    return pd.crosstab(cleaned["InvoiceNo"], cleaned["StockCode"]) > 0


def mlxtend_rules(onehot: pd.DataFrame,
                  num_itemsets: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(frequent itemsets, pair rules) from mlxtend; rules sorted by antecedent, consequent."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # mlxtend 0.25.0 on pandas 3.1.1: not one warning
        frequent = fpgrowth(onehot, min_support=MIN_SUPPORT, use_colnames=True, max_len=MAX_LEN)
        rules = association_rules(frequent, num_itemsets=num_itemsets, metric="confidence",
                                  min_threshold=MIN_CONFIDENCE)
    single = (rules["antecedents"].map(len) == 1) & (rules["consequents"].map(len) == 1)
    assert single.all(), "max_len=2 gives pair rules only"
    out = pd.DataFrame({
        "antecedent": rules["antecedents"].map(only),
        "consequent": rules["consequents"].map(only),
        **{m: rules[m].astype("float64") for m in METRICS},
    })
    out = out.sort_values(["antecedent", "consequent"]).reset_index(drop=True)
    return frequent, out


def check_boundary_trap():
    """mlxtend's fpgrowth drops a pair whose support equals min_support when
    ceil(min_support * N) rounds above the count (docstring); apriori keeps it."""
    n, k = 100, 7
    assert k / n >= 0.07 and math.ceil(0.07 * n) == 8
    rows = ([(True, True)] * k + [(True, False)] * 5 + [(False, True)] * 5
            + [(False, False)] * (n - k - 10))
    frame = pd.DataFrame(rows, columns=["x", "y"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        by_fpgrowth = fpgrowth(frame, min_support=0.07, use_colnames=True)
        by_apriori = apriori(frame, min_support=0.07, use_colnames=True)
    pair = frozenset({"x", "y"})
    assert pair not in set(by_fpgrowth["itemsets"]), by_fpgrowth
    assert pair in set(by_apriori["itemsets"]), by_apriori


# --------------------------------------------------------------------------
# plain-Python re-derivation (exact rationals)
# --------------------------------------------------------------------------

def exact_rules(baskets: dict[str, set[str]]) -> dict[tuple[str, str], dict[str, Fraction | None]]:
    """(antecedent, consequent) -> exact metrics (conviction None for infinity)."""
    n = len(baskets)
    item_count = Counter(item for items in baskets.values() for item in items)
    pair_count = Counter(pair for items in baskets.values()
                         for pair in combinations(sorted(items), 2))
    supp = {item: Fraction(c, n) for item, c in item_count.items()}
    out = {}
    for (x, y), c in pair_count.items():
        s_xy = Fraction(c, n)
        # mlxtend's tests compare doubles: count / N (float division) >= min_support; 4 / 40 is
        # the double 0.1, while the exact 1/10 is below it (see the docstring)
        if not (c / n >= MIN_SUPPORT and item_count[x] / n >= MIN_SUPPORT
                and item_count[y] / n >= MIN_SUPPORT):
            continue
        for a, b in ((x, y), (y, x)):
            confidence = s_xy / supp[a]
            if not float(confidence) >= MIN_CONFIDENCE:  # no near-tie: THRESHOLD_MARGIN
                continue
            out[(a, b)] = {
                "support": s_xy,
                "confidence": confidence,
                "lift": confidence / supp[b],
                "leverage": s_xy - supp[a] * supp[b],
                "conviction": None if confidence == 1 else (1 - supp[b]) / (1 - confidence),
            }
    return out


def candidate_confidences(baskets: dict[str, set[str]]) -> list[Fraction]:
    """Confidence of both directions of every frequent pair (before the confidence filter)."""
    n = len(baskets)
    item_count = Counter(item for items in baskets.values() for item in items)
    pair_count = Counter(pair for items in baskets.values()
                         for pair in combinations(sorted(items), 2))
    out = []
    for (x, y), c in pair_count.items():
        if c / n >= MIN_SUPPORT:
            out += [Fraction(c, item_count[x]), Fraction(c, item_count[y])]
    return out


# --------------------------------------------------------------------------
# the fixture
# --------------------------------------------------------------------------

def build():
    raw = read_transactions(INPUT)
    cleaned = clean(raw)
    missing_customer = raw["CustomerID"].isna()
    cancelled = raw["InvoiceNo"].str.fullmatch(r"C\d+")
    dropped = {
        "missing_customer": int(missing_customer.sum()),
        "cancellation": int((~missing_customer & cancelled).sum()),
        "non_positive_quantity_or_price": int(
            (~missing_customer & ~cancelled
             & ((raw["Quantity"] <= 0) | (raw["UnitPrice"] <= 0))).sum()),
    }
    assert sum(dropped.values()) == len(raw) - len(cleaned), dropped
    assert dropped == {"missing_customer": 1, "cancellation": 1,
                       "non_positive_quantity_or_price": 0}, dropped
    assert raw.loc[missing_customer, "InvoiceNo"].tolist() == [DESIGN["missing_customer_invoice"]]
    assert raw.loc[cancelled, "InvoiceNo"].tolist() == [DESIGN["cancelled_invoice"]]

    baskets: dict[str, set[str]] = {}
    for invoice, code in zip(cleaned["InvoiceNo"], cleaned["StockCode"]):
        baskets.setdefault(invoice, set()).add(code)
    lines = Counter(zip(cleaned["InvoiceNo"], cleaned["StockCode"]))
    assert [k for k, v in lines.items() if v > 1] == [DESIGN["duplicate_line"]], lines
    n = len(baskets)

    onehot = one_hot(cleaned)
    assert onehot.shape == (n, cleaned["StockCode"].nunique())
    assert onehot.dtypes.map(pd.api.types.is_bool_dtype).all()
    assert {inv: {c for c in onehot.columns if onehot.at[inv, c]} for inv in onehot.index} \
        == baskets
    # counts instead of bools: mlxtend refuses the 2 of the duplicate line
    counts = pd.crosstab(cleaned["InvoiceNo"], cleaned["StockCode"])
    assert int(counts.to_numpy().max()) == 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # non-bool frame
            fpgrowth(counts, min_support=MIN_SUPPORT, use_colnames=True, max_len=MAX_LEN)
        raise AssertionError("mlxtend accepted a count of 2")
    except ValueError as e:
        assert "Found value 2" in str(e), e

    frequent, rules = mlxtend_rules(onehot, num_itemsets=n)

    # same rules, same metrics (within rounding) as the exact re-derivation
    exact = exact_rules(baskets)
    keys = list(zip(rules["antecedent"], rules["consequent"]))
    assert sorted(exact) == keys, (sorted(exact), keys)
    worst = 0.0
    for row, key in zip(rules.itertuples(index=False), keys):
        for m in METRICS:
            got, want = getattr(row, m), exact[key][m]
            if want is None:
                assert m == "conviction" and got == math.inf, (key, m, got)
                continue
            err = abs(Fraction(got) - want)
            assert err <= EXACT_RTOL * abs(want), (key, m, got, float(want))
            worst = max(worst, float(err / abs(want)) if want else float(err))
        # support and confidence are correctly rounded count ratios
        assert row.support == float(exact[key]["support"]), key
        assert row.confidence == float(exact[key]["confidence"]), key
    # mlxtend's float support test and its FP-tree count test agree for this N (docstring)
    minsup = math.ceil(MIN_SUPPORT * n)
    assert all((k / n >= MIN_SUPPORT) == (k >= minsup) for k in range(n + 1)), (n, minsup)
    margin = min(abs(c - Fraction(MIN_CONFIDENCE)) for c in candidate_confidences(baskets))
    assert margin >= Fraction(THRESHOLD_MARGIN), float(margin)
    check_boundary_trap()

    # num_itemsets: the default 1 gives the same rules, a few confidences one ulp off
    _, default_rules = mlxtend_rules(onehot, num_itemsets=1)
    assert default_rules[["antecedent", "consequent"]].equals(rules[["antecedent", "consequent"]])
    differ = int((default_rules["confidence"] != rules["confidence"]).sum())
    assert differ == DESIGN["num_itemsets_bit_differences"], differ
    assert np.allclose(default_rules["confidence"], rules["confidence"], rtol=1e-15, atol=0)

    # the design of the input
    supports = {only(s): float(v) for s, v in zip(frequent["itemsets"], frequent["support"])
                if len(s) == 1}
    product_baskets = {c: int(onehot[c].sum()) for c in sorted(onehot.columns)}
    product_support = {c: k / n for c, k in product_baskets.items()}
    for c, v in supports.items():
        assert v == product_support[c], (c, v, product_support[c])
    infrequent = sorted(set(product_support) - set(supports))
    confidence_one = [(a, c) for a, c, conf in
                      zip(rules["antecedent"], rules["consequent"], rules["confidence"])
                      if conf == 1.0]
    pairs = int((frequent["itemsets"].map(len) == 2).sum())
    rule_set = set(keys)
    one_direction = sorted(k for k in rule_set if (k[1], k[0]) not in rule_set)
    facts = {
        "rows_read": len(raw), "kept_rows": len(cleaned),
        "invoices_read": raw["InvoiceNo"].nunique(),
        "baskets": n, "customers": cleaned["CustomerID"].nunique(),
        "products_read": raw["StockCode"].nunique(), "products": len(product_baskets),
        "frequent_pairs": pairs, "rules": len(rules), "infrequent_products": infrequent,
        "confidence_one": confidence_one, "one_direction": one_direction,
    }
    for key, value in facts.items():
        assert value == DESIGN[key], (key, value, DESIGN[key])
    assert all(rules.loc[rules["confidence"] == 1.0, "conviction"] == math.inf)
    assert np.isfinite(rules.loc[rules["confidence"] < 1.0, "conviction"]).all()

    meta = {
        "mlxtend_version": version("mlxtend"), "pandas_version": pd.__version__,
        "numpy_version": np.__version__,
        "input": INPUT.name, "input_sha256": sha256_file(INPUT),
        "min_support": MIN_SUPPORT, "min_confidence": MIN_CONFIDENCE, "max_len": MAX_LEN,
        "num_itemsets": n, "metric": "confidence",
        "baskets": n, "products": len(product_baskets), "frequent_pairs": pairs,
        "rules": len(rules),
        "hand": {
            "rows_read": len(raw), "kept_rows": len(cleaned), "dropped": dropped,
            "baskets": n, "customers": facts["customers"], "products": len(product_baskets),
            "product_baskets": product_baskets, "product_support": product_support,
            "infrequent_products": infrequent,
            "duplicate_line": {"invoice": DESIGN["duplicate_line"][0],
                               "stock_code": DESIGN["duplicate_line"][1]},
            "confidence_one_rules": [{"antecedent": a, "consequent": c}
                                     for a, c in confidence_one],
        },
    }
    assert meta["mlxtend_version"] == MLXTEND_VERSION, (
        f"mlxtend {meta['mlxtend_version']} installed, the fixture is for {MLXTEND_VERSION}: "
        "re-run scripts/setup-python.sh")
    return rules, meta, worst


def generate(out_dir: Path, verbose: bool = True):
    out_dir.mkdir(parents=True, exist_ok=True)
    rules, meta, worst = build()
    write_csv(out_dir / RULES_CSV, RULE_COLUMNS,
              [[a, c, *(cell(v) for v in vals)] for a, c, *vals in
               rules[RULE_COLUMNS].itertuples(index=False)])
    write_json(out_dir / META_JSON, meta)
    if verbose:
        print(f"{meta['baskets']} baskets, {meta['products']} products, "
              f"{meta['frequent_pairs']} frequent pairs, {meta['rules']} rules; "
              f"max relative difference from the exact metrics {worst:.2e}")
        print(rules.to_string())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with the committed fixtures "
                         "(values within tolerances)")
    ap.add_argument("--out", type=Path, default=FIXTURE_DIR)
    args = ap.parse_args()
    if not args.check:
        generate(args.out)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), verbose=False)
        return report(compare_dirs(args.out, tmp, EXPECTATIONS, CHECK_RULES), CHECK_RULES)


if __name__ == "__main__":
    sys.exit(main())
