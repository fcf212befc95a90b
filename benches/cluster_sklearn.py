"""scikit-learn side of the clustering benchmark: the same job as

    custseg --timings cluster FEATURES.csv --features recency,frequency,monetary \\
        --transform log1p,standard --k 2..10 --model kmeans --seed 0 --selection OUT.csv

Usage (from the repo root, after `bash scripts/setup-python.sh`):

    .venv/bin/python benches/cluster_sklearn.py --features FEATURES.csv --selection OUT.csv \\
        [--columns recency,frequency,monetary] [--k 2..10] [--silhouette-sample N]

FEATURES.csv is a per-customer table (customer_id and numeric columns). The work is model
selection the usual scikit-learn way: pandas read_csv, np.log1p, StandardScaler, then for each k
KMeans(n_clusters=k, n_init=10, random_state=0).fit, its inertia_, silhouette_score (on all
customers, or with --silhouette-sample N: sample_size=N, random_state=0), calinski_harabasz_score
and davies_bouldin_score. scikit-learn's default threading (OpenMP and BLAS use every core).
Writes OUT.csv with columns model,k,inertia,silhouette,calinski_harabasz,davies_bouldin and prints
exactly one JSON line on stdout:
{"read_s":..,"transform_s":..,"selection_s":..,"write_s":..,"total_s":..,"peak_rss_kib":..}
(peak_rss_kib: getrusage(RUSAGE_SELF).ru_maxrss, KiB on Linux).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.preprocessing import StandardScaler


def k_range(text: str) -> range:
    """"2..10" (inclusive, as custseg's --k) -> range(2, 11)."""
    lo, sep, hi = text.partition("..")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected LO..HI, got {text!r}")
    return range(int(lo), int(hi) + 1)


def select(Z: np.ndarray, ks: range, silhouette_sample: int | None) -> pd.DataFrame:
    rows = []
    for k in ks:
        km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(Z)
        rows.append({
            "model": "kmeans",
            "k": k,
            "inertia": km.inertia_,
            "silhouette": silhouette_score(Z, km.labels_, sample_size=silhouette_sample,
                                           random_state=0),
            "calinski_harabasz": calinski_harabasz_score(Z, km.labels_),
            "davies_bouldin": davies_bouldin_score(Z, km.labels_),
        })
    return pd.DataFrame(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description="scikit-learn k-means model selection benchmark")
    ap.add_argument("--features", type=Path, required=True)
    ap.add_argument("--columns", default="recency,frequency,monetary")
    ap.add_argument("--k", type=k_range, default="2..10")
    ap.add_argument("--silhouette-sample", type=int, default=None)
    ap.add_argument("--selection", type=Path, required=True)
    args = ap.parse_args()
    columns = args.columns.split(",")

    t0 = time.perf_counter()
    table = pd.read_csv(args.features)
    t1 = time.perf_counter()
    Z = StandardScaler().fit_transform(np.log1p(table[columns].to_numpy(dtype=np.float64)))
    t2 = time.perf_counter()
    selection = select(Z, args.k, args.silhouette_sample)
    t3 = time.perf_counter()
    selection.to_csv(args.selection, index=False)
    t4 = time.perf_counter()

    print(json.dumps({
        "read_s": round(t1 - t0, 6),
        "transform_s": round(t2 - t1, 6),
        "selection_s": round(t3 - t2, 6),
        "write_s": round(t4 - t3, 6),
        "total_s": round(t4 - t0, 6),
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
