"""pandas side of the RFM benchmark: the same job as

    custseg rfm INPUT --segments rf-regex --output OUT.csv

Usage (from the repo root, after `bash scripts/setup-python.sh`):

    .venv/bin/python benches/rfm_pandas.py [INPUT.csv.gz] [OUTPUT.csv]

INPUT defaults to data/online-retail/online_retail.csv.gz (repo-relative),
OUTPUT to target/rfm_pandas.csv. Prints exactly one JSON line on stdout:
{"read_s":..,"clean_s":..,"rfm_s":..,"write_s":..,"total_s":..}
and a short summary (rows kept, customers, segment counts) on stderr.

Semantics: see tests/reference/rfm_parity.py (cleaning rules, recency on calendar
dates, qcut scores with the rank(method="first") fallback, rf-regex segments).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = REPO / "data" / "online-retail" / "online_retail.csv.gz"
DEFAULT_OUTPUT = REPO / "target" / "rfm_pandas.csv"

SEG_MAP = {
    r"^[1-2][1-2]$": "Hibernating",
    r"^[1-2][3-4]$": "At Risk",
    r"^[1-2]5$": "Can't Lose Them",
    r"^3[1-2]$": "About To Sleep",
    r"^33$": "Need Attention",
    r"^[3-4][4-5]$": "Loyal Customers",
    r"^41$": "Promising",
    r"^51$": "New Customers",
    r"^[4-5][2-3]$": "Potential Loyalists",
    r"^5[4-5]$": "Champions",
}


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(
        path,
        dtype={"InvoiceNo": str, "StockCode": str},
        parse_dates=["InvoiceDate"],
        date_format="%Y-%m-%d %H:%M:%S",
    )


def clean(df: pd.DataFrame) -> pd.DataFrame:
    keep = (
        df["CustomerID"].notna()
        & ~df["InvoiceNo"].str.fullmatch(r"C\d+", na=False)
        & (df["Quantity"] > 0)
        & (df["UnitPrice"] > 0)
    )
    return df.loc[keep].astype({"CustomerID": "int64"})


def score(col: pd.Series, labels: list[int]) -> pd.Series:
    """pd.qcut with the usual fallback to ranks when the bin edges collide."""
    try:
        return pd.qcut(col, len(labels), labels=labels)
    except ValueError:
        return pd.qcut(col.rank(method="first"), len(labels), labels=labels)


def rfm_table(df: pd.DataFrame) -> pd.DataFrame:
    snapshot = df["InvoiceDate"].max().normalize() + pd.Timedelta(days=1)
    rfm = (
        df.assign(Amount=df["Quantity"] * df["UnitPrice"])
        .groupby("CustomerID")
        .agg(last=("InvoiceDate", "max"),
             frequency=("InvoiceNo", "nunique"),
             monetary=("Amount", "sum"))
    )
    rfm.insert(0, "recency", (snapshot - rfm.pop("last").dt.normalize()).dt.days)
    rfm["r"] = score(rfm["recency"], [5, 4, 3, 2, 1]).astype("int64")
    rfm["f"] = pd.qcut(rfm["frequency"].rank(method="first"), 5,
                       labels=[1, 2, 3, 4, 5]).astype("int64")
    rfm["m"] = score(rfm["monetary"], [1, 2, 3, 4, 5]).astype("int64")
    r, f, m = (rfm[c].astype(str) for c in ("r", "f", "m"))
    rfm["rfm_code"] = r + f + m
    rfm["segment"] = (r + f).replace(SEG_MAP, regex=True)
    return rfm.rename_axis("customer_id").reset_index()


def main() -> int:
    ap = argparse.ArgumentParser(description="pandas RFM benchmark")
    ap.add_argument("input", nargs="?", type=Path, default=DEFAULT_INPUT)
    ap.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    args = ap.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    raw = read(args.input)
    t1 = time.perf_counter()
    cleaned = clean(raw)
    t2 = time.perf_counter()
    rfm = rfm_table(cleaned)
    t3 = time.perf_counter()
    rfm.to_csv(args.output, index=False)
    t4 = time.perf_counter()

    print(json.dumps({
        "read_s": round(t1 - t0, 6),
        "clean_s": round(t2 - t1, 6),
        "rfm_s": round(t3 - t2, 6),
        "write_s": round(t4 - t3, 6),
        "total_s": round(t4 - t0, 6),
    }))
    print(f"rows read {len(raw)}, kept {len(cleaned)}, customers {len(rfm)}", file=sys.stderr)
    print("segments " + json.dumps({k: int(v) for k, v in
                                    rfm["segment"].value_counts().sort_index().items()}),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
