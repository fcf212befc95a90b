"""scikit-learn reference for custseg's clustering module: writes the cluster fixtures.

Re-run (from the repo root):

    bash scripts/setup-python.sh                            # once: .venv with pinned sklearn
    .venv/bin/python tests/reference/cluster_metrics.py     # (re)write tests/fixtures/cluster/
    .venv/bin/python tests/reference/cluster_metrics.py --check   # regenerate into a temp dir and
                                                # compare with the committed files (tolerances below)

The script is deterministic (numpy default_rng(11), KMeans random_state=0, fixed
formatting, BLAS and OpenMP pinned to 1 thread): running it twice ON ONE MACHINE
gives byte-identical files, except the "timing" block of online_retail_kmeans.json.
Takes ~10 s (reading the 541,909-row data set, 9 KMeans fits, 9 full silhouettes).

--check does not compare bytes: numpy/BLAS results differ in their last bits
between processors, so it compares values with tests/reference/fixture_compare.py
(integers, cluster sizes, n_iter, labels and strings, versions included, exactly;
floats and "*_bits" fields within |a-b| <= 1e-12 + 1e-9 max(|a|,|b|), Davies-Bouldin
within 1e-6, see DB_TOLERANCE).  It ignores the "timing" block (wall times) and
"max_abs_diff_direct" (the error measured on the machine that wrote the file; the
generator asserts the per-metric tolerances on every run).

Why one thread: KMeans' inertia (a chunked parallel sum) changes in its last
bits with the OpenMP thread count (e.g. 6474.136928499633 with 2 threads vs
6474.136928499607 with 1; labels and the other metrics were unchanged), so the
fixtures would depend on the machine's core count.  Even single-threaded, the
last bits of inertia and the full-data metrics may depend on the CPU's BLAS
kernels; compare them with a relative tolerance (1e-9 is ample; 1e-6 for
Davies-Bouldin, see below), and the cluster sizes exactly.

Metric conventions (scikit-learn 1.9.1, metric="euclidean")
-----------------------------------------------------------
Labels are arbitrary integers; sklearn re-encodes them with LabelEncoder (sorted
distinct values -> 0..k-1).  All three metrics require 2 <= k <= n - 1 (else
ValueError).  Distances are Euclidean.

silhouette_samples(X, labels): for sample i in cluster A (|A| = n_A):
  a(i) = sum_{j in A} d(i, j) / (n_A - 1)            (d(i, i) = 0 is in the sum)
  b(i) = min over clusters C != A of mean_{j in C} d(i, j)
  s(i) = (b - a) / max(a, b)
  * singleton cluster (n_A = 1): a = 0/0 = NaN -> s(i) = 0
  * a = b = 0 (e.g. duplicate points spread over two clusters): 0/0 -> s(i) = 0
  (sklearn does nan_to_num on the result.)
silhouette_score = plain mean of silhouette_samples over all n samples,
  singletons' zeros included.

calinski_harabasz_score: c = mean of X, c_k = mean of cluster k,
  B = sum_k n_k ||c_k - c||^2,  W = sum_k sum_{x in k} ||x - c_k||^2,
  CH = [B / (k - 1)] / [W / (n - k)]   (computed as B*(n-k) / (W*(k-1)));
  CH = 1.0 when W == 0 exactly.

davies_bouldin_score: c_k = centroid (mean) of cluster k,
  s_k = mean over x in k of ||x - c_k||   (mean distance to the centroid, not RMS),
  M_kl = ||c_k - c_l||   (centroid distances),
  DB = mean_k max_{l != k} (s_k + s_l) / M_kl.
  * returns 0.0 if all s_k are ~0 or all M_kl are ~0 (np.isclose: |v| <= 1e-8);
  * M_kl == 0 exactly (coincident centroids) is replaced by +inf, i.e. that pair
    contributes 0 (the max also runs over l == k, contributing 0).

Numerical caveats for bit-level parity: sklearn computes Euclidean distances
with the dot-product expansion sqrt(max(|x|^2 - 2 x.y + |y|^2, 0)) (diagonal
set to exactly 0 for silhouette, not for DB's point-to-centroid distances), so
duplicate points with non-dyadic coordinates can be ~1e-8 apart instead of 0,
and centroids that are equal in exact arithmetic but differ by an ulp make DB
explode (1e8-ish) instead of taking the +inf branch.  The metrics cases use
coordinates for which this does not matter, with one exception: DB's distance
from a singleton cluster's point to its centroid (the point itself) is
sqrt(rounding), up to ~sqrt(eps) |x| instead of 0, and that rounding depends on
the CPU's BLAS kernels (many_clusters: 0 on the machine that wrote the fixtures,
2.4e-7 on another, moving DB by 2.5e-9).  The generator asserts sklearn against a
direct implementation (x - y differences) of the same formulas within
DIRECT_TOLERANCE (silhouette, CH: 1e-8) and DB_TOLERANCE (DB: 1e-6); each case
records "max_abs_diff_direct", the largest difference measured on the machine
that wrote the fixture, as a tolerance hint.

Online Retail fixtures
----------------------
RFM features of data/online-retail/online_retail.csv.gz with the semantics of
tests/reference/rfm_parity.py (its read/clean/rfm_values are imported): default
cleaning; snapshot = calendar date of the max InvoiceDate + 1 day; recency =
calendar days to the snapshot; frequency = distinct InvoiceNo; monetary =
sum(Quantity * UnitPrice) (pandas groupby sum); customers by CustomerID
numerically.  Transform: log1p of each column, then sklearn StandardScaler
(z = (v - mean) / std with the population std, ddof = 0).
KMeans: KMeans(n_clusters=k, n_init=10, random_state=0) (lloyd, k-means++,
max_iter=300, tol=1e-4) for k = 2..10 on the scaled matrix; for its labels the
silhouette (all samples, no sampling), CH and DB scores.

Files written to tests/fixtures/cluster/:
  metrics_cases.json               small X / labels cases with all four metrics
  online_retail_rfm_features.csv   customer_id,recency,frequency,monetary
  online_retail_scaled.csv         customer_id,recency,frequency,monetary after
                                   log1p + standard scaling
  online_retail_kmeans.json        per k: inertia, n_iter, metrics, sorted sizes;
                                   scaler mean/scale; versions; "timing" block
                                   (wall times, NOT expected values)
Floats are written with Python repr (shortest round-trip); the "*_bits" fields
give the same values as f64 bit patterns (hex u64) for exact parsing by the Rust
tests.  Those bits are this machine's: another CPU may produce other last bits, so
compare with tolerances, never bit for bit.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import (calinski_harabasz_score, davies_bouldin_score,
                             silhouette_samples, silhouette_score)
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in tests/reference from the imports below
from fixture_compare import Rules, Tolerance, compare_dirs, report  # noqa: E402
from rfm_parity import clean, f64_bits, read_transactions, rfm_values  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "tests" / "fixtures" / "cluster"
DATA = REPO / "data" / "online-retail" / "online_retail.csv.gz"
PARITY_EXPECTED = REPO / "tests" / "fixtures" / "parity" / "online_retail_expected.csv"
KMEANS_JSON = "online_retail_kmeans.json"
K_RANGE = range(2, 11)

# sklearn against the direct (x - y) implementation, per metric.  Not bit-exact, and
# not the same on every machine: sklearn computes distances with the dot-product
# expansion through BLAS, whose rounding depends on the CPU.
# Silhouette (|s| <= 1) and CH: the expansion's error in a distance d is about
# eps |x|^2 / d, at most ~1e-13 for these coordinates (|x| <= 15, distinct points
# >= 0.13 apart; observed <= 2e-15).  1e-8 leaves a wide margin and still catches a
# wrong convention (n_A - 1 vs n_A, mean vs RMS, ...), which moves a metric by >= 1e-3.
DIRECT_TOLERANCE = Tolerance(rtol=1e-8, atol=1e-8)
# Davies-Bouldin: the point-to-centroid distances keep their rounding at 0, so a point
# at its centroid (always: a singleton cluster) is sqrt(rounding) ~ sqrt(eps) |x| away
# instead of 0.  That error scales with sqrt(eps) = 1.5e-8, not eps: observed 2.5e-9 in
# DB (4.5e-9 relative, many_clusters); 1e-6 leaves ~200x.  Also the tolerance of the
# davies_bouldin fields in --check, for the same reason.
DB_TOLERANCE = Tolerance(rtol=1e-6, atol=1e-6)

# --check: fields that are not expected values (see the module docstring)
CHECK_RULES = Rules(ignore=frozenset({"timing", "max_abs_diff_direct"}),
                    tolerances={"davies_bouldin": DB_TOLERANCE})


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def bits(a):
    """f64 bit patterns of a float or a (nested) array, same shape as lists."""
    if np.ndim(a) == 0:
        return f64_bits(float(a))
    return [bits(x) for x in a]


def floats(a):
    if np.ndim(a) == 0:
        return float(a)
    return [floats(x) for x in a]


def write_csv(path: Path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        w.writerows(rows)


def write_json(path: Path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False, allow_nan=False)
        fh.write("\n")


# --------------------------------------------------------------------------
# direct (x - y) implementation of the documented formulas, as a cross-check
# --------------------------------------------------------------------------

def direct_metrics(X: np.ndarray, labels: np.ndarray):
    ks = sorted(set(labels.tolist()))
    enc = np.array([ks.index(v) for v in labels])
    k, n = len(ks), len(X)
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    sizes = np.bincount(enc)
    sums = np.stack([D[:, enc == c].sum(1) for c in range(k)], axis=1)
    s = np.zeros(n)
    for i in range(n):
        if sizes[enc[i]] == 1:
            continue
        a = sums[i, enc[i]] / (sizes[enc[i]] - 1)
        b = min(sums[i, c] / sizes[c] for c in range(k) if c != enc[i])
        s[i] = 0.0 if max(a, b) == 0 else (b - a) / max(a, b)
    cents = np.stack([X[enc == c].mean(0) for c in range(k)])
    mean = X.mean(0)
    B = sum(sizes[c] * ((cents[c] - mean) ** 2).sum() for c in range(k))
    W = sum(((X[enc == c] - cents[c]) ** 2).sum() for c in range(k))
    ch = 1.0 if W == 0 else B * (n - k) / (W * (k - 1))
    sk = np.array([np.sqrt(((X[enc == c] - cents[c]) ** 2).sum(1)).mean() for c in range(k)])
    M = np.sqrt(((cents[:, None, :] - cents[None, :, :]) ** 2).sum(-1))
    if np.all(np.isclose(sk, 0)) or np.all(np.isclose(M, 0)):
        db = 0.0
    else:
        M[M == 0] = np.inf
        db = float(np.mean(np.max((sk[:, None] + sk[None, :]) / M, axis=1)))
    return float(s.mean()), s, ch, db


# --------------------------------------------------------------------------
# small metric cases
# --------------------------------------------------------------------------

def blob(rng, center, n, sd, decimals=2):
    pts = rng.normal(center, sd, size=(n, len(center)))
    return np.round(pts, decimals)


def metric_cases(rng: np.random.Generator):
    cases = []

    def add(name, description, X, labels):
        X = np.asarray(X, dtype=np.float64)
        labels = np.asarray(labels, dtype=np.int64)
        assert X.ndim == 2 and len(X) == len(labels)
        cases.append((name, description, X, labels))

    # 1) two well separated blobs
    X = np.vstack([blob(rng, [0.0, 0.0], 6, 0.8), blob(rng, [5.0, 4.0], 6, 0.8)])
    lab = np.array([0] * 6 + [1] * 6)
    p = rng.permutation(12)
    add("two_clusters", "2 well separated 2-d blobs (k = 2), rows shuffled", X[p], lab[p])

    # 2) integer grid points with duplicates (within and across clusters) and ties
    X = [[0, 0], [0, 0], [1, 0], [0, 1], [1, 1], [1, 1],
         [4, 4], [4, 4], [4, 4], [5, 4], [4, 5],
         [8, 0], [9, 0], [8, 1], [9, 1], [1, 1]]
    lab = [2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0]
    add("ties_duplicates",
        "integer coordinates, duplicate points inside clusters, a point of cluster 0 "
        "duplicating a point of cluster 2 (negative silhouette), many tied distances",
        X, lab)

    # 3) a singleton cluster
    X = np.vstack([blob(rng, [0.0, 0.0], 5, 1.0), blob(rng, [6.0, 0.0], 4, 1.0), [[3.0, 7.0]]])
    lab = [0] * 5 + [1] * 4 + [2]
    add("singleton", "3 clusters in 2-d, one of size 1 (its silhouette is 0)", X, lab)

    # 4) one dimension, ties, non-contiguous and negative labels
    X = [[1.0], [1.0], [2.0], [2.5], [7.0], [7.0], [7.5], [12.0], [13.0], [13.0]]
    lab = [10, 10, 10, 10, -3, -3, -3, 7, 7, 7]
    add("one_dim_labels", "d = 1 with ties; labels 10, -3, 7 (sklearn encodes the sorted "
        "distinct labels -3, 7, 10 as 0, 1, 2)", X, lab)

    # 5) overlapping 4-d clusters (negative silhouettes)
    centers = [[0, 0, 0, 0], [1.5, 0, 0, 0], [0, 1.5, 1.5, 0], [3, 3, 3, 3]]
    X = np.vstack([blob(rng, c, 10, 1.0, decimals=3) for c in centers])
    lab = np.repeat(np.arange(4), 10)
    p = rng.permutation(40)
    add("overlap_4d", "4 overlapping clusters in 4-d, 10 points each, rows shuffled",
        X[p], lab[p])

    # 6) many clusters, uneven sizes (2..7 points, plus two singletons), d = 3
    sizes = [1, 1] + [int(x) for x in rng.integers(2, 8, size=12)]
    sizes[-1] += 60 - sum(sizes)
    assert sum(sizes) == 60 and min(sizes) >= 1, sizes
    centers = rng.uniform(-10, 10, size=(len(sizes), 3))
    X = np.vstack([blob(rng, c, s, 1.2) for c, s in zip(centers, sizes)])
    lab = np.repeat(np.arange(len(sizes)), sizes)
    p = rng.permutation(60)
    add("many_clusters", f"n = 60, d = 3, k = {len(sizes)} clusters of uneven size "
        "(two singletons), rows shuffled", X[p], lab[p])

    # 7) every cluster is a single repeated point: W = 0 -> CH = 1.0; all s_k = 0 -> DB = 0.0
    X = [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [3.0, 1.0], [3.0, 1.0],
         [-2.0, 4.0], [-2.0, 4.0], [-2.0, 4.0]]
    lab = [0, 0, 0, 1, 1, 2, 2, 2]
    add("zero_within", "each cluster is one repeated point: silhouette 1, CH = 1.0 "
        "(W == 0), DB = 0.0 (all s_k ~ 0)", X, lab)

    # 8) coincident centroids and a = b = 0
    p0 = [0.5, 1.5]
    X = [p0, p0, p0, p0, p0, [1.0, 0.0], [2.0, 0.0], [-1.0, -1.0], [2.0, 4.0]]
    lab = [0, 0, 1, 1, 1, 2, 2, 3, 3]
    add("coincident_centroids",
        "clusters 0, 1 and 3 share the centroid (0.5, 1.5) exactly (dyadic coordinates): "
        "zero centroid distances become +inf in DB; the duplicates in clusters 0 and 1 "
        "have a = b = 0, silhouette 0", X, lab)
    return cases


def metrics_json(rng: np.random.Generator):
    out = []
    for name, description, X, labels in metric_cases(rng):
        sil = silhouette_score(X, labels, metric="euclidean")
        samples = silhouette_samples(X, labels, metric="euclidean")
        ch = calinski_harabasz_score(X, labels)
        db = davies_bouldin_score(X, labels)
        assert np.isclose(float(np.mean(samples)), sil, rtol=0, atol=1e-15)
        d_sil, d_samples, d_ch, d_db = direct_metrics(X, labels)
        outside = [(what, direct, got, str(tol)) for what, direct, got, tol in (
            [("silhouette_score", d_sil, sil, DIRECT_TOLERANCE),
             ("calinski_harabasz", d_ch, ch, DIRECT_TOLERANCE),
             ("davies_bouldin", d_db, db, DB_TOLERANCE)]
            + [(f"silhouette_samples[{i}]", d, s, DIRECT_TOLERANCE)
               for i, (d, s) in enumerate(zip(d_samples, samples))])
            if not tol.allows(float(direct), float(got))]
        assert not outside, (name, outside)
        # recorded as a tolerance hint: what this machine measured
        diff = max(abs(d_sil - sil), float(np.max(np.abs(d_samples - samples))),
                   abs(d_ch - ch) / max(1.0, abs(ch)), abs(d_db - db) / max(1.0, abs(db)))
        out.append({
            "name": name,
            "description": description,
            "n": int(X.shape[0]), "d": int(X.shape[1]), "k": len(set(labels.tolist())),
            "X": floats(X), "X_bits": bits(X),
            "labels": [int(v) for v in labels],
            "silhouette_score": float(sil), "silhouette_score_bits": bits(sil),
            "silhouette_samples": floats(samples), "silhouette_samples_bits": bits(samples),
            "calinski_harabasz": float(ch), "calinski_harabasz_bits": bits(ch),
            "davies_bouldin": float(db), "davies_bouldin_bits": bits(db),
            "max_abs_diff_direct": diff,
        })
    return {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
            "metric": "euclidean", "cases": out}


# --------------------------------------------------------------------------
# Online Retail: features, scaling, KMeans selection
# --------------------------------------------------------------------------

def rfm_features() -> pd.DataFrame:
    rfm = rfm_values(clean(read_transactions(DATA)))
    feats = pd.DataFrame({
        "customer_id": rfm.index.astype("int64").to_numpy(),
        "recency": rfm["recency"].to_numpy(dtype=np.int64),
        "frequency": rfm["frequency"].to_numpy(dtype=np.int64),
        "monetary": rfm["monetary"].to_numpy(dtype=np.float64),
    })
    # same customers and values as the committed RFM parity fixture
    exp = pd.read_csv(PARITY_EXPECTED)
    assert (exp["customer_id"].to_numpy() == feats["customer_id"].to_numpy()).all()
    assert (exp["recency"].to_numpy() == feats["recency"].to_numpy()).all()
    assert (exp["frequency"].to_numpy() == feats["frequency"].to_numpy()).all()
    assert np.allclose(exp["monetary"].to_numpy(), feats["monetary"].to_numpy(),
                       rtol=0, atol=5e-7)
    return feats


def scale(feats: pd.DataFrame):
    logged = np.log1p(feats[["recency", "frequency", "monetary"]].to_numpy(dtype=np.float64))
    scaler = StandardScaler()  # with_mean, with_std; population std (ddof = 0)
    Z = scaler.fit_transform(logged)
    assert np.allclose(scaler.scale_, logged.std(axis=0, ddof=0), rtol=1e-14, atol=0)
    return Z, scaler


def kmeans_selection(Z: np.ndarray):
    results, per_k_timing = [], []
    t_start = time.perf_counter()
    for k in K_RANGE:
        t0 = time.perf_counter()
        km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(Z)
        t1 = time.perf_counter()
        labels = km.labels_
        sil = silhouette_score(Z, labels, metric="euclidean")
        ch = calinski_harabasz_score(Z, labels)
        db = davies_bouldin_score(Z, labels)
        t2 = time.perf_counter()
        sizes = sorted((int(c) for c in np.bincount(labels, minlength=k)), reverse=True)
        assert len(sizes) == k and sum(sizes) == len(Z)
        results.append({
            "k": k,
            "inertia": float(km.inertia_), "inertia_bits": bits(km.inertia_),
            "n_iter": int(km.n_iter_),
            "silhouette": float(sil), "silhouette_bits": bits(sil),
            "calinski_harabasz": float(ch), "calinski_harabasz_bits": bits(ch),
            "davies_bouldin": float(db), "davies_bouldin_bits": bits(db),
            "cluster_sizes_desc": sizes,
        })
        per_k_timing.append({"k": k, "fit_s": round(t1 - t0, 6), "metrics_s": round(t2 - t1, 6)})
    total = time.perf_counter() - t_start
    return results, per_k_timing, total


def threads_info():
    return sorted(({"internal_api": d.get("internal_api"), "num_threads": d.get("num_threads")}
                   for d in threadpool_info()), key=lambda d: str(d["internal_api"]))


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def generate(out_dir: Path, verbose: bool = True):
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)

    # 1) small metric cases
    write_json(out_dir / "metrics_cases.json", metrics_json(rng))

    # 2) features and scaled matrix
    feats = rfm_features()
    write_csv(out_dir / "online_retail_rfm_features.csv", list(feats.columns),
              [[int(c), int(r), int(f), repr(float(m))]
               for c, r, f, m in feats.itertuples(index=False)])
    Z, scaler = scale(feats)
    scaled_path = out_dir / "online_retail_scaled.csv"
    write_csv(scaled_path, ["customer_id", "recency", "frequency", "monetary"],
              [[int(c)] + [repr(float(v)) for v in row]
               for c, row in zip(feats["customer_id"], Z)])
    # what a reader of the csv gets is bit-identical to what KMeans sees
    back = np.loadtxt(scaled_path, delimiter=",", skiprows=1, usecols=(1, 2, 3))
    assert back.view(np.uint64).tolist() == Z.view(np.uint64).tolist()

    # 3) KMeans selection k = 2..10
    results, per_k, total = kmeans_selection(Z)
    doc = {
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "pandas_version": pd.__version__,
        "scipy_version": scipy.__version__,
        "n_samples": int(Z.shape[0]),
        "features": ["recency", "frequency", "monetary"],
        "transform": "log1p then StandardScaler (population std, ddof=0)",
        "scaler_mean": floats(scaler.mean_), "scaler_mean_bits": bits(scaler.mean_),
        "scaler_scale": floats(scaler.scale_), "scaler_scale_bits": bits(scaler.scale_),
        "kmeans_params": {"n_init": 10, "random_state": 0, "algorithm": "lloyd",
                          "init": "k-means++", "max_iter": 300, "tol": 1e-4},
        "metrics": "silhouette (euclidean, all samples), calinski_harabasz, davies_bouldin",
        "results": results,
        "timing": {
            "note": "wall-clock timings for a later benchmark comparison; NOT expected "
                    "values, ignored by --check",
            "what": "one run of KMeans fit + silhouette + CH + DB for k = 2..10 on the "
                    "scaled matrix (inertia comes with the fit), BLAS/OpenMP pinned to "
                    "1 thread",
            "selection_total_s": round(total, 6),
            "per_k": per_k,
            "cpu_count": os.cpu_count(),
            "threadpools": threads_info(),
            "python": platform.python_version(),
            "machine": platform.machine(),
        },
    }
    write_json(out_dir / KMEANS_JSON, doc)

    if verbose:
        print(f"customers {len(feats)}; scaler mean {scaler.mean_.tolist()} "
              f"scale {scaler.scale_.tolist()}")
        for r in results:
            print(f"k={r['k']:2d} inertia={r['inertia']!r} sil={r['silhouette']!r} "
                  f"ch={r['calinski_harabasz']!r} db={r['davies_bouldin']!r} "
                  f"n_iter={r['n_iter']} sizes={r['cluster_sizes_desc']}")
        print(f"selection wall time {total:.3f} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with the committed fixtures "
                         "(values within tolerances; timings excluded)")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args()
    if not args.check:
        with threadpool_limits(limits=1):
            generate(args.out)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        with threadpool_limits(limits=1):
            generate(Path(tmp), verbose=False)
        names = [p.name for p in Path(tmp).iterdir()]
        return report(compare_dirs(args.out, tmp, names, CHECK_RULES), CHECK_RULES)


if __name__ == "__main__":
    sys.exit(main())
