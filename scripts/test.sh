#!/usr/bin/env bash
# Runs every test: formatting, clippy, the Rust tests (release build, shared with the CLI), the
# pandas fixture reproducibility check, the report in headless Chromium, and every notebook under
# the real evcxr kernel, errors and panics in that kernel, and notebook 01 run through JupyterLab
# in headless Chromium, and the distributed engine against a live Ballista cluster when its
# sources changed since the recorded pass (scripts/test-distributed.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/env.sh
bash scripts/setup.sh

echo "== rustfmt"
cargo fmt --all -- --check
echo "== clippy"
cargo clippy --release --all-targets -- -D warnings
echo "== cargo test"
cargo test --release
echo "== pandas and scikit-learn fixtures are reproducible"
.venv/bin/python tests/reference/test_fixture_compare.py
.venv/bin/python tests/reference/rfm_parity.py --check
.venv/bin/python tests/reference/cluster_metrics.py --check
.venv/bin/python tests/reference/cluster_models.py --check
.venv/bin/python tests/reference/make_format_fixtures.py --check
.venv/bin/python tests/reference/adjusted_rand.py --check
.venv/bin/python tests/reference/customer_view.py --check
.venv/bin/python tests/reference/clv_lifetimes.py --check
.venv/bin/python tests/reference/association_rules.py --check
echo "== reports in headless Chromium"
BIN="$CARGO_TARGET_DIR/release/custseg"
OUT="$ROOT/target/browser"
mkdir -p "$OUT"
"$BIN" report --output "$OUT/online-retail.html"
node tests/browser/check_report.mjs "$OUT/online-retail.html" "$OUT/online-retail.png" --mobile-screenshot "$OUT/online-retail-mobile.png"
"$BIN" report tests/fixtures/report/hostile.csv --dimension Country \
    --segments tests/fixtures/report/hostile-map.toml --company '"><img src=x onerror=alert(1)>' \
    --output "$OUT/hostile.html"
node tests/browser/check_report.mjs "$OUT/hostile.html" "$OUT/hostile.png"
echo "== notebooks under evcxr"
.venv/bin/python scripts/run_notebooks.py
for html in reports/notebooks/*.html; do
    node tests/browser/check_report.mjs "$html" "$OUT/$(basename "$html" .html).png"
done
echo "== errors and panics in the notebook kernel"
.venv/bin/python tests/notebooks/kernel_errors.py
echo "== JupyterLab in headless Chromium (scripts/lab.sh, notebook 01 through the UI)"
# The first six code cells hold the first HTML table and the first chart.
node tests/browser/check_lab.mjs 01_superstore_rfm.ipynb "$OUT/lab-01.png" --cells 6 --timeout-s 1800
echo "== the distributed engine on a live Ballista cluster (when its sources changed)"
bash scripts/test-distributed.sh
