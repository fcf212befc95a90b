"""Errors and panics in custseg reach the notebook as messages, and the kernel lives on.

    .venv/bin/python tests/notebooks/kernel_errors.py

Talks to the real custseg-rust evcxr kernel (the one the notebooks use) through jupyter_client,
cell by cell, and checks what a notebook user would see:
  1. an error path: loading a file that does not exist with `?` shows custseg's error, naming
     the file, under the cell (on stderr, which JupyterLab shows in red); no panic;
  2. a panic a user might cause: `.unwrap()` on that same error shows the panic message
     (with custseg's error text) under the cell, not a dead or silent kernel;
  3. afterwards the kernel still runs cells, and data loaded before the panic is still there;
  4. a bad argument to a library function (k-means with more clusters than customers) is an
     error value, not a panic.
Exits 1 on any failed check.
"""
from __future__ import annotations

import sys
from queue import Empty
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 3000  # a cold first build of the dependencies takes about 25 minutes
LATE_OUTPUT_SECONDS = 2.0


class Cell:
    def __init__(self, source: str):
        self.source = source
        self.status = ""
        self.text: list[str] = []  # stdout/stderr, error values, plain-text results
        self.errors: list[str] = []  # error messages (ename: evalue) and stderr
        self.seconds = 0.0

    def all_text(self) -> str:
        return "\n".join(self.text + self.errors)


def run(kc, source: str) -> Cell:
    cell = Cell(source)
    start = time.perf_counter()
    msg_id = kc.execute(source)
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            (cell.errors if content["name"] == "stderr" else cell.text).append(content["text"])
        elif kind == "error":
            cell.errors.append(f"{content['ename']}: {content['evalue']}")
        elif kind in ("execute_result", "display_data"):
            cell.text.append(content["data"].get("text/plain", ""))
        elif kind == "status" and content["execution_state"] == "idle":
            break
    # evcxr_jupyter 0.22 forwards the cell's stderr (where `?` errors and panic messages go) on
    # its own thread and does not wait for it before reporting idle: collect what arrives just
    # after, as JupyterLab shows it under the cell that made it.
    deadline = time.perf_counter() + LATE_OUTPUT_SECONDS
    while (left := deadline - time.perf_counter()) > 0:
        try:
            msg = kc.get_iopub_msg(timeout=left)
        except Empty:
            break
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
            (cell.errors if msg["content"]["name"] == "stderr" else cell.text).append(msg["content"]["text"])
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    cell.status = reply["content"]["status"]
    cell.seconds = time.perf_counter() - start
    return cell


def main() -> None:
    failures: list[str] = []

    def check(ok: bool, what: str, cell: Cell) -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {what}  ({cell.seconds:.1f} s)")
        if not ok:
            failures.append(what)
            print(f"     cell: {cell.source!r}\n     status: {cell.status}\n     output: {cell.all_text()[:1500]!r}")

    km, kc = start_new_kernel(kernel_name="custseg-rust", startup_timeout=120)
    try:
        setup = run(kc, f':dep custseg = {{ path = "{ROOT}/notebooks/custseg-dylib", package = "custseg-dylib" }}')
        check(setup.status == "ok", "the custseg dependency builds", setup)
        run(kc, "use custseg::prelude::*;")
        loaded = run(kc, "let options = LoadOptions::default();\n"
                         "let tx = Transactions::bundled(&options)?;\n"
                         "tx.accounting().rows_kept")
        check(loaded.status == "ok" and "397884" in loaded.all_text(),
              "the bundled data loads (397,884 kept rows)", loaded)

        missing = run(kc, 'let other = Transactions::load("no-such-file.csv", &options)?;')
        text = missing.all_text()
        # evcxr reports a `?` error on stderr and the cell as "ok" (upstream behaviour).
        check("cannot read no-such-file.csv" in "".join(missing.errors) and "panicked" not in text,
              "an error path shows custseg's error naming the file, without a panic", missing)

        panicked = run(kc, 'let other = Transactions::load("no-such-file.csv", &options).unwrap();')
        text = panicked.all_text()
        check("panicked" in "".join(panicked.errors) and "no-such-file.csv" in text,
              "a user's unwrap on that error shows the panic and its message as an error", panicked)

        alive = run(kc, "40 + 2")
        check(alive.status == "ok" and "42" in alive.all_text(),
              "the kernel still runs cells after the panic", alive)

        kept = run(kc, "tx.accounting().rows_kept")
        check(kept.status == "ok" and "397884" in kept.all_text(),
              "data loaded before the panic is still there", kept)

        too_many = run(kc, "let rfm = RfmParams::new().fit(&tx)?;\n"
                           "let features = FeatureMatrix::from_rfm(&rfm, &[])?;\n"
                           "let fitted = custseg::cluster::kmeans::KMeansParams::new(rfm.len() + 1).fit(&features.matrix()?)?;")
        text = too_many.all_text()
        check("number of samples (4338), got 4339" in "".join(too_many.errors) and "panicked" not in text,
              "k-means with more clusters than customers is an error, not a panic", too_many)
    finally:
        km.shutdown_kernel(now=True)
    if failures:
        print(f"kernel_errors: {len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("kernel_errors: all checks passed")


if __name__ == "__main__":
    main()
