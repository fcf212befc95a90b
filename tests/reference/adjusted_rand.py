"""scikit-learn reference for custseg's adjusted Rand index: writes cluster/ari_cases.json.

Re-run (from the repo root):

    bash scripts/setup-python.sh                          # once: .venv with pinned sklearn
    .venv/bin/python tests/reference/adjusted_rand.py     # (re)write the fixture
    .venv/bin/python tests/reference/adjusted_rand.py --check   # regenerate into a temp dir and
                                            # compare with the committed file (tolerances below)

The script is deterministic (numpy default_rng(12), fixed formatting): running it
twice gives byte-identical files.  It takes well under a second.

--check compares values with tests/reference/fixture_compare.py, like the other
reference scripts: labels, the pair counts (tn, fp, fn, tp), n and strings
(versions included) exactly; "ari" and "ari_bits" within the default
|a-b| <= 1e-12 + 1e-9 max(|a|,|b|).  (The ARI here is integer arithmetic
followed by one division, so it is in fact the same on every machine.)

The Rust test (tests/cluster_metrics.rs) reads "ari_bits" and allows
|rust - sklearn| <= 1e-12.

Semantics (scikit-learn 1.9.1, sklearn.metrics.adjusted_rand_score)
------------------------------------------------------------------
Labels are arbitrary integers (negative ones such as DBSCAN's noise -1 are an
ordinary cluster); only equality of labels matters.  labels_true and
labels_pred must have the same length n (else ValueError).

Contingency table n_ij = number of samples with true label i and predicted
label j; a_i = sum_j n_ij (true cluster sizes), b_j = sum_i n_ij (predicted
cluster sizes).  sklearn counts ORDERED pairs of distinct samples, in int64
(pair_confusion_matrix):

    S  = sum_ij n_ij^2
    tp = S - n                     pairs together in both
    fp = sum_j b_j^2 - S           together in pred only   (C[0, 1])
    fn = sum_i a_i^2 - S           together in true only   (C[1, 0])
    tn = n^2 - fp - fn - S         apart in both

then converts them to Python ints (unbounded) and returns

    1.0                                            if fn == 0 and fp == 0
    2.0 * (tp*tn - fn*fp) / ((tp+fn)*(fn+tn) + (tp+fp)*(fp+tn))   otherwise.

So the numerator and denominator are exact integers; each is rounded to the
nearest f64 once (Python int -> float, ties to even), the numerator is doubled
(exact) and one f64 division follows.  An implementation doing the same in
i128 and converting with `as f64` (also round to nearest, ties to even) gets
the same bits.  This equals Hubert & Arabie's formula with comb(., 2) counts
(every count above is twice the unordered one); the generator cross-checks
against that formula in exact rational arithmetic (fractions.Fraction) within
4 ulp-ish (1e-15 absolute: values are in [-1, 1]).

Special cases that follow from the formula: empty input, n = 1, identical
labellings up to renaming, one cluster on both sides and all singletons on both
sides all give fp = fn = 0, hence 1.0; one cluster against all singletons gives
0.0 (tp = 0, fp = 0, so the numerator is 0).

Fixture layout: {"sklearn_version", "numpy_version", "cases": [{"name",
"description", "n", "labels_true", "labels_pred", "tn", "fp", "fn", "tp",
"ari", "ari_bits"}]}; "ari" is written with Python repr (shortest round-trip),
"ari_bits" is the same f64 as 16 hex digits (the Rust test parses these).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from fractions import Fraction
from math import comb
from pathlib import Path

import numpy as np
import sklearn
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.cluster import pair_confusion_matrix

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in tests/reference from the import below
from fixture_compare import Rules, compare_dirs, report  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "tests" / "fixtures" / "cluster"
FILE_NAME = "ari_cases.json"
# --check: every field is an expected value; default tolerances (see the docstring)
CHECK_RULES = Rules()
# sklearn against the exact rational Hubert-Arabie value
EXACT_TOLERANCE = 1e-15

I64_MIN, I64_MAX = -(2**63), 2**63 - 1


def f64_bits(x: float) -> str:
    return format(np.float64(x).view(np.uint64), "016x")


def exact_ari(labels_true: list[int], labels_pred: list[int]) -> Fraction:
    """Hubert & Arabie with unordered pair counts, in exact rational arithmetic."""
    n = len(labels_true)
    cells, rows, cols = {}, {}, {}
    for t, p in zip(labels_true, labels_pred):
        cells[(t, p)] = cells.get((t, p), 0) + 1
        rows[t] = rows.get(t, 0) + 1
        cols[p] = cols.get(p, 0) + 1
    index = sum(comb(v, 2) for v in cells.values())
    sum_a = sum(comb(v, 2) for v in rows.values())
    sum_b = sum(comb(v, 2) for v in cols.values())
    if sum_a == index and sum_b == index:  # sklearn's fn == fp == 0 branch (n <= 1 included)
        return Fraction(1)
    expected = Fraction(sum_a * sum_b, comb(n, 2))
    maximum = Fraction(sum_a + sum_b, 2)
    return (index - expected) / (maximum - expected)


def cases(rng: np.random.Generator):
    out = []

    def add(name, description, labels_true, labels_pred):
        labels_true = [int(v) for v in labels_true]
        labels_pred = [int(v) for v in labels_pred]
        assert len(labels_true) == len(labels_pred)
        assert all(I64_MIN <= v <= I64_MAX for v in labels_true + labels_pred)
        out.append((name, description, labels_true, labels_pred))

    add("identical", "the same labelling on both sides", [0, 0, 1, 1, 1, 2, 2, 3],
        [0, 0, 1, 1, 1, 2, 2, 3])
    add("permuted_labels", "the same partition under other label values (0->5, 1->-2, 2->0)",
        [0, 0, 1, 1, 1, 2, 2, 2, 0], [5, 5, -2, -2, -2, 0, 0, 0, 5])
    add("one_cluster_both", "one cluster on both sides, different label values (fp = fn = 0: 1.0)",
        [3] * 7, [-4] * 7)
    add("all_singletons_both", "every sample alone on both sides (fp = fn = 0: 1.0)",
        list(range(8)), [17, 11, 12, 10, 16, 14, 13, 15])
    add("one_cluster_vs_singletons", "one true cluster against all singletons (0.0)",
        [0, 0, 0, 0, 0], [0, 1, 2, 3, 4])
    add("hand_computed", "labels_true [0,0,1,1], labels_pred [0,0,1,2]: 4/7",
        [0, 0, 1, 1], [0, 0, 1, 2])
    add("discordant", "worse than chance: sklearn's docstring example, -0.5",
        [0, 0, 1, 1], [0, 1, 0, 1])
    add("noise_labels", "DBSCAN-style -1 noise labels on one side, an ordinary cluster for ARI",
        [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3],
        [-1, 0, 0, 1, 1, -1, 2, 2, 2, -1, -1, 3])
    add("extreme_labels", "labels at the i64 limits (only equality matters)",
        [I64_MIN, I64_MIN, I64_MAX, I64_MAX, 0, 0],
        [I64_MAX, I64_MAX, I64_MAX, I64_MIN, I64_MIN, -1])
    add("n_0", "empty labellings (sklearn: 1.0)", [], [])
    add("n_1", "a single sample (no pairs: 1.0)", [4], [-9])
    add("n_2_split", "two samples together in true, apart in pred (0.0)", [1, 1], [1, 2])
    add("n_2_same", "two samples apart on both sides (1.0)", [0, 1], [7, 3])
    n = 1000
    t = rng.integers(0, 4, size=n)
    p = rng.integers(0, 5, size=n)
    add("random_k4_k5", "n = 1000, independent uniform labels, k = 4 vs k = 5 (ARI near 0, "
        "may be negative)", t, p)
    t = rng.integers(0, 4, size=n)
    p = np.where(rng.random(n) < 0.8, t, rng.integers(0, 5, size=n))
    add("correlated_k4_k5", "n = 1000, pred = true for ~80% of samples, else uniform over 5 labels",
        t, p)
    return out


def build():
    rng = np.random.default_rng(12)
    out = []
    for name, description, labels_true, labels_pred in cases(rng):
        ari = float(adjusted_rand_score(labels_true, labels_pred))
        if labels_true:
            (tn, fp), (fn, tp) = (tuple(int(v) for v in row)
                                  for row in pair_confusion_matrix(labels_true, labels_pred))
        else:
            tn = fp = fn = tp = 0
        # the documented formula, from the recorded counts
        if fn == 0 and fp == 0:
            mine = 1.0
        else:
            mine = 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))
        assert f64_bits(mine) == f64_bits(ari), (name, mine, ari)
        exact = exact_ari(labels_true, labels_pred)
        assert abs(float(exact) - ari) <= EXACT_TOLERANCE, (name, float(exact), ari)
        out.append({
            "name": name,
            "description": description,
            "n": len(labels_true),
            "labels_true": labels_true,
            "labels_pred": labels_pred,
            "tn": tn, "fp": fp, "fn": fn, "tp": tp,
            "ari": ari,
            "ari_bits": f64_bits(ari),
        })
    return {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
            "cases": out}


def write_json(path: Path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False, allow_nan=False)
        fh.write("\n")


def write_json_compact_lists(path: Path, obj):
    """JSON with indent 2, but each label list on one line (the 1,000-label cases would
    otherwise take 4,000 lines)."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)
    for case in obj["cases"]:
        for key in ("labels_true", "labels_pred"):
            if not case[key]:
                continue
            expanded = json.dumps(case[key], indent=2).replace("\n", "\n      ")
            text = text.replace(expanded, json.dumps(case[key]), 1)
    assert json.loads(text) == obj
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.write("\n")


def generate(out_dir: Path, verbose: bool = True):
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = build()
    write_json_compact_lists(out_dir / FILE_NAME, doc)
    if verbose:
        for case in doc["cases"]:
            print(f"{case['name']:26s} n={case['n']:5d} ari={case['ari']!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with the committed fixture "
                         "(values within tolerances)")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args()
    if not args.check:
        generate(args.out)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), verbose=False)
        return report(compare_dirs(args.out, tmp, [FILE_NAME], CHECK_RULES), CHECK_RULES)


if __name__ == "__main__":
    sys.exit(main())
