//! The bundled UCI Online Retail data: the study's known facts and full pandas parity.

mod common;

use common::*;
use custseg::prelude::*;

#[test]
fn known_facts_of_the_online_retail_study() {
    let tx = Transactions::bundled(&LoadOptions::default()).unwrap();
    let s = tx.sanity();
    let a = &s.accounting;
    assert_eq!(a.rows_in, 541_909);
    assert_eq!(a.rows_kept, 397_884);
    assert_eq!(a.dropped_for(DropReason::MissingCustomer), 135_080);
    // 9,288 cancellation rows, 383 of them without a customer (counted there first).
    assert_eq!(a.dropped_for(DropReason::Cancellation), 9_288 - 383);
    assert_eq!(a.dropped_for(DropReason::NonPositivePrice), 40);
    assert!(a.check());
    assert_eq!(s.customers, 4_338);
    let missing: std::collections::HashMap<_, _> = s.missing_values.iter().cloned().collect();
    assert_eq!(missing["Description"], 1_454);
    assert_eq!(missing["CustomerID"], 135_080);
    assert_eq!(s.first_date.to_string(), "2010-12-01 08:26:00");
    assert_eq!(s.last_date.to_string(), "2011-12-09 12:50:00");
    assert_eq!(s.months.len(), 13);
    assert!(s.gaps.is_empty());
    assert_eq!(s.months.iter().map(|m| m.rows).sum::<usize>(), 397_884);
    // Without cleaning the raw counts of the SOURCE.md show through.
    let keep_all = LoadOptions {
        rules: CleaningRules {
            drop_cancellations: false,
            drop_non_positive_quantity: false,
            drop_non_positive_price: false,
            ..Default::default()
        },
        ..Default::default()
    };
    let raw = Transactions::bundled(&keep_all).unwrap();
    assert_eq!(raw.sanity().accounting.rows_kept, 541_909 - 135_080);
    assert_eq!(raw.sanity().customers, 4_372);
}

#[test]
fn full_rfm_equals_pandas() {
    let tx = Transactions::bundled(&LoadOptions::default()).unwrap();
    let table = RfmParams::new()
        .segments(SegmentMap::rf_regex())
        .fit(&tx)
        .unwrap();
    assert_rfm_matches(&table, "parity/online_retail_expected.csv");
}
