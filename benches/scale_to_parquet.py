"""A Parquet copy of an Online-Retail-shaped CSV, for benches/scale_bench.py.

Usage (from the repo root, after `bash scripts/setup-python.sh`):

    .venv/bin/python benches/scale_to_parquet.py INPUT.csv.gz OUTPUT.parquet [--row-group 1000000]

Reads the CSV in blocks with pyarrow (memory stays at a few row groups, whatever the file's
size) and writes one Parquet file (pyarrow's defaults: snappy compression) with typed columns:
InvoiceNo, StockCode, Description, Country as strings, Quantity int64, UnitPrice float64,
CustomerID int64 (null where empty), InvoiceDate timestamp[us] (parsed as %Y-%m-%d %H:%M:%S).
Row groups of --row-group rows, so readers can split the file across threads. A value that does
not parse as its column's type stops the conversion (the generated files and the bundled file
have none). Prints the rows and row groups written.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

COLUMN_TYPES = {"InvoiceNo": pa.string(), "StockCode": pa.string(), "Description": pa.string(),
                "Quantity": pa.int64(), "InvoiceDate": pa.timestamp("us"),
                "UnitPrice": pa.float64(), "CustomerID": pa.int64(), "Country": pa.string()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--row-group", type=int, default=1_000_000)
    args = ap.parse_args()
    reader = pacsv.open_csv(
        args.input,
        read_options=pacsv.ReadOptions(block_size=16 << 20),
        convert_options=pacsv.ConvertOptions(column_types=COLUMN_TYPES,
                                             timestamp_parsers=["%Y-%m-%d %H:%M:%S"]))
    partial = args.output.with_name(args.output.name + ".partial")
    rows = groups = 0
    pending: list[pa.RecordBatch] = []
    with pq.ParquetWriter(partial, reader.schema) as writer:
        def flush() -> None:
            nonlocal groups
            if pending:
                table = pa.Table.from_batches(pending)
                writer.write_table(table, row_group_size=args.row_group)
                groups += -(-table.num_rows // args.row_group)
                pending.clear()
        buffered = 0
        for batch in reader:
            pending.append(batch)
            buffered += batch.num_rows
            rows += batch.num_rows
            while buffered >= args.row_group:
                table = pa.Table.from_batches(pending)
                head, tail = table.slice(0, args.row_group), table.slice(args.row_group)
                writer.write_table(head, row_group_size=args.row_group)
                groups += 1
                pending[:] = tail.to_batches()
                buffered = tail.num_rows
        flush()
    partial.replace(args.output)
    print(f"{args.output}: {rows:,} rows in {groups} row groups", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
