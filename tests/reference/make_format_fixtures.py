"""Writes the small Excel fixture used by tests/loading.rs.

The workbook holds the first 40 data rows of tests/fixtures/parity/ties_transactions.csv on a
sheet named "Orders" (a second sheet "Notes" comes first, so the test must select the sheet),
with InvoiceDate as real Excel date cells and CustomerID as numbers, as Excel users have them.

    .venv/bin/python tests/reference/make_format_fixtures.py
"""
import csv
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

REPO = Path(__file__).resolve().parents[2]
rows = list(csv.reader(open(REPO / "tests/fixtures/parity/ties_transactions.csv", encoding="utf-8")))
header, body = rows[0], rows[1:41]
wb = Workbook()
notes = wb.active
notes.title = "Notes"
notes["A1"] = "Exported orders; see the Orders sheet."
ws = wb.create_sheet("Orders")
ws.append(header)
for r in body:
    out = []
    for name, value in zip(header, r):
        if value == "":
            out.append(None)
        elif name == "InvoiceDate":
            out.append(datetime.strptime(value, "%Y-%m-%d %H:%M:%S"))
        elif name in ("Quantity", "UnitPrice", "CustomerID"):
            out.append(float(value) if "." in value else int(value))
        else:
            out.append(value)
    ws.append(out)
# Fixed metadata so the file is reproducible byte for byte where openpyxl allows it.
wb.properties.created = datetime(2026, 1, 1)
wb.properties.modified = datetime(2026, 1, 1)
wb.save(REPO / "tests/fixtures/formats/orders.xlsx")
