"""pandas reference for `custseg view` (the customer single view): writes tests/fixtures/view/.

Re-run (from the repo root, after `bash scripts/setup-python.sh` and `cargo build --release`):

    .venv/bin/python tests/reference/customer_view.py            # (re)write the fixtures
    .venv/bin/python tests/reference/customer_view.py --check    # regenerate into a temp dir and
                                  # compare with the committed files (tolerances below)
    .venv/bin/python tests/reference/customer_view.py --binary PATH   # another custseg binary

The inputs are not committed: they are made by the custseg binary itself, found
like benches/rfm_bench.py finds it ($CARGO_TARGET_DIR/release/custseg, else
~/.cache/custseg/target/release/custseg; or --binary), with

    custseg generate supermarket --rows 20000 --seed 7 --output TMP/supermarket.csv
    custseg generate health      --rows 20000 --seed 7 --output TMP/health.csv

(the generators promise the same bytes for the same dataset, size and seed).
Files written to tests/fixtures/view/:
  supermarket_view.csv   the view of the supermarket file, dimensions
                         BASKET_DOMINANT_MISSION and STORE_FORMAT
  health_view.csv        the view of the health file, JSON baskets in product_json,
                         dimension location
  view_meta.json         per input: its sha256, rows read, rows kept, rows dropped
                         per reason, customers; the versions used.  A changed sha256
                         means the generator's output changed (regenerate the
                         fixtures on purpose, or fix the generator).
The script is deterministic: running it twice gives byte-identical files.

--check compares values with tests/reference/fixture_compare.py, like the other
reference scripts: integers (visits, items when whole, skus, tenure_days,
recency, row counts), dates, ids, dominant values and the sha256s exactly;
floats (spend, ticket_size, mean_days_between_visits, shares) within
|a-b| <= 1e-12 + 1e-12 max(|a|,|b|) (pandas' groupby sums are compensated
sums, the same on every machine to the last bits in practice; 1e-12 leaves
room for a different pandas summation order without hiding a real change).

The semantics live in this module and benches/view_pandas.py imports them
(read_input, clean, build_view, write_view), so the benchmark's pandas side and
these fixtures cannot drift apart.

Semantics (what `custseg view` must reproduce)
==============================================
Command lines:
    custseg view supermarket.csv --dimension BASKET_DOMINANT_MISSION \\
        --dimension STORE_FORMAT --output view.csv
    custseg view health.csv --basket-json product_json --dimension location --output view.csv

Schemas (column roles):
  supermarket  dunnhumby "Let's Get Sort-of-Real" layout: SHOP_WEEK, SHOP_DATE
               (YYYYMMDD), SHOP_WEEKDAY, SHOP_HOUR, QUANTITY, SPEND, PROD_CODE,
               PROD_CODE_10, PROD_CODE_20, PROD_CODE_30, PROD_CODE_40, CUST_CODE
               (empty for shoppers without a card), CUST_PRICE_SENSITIVITY,
               CUST_LIFESTAGE, BASKET_ID, BASKET_SIZE, BASKET_PRICE_SENSITIVITY,
               BASKET_TYPE, BASKET_DOMINANT_MISSION, STORE_CODE, STORE_FORMAT,
               STORE_REGION.  One row per line item.
               customer CUST_CODE, invoice (basket) BASKET_ID, date SHOP_DATE,
               amount SPEND, quantity QUANTITY, product PROD_CODE.
  health       transaction_id, location, member_id, product_json, total_amt,
               discount, paid_amt, payment_date (`YYYY-MM-DD HH:MM:SS`; some rows
               carry `DD/MM/YYYY HH:MM`, which is not year-first and so is an
               unparsable date).  One row per transaction.
               customer member_id, invoice transaction_id, date payment_date,
               amount total_amt (not paid_amt), no quantity column; products and
               quantities come from the JSON basket product_json.

Reading: every column as text (pd.read_csv(dtype=str, keep_default_na=False):
no value is turned into NaN by pandas), then:
  * ids (customer, invoice): surrounding whitespace trimmed; a whole number with
    a zero fraction ("17850.0") is the id "17850" (custseg's canonical_id);
    leading zeros are kept ("007" is not "7").
  * product and dimension values: trailing whitespace trimmed.
  * any value that is "" after trimming is null.

Cleaning (custseg's default rules).  Each row is dropped for the first reason
that applies, in custseg's order (the counts go to view_meta.json):
  missing_customer      customer id null
  missing_invoice       invoice id null
  cancellation          invoice id matches ^C[0-9]+$ (Online Retail's convention)
  unparsable_date       not a date in the file's layout (below)
  missing_date          date null
  date_out_of_range     calendar date before 1900-01-01 or after 2100-12-31
  unparsable_quantity   (quantity column only) not a number (below)
  missing_quantity      (quantity column only) null
  non_positive_quantity (quantity column only) <= 0
  unparsable_amount     not a number
  missing_amount        null
  non_positive_amount   <= 0
  amount_too_large      > 1e15
  basket_null, basket_invalid_json, basket_not_a_list, basket_empty,
  basket_product_without_id
                        (JSON baskets only, checked last) product_json null; not
                        valid JSON (NaN/Infinity literals count as invalid); valid
                        JSON but not a list; an empty list; an element that is not
                        an object or has no "product_id" (or a null one).
Duplicate rows are kept (custseg's default).

Date layouts: the layout custseg detects for these files, applied to every value
(trimmed):
  supermarket  compact YYYYMMDD: exactly 8 ASCII digits, a valid calendar date.
  health       year first: YYYY<s>M<s>D with <s> one of - / . (the same both
               times), month 1-2 digits, day 1-4 digits; optionally followed by
               "T" or " ", spaces, H:MM[:SS[.fraction of 1-9 digits]] with
               hour <= 23, minute <= 59, second <= 59.  A valid calendar date.
               (custseg also reads AM/PM and Z / +HH:MM offsets, converting to
               UTC; this reference counts those as unparsable.  The generated
               files never carry them.)  DD/MM/YYYY HH:MM is unparsable.
Only the calendar date of a transaction is used below.

Numbers (amount, quantity), custseg's reading of a comma-delimited file: the
trimmed text is a plain decimal ([+-]digits[.digits][e[+-]digits], also "5." and
".5"), finite; otherwise custseg's locale forms: "(12.5)" is -12.5; text made of
digits and + - . , ' and spaces only, where the later of "," and "." is the
decimal separator when both appear, a lone "," followed by exactly three digits
groups thousands ("1,234" is 1234) and any other lone "," is a decimal comma
("2,55" is 2.55), several "," group thousands; spaces and ' are dropped.
Anything else (letters, "inf", "nan") is unparsable.

JSON baskets (health): product_json holds e.g.
  [{"product_id": "HP0042", "name": "Omega-3", "quantity": 2}, ...]
A product id that is a JSON string is used as it is (not trimmed); any other JSON
value (a number) is used as its JSON text (42 -> "42").  A product's quantity is
used when it is a JSON number (not a boolean); when it is absent, null or any
other type the product is still a product (it counts for skus) but adds nothing
to items.  Products' quantities are not cleaned (0 or negative values are summed
as they are): the quantity rule applies to a quantity column only.

The view: one row per customer with at least one kept row.
Customer order: by customer id as a string (byte order), unless every id is a
whole number ([+-]digits that fits an i128), then numerically (ties, e.g. "007"
and "7", in order of first appearance).
Columns, in this order:
  customer_id
  visits        number of distinct invoice ids (BASKET_ID / transaction_id)
  spend         sum of the amount over the customer's rows (JSON baskets: each
                row's amount once, not once per product)
  ticket_size   spend / visits
  items         sum of the quantities (QUANTITY; JSON baskets: of the products'
                "quantity").  Written as an integer when every quantity in the
                kept data is a whole number, else as a float.
  skus          number of distinct product ids (PROD_CODE, nulls not counted;
                JSON baskets: distinct "product_id")
  first_purchase, last_purchase   calendar dates YYYY-MM-DD of the customer's
                first and last transaction
  tenure_days   (last_purchase - first_purchase) in days
  recency       (snapshot - last_purchase) in days, snapshot = the latest
                calendar date over all kept rows + 1 day
  mean_days_between_visits   tenure_days / (visits - 1) as a float; empty when
                visits == 1
  then for each dimension, in the order given:
    share_<dim>_<value>  for each distinct value of the dimension in the whole
                kept data, values in byte order of the raw value: the customer's
                spend in rows with that value / the customer's spend (0.0 when
                none).  A null value is the value "(missing)" (a raw
                "(missing)" would be the same value).
    dominant_<dim>       the raw value (or "(missing)") with the largest spend among
                the values in the customer's rows (custseg::dominant); ties to the first value in byte order, and sums within
                TIE = 1e-9 relative of the largest count as ties (custseg splits a
                basket's amount over its products, so two equal baskets can sum a
                rounding apart).
Column names: <dim> and <value> sanitised: every alphanumeric character
(Unicode; Python's str.isalnum, which differs from Rust's char::is_alphanumeric
only for rare marks and numerals) lowercased, every other character "_"; runs of
"_" collapse to one; leading and trailing "_" are removed; an empty result is
"blank".  Two values of one dimension that sanitise alike ("A-B", "a b"): the
later in byte order gets the first free suffix _2, _3, ... ("share_x_a_b_2").
A column name taken twice otherwise (by two dimensions, or a fixed column) is
an error.
Sums are pandas' groupby sums of the f64 amounts (compensated summation);
shares are the per-value sums divided by the spend column.  A dominant value
decided by a near-tie (two sums within 1e-9 relative, or equal here but not in
exact arithmetic) would depend on summation order: the generator reports any.

Output CSV: header as above, comma-delimited, "\\n" line ends, minimal quoting;
floats with Python repr (shortest round-trip), integers plain, dates
YYYY-MM-DD, null (mean_days_between_visits of a one-visit customer) empty.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

TIE = 1e-9  # custseg's customer_view::TIE

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in tests/reference from the import below
from fixture_compare import Rules, Tolerance, compare_dirs, report  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "tests" / "fixtures" / "view"
ROWS, SEED = 20_000, 7
META_JSON = "view_meta.json"
# --check: floats within 1e-12 + 1e-12 max(|a|,|b|) (see the docstring); the rest exactly
CHECK_RULES = Rules(default=Tolerance(rtol=1e-12, atol=1e-12))

MISSING = "(missing)"
EARLIEST, LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31")
MAX_AMOUNT = 1e15
CANCELLATION = r"C[0-9]+"  # fullmatch, i.e. ^C[0-9]+$
ZERO_FRACTION_ID = r"^([0-9]+)\.0+$"
PLAIN_NUMBER = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
WHOLE_NUMBER = r"[+-]?[0-9]+"
COMPACT_DATE = r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"
_TIME = (r"(?:[T ] *(?P<H>[0-9]{1,2}):(?P<M>[0-9]{1,2})"
         r"(?::(?P<S>[0-9]{1,2})(?:[.,][0-9]{1,9})?)? *)?")
STRICT_FORMATS = {
    "compact": (r"[0-9]{8}", "%Y%m%d"),
    "year_first": (r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", "%Y-%m-%d %H:%M:%S"),
}
YEAR_FIRST_DATE = (r"(?P<y>[0-9]{4})(?:-(?P<m1>[0-9]{1,2})-(?P<d1>[0-9]{1,4})"
                   r"|/(?P<m2>[0-9]{1,2})/(?P<d2>[0-9]{1,4})"
                   r"|\.(?P<m3>[0-9]{1,2})\.(?P<d3>[0-9]{1,4}))" + _TIME)

# drop reasons, in the order custseg checks them
REASONS = [
    "missing_customer", "missing_invoice", "cancellation", "unparsable_date", "missing_date",
    "date_out_of_range", "unparsable_quantity", "missing_quantity", "non_positive_quantity",
    "unparsable_amount", "missing_amount", "non_positive_amount", "amount_too_large",
    "basket_null", "basket_invalid_json", "basket_not_a_list", "basket_empty",
    "basket_product_without_id",
]


@dataclass(frozen=True)
class Schema:
    name: str
    customer: str
    invoice: str
    date: str
    date_layout: str  # "compact" or "year_first"
    amount: str
    quantity: str | None
    product: str | None
    basket_json: str | None
    dimensions: tuple[str, ...]
    columns: tuple[str, ...] = field(default=())  # the file's header, checked when given


SCHEMAS = {
    "supermarket": Schema(
        name="supermarket", customer="CUST_CODE", invoice="BASKET_ID", date="SHOP_DATE",
        date_layout="compact", amount="SPEND", quantity="QUANTITY", product="PROD_CODE",
        basket_json=None, dimensions=("BASKET_DOMINANT_MISSION", "STORE_FORMAT"),
        columns=("SHOP_WEEK", "SHOP_DATE", "SHOP_WEEKDAY", "SHOP_HOUR", "QUANTITY", "SPEND",
                 "PROD_CODE", "PROD_CODE_10", "PROD_CODE_20", "PROD_CODE_30", "PROD_CODE_40",
                 "CUST_CODE", "CUST_PRICE_SENSITIVITY", "CUST_LIFESTAGE", "BASKET_ID",
                 "BASKET_SIZE", "BASKET_PRICE_SENSITIVITY", "BASKET_TYPE",
                 "BASKET_DOMINANT_MISSION", "STORE_CODE", "STORE_FORMAT", "STORE_REGION")),
    "health": Schema(
        name="health", customer="member_id", invoice="transaction_id", date="payment_date",
        date_layout="year_first", amount="total_amt", quantity=None, product=None,
        basket_json="product_json", dimensions=("location",),
        columns=("transaction_id", "location", "member_id", "product_json", "total_amt",
                 "discount", "paid_amt", "payment_date")),
}


# --------------------------------------------------------------------------
# reading values
# --------------------------------------------------------------------------

def read_input(path: Path) -> pd.DataFrame:
    """Every column as text; pandas turns no value into NaN (empty stays "")."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")


def _parse_plain(text: str) -> float | None:
    if re.fullmatch(PLAIN_NUMBER, text):
        value = float(text)
        return value if math.isfinite(value) else None
    return None


def parse_locale_number(text: str) -> float | None:
    """custseg's parse_number_with(text, CommaReading::Thousands) (src/data/numbers.rs) for a
    value that is not a plain decimal: accounting negatives and separators."""
    text = text.strip()
    if re.fullmatch(PLAIN_NUMBER, text) or re.fullmatch(r"(?i)[+-]?(inf|infinity|nan)", text):
        return _parse_plain(text)  # Rust's f64 parse succeeds: finite or nothing
    if len(text) >= 2 and text[0] == "(" and text[-1] == ")":
        inner = parse_locale_number(text[1:-1])
        return None if inner is None else -inner
    if not text or any(ch not in "0123456789+-.,' " for ch in text):
        return None
    comma, dot = text.rfind(","), text.rfind(".")
    drop = lambda s, chars: "".join(ch for ch in s if ch not in chars)  # noqa: E731
    if comma >= 0 and dot >= 0:
        if comma > dot:
            cleaned = drop(text, ". '").replace(",", ".")
        else:
            cleaned = drop(text, ", '")
    elif comma >= 0:
        groups_thousands = len(text) - comma == 4 and text[comma + 1:].isdigit()
        if text.count(",") > 1 or groups_thousands:
            cleaned = drop(text, ", '")
        else:
            cleaned = drop(text.replace(",", "."), " '")
    else:
        cleaned = drop(text, " '")
    return _parse_plain(cleaned)


def parse_numbers(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(values as float64 with NaN where none, missing mask, unparsable mask)."""
    text = raw.str.strip()
    missing = text == ""
    plain = text.str.fullmatch(PLAIN_NUMBER)
    values = text.where(plain).astype("float64")
    values = values.where(np.isfinite(values))  # 1e999 is not a number for custseg
    rest = ~missing & values.isna()
    if rest.any():
        values.loc[rest] = [np.nan if v is None else v
                            for v in map(parse_locale_number, text[rest].tolist())]
    return values, missing, ~missing & values.isna()


def parse_days(raw: pd.Series, layout: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(calendar dates as datetime64 with NaT where none, missing mask, unparsable mask)."""
    text = raw.str.strip()
    missing = text == ""
    # The layouts the generators write go through to_datetime with a format (fast, strict:
    # %H <= 23, %M and %S <= 59, a calendar date); other values of the layout field by field.
    strict, fmt = STRICT_FORMATS[layout]
    fast = text.str.fullmatch(strict)
    days = pd.to_datetime(text.where(fast), format=fmt, errors="coerce")
    rest = ~missing & ~fast
    if rest.any():
        days.loc[rest] = _parse_days_by_fields(text[rest], layout)
    return days.dt.normalize(), missing, ~missing & days.isna()


def _parse_days_by_fields(text: pd.Series, layout: str) -> pd.Series:
    pattern = COMPACT_DATE if layout == "compact" else YEAR_FIRST_DATE
    parts = text.str.extract(f"^{pattern}$")
    num = lambda name: pd.to_numeric(parts[name], errors="coerce")  # noqa: E731
    if layout == "compact":
        year, month, day = num("y"), num("m"), num("d")
        time_ok = pd.Series(True, index=text.index)
    else:
        year = num("y")
        month = num("m1").fillna(num("m2")).fillna(num("m3"))
        day = num("d1").fillna(num("d2")).fillna(num("d3"))
        hour, minute, second = num("H"), num("M"), num("S")
        time_ok = ((hour.isna() | (hour <= 23)) & (minute.isna() | (minute <= 59))
                   & (second.isna() | (second <= 59)))
    matched = year.notna() & month.notna() & day.notna() & time_ok
    # calendar validity (2023-02-30 is no date): NaT where the fields make no date
    fields = pd.DataFrame({"year": year.where(matched, 2000), "month": month.where(matched, 1),
                           "day": day.where(matched, 1)}).astype("int64")
    return pd.to_datetime(fields, errors="coerce").where(matched)


def canonical_ids(raw: pd.Series) -> pd.Series:
    return raw.str.strip().str.replace(ZERO_FRACTION_ID, r"\1", regex=True)


def _no_constants(name):
    raise ValueError(f"non-standard JSON constant {name}")


_JSON = json.JSONDecoder(parse_constant=_no_constants)  # NaN, Infinity: invalid JSON


def parse_basket(text: str):
    """The products of one JSON basket as [(product_id, quantity or NaN)], or why the row is
    dropped (a reason of REASONS)."""
    try:
        products = _JSON.decode(text)
    except ValueError:
        return "basket_invalid_json"
    if type(products) is not list:
        return "basket_not_a_list"
    if not products:
        return "basket_empty"
    out = []
    for product in products:
        pid = product.get("product_id") if type(product) is dict else None
        if pid is None:
            return "basket_product_without_id"
        qty = product.get("quantity")
        # type() rather than isinstance: a JSON true is a bool, which is an int subclass
        out.append((pid if type(pid) is str else json.dumps(pid),
                    float(qty) if type(qty) in (int, float) else math.nan))
    return out


# --------------------------------------------------------------------------
# cleaning
# --------------------------------------------------------------------------

@dataclass
class Cleaned:
    """Kept rows (one per input row) and line items (one per product) with their customer."""
    rows: pd.DataFrame   # customer, invoice, day, amount, one column per dimension
    lines: pd.DataFrame  # customer, product, quantity
    rows_read: int
    dropped: dict[str, int]


def clean(raw: pd.DataFrame, schema: Schema) -> Cleaned:
    if schema.columns and tuple(raw.columns) != schema.columns:
        raise ValueError(f"{schema.name}: columns {list(raw.columns)}, expected "
                         f"{list(schema.columns)}")
    n = len(raw)
    reason = pd.Series(pd.NA, index=raw.index, dtype="object")

    def flag(name: str, mask: pd.Series):
        reason.loc[reason.isna() & mask] = name

    customer = canonical_ids(raw[schema.customer])
    invoice = canonical_ids(raw[schema.invoice])
    flag("missing_customer", customer == "")
    flag("missing_invoice", invoice == "")
    flag("cancellation", invoice.str.fullmatch(CANCELLATION))
    days, missing, unparsable = parse_days(raw[schema.date], schema.date_layout)
    flag("unparsable_date", unparsable)
    flag("missing_date", missing)
    flag("date_out_of_range", (days < EARLIEST) | (days > LATEST))
    quantity = None
    if schema.quantity is not None:
        quantity, missing, unparsable = parse_numbers(raw[schema.quantity])
        flag("unparsable_quantity", unparsable)
        flag("missing_quantity", missing)
        flag("non_positive_quantity", quantity <= 0)
    amount, missing, unparsable = parse_numbers(raw[schema.amount])
    flag("unparsable_amount", unparsable)
    flag("missing_amount", missing)
    flag("non_positive_amount", amount <= 0)
    flag("amount_too_large", amount > MAX_AMOUNT)

    baskets = None
    if schema.basket_json is not None:
        text = raw[schema.basket_json]
        candidates = reason.isna()
        flag("basket_null", candidates & (text.str.strip() == ""))
        todo = reason.isna()
        # json.loads per row: what a pandas user does with a JSON column
        parsed = pd.Series([parse_basket(t) for t in text[todo].tolist()],
                           index=text.index[todo], dtype="object")
        failed = parsed.map(lambda p: isinstance(p, str))
        reason.loc[parsed.index[failed]] = parsed[failed]
        baskets = parsed[~failed]

    keep = reason.isna()
    rows = pd.DataFrame({
        "customer": customer[keep],
        "invoice": invoice[keep],
        "day": days[keep],
        "amount": amount[keep],
    })
    for dim in schema.dimensions:
        values = raw.loc[keep, dim].str.rstrip()
        rows[dim] = values.where(values != "", MISSING)
    if baskets is not None:
        exploded = pd.DataFrame({"customer": rows["customer"], "products": baskets}).explode(
            "products")
        lines = pd.DataFrame({
            "customer": exploded["customer"],
            "product": exploded["products"].str[0].astype(str),
            "quantity": exploded["products"].str[1].astype("float64"),
        })
    else:
        product = raw.loc[keep, schema.product].str.rstrip()
        lines = pd.DataFrame({"customer": rows["customer"],
                              "product": product.where(product != ""),
                              "quantity": quantity[keep]})
    counts = reason.value_counts()
    dropped = {r: int(counts.get(r, 0)) for r in REASONS}
    assert sum(dropped.values()) + len(rows) == n
    return Cleaned(rows=rows.reset_index(drop=True), lines=lines.reset_index(drop=True),
                   rows_read=n, dropped=dropped)


# --------------------------------------------------------------------------
# the view
# --------------------------------------------------------------------------

def sanitize(name: str) -> str:
    """Column-safe name: each alphanumeric character lowercased, any other one "_"; runs of
    "_" collapsed, ends trimmed; "blank" when nothing is left."""
    text = "".join(ch.lower() if ch.isalnum() else "_" for ch in name)
    return re.sub(r"_+", "_", text).strip("_") or "blank"


def share_columns(dim: str, values: list[str]) -> list[str]:
    """share_<dim>_<value> for values in byte order; a name an earlier value of the same
    dimension already took gets the first free suffix _2, _3, ..."""
    names: list[str] = []
    for value in values:
        base = f"share_{sanitize(dim)}_{sanitize(value)}"
        name, suffix = base, 2
        while name in names:
            name, suffix = f"{base}_{suffix}", suffix + 1
        names.append(name)
    return names


def customer_order(ids: list[str]) -> list[str]:
    """ids (distinct, in order of first appearance) in custseg's customer order."""
    numeric = all(re.fullmatch(WHOLE_NUMBER, i) and -(2**127) <= int(i) < 2**127 for i in ids)
    return sorted(ids, key=int) if numeric else sorted(ids)


def build_view(cleaned: Cleaned, schema: Schema) -> pd.DataFrame:
    rows, lines = cleaned.rows, cleaned.lines
    order = customer_order(pd.unique(rows["customer"]).tolist())
    g = rows.groupby("customer", sort=False)
    view = pd.DataFrame(index=pd.Index(order, name="customer_id"))
    view["visits"] = g["invoice"].nunique().reindex(order).astype("int64")
    view["spend"] = g["amount"].sum().reindex(order)
    view["ticket_size"] = view["spend"] / view["visits"]
    gl = lines.groupby("customer", sort=False)
    items = gl["quantity"].sum(min_count=0).reindex(order).fillna(0.0)
    quantities = lines["quantity"].dropna()
    whole = bool((quantities == np.floor(quantities)).all()) and bool(
        (quantities.abs() < 2**53).all())
    view["items"] = items.astype("int64") if whole else items
    view["skus"] = gl["product"].nunique().reindex(order).fillna(0).astype("int64")
    first = g["day"].min().reindex(order)
    last = g["day"].max().reindex(order)
    view["first_purchase"] = first
    view["last_purchase"] = last
    view["tenure_days"] = (last - first).dt.days.astype("int64")
    snapshot = rows["day"].max() + pd.Timedelta(days=1)
    view["recency"] = (snapshot - last).dt.days.astype("int64")
    view["mean_days_between_visits"] = (view["tenure_days"] / (view["visits"] - 1)).where(
        view["visits"] > 1)
    names = set(view.columns) | {"customer_id"}
    for dim in schema.dimensions:
        values = sorted(rows[dim].unique().tolist())  # byte order (code points = UTF-8 bytes)
        # NaN where the customer has no row with the value: such a value is never dominant
        by_value = (rows.groupby(["customer", dim], sort=False)["amount"].sum()
                    .unstack(dim).reindex(index=order, columns=values))
        shares = by_value.fillna(0.0).div(view["spend"], axis=0)
        columns = share_columns(dim, values)
        dominant = f"dominant_{sanitize(dim)}"
        clash = [c for c in columns + [dominant] if c in names]
        if clash:
            raise ValueError(f"dimension {dim!r}: column names {sorted(set(clash))} are taken "
                             "by an earlier column")
        names.update(columns + [dominant])
        for column, value in zip(columns, values):
            view[column] = shares[value]
        # the first column (byte order) within TIE relative of the maximum of the values bought
        # (NaN compares False): a near-tie is a tie
        most = by_value.max(axis=1)
        within = by_value.ge(most - TIE * most.abs(), axis=0)
        view[dominant] = within.idxmax(axis=1)
    return view


def _cell(value) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if math.isnan(value) else repr(float(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def write_view(view: pd.DataFrame, path: Path):
    """pandas' to_csv: floats as numpy's shortest round-trip repr (Python's repr), NaN as "",
    dates (all at midnight) as YYYY-MM-DD; view_of checks this against view_text."""
    view.to_csv(path, lineterminator="\n", encoding="utf-8")


def view_text(view: pd.DataFrame) -> str:
    """The output format written cell by cell, as the docstring states it."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(["customer_id"] + list(view.columns))
    columns = [view.index.tolist()] + [
        [_cell(v) for v in view[c].astype(object).tolist()] for c in view.columns]
    w.writerows(zip(*columns))
    return buf.getvalue()


# --------------------------------------------------------------------------
# reference-only checks (not part of the semantics)
# --------------------------------------------------------------------------

def check_number_parsing(raw: pd.DataFrame, column: str):
    """The vectorised float parse gives the correctly rounded f64 of every plain number."""
    texts = raw[column].str.strip()
    values, _, _ = parse_numbers(raw[column])
    ok = values.notna() & texts.str.fullmatch(PLAIN_NUMBER)
    bad = [(t, v) for t, v in zip(texts[ok], values[ok]) if float(t) != v]
    assert not bad, f"{column}: float parse differs from Python's float(): {bad[:5]}"


def fragile_dominants(cleaned: Cleaned, schema: Schema) -> list[tuple[str, str]]:
    """Customers whose dominant value may depend on summation order: the top two of pandas'
    sums are within 1e-9 relative but differ, or they tie and the dominant value is not the
    same under file-order (naive) sums, correctly rounded sums (math.fsum) and exact sums."""
    rows = cleaned.rows
    out = []

    def dominant(sums: dict) -> str:  # the largest; ties to the first value in byte order
        return min(sums, key=lambda v: (-sums[v], v))

    for dim in schema.dimensions:
        sums = rows.groupby(["customer", dim])["amount"].sum()
        for customer, group in sums.groupby(level=0, sort=False):
            top = group.sort_values(ascending=False, kind="stable")
            if len(top) < 2:
                continue
            a, b = float(top.iloc[0]), float(top.iloc[1])
            if a != b and a - b > 1e-9 * abs(a):
                continue
            amounts = {}
            for value, amount in rows.loc[rows["customer"] == customer, [dim, "amount"]] \
                    .itertuples(index=False):
                amounts.setdefault(value, []).append(float(amount))
            winners = {dominant({v: sum(x) for v, x in amounts.items()}),
                       dominant({v: math.fsum(x) for v, x in amounts.items()}),
                       dominant({v: sum(map(Fraction, x)) for v, x in amounts.items()}),
                       dominant({v[1]: float(x) for v, x in group.items()})}
            if a != b or len(winners) > 1:
                out.append((customer, f"{customer} ({dim}: {top.index[0][1]} {a!r} vs "
                                      f"{top.index[1][1]} {b!r})"))
    return out


def direct_view(cleaned: Cleaned, schema: Schema) -> dict[str, dict]:
    """The view again, from the cleaned rows, with plain Python loops and math.fsum (a
    cross-check of the pandas code: customer -> column -> value, floats as float, null None)."""
    per = {}
    for customer, invoice, day, amount, *dims in cleaned.rows.itertuples(index=False):
        c = per.setdefault(customer, {"invoices": set(), "amounts": [], "days": [],
                                      "dims": [{} for _ in schema.dimensions]})
        c["invoices"].add(invoice)
        c["amounts"].append(float(amount))
        c["days"].append(day)
        for sums, value in zip(c["dims"], dims):
            sums.setdefault(value, []).append(float(amount))
    quantities, products = {}, {}
    for customer, product, quantity in cleaned.lines.itertuples(index=False):
        if not (isinstance(quantity, float) and math.isnan(quantity)):
            quantities.setdefault(customer, []).append(float(quantity))
        if isinstance(product, str):
            products.setdefault(customer, set()).add(product)
    snapshot = max(d for c in per.values() for d in c["days"]) + pd.Timedelta(days=1)
    values = [sorted({v for c in per.values() for v in c["dims"][i]})
              for i in range(len(schema.dimensions))]
    out = {}
    for customer, c in per.items():
        spend = math.fsum(c["amounts"])
        visits = len(c["invoices"])
        first, last = min(c["days"]), max(c["days"])
        row = {"visits": visits, "spend": spend, "ticket_size": spend / visits,
               "items": math.fsum(quantities.get(customer, [])),
               "skus": len(products.get(customer, ())),
               "first_purchase": first.strftime("%Y-%m-%d"),
               "last_purchase": last.strftime("%Y-%m-%d"),
               "tenure_days": (last - first).days, "recency": (snapshot - last).days,
               "mean_days_between_visits": (last - first).days / (visits - 1) if visits > 1
               else None}
        for dim, dim_values, sums in zip(schema.dimensions, values, c["dims"]):
            totals = {v: math.fsum(sums.get(v, [])) for v in dim_values}
            for v, column in zip(dim_values, share_columns(dim, dim_values)):
                row[column] = totals[v] / spend
            bought = [v for v in dim_values if v in sums]
            most = max(totals[v] for v in bought)
            row[f"dominant_{sanitize(dim)}"] = next(
                v for v in bought if totals[v] >= most - TIE * abs(most))
        out[customer] = row
    return out


def check_against_direct(view: pd.DataFrame, cleaned: Cleaned, schema: Schema,
                         fragile: set[str]):
    direct = direct_view(cleaned, schema)
    assert list(view.index) == customer_order(list(direct)), "customers or their order differ"
    tolerance = Tolerance(rtol=1e-12, atol=1e-12)
    for customer, want in direct.items():
        got = view.loc[customer]
        assert list(want) == list(view.columns), (list(want), list(view.columns))
        for column, w in want.items():
            g = got[column]
            if column.startswith("dominant_") and customer in fragile:
                continue
            if isinstance(g, pd.Timestamp):
                g = g.strftime("%Y-%m-%d")
            if w is None:
                assert isinstance(g, float) and math.isnan(g), (customer, column, g)
            elif isinstance(w, float):
                assert tolerance.allows(float(g), w), (customer, column, g, w)
            else:
                assert g == w, (customer, column, g, w)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def default_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "custseg" / "target"))
    return target / "release" / "custseg"


def generate_input(binary: Path, dataset: str, out: Path):
    cmd = [str(binary), "generate", dataset, "--rows", str(ROWS), "--seed", str(SEED),
           "--output", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not out.exists():
        sys.exit(f"error: `{' '.join(cmd)}` failed (exit {proc.returncode}):\n{proc.stderr}")


def view_of(path: Path, schema: Schema, out: Path, verbose: bool) -> dict:
    raw = read_input(path)
    cleaned = clean(raw, schema)
    for column in (schema.amount, schema.quantity):
        if column is not None:
            check_number_parsing(raw, column)
    view = build_view(cleaned, schema)
    write_view(view, out)
    assert out.read_text(encoding="utf-8") == view_text(view), "to_csv departs from the format"
    fragile = fragile_dominants(cleaned, schema)
    check_against_direct(view, cleaned, schema, {customer for customer, _ in fragile})
    if fragile:
        print(f"warning: {schema.name}: {len(fragile)} dominant value(s) decided by a near-tie "
              f"(depend on summation order): {[what for _, what in fragile[:10]]}",
              file=sys.stderr)
    invoices = cleaned.rows["invoice"]
    if schema.basket_json is not None and invoices.duplicated().any():
        print(f"warning: {schema.name}: {int(invoices.duplicated().sum())} kept rows repeat a "
              "transaction_id: 'each transaction's amount once' is read as each ROW's amount "
              "once here", file=sys.stderr)
    if verbose:
        print(f"{schema.name}: {cleaned.rows_read} rows, {len(cleaned.rows)} kept, "
              f"{len(view)} customers, {len(view.columns) + 1} columns; dropped "
              f"{ {k: v for k, v in cleaned.dropped.items() if v} }")
    return {"input": path.name, "input_sha256": sha256(path), "rows_read": cleaned.rows_read,
            "rows_kept": len(cleaned.rows), "dropped": cleaned.dropped,
            "customers": len(view), "columns": ["customer_id"] + list(view.columns)}


def generate(out_dir: Path, binary: Path, verbose: bool = True):
    if not binary.is_file():
        sys.exit(f"error: no custseg binary at {binary}. Build it first (cargo build --release; "
                 "set CARGO_TARGET_DIR if your target directory is elsewhere) or pass "
                 "--binary PATH. The inputs of these fixtures are made by "
                 "`custseg generate`.")
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {"pandas_version": pd.__version__, "numpy_version": np.__version__,
            "generate": {"rows": ROWS, "seed": SEED}, "views": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("supermarket", "health"):
            path = Path(tmp) / f"{name}.csv"
            generate_input(binary, name, path)
            meta["views"][name] = view_of(path, SCHEMAS[name], out_dir / f"{name}_view.csv",
                                          verbose)
    with open(out_dir / META_JSON, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(meta, fh, indent=2, ensure_ascii=False)
        fh.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with the committed fixtures "
                         "(values within tolerances)")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--binary", type=Path, default=default_binary(),
                    help="the custseg binary that generates the inputs (default: %(default)s)")
    args = ap.parse_args()
    if not args.check:
        generate(args.out, args.binary)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), args.binary, verbose=False)
        names = [p.name for p in Path(tmp).iterdir()]
        return report(compare_dirs(args.out, tmp, names, CHECK_RULES), CHECK_RULES)


if __name__ == "__main__":
    sys.exit(main())
