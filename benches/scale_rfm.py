"""One tool's side of the scale benchmark (benches/scale_bench.py): the per-customer RFM job of

    custseg rfm INPUT --output OUT.csv

done in one process by DuckDB, polars or pandas.

Usage (from the repo root, after `bash scripts/setup-python.sh` and
`.venv/bin/pip install -r benches/requirements-bench.txt`):

    .venv/bin/python benches/scale_rfm.py --tool {duckdb,polars,pandas} INPUT OUT.csv

INPUT is an Online-Retail-shaped transaction file (columns InvoiceNo, StockCode, Description,
Quantity, InvoiceDate, UnitPrice, CustomerID, Country; dates like 2010-12-01 08:26:00): a .csv or
.csv.gz file, or Parquet: a .parquet file, a directory of .parquet files or a quoted glob
('data/part-*.parquet'). Only the chosen tool's package (and numpy) is imported. Prints one JSON
line on stdout:

    {"tool": .., "customers": .., "rows_kept": .., "aggregate_s": .., "score_s": .., "write_s": ..,
     "total_s": ..}

(aggregate = read, clean and aggregate per customer; score = the scores, for DuckDB their edges
only; write = the CSV, for DuckDB with the scores applied; times from after the imports; the
benchmark measures the whole process besides).

The job, the same in each tool (custseg's default cleaning rules, tests/reference/rfm_parity.py):
  - read the five columns the job needs; drop rows with a missing CustomerID, InvoiceNo or
    InvoiceDate, or a missing or unparsable Quantity or UnitPrice or date; drop cancellations
    (InvoiceNo matching the whole of C\\d+), Quantity <= 0 and UnitPrice <= 0; duplicates are kept;
  - per customer: the last purchase time, the number of distinct InvoiceNo (frequency), the sum
    of Quantity * UnitPrice (monetary) and the number of kept rows (only to check the row
    accounting against custseg's); recency = (snapshot day - day of the last purchase) in days,
    snapshot = the day after the day of the last kept transaction;
  - scores by pandas qcut quintiles on the customers in id order: R = qcut(recency) reversed,
    F = qcut(frequency.rank(method="first")), M = qcut(monetary); R or M fall back to the
    rank(method="first") of their column when qcut's edges are not unique, as
    benches/rfm_pandas.py does;
  - write customer_id,recency,frequency,monetary,r,f,m (one row per customer, ids ascending:
    numerically when they are integers) with the tool's own CSV writer.

How each tool does it:
  duckdb  read_csv (explicit column types, ignore_errors=true: a row with a value that does not
          parse as its column's type is skipped, as custseg drops it) or read_parquet; SQL for
          the cleaning, the aggregation and recency (count(DISTINCT InvoiceNo)); DuckDB's
          defaults (threads = cores, memory_limit = 80% of RAM). The per-customer table stays
          in DuckDB (a temporary table); its recency, frequency and monetary columns are fetched
          as numpy arrays for qcut's edges only (`score_plan`: pandas' rule, exactly), and SQL
          applies them in the COPY that writes the CSV: CASE WHEN x <= edge ..., and
          row_number() OVER (ORDER BY x, id) for rank-first. (Scanning scored numpy arrays
          back into DuckDB would import pandas and pyarrow: 0.4-0.6 s more.)
  polars  LazyFrame scan_csv (explicit schema, ignore_errors=True: an unparsable value reads as
          null and the row is dropped) or scan_parquet; filter, group_by, agg (n_unique for
          frequency) and recency in one lazy query, collect(engine="streaming"); the collected
          per-customer DataFrame is scored by `qcut_scores` and written by write_csv. Dates
          are read as text and parsed by str.to_datetime(format, strict=False): a Datetime
          column in the CSV schema was 3x slower on a 5.4 M-row file.
  pandas  read_csv (usecols: the five columns; InvoiceNo as str, dates parsed with their
          format, errors="coerce") or read_parquet(columns=...); boolean mask, groupby.agg,
          pd.qcut (benches/rfm_pandas.py's scoring), to_csv. Holds all the rows in memory.

Customer ids: a CSV's CustomerID is read as a 64-bit integer (pandas: float64, as int64 once
the missing ones are dropped), as the Online Retail files' ids are; an id written 17850.0 or
with letters would make the row unparsable for DuckDB and polars, and the benchmark's kept-row
check would catch the difference from custseg. A Parquet file's
CustomerID is used as it is typed there (integers; floats are cast to integers; strings are kept
and sorted numerically when they all are integers).

`qcut_edges`, `bins` and `rank_first` are pandas 3.1's qcut, step by step: probabilities
linspace(0, 1, 6) with the ones that are not exact moved up by one ulp, edges by
np.quantile(method="linear"), "Bin edges must be unique" when two edges are equal, bins by
searchsorted(side="left") with values equal to the first edge in bin 1; rank(method="first") is
the 1-based position in a stable sort. The benchmark compares each tool's scores with custseg's
(and so with the pandas side's).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
CANCELLATION = r"^C\d+$"
BINS = 5
# The Online Retail columns and how a CSV's are read (the first five are the job's).
NEEDED = ["CustomerID", "InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice"]
OUTPUT_COLUMNS = ["customer_id", "recency", "frequency", "monetary", "r", "f", "m"]


# --------------------------------------------------------------------------------------------
# inputs

def input_kind(path: str) -> str:
    """'csv' for .csv / .csv.gz, else 'parquet' (a .parquet file, a directory or a glob)."""
    return "csv" if path.lower().endswith((".csv", ".csv.gz")) else "parquet"


def parquet_files(path: str) -> list[str]:
    """The Parquet files of INPUT: the file itself, a directory's *.parquet, or a glob's matches."""
    if os.path.isdir(path):
        files = sorted(glob.glob(os.path.join(path, "*.parquet")))
    elif any(c in path for c in "*?["):
        files = sorted(glob.glob(path))
    else:
        files = [path]
    if not files or not all(os.path.isfile(f) for f in files):
        sys.exit(f"error: no Parquet file at {path!r}")
    return files


# --------------------------------------------------------------------------------------------
# scoring: pandas qcut's edges in numpy, shared by the DuckDB and polars sides

def qcut_edges(x: np.ndarray, n: int) -> np.ndarray | None:
    """The n + 1 bin edges pd.qcut(x, n) takes; None where pandas raises 'Bin edges must be
    unique'."""
    probs = np.linspace(0, 1, n + 1)
    np.putmask(probs, n * probs != np.arange(n + 1), np.nextafter(probs, 1))
    edges = np.quantile(x, probs, method="linear")
    if len(np.unique(edges)) < len(edges) and len(edges) != 2:
        return None
    return edges


def score_plan(x: np.ndarray, n: int, by_rank: bool) -> tuple[bool, np.ndarray]:
    """(use_rank, edges): the edges pd.qcut takes from x, or, when those are not unique or by_rank
    is asked, from x.rank(method="first"), whose values are 1..len(x) whatever x."""
    edges = None if by_rank else qcut_edges(x, n)
    if edges is not None:
        return False, edges
    edges = qcut_edges(np.arange(1, len(x) + 1, dtype=np.float64), n)
    if edges is None:
        sys.exit(f"error: {len(x)} customers are too few for {n} quantile bins")
    return True, edges


def rank_first(x: np.ndarray) -> np.ndarray:
    """Series.rank(method="first"): 1-based positions in a stable sort (ties in input order)."""
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[np.argsort(x, kind="stable")] = np.arange(1, len(x) + 1, dtype=np.float64)
    return ranks


def bins(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """pd.qcut's labels 1..n for the values x: right-closed bins, the first edge in bin 1."""
    out = np.searchsorted(edges, x, side="left")
    out[x == edges[0]] = 1
    return out.astype(np.int64)


def qcut_scores(recency, frequency, monetary, n: int = BINS):
    """R, F, M scores in numpy of customers given in id order (see the module docstring)."""
    scores = []
    for x, reverse, by_rank in ((recency, True, False), (frequency, False, True),
                                (monetary, False, False)):
        x = np.asarray(x)
        use_rank, edges = score_plan(x, n, by_rank)
        b = bins(rank_first(x) if use_rank else x, edges)
        scores.append(n + 1 - b if reverse else b)
    return tuple(scores)


def id_order(ids: np.ndarray) -> np.ndarray | None:
    """For text ids that are all integers, the permutation that sorts them numerically (custseg's
    order); None when the ids are numbers already or not all integers (keep the engine's sort)."""
    if ids.dtype.kind in "iuf":
        return None
    try:
        as_int = np.asarray([int(i) for i in ids], dtype=np.int64)
    except (TypeError, ValueError):
        return None
    return np.argsort(as_int, kind="stable")


# --------------------------------------------------------------------------------------------
# DuckDB

def run_duckdb(path: str, out: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    t0 = time.perf_counter()
    if input_kind(path) == "csv":
        types = {"InvoiceNo": "VARCHAR", "StockCode": "VARCHAR", "Description": "VARCHAR",
                 "Quantity": "BIGINT", "InvoiceDate": "TIMESTAMP", "UnitPrice": "DOUBLE",
                 "CustomerID": "BIGINT", "Country": "VARCHAR"}
        type_map = "{" + ", ".join(f"'{k}': '{v}'" for k, v in types.items()) + "}"
        source = (f"read_csv({sql_text(path)}, header = true, types = {type_map}, "
                  f"timestampformat = '{DATE_FORMAT}', ignore_errors = true)")
        customer, invoice, date, quantity, price = NEEDED
        text_ids = False
    else:
        files = "[" + ", ".join(sql_text(f) for f in parquet_files(path)) + "]"
        source = f"read_parquet({files})"
        typed = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
                                 f"{source})").fetchall())
        customer = ("CAST(CustomerID AS BIGINT)" if typed["CustomerID"] in ("DOUBLE", "FLOAT")
                    else "CustomerID")
        text_ids = typed["CustomerID"] == "VARCHAR"
        invoice = "InvoiceNo"
        date = (f"try_strptime(InvoiceDate, '{DATE_FORMAT}')" if typed["InvoiceDate"] == "VARCHAR"
                else "InvoiceDate")
        quantity, price = (f"TRY_CAST({c} AS DOUBLE)" if typed[c] == "VARCHAR" else c
                           for c in ("Quantity", "UnitPrice"))
    con.execute(f"""
        CREATE TEMP TABLE per AS
        WITH rows AS (
            SELECT {customer} AS customer_id, {invoice} AS invoice, {date} AS time,
                   {quantity} AS quantity, {price} AS price
            FROM {source}
        ), kept AS (
            SELECT * FROM rows
            WHERE customer_id IS NOT NULL AND invoice IS NOT NULL AND time IS NOT NULL
              AND quantity IS NOT NULL AND price IS NOT NULL
              AND NOT regexp_full_match(invoice, '{CANCELLATION[1:-1]}')
              AND quantity > 0 AND price > 0
        ), per AS (
            SELECT customer_id, CAST(max(time) AS DATE) AS last_day,
                   count(DISTINCT invoice) AS frequency, sum(quantity * price) AS monetary,
                   count(*) AS rows
            FROM kept GROUP BY customer_id
        )
        SELECT customer_id, max(last_day) OVER () + 1 - last_day AS recency, frequency, monetary,
               rows
        FROM per
    """)
    t1 = time.perf_counter()
    # custseg's order of customers: numeric when the ids are integers, also when typed as text
    key = "customer_id"
    if text_ids and con.execute("SELECT bool_and(TRY_CAST(customer_id AS BIGINT) IS NOT NULL) "
                                "FROM per").fetchone()[0]:
        key = "TRY_CAST(customer_id AS BIGINT)"
    values = con.execute("SELECT recency, frequency, monetary FROM per").fetchnumpy()
    rows_kept = con.execute("SELECT sum(rows) FROM per").fetchone()[0] or 0
    scores, ranks = [], []
    for column, reverse, by_rank in (("recency", True, False), ("frequency", False, True),
                                     ("monetary", False, False)):
        use_rank, edges = score_plan(np.asarray(values[column]), BINS, by_rank)
        x = column
        if use_rank:
            x = f"{column}_rank"
            ranks.append(f"row_number() OVER (ORDER BY {column}, {key}) AS {x}")
        scores.append(sql_bins(x, edges, reverse) + f" AS {column[0]}")
    t2 = time.perf_counter()
    con.execute(f"""
        COPY (
            SELECT customer_id, recency, frequency, monetary, {", ".join(scores)}
            FROM (SELECT {", ".join(["*", *ranks])} FROM per)
            ORDER BY {key}
        ) TO {sql_text(str(out))} (HEADER, DELIMITER ',')
    """)
    t3 = time.perf_counter()
    return stages(len(values["recency"]), int(rows_kept), t0, t1, t2, t3)


def sql_bins(x: str, edges: np.ndarray, reverse: bool) -> str:
    """`bins` in SQL: CASE WHEN x <= e1 THEN 1 ... ELSE n END (labels n..1 when reversed); the
    edges as exact doubles (shortest round-trip text cast to DOUBLE, not a DECIMAL literal)."""
    n = len(edges) - 1
    label = (lambda b: n + 1 - b) if reverse else (lambda b: b)
    whens = " ".join(f"WHEN {x} <= CAST('{e!r}' AS DOUBLE) THEN {label(b)}"
                     for b, e in enumerate(edges[1:-1].tolist(), start=1))
    return f"CASE {whens} ELSE {label(n)} END"


def sql_text(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


# --------------------------------------------------------------------------------------------
# polars

def run_polars(path: str, out: Path) -> dict:
    import polars as pl

    t0 = time.perf_counter()
    if input_kind(path) == "csv":
        schema = {"InvoiceNo": pl.String, "StockCode": pl.String, "Description": pl.String,
                  "Quantity": pl.Int64, "InvoiceDate": pl.String, "UnitPrice": pl.Float64,
                  "CustomerID": pl.Int64, "Country": pl.String}
        lf = pl.scan_csv(path, schema_overrides=schema, ignore_errors=True)
    else:
        lf = pl.scan_parquet(parquet_files(path))
    schema = lf.collect_schema()
    customer = pl.col("CustomerID")
    if schema["CustomerID"].is_float():
        customer = customer.cast(pl.Int64)
    date = pl.col("InvoiceDate")
    if schema["InvoiceDate"] == pl.String:
        date = date.str.to_datetime(DATE_FORMAT, strict=False)
    quantity, price = (pl.col(c).cast(pl.Float64, strict=False) if schema[c] == pl.String
                       else pl.col(c) for c in ("Quantity", "UnitPrice"))
    rows = lf.select(customer_id=customer, invoice=pl.col("InvoiceNo"), time=date,
                     quantity=quantity, price=price)
    kept = rows.filter(
        pl.col("customer_id").is_not_null() & pl.col("invoice").is_not_null()
        & pl.col("time").is_not_null() & pl.col("quantity").is_not_null()
        & pl.col("price").is_not_null()
        & ~pl.col("invoice").str.contains(CANCELLATION)
        & (pl.col("quantity") > 0) & (pl.col("price") > 0))
    per = (kept.group_by("customer_id")
           .agg(last_day=pl.col("time").max().dt.date(),
                frequency=pl.col("invoice").n_unique(),
                monetary=(pl.col("quantity") * pl.col("price")).sum(),
                rows=pl.len())
           .select("customer_id",
                   recency=(pl.col("last_day").max() - pl.col("last_day")).dt.total_days() + 1,
                   frequency="frequency", monetary="monetary", rows="rows"))
    df = per.collect(engine="streaming").sort("customer_id")
    t1 = time.perf_counter()
    order = id_order(df["customer_id"].to_numpy())
    if order is not None:
        df = df[order]
    r, f, m = qcut_scores(df["recency"].to_numpy(), df["frequency"].to_numpy(),
                          df["monetary"].to_numpy())
    rows_kept = int(df["rows"].sum())
    df = df.select(OUTPUT_COLUMNS[:4]).with_columns(r=pl.Series(r), f=pl.Series(f),
                                                    m=pl.Series(m))
    t2 = time.perf_counter()
    df.write_csv(out)
    t3 = time.perf_counter()
    return stages(df.height, rows_kept, t0, t1, t2, t3)


# --------------------------------------------------------------------------------------------
# pandas

def pandas_score(col, labels):
    """benches/rfm_pandas.py's score(): pd.qcut with the rank fallback."""
    import pandas as pd
    try:
        return pd.qcut(col, len(labels), labels=labels)
    except ValueError:
        return pd.qcut(col.rank(method="first"), len(labels), labels=labels)


def run_pandas(path: str, out: Path) -> dict:
    import pandas as pd

    t0 = time.perf_counter()
    if input_kind(path) == "csv":
        df = pd.read_csv(path, usecols=NEEDED, dtype={"InvoiceNo": str, "InvoiceDate": str})
    else:
        parts = [pd.read_parquet(f, columns=NEEDED) for f in parquet_files(path)]
        df = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        del parts
    if not pd.api.types.is_datetime64_any_dtype(df["InvoiceDate"]):
        df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"], format=DATE_FORMAT,
                                           errors="coerce")
    for c in ("Quantity", "UnitPrice"):
        if not pd.api.types.is_numeric_dtype(df[c]):
            df[c] = pd.to_numeric(df[c], errors="coerce")
    keep = (df["CustomerID"].notna() & df["InvoiceNo"].notna() & df["InvoiceDate"].notna()
            & df["Quantity"].notna() & df["UnitPrice"].notna()
            & ~df["InvoiceNo"].str.fullmatch(CANCELLATION[1:-1], na=False)
            & (df["Quantity"] > 0) & (df["UnitPrice"] > 0))
    df = df.loc[keep]
    if pd.api.types.is_float_dtype(df["CustomerID"]):
        df = df.astype({"CustomerID": "int64"})
    snapshot = df["InvoiceDate"].max().normalize() + pd.Timedelta(days=1)
    rfm = (df.assign(Amount=df["Quantity"] * df["UnitPrice"])
           .groupby("CustomerID")
           .agg(last=("InvoiceDate", "max"),
                frequency=("InvoiceNo", "nunique"),
                monetary=("Amount", "sum"),
                rows=("Amount", "size")))
    del df
    rfm.insert(0, "recency", (snapshot - rfm.pop("last").dt.normalize()).dt.days)
    t1 = time.perf_counter()
    order = id_order(rfm.index.to_numpy())
    if order is not None:
        rfm = rfm.iloc[order]
    rfm["r"] = pandas_score(rfm["recency"], [5, 4, 3, 2, 1]).astype("int64")
    rfm["f"] = pd.qcut(rfm["frequency"].rank(method="first"), 5,
                       labels=[1, 2, 3, 4, 5]).astype("int64")
    rfm["m"] = pandas_score(rfm["monetary"], [1, 2, 3, 4, 5]).astype("int64")
    rows_kept = int(rfm.pop("rows").sum())
    rfm = rfm.rename_axis("customer_id").reset_index()
    t2 = time.perf_counter()
    rfm.to_csv(out, index=False)
    t3 = time.perf_counter()
    return stages(len(rfm), rows_kept, t0, t1, t2, t3)


# --------------------------------------------------------------------------------------------

def stages(customers: int, rows_kept: int, t0: float, t1: float, t2: float, t3: float) -> dict:
    return {"customers": customers, "rows_kept": rows_kept, "aggregate_s": round(t1 - t0, 6),
            "score_s": round(t2 - t1, 6), "write_s": round(t3 - t2, 6),
            "total_s": round(t3 - t0, 6)}


TOOLS = {"duckdb": run_duckdb, "polars": run_polars, "pandas": run_pandas}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tool", choices=sorted(TOOLS), required=True)
    ap.add_argument("input", help=".csv/.csv.gz file, or a .parquet file, directory or glob")
    ap.add_argument("output", type=Path, help="per-customer CSV to write")
    args = ap.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    result = TOOLS[args.tool](args.input, args.output)
    print(json.dumps({"tool": args.tool, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
