//! RFM and the customer single view computed while reading (`RfmParams::fit_streaming`,
//! `CustomerViewParams::fit_streaming`, and `custseg rfm` and `custseg view`) against the
//! loader's path (`Transactions::load` then `fit`): the same table to the last bit and the same
//! row accounting on every test file, the bundled data, the generated study files and multi-file
//! inputs.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use common::*;
use custseg::prelude::*;
use polars::prelude::{CsvWriter, SerWriter};

/// Both paths on `input`: equal tables and accounting, or an error both ways. Returns whether
/// the input was aggregated while read.
fn agree(input: &Path, params: &RfmParams, options: &LoadOptions) -> bool {
    let loaded = Transactions::load(input, options).and_then(|tx| {
        let table = params.fit(&tx)?;
        Ok((table, tx.accounting().clone()))
    });
    let streamed = params.fit_streaming(input, options);
    match (loaded, streamed) {
        (Ok((table, accounting)), Ok(streamed)) => {
            assert!(
                table.frame().equals_missing(&streamed.table.frame()),
                "{}: {}\n{}",
                input.display(),
                table.frame(),
                streamed.table.frame()
            );
            assert_eq!(table.snapshot(), streamed.table.snapshot());
            assert_eq!(
                table.scoring().fallbacks,
                streamed.table.scoring().fallbacks
            );
            assert_eq!(accounting, streamed.accounting, "{}", input.display());
            streamed.streamed
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{}", input.display());
            false
        }
        (loaded, streamed) => panic!(
            "{}: loaded {:?}, streamed {:?}",
            input.display(),
            loaded.map(|(t, a)| (t.len(), a)),
            streamed.map(|s| (s.table.len(), s.accounting))
        ),
    }
}

/// [`agree`] for the customer single view.
fn view_agrees(input: &Path, params: &CustomerViewParams, options: &LoadOptions) -> bool {
    let loaded = Transactions::load(input, options).and_then(|tx| {
        let view = params.fit(&tx)?;
        Ok((view, tx.accounting().clone()))
    });
    let streamed = params.fit_streaming(input, options);
    match (loaded, streamed) {
        (Ok((view, accounting)), Ok(streamed)) => {
            if let Err(why) = same_bits(&view.frame(), &streamed.view.frame()) {
                panic!(
                    "{}: {why}\n{}\n{}",
                    input.display(),
                    view.frame(),
                    streamed.view.frame()
                );
            }
            assert_eq!(view.snapshot(), streamed.view.snapshot());
            assert_eq!(view.dimensions(), streamed.view.dimensions());
            assert_eq!(accounting, streamed.accounting, "{}", input.display());
            streamed.streamed
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{}", input.display());
            false
        }
        (loaded, streamed) => panic!(
            "{}: loaded {:?}, streamed {:?}",
            input.display(),
            loaded.map(|(v, a)| (v.len(), a)),
            streamed.map(|s| (s.view.len(), s.accounting))
        ),
    }
}

/// [`agree`] for the RFM table with its summary by `dimension`: the same table and summary from
/// the loaded transactions and from one streaming read.
fn summary_by_agrees(input: &Path, params: &RfmParams, options: &LoadOptions, dimension: &str) {
    let tx = Transactions::load(input, options).unwrap();
    let table = params.fit(&tx).unwrap();
    let by = table.segment_summary_by(&tx, dimension).unwrap();
    let (streamed, streamed_by) = params.fit_streaming_by(input, options, dimension).unwrap();
    assert!(streamed.streamed, "{}", input.display());
    same_bits(&table.frame(), &streamed.table.frame()).unwrap();
    if let Err(why) = same_bits(&by.frame(), &streamed_by.frame()) {
        panic!(
            "{}: {why}\n{}\n{}",
            input.display(),
            by.frame(),
            streamed_by.frame()
        );
    }
    assert_eq!(tx.accounting(), &streamed.accounting);
}

/// [`agree`] for the sanity report: every field the same (compared through `Debug`, which
/// prints floats exactly).
fn sanity_agrees(input: &Path, options: &LoadOptions) -> bool {
    let loaded = Transactions::load(input, options).map(|tx| tx.sanity().clone());
    let streamed = SanityReport::streaming(input, options);
    match (loaded, streamed) {
        (Ok(loaded), Ok(streamed)) => {
            assert_eq!(
                format!("{loaded:#?}"),
                format!("{:#?}", streamed.report),
                "{}",
                input.display()
            );
            streamed.streamed
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{}", input.display());
            false
        }
        (loaded, streamed) => panic!(
            "{}: loaded {:?}, streamed {:?}",
            input.display(),
            loaded.map(|r| r.accounting),
            streamed.map(|s| s.report.accounting)
        ),
    }
}

/// Options for the bundled data with its country as a dimension.
fn by_country(drop_duplicates: bool) -> LoadOptions {
    LoadOptions {
        roles: ColumnRoles {
            dimensions: vec!["Country".into()],
            ..Default::default()
        },
        rules: CleaningRules {
            drop_duplicates,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn with_duplicates_dropped() -> LoadOptions {
    LoadOptions {
        rules: CleaningRules {
            drop_duplicates: true,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Runs `agrees` on every fixture file, duplicates kept and dropped: most fixtures are transaction
/// files in UTF-8 CSV, which stream; the rest load in memory or fail alike.
fn every_fixture_agrees(agrees: impl Fn(&Path, &LoadOptions) -> bool) {
    let mut files = Vec::new();
    files_under(&fixture(""), &mut files);
    let mut streamed = 0;
    for file in &files {
        for options in [LoadOptions::default(), with_duplicates_dropped()] {
            streamed += usize::from(agrees(file, &options));
        }
    }
    assert!(streamed >= 10, "{streamed} of {} streamed", files.len() * 2);
}

#[test]
fn every_fixture_file_gives_the_loaded_table() {
    every_fixture_agrees(|file, options| agree(file, &RfmParams::new(), options));
}

#[test]
fn every_fixture_file_gives_the_loaded_sanity_report() {
    every_fixture_agrees(sanity_agrees);
}

#[test]
fn every_fixture_file_gives_the_loaded_view() {
    every_fixture_agrees(|file, options| view_agrees(file, &CustomerViewParams::new(), options));
}

#[test]
fn the_bundled_data_streams_its_view_with_shares_and_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let path = online_retail_file(dir.path());
    let snapshot = chrono::NaiveDate::from_ymd_opt(2012, 1, 1).unwrap();
    for params in [
        CustomerViewParams::new(),
        CustomerViewParams::new().snapshot(snapshot),
    ] {
        for drop_duplicates in [false, true] {
            assert!(view_agrees(&path, &params, &by_country(drop_duplicates)));
        }
    }
    // Errors name the same setting both ways.
    assert!(!view_agrees(
        &path,
        &CustomerViewParams::new().max_values(5),
        &by_country(false)
    ));
    assert!(!view_agrees(
        &path,
        &CustomerViewParams::new().dimensions(["Region"]),
        &by_country(false)
    ));
    let streamed = CustomerViewParams::new()
        .fit_streaming(&path, &by_country(false))
        .unwrap();
    assert!(streamed.streamed);
    let html = streamed.html();
    assert!(
        html.starts_with(
            "<p>4,338 customers from 397,884 of 541,909 rows (aggregated while reading)</p>"
        ) && html.contains("<table"),
        "{html}"
    );
    assert_eq!(
        texts(&streamed.view.frame(), "dominant_country")[..3],
        ["United Kingdom", "Iceland", "Finland"]
    );
    assert_eq!(streamed.view.len(), 4_338);
    assert_eq!(streamed.view.frame().width(), 11 + 37 + 1);
}

fn online_retail_file(dir: &Path) -> PathBuf {
    let path = dir.join("online_retail.csv.gz");
    std::fs::write(&path, custseg::data::bundled::ONLINE_RETAIL_CSV_GZ).unwrap();
    path
}

#[test]
fn the_bundled_data_streams_with_every_rule_and_date() {
    let dir = tempfile::tempdir().unwrap();
    let path = online_retail_file(dir.path());
    let end = chrono::NaiveDate::from_ymd_opt(2011, 6, 30).unwrap();
    let snapshot = chrono::NaiveDate::from_ymd_opt(2012, 1, 1).unwrap();
    for params in [
        RfmParams::new(),
        RfmParams::new().observation_end(end),
        RfmParams::new().snapshot(snapshot),
    ] {
        for options in [LoadOptions::default(), with_duplicates_dropped()] {
            assert!(agree(&path, &params, &options));
        }
    }
    for options in [LoadOptions::default(), with_duplicates_dropped()] {
        assert!(sanity_agrees(&path, &options));
    }
    let dropped = RfmParams::new()
        .fit_streaming(&path, &with_duplicates_dropped())
        .unwrap()
        .accounting;
    assert_eq!(dropped.rows_in, 541_909);
    assert_eq!(
        dropped.dropped_for(custseg::data::clean::DropReason::Duplicate),
        5_192
    );
}

#[test]
fn a_dimension_named_in_another_spelling_is_the_files_on_both_paths() {
    let dir = tempfile::tempdir().unwrap();
    let path = online_retail_file(dir.path());
    // The role given as `country`: the file's column is `Country`, which both paths then use.
    let options = LoadOptions {
        roles: ColumnRoles {
            dimensions: vec!["country".into()],
            ..Default::default()
        },
        ..Default::default()
    };
    assert!(view_agrees(&path, &CustomerViewParams::new(), &options));
    assert!(view_agrees(
        &path,
        &CustomerViewParams::new().dimensions(["Country"]),
        &options
    ));
    assert!(!view_agrees(
        &path,
        &CustomerViewParams::new().dimensions(["country"]),
        &options
    ));
    summary_by_agrees(&path, &RfmParams::new(), &options, "Country");
    let streamed = CustomerViewParams::new()
        .fit_streaming(&path, &options)
        .unwrap();
    assert_eq!(streamed.view.dimensions(), ["Country"]);
}

#[test]
fn the_summary_by_a_dimension_streams_as_the_loaded_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = online_retail_file(dir.path());
    let end = chrono::NaiveDate::from_ymd_opt(2011, 6, 30).unwrap();
    for params in [RfmParams::new(), RfmParams::new().observation_end(end)] {
        for drop_duplicates in [false, true] {
            summary_by_agrees(&path, &params, &by_country(drop_duplicates), "Country");
        }
    }
    // A dimension that was not loaded: the same setting named both ways.
    let tx = Transactions::load(&path, &by_country(false)).unwrap();
    let table = RfmParams::new().fit(&tx).unwrap();
    let loaded = table.segment_summary_by(&tx, "Region").unwrap_err();
    let streamed = RfmParams::new()
        .fit_streaming_by(&path, &by_country(false), "Region")
        .unwrap_err();
    for err in [loaded.to_string(), streamed.to_string()] {
        assert!(
            err.contains("\"Region\" is not a dimension")
                && err.contains("ColumnRoles::dimensions"),
            "{err}"
        );
    }
    // The CLI prints the same summary from a streamed file as from the loaded bundled data.
    let run = |input: Option<&Path>| {
        let mut args = vec!["rfm"];
        if let Some(input) = input {
            args.push(input.to_str().unwrap());
        }
        args.extend(["--dimension", "Country", "--by", "Country"]);
        let result = run_custseg(&args);
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        String::from_utf8(result.stdout).unwrap()
    };
    let streamed = run(Some(&path));
    assert_eq!(streamed, run(None));
    assert!(streamed.contains("United Kingdom"), "{streamed}");
}

#[test]
fn several_files_stream_as_one_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(custseg::data::bundled::ONLINE_RETAIL_CSV_GZ)
        .read_to_string(&mut text)
        .unwrap();
    let (header, body) = text.split_once('\n').unwrap();
    let lines: Vec<&str> = body.lines().collect();
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    // Cut mid-invoice, so that an invoice and its duplicates span two files.
    for (i, rows) in lines.chunks(lines.len() / 3 + 1).enumerate() {
        let mut part = String::from(header);
        part.push('\n');
        for row in rows {
            part.push_str(row);
            part.push('\n');
        }
        std::fs::write(parts.join(format!("part{i}.csv")), part).unwrap();
    }
    let whole = online_retail_file(dir.path());
    for options in [LoadOptions::default(), with_duplicates_dropped()] {
        assert!(agree(&parts, &RfmParams::new(), &options));
        assert!(sanity_agrees(&parts, &options));
        let one = RfmParams::new().fit_streaming(&whole, &options).unwrap();
        let three = RfmParams::new().fit_streaming(&parts, &options).unwrap();
        assert!(one.table.frame().equals_missing(&three.table.frame()));
        assert_eq!(one.accounting, three.accounting);
    }
    let pattern = parts.join("part*.csv");
    assert!(agree(&pattern, &RfmParams::new(), &LoadOptions::default()));
    for drop_duplicates in [false, true] {
        let options = by_country(drop_duplicates);
        assert!(view_agrees(&pattern, &CustomerViewParams::new(), &options));
        summary_by_agrees(&pattern, &RfmParams::new(), &options, "Country");
        let one = CustomerViewParams::new()
            .fit_streaming(&whole, &options)
            .unwrap();
        let three = CustomerViewParams::new()
            .fit_streaming(&parts, &options)
            .unwrap();
        same_bits(&one.view.frame(), &three.view.frame()).unwrap();
        assert_eq!(one.accounting, three.accounting);
    }
}

#[test]
fn generated_study_files_give_the_loaded_table() {
    let dir = tempfile::tempdir().unwrap();
    for dataset in Dataset::ALL {
        let path = dir.path().join(format!("{}.csv", dataset.name()));
        GenerateParams::new(dataset)
            .rows(20_000)
            .seed(3)
            .write(&path)
            .unwrap();
        for options in [LoadOptions::default(), with_duplicates_dropped()] {
            agree(&path, &RfmParams::new(), &options);
            sanity_agrees(&path, &options);
        }
        // Every text column of the study as a dimension, within the view's limit of values.
        let dimensions: Vec<String> = match dataset {
            Dataset::Supermarket => vec!["BASKET_DOMINANT_MISSION".into(), "STORE_FORMAT".into()],
            Dataset::Health => vec!["location".into()],
            Dataset::OnlineRetail => vec!["Country".into()],
            _ => Vec::new(),
        };
        for drop_duplicates in [false, true] {
            let options = LoadOptions {
                roles: ColumnRoles {
                    dimensions: dimensions.clone(),
                    ..Default::default()
                },
                rules: CleaningRules {
                    drop_duplicates,
                    ..Default::default()
                },
                ..Default::default()
            };
            view_agrees(&path, &CustomerViewParams::new(), &options);
        }
    }
}

#[test]
fn the_cli_writes_the_loaded_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = online_retail_file(dir.path());
    let out = dir.path().join("rfm.csv");
    let run = run_custseg(&[
        "rfm",
        path.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let tx = Transactions::load(&path, &LoadOptions::default()).unwrap();
    let mut expected = RfmParams::new().fit(&tx).unwrap().export_frame().unwrap();
    let expected_path = dir.path().join("expected.csv");
    let mut file = std::fs::File::create(&expected_path).unwrap();
    CsvWriter::new(&mut file).finish(&mut expected).unwrap();
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().count(), 4_339);
    assert_eq!(written, std::fs::read_to_string(&expected_path).unwrap());
}

/// The bundled data's raw columns (text, as read from the CSV).
fn online_retail_raw() -> polars::prelude::DataFrame {
    custseg::data::bundled::online_retail_raw(&ReadOptions::default())
        .unwrap()
        .frame
}

fn write_parquet(frame: &mut polars::prelude::DataFrame, path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    polars::prelude::ParquetWriter::new(file)
        .with_row_group_size(Some(50_000))
        .finish(frame)
        .unwrap();
}

#[test]
fn parquet_files_stream_row_group_by_row_group() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    // Text columns, as a CSV converted without types.
    let text = dir.path().join("text.parquet");
    write_parquet(&mut online_retail_raw(), &text);
    // Typed columns, as pandas writes them: integer quantities, float prices and customer ids
    // (17850.0), timestamps.
    let mut typed = online_retail_raw();
    let stamps: Int64Chunked = typed
        .column("InvoiceDate")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.and_then(|v| custseg::data::dates::DateFormat::YearFirst.parse(v)))
        .collect();
    let stamps = stamps
        .into_datetime(TimeUnit::Milliseconds, None)
        .into_series()
        .with_name("InvoiceDate".into());
    typed.with_column(stamps.into_column()).unwrap();
    for (name, dtype) in [
        ("Quantity", DataType::Int64),
        ("UnitPrice", DataType::Float64),
        ("CustomerID", DataType::Float64),
    ] {
        let cast = typed.column(name).unwrap().cast(&dtype).unwrap();
        typed.with_column(cast).unwrap();
    }
    let typed_path = dir.path().join("typed.parquet");
    write_parquet(&mut typed, &typed_path);
    for path in [&text, &typed_path] {
        for options in [LoadOptions::default(), with_duplicates_dropped()] {
            assert!(
                agree(path, &RfmParams::new(), &options),
                "{}",
                path.display()
            );
        }
    }
    // The same table as the CSV, and a CSV and a Parquet file together as one input.
    let whole = online_retail_file(dir.path());
    let options = with_duplicates_dropped();
    let from_csv = RfmParams::new().fit_streaming(&whole, &options).unwrap();
    let from_parquet = RfmParams::new().fit_streaming(&text, &options).unwrap();
    assert!(
        from_csv
            .table
            .frame()
            .equals_missing(&from_parquet.table.frame())
    );
    assert_eq!(from_csv.accounting, from_parquet.accounting);
    let mixed = dir.path().join("mixed");
    std::fs::create_dir(&mixed).unwrap();
    let raw = online_retail_raw();
    let mut first = raw.slice(0, 300_000);
    let mut second = raw.slice(300_000, raw.height());
    write_parquet(&mut first, &mixed.join("a.parquet"));
    let file = std::fs::File::create(mixed.join("b.csv")).unwrap();
    CsvWriter::new(file).finish(&mut second).unwrap();
    assert!(agree(&mixed, &RfmParams::new(), &options));
    let both = RfmParams::new().fit_streaming(&mixed, &options).unwrap();
    assert!(from_csv.table.frame().equals_missing(&both.table.frame()));
    // The view and the summary by country, from text and typed Parquet, alone and beside a CSV
    // file.
    for path in [&text, &typed_path, &mixed] {
        for drop_duplicates in [false, true] {
            let options = by_country(drop_duplicates);
            assert!(
                view_agrees(path, &CustomerViewParams::new(), &options),
                "{}",
                path.display()
            );
            summary_by_agrees(path, &RfmParams::new(), &options, "Country");
            assert!(sanity_agrees(path, &options), "{}", path.display());
        }
    }
}

/// Small Parquet files with the values a batch must read as the loader does: a row null in every
/// column (blank) and one null in every column the roles read but not in another (a missing
/// customer, not blank), ids as whitespace, empty text and floats, unreadable text values, and
/// typed integer, float and date columns.
#[test]
fn parquet_edge_values_stream_as_the_loader_reads_them() {
    use DropReason as R;
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let text = |values: &[Option<&str>]| values.iter().copied().collect::<StringChunked>();
    let mut as_text = DataFrame::new(
        11,
        vec![
            text(&[
                Some("1"),
                Some("1"),
                None,
                None,
                Some("2"),
                Some("3"),
                Some("4"),
                Some("C5"),
                Some("6"),
                Some("7"),
                // The invoice of a row without a customer, again on a row with one.
                Some("7"),
            ])
            .with_name("InvoiceNo".into())
            .into_column(),
            text(&[
                Some("17850"),
                Some("17850"),
                None,
                None,
                Some("  "),
                Some("12346.0"),
                Some("12346"),
                Some("12346"),
                Some("12347"),
                Some(""),
                Some("12347"),
            ])
            .with_name("CustomerID".into())
            .into_column(),
            text(&[
                Some("2011-01-02 10:00"),
                Some("2011-01-02 10:00"),
                None,
                None,
                Some("2011-01-03"),
                Some("not a date"),
                Some("2011-02-01"),
                Some("2011-02-02"),
                Some("2011-02-03"),
                Some("2011-02-04"),
                Some(""),
            ])
            .with_name("InvoiceDate".into())
            .into_column(),
            text(&[
                Some("2"),
                Some("2"),
                None,
                None,
                Some("1"),
                Some("1"),
                Some("abc"),
                Some("1"),
                Some("1"),
                Some("1"),
                Some("1"),
            ])
            .with_name("Quantity".into())
            .into_column(),
            text(&[
                Some("1.5"),
                Some("1.5"),
                None,
                None,
                Some("1"),
                Some("1"),
                Some("1"),
                Some("1"),
                Some("0"),
                Some("1"),
                Some("1"),
            ])
            .with_name("UnitPrice".into())
            .into_column(),
            text(&[
                Some("A"),
                Some("A"),
                None,
                None,
                Some("B"),
                Some("B"),
                Some("B"),
                Some("B"),
                Some("B"),
                Some("B"),
                Some("B"),
            ])
            .with_name("StockCode".into())
            .into_column(),
            text(&[
                Some("x"),
                None,
                Some("a note only"),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ])
            .with_name("Note".into())
            .into_column(),
        ],
    )
    .unwrap();
    let text_path = dir.path().join("text.parquet");
    write_parquet(&mut as_text, &text_path);
    let days = |values: &[Option<i32>]| {
        values
            .iter()
            .copied()
            .collect::<Int32Chunked>()
            .into_date()
            .into_series()
    };
    // 2011-01-02 is day 14976 since 1970.
    let mut typed = DataFrame::new(
        7,
        vec![
            Int64Chunked::from_slice_options(
                "InvoiceNo".into(),
                &[Some(1), Some(2), None, None, Some(3), Some(4), Some(5)],
            )
            .into_column(),
            Float64Chunked::from_slice_options(
                "CustomerID".into(),
                &[
                    Some(17850.0),
                    Some(17850.5),
                    None,
                    None,
                    Some(12346.0),
                    Some(12346.0),
                    Some(12346.0),
                ],
            )
            .into_column(),
            days(&[
                Some(14976),
                Some(14977),
                None,
                None,
                None,
                Some(14979),
                Some(14980),
            ])
            .with_name("InvoiceDate".into())
            .into_column(),
            Int32Chunked::from_slice_options(
                "Quantity".into(),
                &[Some(2), Some(1), None, None, Some(1), None, Some(-1)],
            )
            .into_column(),
            Float64Chunked::from_slice_options(
                "UnitPrice".into(),
                &[
                    Some(1.5),
                    Some(2.0),
                    None,
                    None,
                    Some(1.0),
                    Some(1.0),
                    Some(1.0),
                ],
            )
            .into_column(),
            text(&[Some("x"), None, Some("a note only"), None, None, None, None])
                .with_name("Note".into())
                .into_column(),
        ],
    )
    .unwrap();
    let typed_path = dir.path().join("typed.parquet");
    write_parquet(&mut typed, &typed_path);
    for path in [&text_path, &typed_path] {
        for options in [LoadOptions::default(), with_duplicates_dropped()] {
            assert!(
                agree(path, &RfmParams::new(), &options),
                "{}",
                path.display()
            );
            assert!(sanity_agrees(path, &options), "{}", path.display());
        }
    }
    // Counted by hand from the rows above.
    let text_rfm = RfmParams::new()
        .fit_streaming(&text_path, &LoadOptions::default())
        .unwrap();
    assert_eq!(
        text_rfm.accounting.dropped,
        vec![
            (R::BlankRow, 1),
            (R::MissingCustomer, 3),
            (R::Cancellation, 1),
            (R::UnparsableDate, 1),
            (R::MissingDate, 1),
            (R::UnparsableQuantity, 1),
            (R::NonPositivePrice, 1),
        ]
    );
    assert_eq!(
        (text_rfm.accounting.rows_in, text_rfm.accounting.rows_kept),
        (11, 2)
    );
    let deduplicated = RfmParams::new()
        .fit_streaming(&text_path, &with_duplicates_dropped())
        .unwrap();
    assert_eq!(deduplicated.accounting.rows_kept, 1);
    assert_eq!(
        deduplicated.accounting.dropped.last(),
        Some(&(R::Duplicate, 1))
    );
    let typed_rfm = RfmParams::new()
        .fit_streaming(&typed_path, &LoadOptions::default())
        .unwrap();
    assert_eq!(
        typed_rfm.accounting.dropped,
        vec![
            (R::BlankRow, 1),
            (R::MissingCustomer, 1),
            (R::MissingDate, 1),
            (R::MissingQuantity, 1),
            (R::NonPositiveQuantity, 1),
        ]
    );
    let frame = typed_rfm.table.frame();
    let ids: Vec<Option<&str>> = frame
        .column("customer_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(ids, vec![Some("17850"), Some("17850.5")]);
}

/// A float customer id column whose batches differ (whole numbers in the first, a fraction in
/// the last) is read one way over the whole file, as the loader reads it: `-5.0` stays `-5.0`.
/// Also: typed dates with a date layout given report year first, as the loader does.
#[test]
fn float_ids_are_read_one_way_over_the_whole_file() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let rows = 400_000;
    let ids: Vec<f64> = (0..rows)
        .map(|row| if row + 1 == rows { 17850.5 } else { -5.0 })
        .collect();
    let invoices: Vec<String> = (0..rows).map(|row| format!("{}", 1000 + row / 4)).collect();
    let days: Vec<i32> = (0..rows).map(|row| 14976 + (row / 1000) as i32).collect();
    let mut frame = DataFrame::new(
        rows,
        vec![
            Column::new("InvoiceNo".into(), invoices),
            Column::new("CustomerID".into(), ids),
            Column::new("InvoiceDate".into(), days)
                .cast(&DataType::Date)
                .unwrap(),
            Column::new("Quantity".into(), vec![1i64; rows]),
            Column::new("UnitPrice".into(), vec![2.5f64; rows]),
        ],
    )
    .unwrap();
    let path = dir.path().join("float_ids.parquet");
    write_parquet(&mut frame, &path);
    assert!(agree(&path, &RfmParams::new(), &LoadOptions::default()));
    let streamed = RfmParams::new()
        .fit_streaming(&path, &LoadOptions::default())
        .unwrap();
    assert!(streamed.streamed);
    let table = streamed.table.frame();
    let ids: Vec<Option<&str>> = table
        .column("customer_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(ids, vec![Some("-5.0"), Some("17850.5")]);
    let day_first = LoadOptions {
        date_format: Some(custseg::data::dates::DateFormat::DayFirst),
        ..Default::default()
    };
    assert!(sanity_agrees(&path, &day_first));
}

#[test]
fn generated_parquet_streams() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retail.parquet");
    GenerateParams::new(Dataset::OnlineRetail)
        .rows(300_000)
        .seed(4)
        .write(&path)
        .unwrap();
    for options in [LoadOptions::default(), with_duplicates_dropped()] {
        assert!(agree(&path, &RfmParams::new(), &options));
        assert!(sanity_agrees(&path, &options));
    }
    for drop_duplicates in [false, true] {
        assert!(view_agrees(
            &path,
            &CustomerViewParams::new(),
            &by_country(drop_duplicates)
        ));
    }
}

#[test]
fn cluster_on_rfm_features_streams_and_assigns_as_the_loaded_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = online_retail_file(dir.path());
    let run = |input: Option<&Path>, name: &str| {
        let out = dir.path().join(format!("{name}.csv"));
        let selection = dir.path().join(format!("{name}_selection.csv"));
        let mut args = vec!["cluster"];
        if let Some(input) = input {
            args.push(input.to_str().unwrap());
        }
        let (out_text, selection_text) = (
            out.to_str().unwrap().to_string(),
            selection.to_str().unwrap().to_string(),
        );
        args.extend([
            "--k",
            "3..4",
            "--assign",
            "4",
            "--seed",
            "1",
            "--output",
            &out_text,
            "--selection",
            &selection_text,
        ]);
        let result = run_custseg(&args);
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        (
            std::fs::read_to_string(out).unwrap(),
            std::fs::read_to_string(selection).unwrap(),
        )
    };
    // The file streams; without an input the bundled data is loaded in memory.
    let streamed = run(Some(&path), "streamed");
    let loaded = run(None, "loaded");
    assert_eq!(streamed.0.lines().count(), 4_339);
    assert_eq!(streamed, loaded);
}

#[test]
fn the_cli_view_streams_a_file_as_the_loaded_bundled_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = online_retail_file(dir.path());
    let run = |input: Option<&Path>, name: &str| {
        let out = dir.path().join(format!("{name}.csv"));
        let mut args = vec!["view"];
        if let Some(input) = input {
            args.push(input.to_str().unwrap());
        }
        let out_text = out.to_str().unwrap().to_string();
        args.extend(["--dimension", "Country", "--output", &out_text]);
        let result = run_custseg(&args);
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        let stderr = String::from_utf8_lossy(&result.stderr).to_string();
        (std::fs::read_to_string(out).unwrap(), stderr)
    };
    // The file streams (no note that it was loaded); without an input the bundled data is loaded.
    let (streamed, notes) = run(Some(&path), "streamed");
    let (loaded, _) = run(None, "loaded");
    assert!(!notes.contains("loaded in memory"), "{notes}");
    assert!(notes.contains("kept 397884 of 541909 rows"), "{notes}");
    assert_eq!(streamed.lines().count(), 4_339);
    assert_eq!(streamed, loaded);
}

#[test]
fn the_cli_sanity_report_streams_and_says_what_the_loaded_one_says() {
    let dir = tempfile::tempdir().unwrap();
    let path = online_retail_file(dir.path());
    let run = run_custseg(&["sanity", path.to_str().unwrap()]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(!String::from_utf8_lossy(&run.stderr).contains("loaded in memory"));
    let expected = Transactions::load(&path, &LoadOptions::default())
        .unwrap()
        .sanity()
        .to_string();
    assert_eq!(String::from_utf8(run.stdout).unwrap(), expected);
}
