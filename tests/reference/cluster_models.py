"""scikit-learn reference for custseg's clustering models: writes models_cases.json.

Re-run (from the repo root):

    bash scripts/setup-python.sh                          # once: .venv with pinned sklearn
    .venv/bin/python tests/reference/cluster_models.py    # (re)write models_cases.json
    .venv/bin/python tests/reference/cluster_models.py --check   # regenerate into a temp dir
                                    # and compare with the committed file (tolerances below)

Writes tests/fixtures/cluster/models_cases.json.

Deterministic (numpy default_rng(2024), random_state=0 everywhere, fixed
formatting, BLAS and OpenMP pinned to 1 thread as in cluster_metrics.py):
running it twice ON ONE MACHINE gives a byte-identical file.  Takes ~3 s.

--check does not compare bytes: BLAS/LAPACK results (merge heights, GMM
parameters, eigenvalues, PCA) differ in their last bits between processors, so it
compares values with tests/reference/fixture_compare.py: labels, sizes, counts,
indices, n_iter and strings (versions included) exactly; floats and "*_bits"
fields within |a-b| <= 1e-12 + 1e-9 max(|a|,|b|).  The absolute part covers the
Laplacian eigenvalues, which are accurate in absolute, not relative, terms (the
first one is 0 up to rounding: 1.1e-16 on one machine, -1.5e-16 on another).
Labels stay exact: the generator keeps the partitions away from ties (the
margins asserted below: merge heights, distances to eps, well separated blobs),
so last-bit differences cannot move a point; the numbering of GMM and spectral
labels comes from seeded initialisations that only an exact near-tie in
k-means++ sampling could change.  Should a label ever differ, move the case away
from the tie rather than loosen the check.

Datasets (scikit-learn 1.9.1)
-----------------------------
Gaussian blobs, each blob = centre + N(0, I) @ A.T with A = 0.8 * (I + 0.35 R),
R uniform in [-1, 1] (a random anisotropic covariance), coordinates rounded to
4 decimals, rows shuffled:
  blobs3_2d           3 blobs in 2-d, 25 + 35 + 18 points
  blobs4_3d           4 blobs in 3-d, 15 + 40 + 22 + 30 points
  blobs3_outliers_2d  3 blobs in 2-d (20 + 30 + 25, A = 0.7 (...)) plus 2 far
                      outliers, appended last
"true_labels" is the generating blob (-1 for the outliers).  The generator
asserts that all pairwise distances differ by more than 1e-9 relative, so the
merge order of every linkage is free of ties.

Models and how sklearn is called
--------------------------------
All labels are sklearn's; partitions are to be compared up to relabelling.
"cluster_sizes_desc" gives the cluster sizes sorted descending (DBSCAN: of the
clusters, noise excluded, with "n_noise" separately).

agglomerative: AgglomerativeClustering(n_clusters=k, linkage=L,
  compute_distances=True) for L in ward, complete, average, single; k = the
  number of blobs.  compute_distances only exposes distances_ (labels are the
  same without it, checked).  Euclidean distances; sklearn delegates to scipy's
  linkage (ward: scipy.cluster.hierarchy.ward, single: a minimum spanning
  tree).  The labels cut the full tree into k clusters, i.e. undo the last k-1
  merges (checked against scipy fcluster(maxclust)).  "merge_heights" =
  distances_ in ascending order (n - 1 values); for ward that is scipy's Ward
  height sqrt(2 n_a n_b / (n_a + n_b)) * ||c_a - c_b||, not the increase in
  inertia.  On the outlier dataset complete, average and single linkage give
  each outlier its own cluster and merge the three blobs; ward does not.

dbscan: DBSCAN(eps=e, min_samples=m) (metric euclidean).  A point is a core
  point when at least min_samples points lie within distance <= eps of it,
  THE POINT ITSELF INCLUDED (min_samples=5: itself + 4 neighbours); "<=" is
  inclusive.  Clusters are the connected components of core points (core
  points within eps of each other); a non-core point within eps of a core
  point is a border point of that cluster; the rest is noise, label -1.
  A border point reachable from two clusters goes to whichever cluster
  sklearn's scan reaches first (clusters started from core points in row
  order, depth-first): the generator asserts that no case has such a point
  and that no pairwise distance is within 1e-5 (relative) of eps, so the
  partition does not depend on that order or on rounding.  Each case records
  "core_sample_indices" (sorted) and the counts of core, border and noise
  points.

gaussian_mixture: GaussianMixture(n_components=k, covariance_type="full",
  random_state=0, n_init=1) on the well separated datasets only (on the
  outlier one the outliers stretch a component's covariance and the partition
  is no longer the blobs), defaults tol=1e-3, reg_covar=1e-6,
  max_iter=100, init_params="kmeans" (initial responsibilities are the labels
  of KMeans(n_clusters=k, n_init=1, random_state=0)); labels = predict(X)
  (argmax of the posterior).  Only the well separated datasets: there the
  predicted partition is the generating blobs (asserted), so any EM that
  converges gives it.  Also recorded, in sklearn's component order: weights,
  means, covariances and score(X) (mean log-likelihood per sample).  With
  responsibilities ~0/1 these are each blob's fraction, mean and biased
  covariance (divided by n_k) plus reg_covar on the diagonal (asserted to
  1e-5: posteriors are 1 - 1e-6 at worst); EM stops at tol, so compare them
  with a tolerance of about 1e-4.

spectral: SpectralClustering(n_clusters=k, affinity="rbf", gamma=G,
  random_state=0, assign_labels="kmeans") on the well separated datasets
  (outliers make the affinity graph nearly disconnected).
  What sklearn does: W_ij = exp(-G ||x_i - x_j||^2); the normalised Laplacian
  L = I - D^-1/2 W D^-1/2 with the diagonal of W IGNORED (degrees d_i =
  sum_{j != i} W_ij; the diagonal of L is set to 1); the k eigenvectors of L
  with the smallest eigenvalues (ARPACK shift-invert, sigma=-1e-5, v0 from
  random_state), the trivial one KEPT (drop_first=False); each eigenvector
  divided elementwise by sqrt(d) (u = D^-1/2 x, the random-walk Laplacian's
  eigenvectors); each flipped so its largest-|value| entry is positive; NO row
  normalisation (unlike Ng-Jordan-Weiss); then k_means on the n x k embedding
  with n_init=10, random_state=0.  The generator reproduces this with a dense
  eigh and checks the partition, which is also the generating blobs.
  "laplacian_eigenvalues" are the k + 1 smallest eigenvalues of L (numpy eigh):
  k near 0 (the first is 0 up to rounding: compare with an absolute
  tolerance), then the eigengap.

pca: PCA(n_components=2) on tests/fixtures/cluster/online_retail_scaled.csv
  (columns recency, frequency, monetary; 4,338 rows).  sklearn centres X and
  (svd_solver "auto" -> "covariance_eigh" here) diagonalises the covariance
  with ddof = 1: explained_variance = its eigenvalues (divided by n - 1, not
  n), explained_variance_ratio = eigenvalue / sum of ALL eigenvalues (the
  total variance, not just the 2 kept), singular_values = sqrt(eigenvalue *
  (n - 1)).  Sign convention:
  each component (row of components_) is flipped so that its largest-|value|
  loading is positive (sklearn's own svd_flip(u_based_decision=False), checked
  by the generator), and the projection
  (X - mean) @ components.T follows the same signs.  "projection" holds the
  first 10 rows of the file.

Floats are written with Python repr (shortest round-trip); "X_bits" gives the
inputs as f64 bit patterns (hex u64) for exact parsing.  Model outputs
(heights, GMM parameters, eigenvalues, PCA) can differ in the last bits with
the BLAS, so compare them with a relative tolerance (1e-9 is ample except for
the GMM parameters when the EM is another implementation's, see above; near-zero
eigenvalues need an absolute one); labels exactly up to relabelling.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans, SpectralClustering
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in tests/reference from the imports below
from cluster_metrics import bits, floats, write_json  # noqa: E402
from fixture_compare import Rules, compare_dirs, report  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "tests" / "fixtures" / "cluster"
OUT_NAME = "models_cases.json"
SCALED = OUT_DIR / "online_retail_scaled.csv"
LINKAGES = ("ward", "complete", "average", "single")
SPECTRAL_GAMMA = 0.5
PCA_ROWS = 10
# --check: every field is an expected value; default tolerances (see the docstring)
CHECK_RULES = Rules()


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def sizes_desc(labels) -> list[int]:
    labels = np.asarray(labels)
    return sorted((int(c) for c in np.unique(labels[labels >= 0], return_counts=True)[1]),
                  reverse=True)


def same_partition(a, b) -> bool:
    """Equal up to relabelling: the pairs (a_i, b_i) form a bijection."""
    pairs = set(zip(np.asarray(a).tolist(), np.asarray(b).tolist()))
    return len(pairs) == len(set(a)) == len(set(b))


def min_rel_gap(values) -> float:
    v = np.sort(np.asarray(values, dtype=np.float64))
    return float(np.min(np.diff(v) / v[1:]))


# --------------------------------------------------------------------------
# datasets
# --------------------------------------------------------------------------

def blobs(rng, centres, sizes, sd):
    d = len(centres[0])
    parts, truth = [], []
    for label, (centre, n) in enumerate(zip(centres, sizes)):
        a = sd * (np.eye(d) + 0.35 * rng.uniform(-1, 1, size=(d, d)))
        parts.append(np.asarray(centre, dtype=np.float64) + rng.normal(size=(n, d)) @ a.T)
        truth += [label] * n
    X, truth = np.round(np.vstack(parts), 4), np.array(truth)
    p = rng.permutation(len(truth))
    return X[p], truth[p]


def datasets(rng):
    """(name, description, X, true labels, separated, DBSCAN (eps, min_samples) settings)."""
    out = []
    X, y = blobs(rng, [[0, 0], [7, 1], [2, 8]], [25, 35, 18], 0.8)
    out.append(("blobs3_2d", "3 well separated anisotropic blobs in 2-d (25, 35, 18 points)",
                X, y, True, [(1.0, 5), (0.6, 4)]))
    X, y = blobs(rng, [[0, 0, 0], [6, 0, 1], [0, 7, -1], [5, 6, 6]], [15, 40, 22, 30], 0.8)
    out.append(("blobs4_3d", "4 well separated anisotropic blobs in 3-d (15, 40, 22, 30 points)",
                X, y, True, [(1.5, 5), (1.2, 6)]))
    X, y = blobs(rng, [[0, 0], [6, -2], [3, 6]], [20, 30, 25], 0.7)
    X = np.vstack([X, [[14.2731, -7.9184], [-8.5537, 11.3096]]])
    y = np.append(y, [-1, -1])
    out.append(("blobs3_outliers_2d", "3 blobs in 2-d (20, 30, 25 points) and 2 far outliers "
                "(the last two rows)", X, y, False, [(1.0, 5), (1.2, 6)]))
    for name, _, X, *_ in out:
        assert min_rel_gap(pdist(X)) > 1e-9, name
    return out


# --------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------

def agglomerative(name, X, k):
    out = []
    for method in LINKAGES:
        model = AgglomerativeClustering(n_clusters=k, linkage=method, compute_distances=True).fit(X)
        plain = AgglomerativeClustering(n_clusters=k, linkage=method).fit(X)
        assert (model.labels_ == plain.labels_).all(), (name, method)
        heights = np.sort(model.distances_)
        scipy_z = linkage(X, method=method)
        assert np.allclose(heights, np.sort(scipy_z[:, 2]), rtol=1e-12, atol=0), (name, method)
        assert same_partition(model.labels_, fcluster(scipy_z, k, criterion="maxclust"))
        assert min_rel_gap(heights) > 1e-9, (name, method)
        out.append({
            "dataset": name, "linkage": method, "n_clusters": k,
            "labels": [int(v) for v in model.labels_],
            "cluster_sizes_desc": sizes_desc(model.labels_),
            "merge_heights": floats(heights),
        })
    return out


def dbscan(name, X, truth, eps, min_samples):
    model = DBSCAN(eps=eps, min_samples=min_samples).fit(X)
    labels = model.labels_
    assert (labels[truth == -1] == -1).all(), (name, eps)  # the outliers are noise
    dist = squareform(pdist(X))
    assert np.min(np.abs(dist - eps)) / eps > 1e-5, (name, eps)
    # direct definition: core = |{j : d(i, j) <= eps}| >= min_samples, i itself included
    core = (dist <= eps).sum(axis=1) >= min_samples
    assert (np.flatnonzero(core) == np.sort(model.core_sample_indices_)).all()
    border = ~core & (labels >= 0)
    for i in np.flatnonzero(border):
        reached = {int(labels[j]) for j in np.flatnonzero(core & (dist[i] <= eps))}
        assert len(reached) == 1, (name, eps, i, reached)  # unambiguous border point
    return {
        "dataset": name, "eps": eps, "min_samples": min_samples,
        "labels": [int(v) for v in labels],
        "cluster_sizes_desc": sizes_desc(labels),
        "n_noise": int((labels == -1).sum()),
        "n_core": int(core.sum()), "n_border": int(border.sum()),
        "core_sample_indices": sorted(int(i) for i in model.core_sample_indices_),
    }


def gaussian_mixture(name, X, truth, k):
    model = GaussianMixture(n_components=k, covariance_type="full", random_state=0,
                            n_init=1).fit(X)
    labels = model.predict(X)
    assert model.converged_ and same_partition(labels, truth), name
    for c in range(k):
        members = X[labels == c]
        expected_cov = np.cov(members, rowvar=False, bias=True) + 1e-6 * np.eye(X.shape[1])
        assert np.allclose(model.means_[c], members.mean(axis=0), rtol=0, atol=1e-5)
        assert np.allclose(model.covariances_[c], expected_cov, rtol=0, atol=1e-5)
        assert np.isclose(model.weights_[c], len(members) / len(X), rtol=0, atol=1e-5)
    return {
        "dataset": name, "n_components": k, "covariance_type": "full",
        "random_state": 0, "n_init": 1,
        "labels": [int(v) for v in labels],
        "cluster_sizes_desc": sizes_desc(labels),
        "weights": floats(model.weights_), "means": floats(model.means_),
        "covariances": floats(model.covariances_),
        "score": float(model.score(X)), "n_iter": int(model.n_iter_),
    }


def spectral_direct(X, k, gamma):
    """Dense re-implementation of sklearn's steps (see the docstring)."""
    W = np.exp(-gamma * squareform(pdist(X, "sqeuclidean")))
    np.fill_diagonal(W, 0.0)
    s = np.sqrt(W.sum(axis=1))
    L = np.eye(len(X)) - W / s[:, None] / s[None, :]
    values, vectors = np.linalg.eigh(L)
    embedding = vectors[:, :k] / s[:, None]
    labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit(embedding).labels_
    return labels, values[:k + 1]


def spectral(name, X, truth, k):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Graph is not fully connected" would be a bad case
        model = SpectralClustering(n_clusters=k, affinity="rbf", gamma=SPECTRAL_GAMMA,
                                   random_state=0, assign_labels="kmeans").fit(X)
    direct, eigenvalues = spectral_direct(X, k, SPECTRAL_GAMMA)
    assert same_partition(model.labels_, truth) and same_partition(direct, truth), name
    return {
        "dataset": name, "n_clusters": k, "affinity": "rbf", "gamma": SPECTRAL_GAMMA,
        "random_state": 0, "assign_labels": "kmeans",
        "labels": [int(v) for v in model.labels_],
        "cluster_sizes_desc": sizes_desc(model.labels_),
        "laplacian_eigenvalues": floats(eigenvalues),
    }


def pca():
    data = np.loadtxt(SCALED, delimiter=",", skiprows=1)
    ids, X = data[:, 0].astype(np.int64), data[:, 1:]
    model = PCA(n_components=2).fit(X)
    comps = model.components_
    # the documented sign convention, which sklearn's svd_flip(u_based_decision=False) applies
    assert (comps[np.arange(2), np.argmax(np.abs(comps), axis=1)] > 0).all()
    projection = model.transform(X[:PCA_ROWS])

    # direct: eigen-decomposition of the ddof=1 covariance, same sign rule
    values, vectors = np.linalg.eigh(np.cov(X, rowvar=False, ddof=1))
    values, vectors = values[::-1], vectors[:, ::-1].T[:2]
    vectors *= np.sign(vectors[np.arange(2), np.argmax(np.abs(vectors), axis=1)])[:, None]
    assert np.allclose(comps, vectors, rtol=0, atol=1e-12)
    assert np.allclose(model.explained_variance_ratio_, values[:2] / values.sum(), rtol=1e-12)
    assert np.allclose(projection, (X[:PCA_ROWS] - X.mean(axis=0)) @ vectors.T, rtol=0, atol=1e-12)
    return {
        "input": SCALED.relative_to(REPO).as_posix(),
        "columns": ["recency", "frequency", "monetary"],
        "n_samples": int(len(X)), "n_components": 2,
        "mean": floats(model.mean_),
        "explained_variance": floats(model.explained_variance_),
        "explained_variance_ratio": floats(model.explained_variance_ratio_),
        "singular_values": floats(model.singular_values_),
        "components": floats(comps),
        "projection_customer_ids": [int(i) for i in ids[:PCA_ROWS]],
        "projection": floats(projection),
    }


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def kneedle_cases():
    """yellowbrick's elbow (KElbowVisualizer's distortion locator: KneeLocator with
    curve_nature="convex", curve_direction="decreasing", S=1, offline) on a few curves: the
    Online Retail inertia of online_retail_kmeans.json, a hand-checkable one, wiggly ones whose
    first qualifying local maximum of the difference curve is not its global maximum, and a
    straight line (no knee: None)."""
    import warnings
    from yellowbrick.utils.kneed import KneeLocator
    retail = json.loads((OUT_DIR / "online_retail_kmeans.json").read_text())
    curves = [
        ("online retail inertia", [r["k"] for r in retail["results"]],
         [r["inertia"] for r in retail["results"]]),
        ("hand", [1, 2, 3, 4, 5], [100.0, 30.0, 10.0, 5.0, 0.0]),
        ("two elbows", [2, 3, 4, 5, 6, 7, 8, 9, 10],
         [100.0, 60.0, 52.0, 50.0, 20.0, 12.0, 10.0, 9.0, 8.5]),
        ("wiggly", [2, 3, 4, 5, 6, 7, 8],
         [50.0, 30.0, 31.0, 18.0, 15.0, 14.5, 14.0]),
        ("straight line", [1, 2, 3, 4, 5], [5.0, 4.0, 3.0, 2.0, 1.0]),
    ]
    cases = []
    for name, x, y in curves:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            knee = KneeLocator(x, y, curve_nature="convex", curve_direction="decreasing").knee
        cases.append({"name": name, "x": [float(v) for v in x], "y": [float(v) for v in y],
                      "knee": None if knee is None else float(knee)})
    return cases


def generate(out_dir: Path, verbose: bool = True):
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2024)
    doc = {
        "sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "datasets": [], "agglomerative": [], "dbscan": [], "gaussian_mixture": [],
        "spectral": [],
    }
    for name, description, X, truth, separated, dbscan_params in datasets(rng):
        k = len(set(truth[truth >= 0].tolist()))
        doc["datasets"].append({
            "name": name, "description": description,
            "n": int(X.shape[0]), "d": int(X.shape[1]), "n_blobs": k,
            "X": floats(X), "X_bits": bits(X),
            "true_labels": [int(v) for v in truth],
            "true_sizes_desc": sizes_desc(truth),
        })
        doc["agglomerative"] += agglomerative(name, X, k)
        doc["dbscan"] += [dbscan(name, X, truth, eps, m) for eps, m in dbscan_params]
        if separated:
            doc["gaussian_mixture"].append(gaussian_mixture(name, X, truth, k))
            doc["spectral"].append(spectral(name, X, truth, k))
    doc["pca"] = pca()
    doc["kneedle"] = kneedle_cases()
    write_json(out_dir / OUT_NAME, doc)

    if verbose:
        for section in ("agglomerative", "dbscan", "gaussian_mixture", "spectral"):
            for case in doc[section]:
                params = {key: v for key, v in case.items()
                          if key in ("linkage", "eps", "min_samples", "gamma")}
                extra = f" noise {case['n_noise']}" if section == "dbscan" else ""
                print(f"{section:16s} {case['dataset']:18s} {params} "
                      f"sizes {case['cluster_sizes_desc']}{extra}")
        for case in doc["kneedle"]:
            print(f"kneedle {case['name']:22s} knee {case['knee']}")
        print(f"pca ratio {doc['pca']['explained_variance_ratio']} "
              f"components {doc['pca']['components']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with the committed fixture "
                         "(values within tolerances)")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args()
    with threadpool_limits(limits=1):
        if not args.check:
            generate(args.out)
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp), verbose=False)
            return report(compare_dirs(args.out, tmp, [OUT_NAME], CHECK_RULES), CHECK_RULES)


if __name__ == "__main__":
    sys.exit(main())
