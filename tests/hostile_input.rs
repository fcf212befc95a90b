//! The bad-input corpus: each case is an input (made here, so that large and binary ones need no
//! committed file) run through the command line, with the exit code and the message a user gets.
//!
//! Every case also holds to what no input may break: the process ends within [`TIME_LIMIT`], never
//! panics (exit code 101), and an error is one paragraph on standard error that starts with
//! "error: ", names the file or flag, and speaks in flags, not in the library's type names.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long any case may run: the slowest takes under two seconds in a release build.
const TIME_LIMIT: Duration = Duration::from_secs(60);

const HEADER: &str =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country";

/// What one run gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success; stderr: {}", self.stderr);
        self
    }

    /// A failure with exit code 1 whose one-paragraph message holds every piece of `wanted`.
    fn fails_with(&self, wanted: &[&str]) -> &Self {
        assert_eq!(self.code, 1, "expected exit 1; stderr: {}", self.stderr);
        assert!(self.stderr.starts_with("error: "), "{}", self.stderr);
        assert_eq!(
            self.stderr.trim_end().lines().count(),
            1,
            "one paragraph: {}",
            self.stderr
        );
        for piece in wanted {
            assert!(
                self.stderr.contains(piece),
                "no {piece:?} in: {}",
                self.stderr
            );
        }
        // The library's words are translated into flags on the command line.
        assert!(
            !self.stderr.contains("::"),
            "library words: {}",
            self.stderr
        );
        self
    }

    fn says(&self, wanted: &[&str]) -> &Self {
        let all = format!("{}{}", self.stdout, self.stderr);
        for piece in wanted {
            assert!(all.contains(piece), "no {piece:?} in:\n{all}");
        }
        self
    }
}

/// Runs custseg with `args` (and `stdin`), enforcing the time limit and the no-panic rule.
fn run_with_input(args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_custseg"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = r.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            panic!("{args:?} still running after {TIME_LIMIT:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    assert_ne!(run.code, 101, "{args:?} panicked: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    run
}

fn run(args: &[&str]) -> Run {
    run_with_input(args, None)
}

/// A folder for one case's files.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        Case {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

/// Online-Retail-shaped rows: (invoice, quantity, date, price, customer, country).
fn rows(rows: &[(&str, &str, &str, &str, &str, &str)]) -> String {
    let mut text = format!("{HEADER}\n");
    for (invoice, quantity, date, price, customer, country) in rows {
        text.push_str(&format!(
            "{invoice},P1,Thing,{quantity},{date},{price},{customer},{country}\n"
        ));
    }
    text
}

/// Three ordinary customers, for cases that add one odd row to them.
fn ordinary() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
)> {
    vec![
        ("1", "2", "2011-01-03 10:00", "1.5", "100", "UK"),
        ("2", "1", "2011-02-03 10:00", "4", "200", "UK"),
        ("3", "5", "2011-03-03 10:00", "2", "300", "France"),
        ("4", "1", "2011-03-04 10:00", "2", "100", "UK"),
    ]
}

fn output_csv(path: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

// ---- panics ---------------------------------------------------------------------------------

#[test]
fn a_value_longer_than_formatting_widths_is_printed() {
    let case = Case::new();
    let country = "X".repeat(70_000);
    let mut r = ordinary();
    r.push(("5", "1", "2011-03-05 10:00", "3", "400", &country));
    let input = case.file("long.csv", rows(&r));
    let out = run(&["rfm", &input, "--dimension", "Country", "--by", "Country"]);
    out.ok();
    assert!(out.stdout.contains(&country));
}

// ---- hangs ----------------------------------------------------------------------------------

#[test]
fn an_overflowing_amount_is_dropped_under_its_reason_and_the_report_finishes() {
    let case = Case::new();
    let mut r = ordinary();
    r.push(("5", "1e308", "2011-03-05 10:00", "10", "400", "UK"));
    let input = case.file("huge.csv", rows(&r));
    run(&["sanity", &input])
        .ok()
        .says(&["dropped: amount too large (above 1e15)", "1"]);
    let report = case.path("huge.html");
    run(&["report", &input, "--output", &report]).ok();
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains(">NaN") && !html.contains(">inf") && !html.contains(">-inf"));
}

#[test]
fn standard_input_and_fifos_are_read_once() {
    let case = Case::new();
    let text = rows(&ordinary());
    let piped = run_with_input(&["rfm", "-"], Some(text.clone().into_bytes()));
    piped.ok().says(&["3 customers from 4 of 4 rows"]);
    let fifo = case.path("pipe.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, text).unwrap())
    };
    run(&["rfm", &fifo])
        .ok()
        .says(&["3 customers from 4 of 4 rows"]);
    writer.join().unwrap();
}

// ---- wrong results, silent ------------------------------------------------------------------

#[test]
fn thousands_separators_in_a_comma_delimited_file() {
    let case = Case::new();
    let input = case.file(
        "thousands.csv",
        rows(&[
            ("1", "\"1,000\"", "2011-01-03 10:00", "1", "100", "UK"),
            ("2", "\"1,234\"", "2011-01-04 10:00", "1", "200", "UK"),
            ("3", "\"1,234.50\"", "2011-01-05 10:00", "2", "300", "UK"),
        ]),
    );
    let out = case.path("out.csv");
    run(&["rfm", &input, "--output", &out]).ok();
    let monetary: Vec<String> = output_csv(&out)[1..].iter().map(|r| r[3].clone()).collect();
    assert_eq!(monetary, ["1000.0", "1234.0", "2469.0"]);
}

#[test]
fn one_stray_byte_does_not_turn_a_utf8_file_into_latin1() {
    let case = Case::new();
    let mut bytes = rows(&[
        ("1", "1", "2011-01-03 10:00", "1", "100", "España"),
        ("2", "1", "2011-01-04 10:00", "1", "200", "España"),
    ])
    .into_bytes();
    bytes.extend_from_slice(b"3,P1,Th\xFFing,1,2011-01-05 10:00,1,300,UK\n");
    let input = case.file("stray.csv", bytes);
    let out = run(&["rfm", &input, "--dimension", "Country", "--by", "Country"]);
    out.ok().says(&["España"]);
    assert!(!out.stdout.contains("EspaÃ±a"));
    run(&["sanity", &input])
        .ok()
        .says(&["not valid UTF-8 (the first on line 4)", "UTF-8"]);
}

#[test]
fn implausible_years_are_dropped_and_do_not_move_the_snapshot() {
    let case = Case::new();
    let mut r = ordinary();
    r.push(("5", "1", "0001-01-01 10:00", "1", "400", "UK"));
    r.push(("6", "1", "9999-12-31 10:00", "1", "500", "UK"));
    r.push(("7", "1", "2101-01-01 10:00", "1", "600", "UK"));
    let input = case.file("years.csv", rows(&r));
    run(&["sanity", &input]).ok().says(&[
        "dropped: date outside the plausible range",
        "Months (3 from 2011-01 to 2011-03)",
    ]);
    run(&["rfm", &input]).ok().says(&["snapshot 2011-03-05"]);
    let latest = run(&["rfm", &input, "--latest-date", "2101-12-31"]);
    latest.ok().says(&["snapshot 2101-01-02"]);
    let empty = [
        "--earliest-date",
        "2012-01-01",
        "--latest-date",
        "2011-01-01",
    ];
    run(&[&["rfm", input.as_str()][..], &empty[..]].concat())
        .fails_with(&["`--earliest-date`", "after `--latest-date`"]);
}

#[test]
fn a_whole_number_id_written_as_a_float_is_the_same_customer() {
    let case = Case::new();
    let input = case.file(
        "ids.csv",
        rows(&[
            ("1", "1", "2011-01-03 10:00", "1", "17850", "UK"),
            ("2", "1", "2011-01-04 10:00", "1", "17850.0", "UK"),
            ("3", "1", "2011-01-05 10:00", "1", "00017", "UK"),
        ]),
    );
    let out = case.path("out.csv");
    run(&["rfm", &input, "--output", &out]).ok();
    let table = output_csv(&out);
    let ids: Vec<&str> = table[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["00017", "17850"]);
    assert_eq!(table[2][2], "2", "17850 bought twice");
}

#[test]
fn blank_lines_short_and_long_rows_have_their_own_reasons() {
    let case = Case::new();
    let text = format!(
        "{}\n,,,,,,,\n5,P1,Thing,1,2011-03-05 10:00\n6,P1,Thing,1,2011-03-05 10:00,1,400,UK,extra\n",
        rows(&ordinary()).trim_end()
    );
    let input = case.file("blank.csv", text);
    run(&["sanity", &input]).ok().says(&[
        "dropped: blank row",
        "dropped: fewer fields than the header",
        "dropped: more fields than the header",
        "1 row(s) not read (blank row), the first on line 6",
        "1 row(s) not read (fewer fields than the header), the first on line 7",
        "1 row(s) not read (more fields than the header), the first on line 8",
    ]);
    run(&["rfm", &input])
        .ok()
        .says(&["3 customers from 4 of 7 rows"]);
}

#[test]
fn transactions_given_as_a_per_customer_table_are_refused() {
    let case = Case::new();
    let input = case.file("tx.csv", rows(&ordinary()));
    run(&[
        "cluster",
        &input,
        "--features",
        "Quantity,UnitPrice",
        "--k",
        "2",
    ])
    .fails_with(&[
        "tx.csv",
        "one row per customer",
        "\"100\"",
        "`--features rfm`",
    ]);
}

#[test]
fn outputs_are_checked_and_written_whole() {
    let case = Case::new();
    let input = case.file("in.csv", rows(&ordinary()));
    let xlsx = case.path("x.xlsx");
    run(&["rfm", &input, "--output", &xlsx]).fails_with(&["`--output`", ".csv or .parquet"]);
    assert!(!Path::new(&xlsx).exists());
    let before = std::fs::read(&input).unwrap();
    run(&["rfm", &input, "--output", &input]).fails_with(&["`--output`", "is the input file"]);
    assert_eq!(std::fs::read(&input).unwrap(), before);
    let blocked = format!("{}/out.csv", case.file("not-a-folder", "x"));
    run(&["rfm", &input, "--output", &blocked]).fails_with(&["cannot write", "not-a-folder"]);
    let report = case.path("r.pdf");
    run(&["report", &input, "--output", &report]).fails_with(&["`--output`", ".html"]);
}

#[test]
fn identical_customers_get_one_segment_and_no_clusters() {
    let case = Case::new();
    let mut text = format!("{HEADER}\n");
    for customer in 0..5_000 {
        text.push_str(&format!(
            "{customer},P1,Thing,1,2011-01-03 10:00,2,{customer},UK\n"
        ));
    }
    let input = case.file("same.csv", text);
    let out = case.path("out.csv");
    run(&["rfm", &input, "--output", &out])
        .ok()
        .says(&["every customer has the same value"]);
    let table = output_csv(&out);
    let codes: std::collections::BTreeSet<&str> =
        table[1..].iter().map(|r| r[7].as_str()).collect();
    assert_eq!(codes.into_iter().collect::<Vec<_>>(), ["333"]);
    let report = case.path("same.html");
    run(&["report", &input, "--output", &report]).ok();
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("Clustering was skipped"),
        "no note on clustering"
    );
    assert!(!html.contains("for its mean silhouette"));
}

#[test]
fn rows_lost_to_mixed_date_layouts_are_reported_by_rfm_output() {
    let case = Case::new();
    let mut r = ordinary();
    r.push(("5", "1", "13/03/2011 10:00", "1", "400", "UK"));
    let input = case.file("mixed.csv", rows(&r));
    let out = case.path("out.csv");
    run(&["rfm", &input, "--output", &out])
        .ok()
        .says(&["note: kept 4 of 5 rows", "1 unparsable date"]);
}

// ---- unclear errors -------------------------------------------------------------------------

#[test]
fn an_unclosed_quote_names_its_line() {
    let case = Case::new();
    let text = format!(
        "{}\n7,P1,\"Thing,1,2011-03-05 10:00,1,400,UK\n8,P1,Thing,1,2011-03-06 10:00,1,500,UK\n",
        rows(&ordinary()).trim_end()
    );
    let input = case.file("quote.csv", text);
    run(&["rfm", &input]).fails_with(&["quote.csv", "line 6", "never closed"]);
}

#[test]
fn utf16_without_a_byte_order_mark_is_read() {
    let case = Case::new();
    let text = rows(&ordinary());
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let input = case.file("utf16.csv", bytes);
    run(&["rfm", &input])
        .ok()
        .says(&["3 customers from 4 of 4 rows"]);
}

#[test]
fn excel_serial_dates_are_read() {
    let case = Case::new();
    // 40546.4166... is 2011-01-03 10:00; 40577 is 2011-02-03.
    let input = case.file(
        "serial.csv",
        rows(&[
            ("1", "1", "40546.41666666666", "1", "100", "UK"),
            ("2", "1", "40577", "1", "200", "UK"),
        ]),
    );
    run(&["sanity", &input]).ok().says(&[
        "Excel serial day numbers",
        "2011-01-03 10:00:00 to 2011-02-03 00:00:00",
    ]);
}

#[test]
fn whitespace_aligned_files_like_cdnow() {
    let case = Case::new();
    let body = "00001 19970101  1  11.77\n00002 19970112  1  12.00\n00002 19970112  5  77.00\n00003 19970102  2  20.76\n";
    let with_header = case.file(
        "cdnow_header.txt",
        format!("customer_id  date number_of_cds  dollar_value\n{body}"),
    );
    run(&["rfm", &with_header, "--amount", "dollar_value"])
        .ok()
        .says(&["3 customers from 4 of 4 rows"]);
    let headerless = case.file("CDNOW_master.txt", body);
    run(&["rfm", &headerless]).fails_with(&["`--columns`"]);
    run(&[
        "rfm",
        &headerless,
        "--columns",
        "customer_id,date,quantity,amount",
    ])
    .ok()
    .says(&["3 customers from 4 of 4 rows"]);
}

#[test]
fn an_unknown_segment_map_lists_the_built_in_ones() {
    run(&["rfm", "--segments", "tabel"]).fails_with(&[
        "\"tabel\"",
        "table, code-list, rf-regex",
        "`--segments`",
    ]);
}

/// `n` customers who differ in every measure: customer i bought i + 1 items on January i + 1.
fn distinct_customers(n: usize) -> String {
    let mut text = format!("{HEADER}\n");
    for customer in 0..n {
        text.push_str(&format!(
            "{customer},P1,Thing,{},2011-01-{:02} 10:00,2,{customer},UK\n",
            customer + 1,
            customer + 1
        ));
    }
    text
}

#[test]
fn the_range_of_k_is_checked_in_flags() {
    let case = Case::new();
    run(&["cluster", "--k", "10..2"]).fails_with(&["`--k`", "2..10"]);
    let twelve = case.file("twelve.csv", distinct_customers(12));
    run(&["cluster", &twelve, "--k", "2..50"]).fails_with(&["`--k`", "12 customers", "11"]);
    let ten = case.file("ten.csv", distinct_customers(10));
    let report = case.path("small.html");
    run(&["report", &ten, "--output", &report]).ok();
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("k was compared up to"),
        "the report says k was narrowed"
    );
}

#[test]
fn a_huge_header_is_not_echoed_whole() {
    let case = Case::new();
    let mut header = String::new();
    for i in 0..1_000_000 {
        header.push_str(&format!("c{i},"));
    }
    header.push_str("last\n1,2\n");
    let input = case.file("wide.csv", header);
    let out = run(&["rfm", &input]);
    out.fails_with(&["wide.csv", "1000001 fields", "`--delimiter`"]);
    assert!(
        out.stderr.len() < 2_000,
        "{} bytes of message",
        out.stderr.len()
    );
    let one_name = case.file("long-name.csv", format!("{}\n1\n", "n".repeat(10_000_000)));
    let out = run(&["rfm", &one_name]);
    out.fails_with(&[
        "long-name.csv",
        "no column for the customer role",
        "more characters",
    ]);
    assert!(
        out.stderr.len() < 2_000,
        "{} bytes of message",
        out.stderr.len()
    );
}

#[test]
fn a_missing_role_names_the_flag_and_the_file() {
    let case = Case::new();
    let input = case.file(
        "nocust.csv",
        "InvoiceNo,InvoiceDate,Quantity,UnitPrice\n1,2011-01-01,1,1\n",
    );
    run(&["rfm", &input]).fails_with(&["nocust.csv", "`--customer`"]);
}
