"""Self-test of fixture_compare.py, the comparator behind every reference script's --check.

    .venv/bin/python tests/reference/test_fixture_compare.py

Each test states what must pass (last-bit float differences, a bits field one ulp off,
ignored diagnostics) and what must fail (a float off by 1e-6 relative, a changed integer,
label or string, a missing key, ...).  The last tests perturb copies of committed fixtures
in a temp dir (never the repo's files).  Exits non-zero if any test fails.
"""
from __future__ import annotations

import copy
import json
import math
import shutil
import struct
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in tests/reference from the import below
import fixture_compare as fc  # noqa: E402
from fixture_compare import Rules, Tolerance  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def bits_of(x: float) -> str:
    return format(struct.unpack("<Q", struct.pack("<d", x))[0], "016x")


def ulps(x: float, n: int) -> float:
    """x moved by n units in the last place (n < 0: downwards)."""
    for _ in range(abs(n)):
        x = math.nextafter(x, math.inf if n > 0 else -math.inf)
    return x


def json_diffs(a, b, rules=Rules()):
    return fc.compare_json_values(a, b, rules)


def passes(a, b, rules=Rules()):
    diffs = json_diffs(a, b, rules)
    assert diffs == [], diffs


def fails(a, b, rules=Rules(), mentioning=()):
    diffs = json_diffs(a, b, rules)
    assert diffs, f"expected a difference between {a!r} and {b!r}"
    for text in mentioning:
        assert any(text in d for d in diffs), (text, diffs)
    return diffs


SAMPLE = {
    "sklearn_version": "1.9.1",
    "cases": [{
        "name": "two_clusters", "n": 3, "labels": [0, 1, 1], "flag": True,
        "score": 0.8040267818637071, "score_bits": bits_of(0.8040267818637071),
        "X": [[0.1, 2.5], [1e-3, -4.0]], "X_bits": [[bits_of(0.1), bits_of(2.5)],
                                                  [bits_of(1e-3), bits_of(-4.0)]],
        "knee": None,
    }],
    "timing": {"total_s": 3.9},
}


def sample():
    return copy.deepcopy(SAMPLE)


def set_score(doc, value):
    doc["cases"][0]["score"] = value
    doc["cases"][0]["score_bits"] = bits_of(value)


# --------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------

@test
def identical_json_passes():
    passes(sample(), sample())


@test
def float_differing_in_last_bits_passes():
    for n in (1, -1, 4, -64):
        doc = sample()
        set_score(doc, ulps(SAMPLE["cases"][0]["score"], n))
        passes(SAMPLE, doc)


@test
def float_differing_by_1e6_relative_fails():
    doc = sample()
    set_score(doc, SAMPLE["cases"][0]["score"] * (1 + 1e-6))
    diffs = fails(SAMPLE, doc, mentioning=["$.cases[0]{two_clusters}.score:",
                                           "$.cases[0]{two_clusters}.score_bits:"])
    # the report names both values and the tolerance
    line = next(d for d in diffs if ".score:" in d)
    assert "0.8040267818637071" in line and "tolerance |a-b| <= 1e-12 + 1e-09" in line, line


@test
def float_just_outside_the_tolerance_fails_and_inside_passes():
    a = 1000.0
    passes({"v": a}, {"v": a * (1 + 0.9e-9)})
    fails({"v": a}, {"v": a * (1 + 1.1e-9)})


@test
def near_zero_floats_use_the_absolute_tolerance():
    passes({"eigenvalue": 1.114982850341676e-16}, {"eigenvalue": -1.5174196557594285e-16})
    passes({"eigenvalue": 1.4442722097347723e-08}, {"eigenvalue": 1.4442721827755895e-08})
    fails({"eigenvalue": 0.0}, {"eigenvalue": 1e-11})


@test
def bits_field_one_ulp_off_passes():
    doc = sample()
    x = ulps(0.1, 1)
    doc["cases"][0]["X"][0][0] = x
    doc["cases"][0]["X_bits"][0][0] = bits_of(x)
    passes(SAMPLE, doc)


@test
def bits_field_far_off_fails_even_alone():
    a = {"v_bits": bits_of(2.5)}
    fails(a, {"v_bits": bits_of(2.5 * (1 + 1e-6))}, mentioning=["$.v_bits:", "4004000000000000"])


@test
def bits_not_encoding_their_float_twin_fails():
    doc = sample()
    doc["cases"][0]["score_bits"] = bits_of(0.5)  # the float says 0.804...
    fails(SAMPLE, doc, mentioning=["regenerated file the bits", "do not encode 'score'"])


@test
def malformed_bits_fail():
    fails({"v_bits": "3ff0000000000000"}, {"v_bits": "3FF0"}, mentioning=["not a 16-digit hex"])


@test
def changed_int_fails():
    doc = sample()
    doc["cases"][0]["n"] = 4
    fails(SAMPLE, doc, mentioning=["$.cases[0]{two_clusters}.n: committed 3 vs regenerated 4",
                                   "exact int"])


@test
def changed_label_fails():
    doc = sample()
    doc["cases"][0]["labels"][2] = 0
    fails(SAMPLE, doc, mentioning=["labels[2]: committed 1 vs regenerated 0"])


@test
def changed_string_fails():
    doc = sample()
    doc["cases"][0]["name"] = "two_clusterz"
    fails(SAMPLE, doc, mentioning=["exact string"])


@test
def changed_version_fails_with_a_hint():
    doc = sample()
    doc["sklearn_version"] = "1.9.2"
    fails(SAMPLE, doc, mentioning=["$.sklearn_version", "setup-python.sh"])


@test
def changed_bool_and_null_fail():
    doc = sample()
    doc["cases"][0]["flag"] = False
    fails(SAMPLE, doc)
    doc = sample()
    doc["cases"][0]["knee"] = 4.0
    fails(SAMPLE, doc, mentioning=["types differ"])


@test
def int_vs_float_and_bool_vs_int_fail():
    fails({"k": 3}, {"k": 3.0}, mentioning=["types differ"])
    fails({"k": 1}, {"k": True}, mentioning=["types differ"])


@test
def missing_and_extra_keys_fail():
    doc = sample()
    del doc["cases"][0]["labels"]
    fails(SAMPLE, doc, mentioning=["labels: missing in the regenerated file"])
    doc = sample()
    doc["cases"][0]["new_field"] = 1
    fails(SAMPLE, doc, mentioning=["new_field: not in the committed file"])


@test
def list_length_change_fails():
    doc = sample()
    doc["cases"][0]["labels"].append(1)
    fails(SAMPLE, doc, mentioning=["committed has 3 elements, regenerated 4"])


@test
def ignored_diagnostics_pass_and_only_when_ignored():
    doc = sample()
    doc["timing"] = {"total_s": 12.5, "per_k": []}
    fails(SAMPLE, doc)
    passes(SAMPLE, doc, Rules(ignore=frozenset({"timing"})))
    del doc["timing"]  # missing altogether: also fine when ignored
    passes(SAMPLE, doc, Rules(ignore=frozenset({"timing"})))


@test
def per_field_tolerance_applies_to_the_field_and_its_bits():
    loose = Rules(tolerances={"score": Tolerance(rtol=1e-6, atol=1e-6)})
    doc = sample()
    set_score(doc, SAMPLE["cases"][0]["score"] * (1 + 1e-7))
    fails(SAMPLE, doc)
    passes(SAMPLE, doc, loose)
    set_score(doc, SAMPLE["cases"][0]["score"] * (1 + 1e-5))
    fails(SAMPLE, doc, loose, mentioning=["tolerance |a-b| <= 1e-06 + 1e-06"])


@test
def nan_and_infinity():
    passes({"v": math.nan}, {"v": math.nan})
    passes({"v": math.inf}, {"v": math.inf})
    fails({"v": math.nan}, {"v": 0.0})
    fails({"v": math.inf}, {"v": 1e308})
    fails({"v": math.inf}, {"v": -math.inf})


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------

CSV = [["customer_id", "recency", "monetary", "segment"],
       ["12346", "326", "77183.6", "Can't Lose Them"],
       ["12347", "2", "0.36158277709840037", "Champions"]]


def csv_diffs(rows, rules=Rules()):
    return fc.compare_csv_rows(CSV, rows, rules)


def csv_with(row, column, value):
    rows = copy.deepcopy(CSV)
    rows[row][CSV[0].index(column)] = value
    return rows


@test
def csv_float_last_bits_pass():
    assert csv_diffs(copy.deepcopy(CSV)) == []
    assert csv_diffs(csv_with(2, "monetary", repr(ulps(0.36158277709840037, 2)))) == []
    assert csv_diffs(csv_with(2, "monetary", "0.3615827770984007")) == []  # seen across CPUs


@test
def csv_float_1e6_relative_fails():
    diffs = csv_diffs(csv_with(1, "monetary", repr(77183.6 * (1 + 1e-6))))
    assert len(diffs) == 1 and "row 1 [customer_id=12346] column 'monetary'" in diffs[0], diffs
    assert "77183.6" in diffs[0] and "tolerance" in diffs[0], diffs


@test
def csv_changed_int_fails():
    diffs = csv_diffs(csv_with(2, "recency", "3"))
    assert len(diffs) == 1 and "exact integer" in diffs[0], diffs


@test
def csv_int_vs_float_fails():
    diffs = csv_diffs(csv_with(1, "recency", "326.0"))
    assert len(diffs) == 1 and "integer vs float" in diffs[0], diffs


@test
def csv_changed_text_fails():
    diffs = csv_diffs(csv_with(1, "segment", "Cant Lose Them"))
    assert len(diffs) == 1 and "exact text" in diffs[0], diffs


@test
def csv_header_row_count_and_cell_count_fail():
    rows = copy.deepcopy(CSV)
    rows[0][2] = "Monetary"
    assert any("header" in d for d in csv_diffs(rows))
    assert any("committed has 2 data rows, regenerated 1" in d for d in csv_diffs(CSV[:2]))
    rows = copy.deepcopy(CSV)
    rows[1].append("extra")
    assert any("committed has 4 cells, regenerated 5" in d for d in csv_diffs(rows))


@test
def csv_column_tolerance_and_ignore():
    rows = csv_with(1, "monetary", repr(77183.6 * (1 + 1e-7)))
    assert csv_diffs(rows)
    assert csv_diffs(rows, Rules(tolerances={"monetary": Tolerance(1e-6, 0.0)})) == []
    assert csv_diffs(rows, Rules(ignore=frozenset({"monetary"}))) == []


# --------------------------------------------------------------------------
# files: copies of committed fixtures, perturbed in a temp dir
# --------------------------------------------------------------------------

def perturb_floats(node, name=None, steps=1):
    """Every float (and every *_bits field, consistently) moved by `steps` ulps."""
    if isinstance(node, dict):
        return {k: perturb_floats(v, k, steps) for k, v in node.items()}
    if isinstance(node, list):
        return [perturb_floats(v, name, steps) for v in node]
    if isinstance(node, float):
        return ulps(node, steps)
    if isinstance(node, str) and name and name.endswith("_bits"):
        return bits_of(ulps(fc.bits_to_float(node), steps))
    return node


@test
def committed_json_fixtures_perturbed_in_the_last_bits_pass():
    rules = Rules(tolerances={"davies_bouldin": Tolerance(1e-6, 1e-6)})
    for path in [FIXTURES / "cluster" / "metrics_cases.json",
                 FIXTURES / "cluster" / "models_cases.json",
                 FIXTURES / "parity" / "qcut_vectors.json"]:
        with tempfile.TemporaryDirectory() as tmp:
            doc = json.loads(path.read_text(encoding="utf-8"))
            for steps in (1, -3):
                copy_path = Path(tmp) / path.name
                copy_path.write_text(json.dumps(perturb_floats(doc, steps=steps), indent=2))
                diffs = fc.compare_file(path, copy_path, rules)
                assert diffs == [], (path.name, steps, diffs[:5])


@test
def committed_json_fixture_with_a_real_change_fails():
    path = FIXTURES / "cluster" / "metrics_cases.json"
    doc = perturb_floats(json.loads(path.read_text(encoding="utf-8")))
    doc["cases"][5]["labels"][0] += 1
    doc["cases"][2]["silhouette_score"] *= 1 + 1e-6
    with tempfile.TemporaryDirectory() as tmp:
        copy_path = Path(tmp) / path.name
        copy_path.write_text(json.dumps(doc, indent=2))
        diffs = fc.compare_file(path, copy_path)
    assert any("$.cases[5]{many_clusters}.labels[0]" in d for d in diffs), diffs
    assert any("$.cases[2]{singleton}.silhouette_score:" in d for d in diffs), diffs
    # the changed float no longer matches its (1-ulp) bits twin either
    assert any("do not encode 'silhouette_score'" in d for d in diffs), diffs
    assert all(str(path) in d for d in diffs), diffs


@test
def committed_csv_fixture_perturbed_in_the_last_bits_passes():
    path = FIXTURES / "cluster" / "online_retail_scaled.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        cid, *values = line.split(",")
        out.append(",".join([cid] + [repr(ulps(float(v), 1)) for v in values]))
    with tempfile.TemporaryDirectory() as tmp:
        copy_path = Path(tmp) / path.name
        copy_path.write_text("\n".join(out) + "\n")
        assert fc.compare_file(path, copy_path) == []
        cid, rest = out[7].split(",", 1)
        out[7] = f"{int(cid) + 1},{rest}"  # a changed customer id: exact
        copy_path.write_text("\n".join(out) + "\n")
        diffs = fc.compare_file(path, copy_path)
    assert len(diffs) == 1 and "row 7" in diffs[0] and "exact integer" in diffs[0], diffs


@test
def xlsx_compared_by_cells():
    from openpyxl import load_workbook
    path = FIXTURES / "formats" / "orders.xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        copy_path = Path(tmp) / path.name
        shutil.copyfile(path, copy_path)
        assert fc.compare_file(path, copy_path) == []
        book = load_workbook(copy_path)
        book["Orders"]["F2"] = book["Orders"]["F2"].value + 0.01
        book.save(copy_path)
        diffs = fc.compare_file(path, copy_path)
    assert len(diffs) == 1 and "sheet 'Orders' cell F2" in diffs[0], diffs


@test
def missing_files_fail_and_report_sets_the_exit_code():
    with tempfile.TemporaryDirectory() as tmp:
        missing = Path(tmp) / "nope.json"
        assert fc.compare_file(missing, FIXTURES / "parity" / "ntiles_meta.json")
        assert fc.compare_file(FIXTURES / "parity" / "ntiles_meta.json", missing)
    stderr, sys.stderr = sys.stderr, open("/dev/null", "w")
    stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        assert fc.report({"a.json": [], "b.json": ["b.json: $.x: ..."]}) == 1
        assert fc.report({"a.json": []}) == 0
    finally:
        sys.stderr.close()
        sys.stderr, sys.stdout = stderr, stdout


def main() -> int:
    passed = failed = 0
    for fn in TESTS:
        try:
            fn()
        except Exception:  # an AssertionError, or a comparator crash: both are failures
            failed += 1
            print(f"FAIL {fn.__name__}", file=sys.stderr)
            traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {fn.__name__}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
