"""Writes the small Excel fixture used by tests/loading.rs.

The workbook holds the first 40 data rows of tests/fixtures/parity/ties_transactions.csv on a
sheet named "Orders" (a second sheet "Notes" comes first, so the test must select the sheet),
with InvoiceDate as real Excel date cells and CustomerID as numbers, as Excel users have them.

    .venv/bin/python tests/reference/make_format_fixtures.py           # (re)write orders.xlsx
    .venv/bin/python tests/reference/make_format_fixtures.py --check   # regenerate into a temp
                                                   # dir and compare with the committed file

--check compares the workbooks cell by cell (tests/reference/fixture_compare.py: same sheets in
the same order, same dimensions, strings, integers and dates exactly, floats within the default
tolerance), not byte for byte: an .xlsx is a zip archive whose entries carry the time they were
written, so its bytes are never reproducible.  No value here is computed (the floats are the
CSV's decimal prices, parsed), so in practice every cell matches exactly.
"""
import argparse
import csv
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in tests/reference from the import below
from fixture_compare import Rules, compare_dirs, report  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "tests/fixtures/parity/ties_transactions.csv"
OUT_DIR = REPO / "tests/fixtures/formats"
OUT_NAME = "orders.xlsx"
CHECK_RULES = Rules()


def generate(out_dir: Path):
    with open(SOURCE, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
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
    out_dir.mkdir(parents=True, exist_ok=True)
    wb.save(out_dir / OUT_NAME)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with the committed fixture "
                         "cell by cell")
    args = ap.parse_args()
    if not args.check:
        generate(OUT_DIR)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        return report(compare_dirs(OUT_DIR, tmp, [OUT_NAME], CHECK_RULES), CHECK_RULES)


if __name__ == "__main__":
    sys.exit(main())
