"""pandas side of the customer-view benchmark: the same job as

    custseg view INPUT --basket-json product_json --dimension location --output OUT.csv

Usage (from the repo root, after `bash scripts/setup-python.sh`):

    .venv/bin/python benches/view_pandas.py INPUT.csv OUTPUT.csv [--schema health|supermarket]

--schema defaults to health (the file `custseg generate health` writes; supermarket is
the `custseg generate supermarket` file with dimensions BASKET_DOMINANT_MISSION and
STORE_FORMAT). Prints exactly one JSON line on stdout:
{"read_s":..,"clean_s":..,"view_s":..,"write_s":..,"total_s":..}
and a short summary (rows read and kept, customers, columns) on stderr.

Semantics: tests/reference/customer_view.py, whose functions this script imports
(read_input: read_csv once, every column as text; clean: the default cleaning rules,
json.loads per row and explode for the JSON baskets; build_view: groupby aggregates
and an unstack (pivot) of spend by dimension value for the shares; write_view:
to_csv). The committed fixtures tests/fixtures/view/*.csv are made by the same
functions, so the benchmark measures the code that defines the expected output.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "reference"))
sys.dont_write_bytecode = True  # no __pycache__ in tests/reference from the import below
from customer_view import SCHEMAS, build_view, clean, read_input, write_view  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description="pandas customer-view benchmark")
    ap.add_argument("input", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--schema", choices=sorted(SCHEMAS), default="health")
    args = ap.parse_args()
    schema = SCHEMAS[args.schema]
    args.output.parent.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    raw = read_input(args.input)
    t1 = time.perf_counter()
    cleaned = clean(raw, schema)
    t2 = time.perf_counter()
    view = build_view(cleaned, schema)
    t3 = time.perf_counter()
    write_view(view, args.output)
    t4 = time.perf_counter()

    print(json.dumps({
        "read_s": round(t1 - t0, 6),
        "clean_s": round(t2 - t1, 6),
        "view_s": round(t3 - t2, 6),
        "write_s": round(t4 - t3, 6),
        "total_s": round(t4 - t0, 6),
    }))
    print(f"rows read {cleaned.rows_read}, kept {len(cleaned.rows)}, customers {len(view)}, "
          f"columns {len(view.columns) + 1}", file=sys.stderr)
    print("dropped " + json.dumps({k: v for k, v in cleaned.dropped.items() if v}),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
