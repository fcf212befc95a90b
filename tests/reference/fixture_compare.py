"""Semantic comparison of committed reference fixtures with regenerated ones.

Used by the --check mode of every script in tests/reference/.  Those scripts are
deterministic on one machine, but numpy/BLAS/LAPACK results differ in their last
bits between processors (OpenBLAS picks its kernels per CPU: FMA or not, other
blocking, hence other rounding).  So a check must never compare bit patterns that
were produced on another machine; it compares values:

  * JSON: same structure (dict keys, list lengths, value types); strings, bools,
    None and integers (counts, sizes, n_iter, labels, indices) exactly; floats
    within a tolerance (below).  A "<name>_bits" field (hex u64 bit patterns of
    f64s, read by the Rust tests) is decoded and compared like a float, with the
    tolerance of <name>.  Within each file every "<name>_bits" field must also
    decode exactly to its "<name>" twin: both were written by one process on one
    machine, so that IS a same-machine, bit-exact property.
  * CSV: same header and number of rows and cells; cells that are integers
    compare exactly (as text: integer formatting is canonical), cells that are
    decimal floats compare within the tolerance, any other text exactly.
  * .xlsx: same sheets, dimensions and cell values (read with openpyxl; the zip
    container holds write times, so its bytes are never reproducible).
  * anything else: byte comparison.

Float tolerance: a and b match when |a - b| <= atol + rtol * max(|a|, |b|)
(NaN matches NaN only, an infinity only itself).  The defaults RTOL and ATOL are
below; a script can set another tolerance per field name (see Rules) where it
knows a computation is less accurate, and must say why where it does so.

Integers and labels stay exact.  Can last-bit differences change them?  Only at
a near-tie: KMeans' n_iter if the centre shift lands within rounding of tol, a
label if a point is equidistant (to rounding) from two centres, a merge order if
two linkage heights tie.  The generators assert margins against such ties where
it matters (see cluster_models.py); should a check ever fail on a label flip,
fix the case (move it away from the tie), do not loosen the comparison.

Versions ("sklearn_version", ...) are strings and compare exactly ON PURPOSE: the
fixtures document the pinned versions they were produced with
(scripts/requirements-dev.txt), and a newer library may legitimately change
values beyond any tolerance.  A mismatch means a stale .venv (re-run
scripts/setup-python.sh) or new pins (regenerate the fixtures); the message says so.

Machine-dependent diagnostics (wall-clock timings, a measured error) are not
expected values: the scripts name them in Rules.ignore, and they are skipped.
"""

from __future__ import annotations

import csv
import filecmp
import json
import math
import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

# Default float tolerance.  RTOL = 1e-9: the reference computations are a few
# numpy/BLAS/LAPACK calls deep and well conditioned, so two machines differ by
# ~1e-15 relative (observed between two x86-64 machines: up to 1.5e-13 in the
# scaled RFM features (log1p, standardisation), 2e-15 in PCA, 4e-16 in the
# KMeans metrics); 1e-9 leaves a wide margin while still catching any real
# change (a wrong formula, a different algorithm or library version moves values
# by far more).  It is also what the Rust metric tests allow against these
# fixtures (1e-9 relative).
RTOL = 1e-9
# ATOL = 1e-12: for values that are 0 in exact arithmetic and come out as
# rounding noise (the first Laplacian eigenvalue: 1.1e-16 on one machine,
# -1.5e-16 on another; a centred mean).  Eigenvalues are accurate to about
# eps * ||L|| in absolute terms, not relative ones (observed 2.7e-16 absolute =
# 1.9e-8 relative on an eigenvalue of 1.4e-8), which 1e-12 also covers.
ATOL = 1e-12

# Differences printed per file; the total count is always printed.  (The
# compare_* functions return all of them.)
MAX_REPORTED_PER_FILE = 50

BITS_SUFFIX = "_bits"
_HEX64 = re.compile(r"[0-9a-f]{16}")
_INT = re.compile(r"[+-]?\d+")
# what Python's repr / csv writers produce for a finite float, plus nan and inf
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(nan|inf)")


@dataclass(frozen=True)
class Tolerance:
    rtol: float = RTOL
    atol: float = ATOL

    def allows(self, a: float, b: float) -> bool:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if math.isinf(a) or math.isinf(b):
            return a == b
        return abs(a - b) <= self.atol + self.rtol * max(abs(a), abs(b))

    def __str__(self) -> str:
        return f"|a-b| <= {self.atol:g} + {self.rtol:g}*max(|a|,|b|)"


DEFAULT_TOLERANCE = Tolerance()


@dataclass(frozen=True)
class Rules:
    """How one script's fixtures are compared.

    ignore:     JSON keys / CSV columns that are machine-dependent diagnostics
                (not expected values); skipped wherever they occur, with
                everything beneath them.
    tolerances: JSON key / CSV column -> tolerance for that field, its
                "<name>_bits" twin and everything beneath it (default otherwise).
    """
    ignore: frozenset[str] = frozenset()
    tolerances: Mapping[str, Tolerance] = field(default_factory=dict)
    default: Tolerance = DEFAULT_TOLERANCE

    def tolerance_for(self, name: str | None, inherited: Tolerance) -> Tolerance:
        if name is None:
            return inherited
        base = name[: -len(BITS_SUFFIX)] if name.endswith(BITS_SUFFIX) else name
        return self.tolerances.get(base, inherited)


def bits_to_float(text: str) -> float:
    """f64 from its bit pattern as 16 lowercase hex digits (the fixtures' *_bits format)."""
    if not isinstance(text, str) or not _HEX64.fullmatch(text):
        raise ValueError(f"not a 16-digit hex f64 bit pattern: {text!r}")
    return struct.unpack("<d", struct.pack("<Q", int(text, 16)))[0]


def _describe(value) -> str:
    text = json.dumps(value) if not isinstance(value, float) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(value) -> str:
    # bool before int: bool is a subclass of int, but true is not 1 in a fixture
    for kind, types in (("bool", bool), ("int", int), ("float", float), ("string", str),
                        ("list", list), ("object", dict)):
        if isinstance(value, types):
            return kind
    return "null" if value is None else type(value).__name__


# --------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------

def compare_json_values(committed, regenerated, rules: Rules = Rules(), where: str = "") -> list[str]:
    """Differences between two parsed JSON documents, each as 'path: what'."""
    out: list[str] = []
    _compare_node(committed, regenerated, "$", None, rules.default, rules, out)
    for label, doc in (("committed", committed), ("regenerated", regenerated)):
        _check_bits_twins(doc, "$", rules, label, out)
    return [f"{where}{line}" for line in out]


def _element_path(path: str, index: int, element) -> str:
    # name the case in the path when it has a name: cases[5]{many_clusters}
    if isinstance(element, dict):
        tag = element.get("name", element.get("dataset"))
        if isinstance(tag, str):
            return f"{path}[{index}]{{{tag}}}"
    return f"{path}[{index}]"


def _compare_node(a, b, path, name, tolerance, rules, out):
    kind_a, kind_b = _kind(a), _kind(b)
    if name is not None and name.endswith(BITS_SUFFIX) and kind_a == kind_b == "string":
        _compare_bits(a, b, path, tolerance, out)
    elif kind_a != kind_b:
        out.append(f"{path}: committed {kind_a} {_describe(a)} vs regenerated "
                   f"{kind_b} {_describe(b)} (types differ)")
    elif kind_a == "object":
        for key in a.keys() - b.keys():
            if key not in rules.ignore:
                out.append(f"{path}.{key}: missing in the regenerated file "
                           f"(committed {_describe(a[key])})")
        for key in b.keys() - a.keys():
            if key not in rules.ignore:
                out.append(f"{path}.{key}: not in the committed file "
                           f"(regenerated {_describe(b[key])})")
        for key in a.keys() & b.keys():
            if key in rules.ignore:
                continue
            _compare_node(a[key], b[key], f"{path}.{key}", key,
                          rules.tolerance_for(key, tolerance), rules, out)
    elif kind_a == "list":
        if len(a) != len(b):
            out.append(f"{path}: committed has {len(a)} elements, regenerated {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            # list elements inherit the list's field name (so X_bits[3][1] is a bits field)
            _compare_node(x, y, _element_path(path, i, x), name, tolerance, rules, out)
    elif kind_a == "float":
        if not tolerance.allows(a, b):
            out.append(f"{path}: committed {a!r} vs regenerated {b!r}: |diff| = "
                       f"{abs(a - b):.3g}, tolerance {tolerance}")
    elif a != b:
        # strings, ints (counts, labels), bools, null: exact
        hint = ""
        if name is not None and name.endswith("_version"):
            hint = (" (library version differs from the one that produced the fixture: "
                    "re-run scripts/setup-python.sh, or regenerate the fixtures if the pins changed)")
        out.append(f"{path}: committed {_describe(a)} vs regenerated {_describe(b)} "
                   f"(exact {kind_a} comparison){hint}")


def _compare_bits(a: str, b: str, path, tolerance, out):
    try:
        x, y = bits_to_float(a), bits_to_float(b)
    except ValueError as e:
        out.append(f"{path}: {e}")
        return
    if not tolerance.allows(x, y):
        out.append(f"{path}: committed {a} ({x!r}) vs regenerated {b} ({y!r}): |diff| = "
                   f"{abs(x - y):.3g}, tolerance {tolerance}")


def _check_bits_twins(node, path, rules, label, out):
    """Each '<name>_bits' field must encode exactly the floats of '<name>' (same file)."""
    if isinstance(node, list):
        for i, element in enumerate(node):
            _check_bits_twins(element, _element_path(path, i, element), rules, label, out)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in rules.ignore:
            continue
        twin = key[: -len(BITS_SUFFIX)] if key.endswith(BITS_SUFFIX) else None
        if twin in node and twin not in rules.ignore:
            for sub_path, bits, number in _pairs(value, node[twin], f"{path}.{key}"):
                if bits is None:
                    out.append(f"{sub_path}: in the {label} file {key!r} and {twin!r} "
                               f"differ in shape")
                    continue
                try:
                    decoded = bits_to_float(bits)
                except ValueError as e:
                    out.append(f"{sub_path}: in the {label} file: {e}")
                    continue
                if not (isinstance(number, (int, float)) and not isinstance(number, bool)
                        and (decoded == number or (math.isnan(decoded) and math.isnan(number)))):
                    out.append(f"{sub_path}: in the {label} file the bits {bits} "
                               f"({decoded!r}) do not encode {twin!r} = {_describe(number)}")
        _check_bits_twins(value, f"{path}.{key}", rules, label, out)


def _pairs(bits, numbers, path):
    """(path, bits string, number) leaves of two parallel nested lists; bits None where
    their shapes differ."""
    if isinstance(bits, list) and isinstance(numbers, list) and len(bits) == len(numbers):
        for i, (x, y) in enumerate(zip(bits, numbers)):
            yield from _pairs(x, y, f"{path}[{i}]")
    elif isinstance(bits, list) or isinstance(numbers, list):
        yield path, None, numbers
    else:
        yield path, bits, numbers


def compare_json(committed: Path, regenerated: Path, rules: Rules = Rules()) -> list[str]:
    with open(committed, encoding="utf-8") as fh:
        a = json.load(fh)
    with open(regenerated, encoding="utf-8") as fh:
        b = json.load(fh)
    return compare_json_values(a, b, rules, where=f"{committed}: ")


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------

def compare_cells(a: str, b: str, tolerance: Tolerance) -> str | None:
    """None when two CSV cells match, else why not."""
    if a == b:
        return None
    if _INT.fullmatch(a) and _INT.fullmatch(b):
        return "exact integer comparison"
    if _FLOAT.fullmatch(a) and _FLOAT.fullmatch(b):
        if _INT.fullmatch(a) or _INT.fullmatch(b):
            return "integer vs float"
        x, y = float(a), float(b)
        if tolerance.allows(x, y):
            return None
        return f"|diff| = {abs(x - y):.3g}, tolerance {tolerance}"
    return "exact text comparison"


def compare_csv_rows(committed: list[list[str]], regenerated: list[list[str]],
                     rules: Rules = Rules(), where: str = "") -> list[str]:
    out: list[str] = []
    if not committed or not regenerated:
        if committed != regenerated:
            out.append(f"{where}one file is empty ({len(committed)} vs {len(regenerated)} lines)")
        return out
    header, header_b = committed[0], regenerated[0]
    if header != header_b:
        return [f"{where}header: committed {header} vs regenerated {header_b}"]
    rows_a, rows_b = committed[1:], regenerated[1:]
    if len(rows_a) != len(rows_b):
        out.append(f"{where}committed has {len(rows_a)} data rows, regenerated {len(rows_b)}")
    for number, (row_a, row_b) in enumerate(zip(rows_a, rows_b), start=1):
        # data row 1 is the line after the header; the first cell names the row (an id)
        row = f"row {number} [{header[0]}={row_a[0] if row_a else ''}]"
        if len(row_a) != len(row_b):
            out.append(f"{where}{row}: committed has {len(row_a)} cells, regenerated {len(row_b)}")
        for column, a, b in zip(header, row_a, row_b):
            if column in rules.ignore:
                continue
            tolerance = rules.tolerance_for(column, rules.default)
            why = compare_cells(a, b, tolerance)
            if why is not None:
                out.append(f"{where}{row} column {column!r}: committed {a!r} vs "
                           f"regenerated {b!r} ({why})")
    return out


def compare_csv(committed: Path, regenerated: Path, rules: Rules = Rules()) -> list[str]:
    def rows(path):
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.reader(fh))
    return compare_csv_rows(rows(committed), rows(regenerated), rules, where=f"{committed}: ")


# --------------------------------------------------------------------------
# xlsx
# --------------------------------------------------------------------------

def compare_xlsx(committed: Path, regenerated: Path, rules: Rules = Rules()) -> list[str]:
    from openpyxl import load_workbook  # only this comparison needs it
    where = f"{committed}: "
    book_a, book_b = load_workbook(committed), load_workbook(regenerated)
    if book_a.sheetnames != book_b.sheetnames:
        return [f"{where}sheets: committed {book_a.sheetnames} vs regenerated {book_b.sheetnames}"]
    out: list[str] = []
    for sheet in book_a.sheetnames:
        a, b = book_a[sheet], book_b[sheet]
        if (a.max_row, a.max_column) != (b.max_row, b.max_column):
            out.append(f"{where}sheet {sheet!r}: committed {a.max_row}x{a.max_column} cells, "
                       f"regenerated {b.max_row}x{b.max_column}")
            continue
        for row_a, row_b in zip(a.iter_rows(), b.iter_rows()):
            for cell_a, cell_b in zip(row_a, row_b):
                x, y = cell_a.value, cell_b.value
                is_float = isinstance(x, float) and isinstance(y, float)
                if (is_float and rules.default.allows(x, y)) or (
                        not is_float and type(x) is type(y) and x == y):
                    continue
                out.append(f"{where}sheet {sheet!r} cell {cell_a.coordinate}: committed "
                           f"{x!r} vs regenerated {y!r} ("
                           + (f"tolerance {rules.default}" if is_float else "exact comparison")
                           + ")")
    return out


# --------------------------------------------------------------------------
# files, directories, reporting
# --------------------------------------------------------------------------

def compare_file(committed: Path, regenerated: Path, rules: Rules = Rules()) -> list[str]:
    committed, regenerated = Path(committed), Path(regenerated)
    if not committed.exists():
        return [f"{committed}: missing (the committed fixture does not exist)"]
    if not regenerated.exists():
        return [f"{committed}: the script did not regenerate it ({regenerated})"]
    suffix = committed.suffix.lower()
    try:
        if suffix == ".json":
            return compare_json(committed, regenerated, rules)
        if suffix == ".csv":
            return compare_csv(committed, regenerated, rules)
        if suffix == ".xlsx":
            return compare_xlsx(committed, regenerated, rules)
    except (ValueError, UnicodeDecodeError, csv.Error) as e:  # e.g. malformed JSON
        return [f"{committed}: cannot be compared: {e}"]
    if filecmp.cmp(committed, regenerated, shallow=False):
        return []
    return [f"{committed}: bytes differ (no semantic comparison for {suffix or 'this'} files)"]


def compare_dirs(committed_dir: Path, regenerated_dir: Path, names: Iterable[str],
                 rules: Rules = Rules()) -> dict[str, list[str]]:
    """file name -> its differences, for the named files of two directories."""
    return {name: compare_file(Path(committed_dir) / name, Path(regenerated_dir) / name, rules)
            for name in sorted(names)}


def report(differences: Mapping[str, list[str]], rules: Rules = Rules()) -> int:
    """Prints the differences (stderr) or an ok line (stdout); returns the exit code."""
    failed = {name: lines for name, lines in differences.items() if lines}
    for name, lines in failed.items():
        print(f"fixture differs: {name}: {len(lines)} difference(s)", file=sys.stderr)
        for line in lines[:MAX_REPORTED_PER_FILE]:
            print(f"  {line}", file=sys.stderr)
        if len(lines) > MAX_REPORTED_PER_FILE:
            print(f"  ... and {len(lines) - MAX_REPORTED_PER_FILE} more", file=sys.stderr)
    notes = [f"floats {rules.default}"]
    notes += [f"{name}: {tol}" for name, tol in sorted(rules.tolerances.items())]
    if rules.ignore:
        notes.append(f"ignored: {', '.join(sorted(rules.ignore))}")
    if failed:
        print(f"FAILED: {len(failed)} of {len(differences)} fixture files differ "
              f"({'; '.join(notes)})", file=sys.stderr)
        return 1
    files = "1 fixture file matches" if len(differences) == 1 else \
        f"{len(differences)} fixture files match"
    print(f"ok: {files} ({'; '.join(notes)})")
    return 0
