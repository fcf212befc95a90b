//! Fuzz-style properties of the loader: on random bytes and on valid files with random damage it
//! never panics, never hangs, and when it loads, every row read is kept or dropped under a reason.

use std::sync::mpsc;
use std::time::Duration;

use custseg::prelude::*;
use proptest::prelude::*;

/// Far more than any of these small inputs needs; a case that takes longer is a hang.
const CASE_LIMIT: Duration = Duration::from_secs(20);

const VALID: &str =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,\"WHITE HANGING HEART, T-LIGHT\",6,2010-12-01 08:26:00,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom
C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527,United Kingdom
536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,2010-12-01 08:34:00,1.69,13047,United Kingdom
536370,22728,ALARM CLOCK BAKELIKE PINK,24,2010-12-01 08:45:00,3.75,12583,France
536371,22086,PAPER CHAIN KIT 50'S CHRISTMAS ,80,2010-12-01 09:00:00,2.55,,United Kingdom
536372,22632,HAND WARMER RED POLKA DOT,6,2010-12-01 09:01:00,1.85,17850,United Kingdom
536373,21730,GLASS STAR FROSTED T-LIGHT HOLDER,6,2010-12-01 09:02:00,4.25,17850.0,España
";

/// Loads `bytes` on another thread and checks the outcome: an error with a message, or
/// transactions whose accounting adds up.
fn holds(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(|| {
            match Transactions::from_bytes("fuzz.csv", bytes, &LoadOptions::default()) {
                Ok(tx) => {
                    let a = tx.sanity().accounting.clone();
                    Ok((
                        a.rows_in,
                        a.rows_kept,
                        a.rows_dropped(),
                        tx.frame().height(),
                    ))
                }
                Err(e) => Err(e.to_string()),
            }
        });
        let _ = sender.send(outcome);
    });
    let outcome = receiver
        .recv_timeout(CASE_LIMIT)
        .map_err(|_| TestCaseError::fail("the loader hung"))?;
    match outcome {
        Err(_) => Err(TestCaseError::fail("the loader panicked")),
        Ok(Err(message)) => {
            prop_assert!(message.contains("fuzz.csv"), "{message}");
            Ok(())
        }
        Ok(Ok((rows_in, kept, dropped, height))) => {
            prop_assert_eq!(kept + dropped, rows_in);
            prop_assert_eq!(kept, height);
            Ok(())
        }
    }
}

/// One change to a file: overwrite, insert or delete the byte at a position.
#[derive(Debug, Clone)]
enum Damage {
    Overwrite(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    // Bytes that matter to a CSV reader come up often; any byte can.
    let byte = prop_oneof![
        Just(b','),
        Just(b'"'),
        Just(b'\n'),
        Just(b'\r'),
        Just(b';'),
        Just(b'.'),
        Just(0xFF),
        Just(0),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, b)| Damage::Overwrite(at, b)),
        (any::<usize>(), byte).prop_map(|(at, b)| Damage::Insert(at, b)),
        any::<usize>().prop_map(Damage::Delete),
    ]
}

fn damaged(changes: &[Damage]) -> Vec<u8> {
    let mut bytes = VALID.as_bytes().to_vec();
    for change in changes {
        let len = bytes.len().max(1);
        match *change {
            Damage::Overwrite(at, b) if !bytes.is_empty() => bytes[at % len] = b,
            Damage::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
            Damage::Delete(at) if !bytes.is_empty() => {
                bytes.remove(at % len);
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_or_hang(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        holds(bytes)?;
    }

    #[test]
    fn damaged_files_load_with_exact_accounting_or_fail_clearly(
        changes in proptest::collection::vec(damage(), 1..12)
    ) {
        holds(damaged(&changes))?;
    }

    #[test]
    fn damaged_gzip_files_never_panic_or_hang(
        changes in proptest::collection::vec(damage(), 0..6),
        cut in any::<usize>(),
    ) {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&damaged(&changes)).unwrap();
        let mut gz = encoder.finish().unwrap();
        let keep = 2 + cut % gz.len();
        gz.truncate(keep.min(gz.len()));
        holds(gz)?;
    }
}

#[test]
fn the_valid_file_itself_keeps_what_it_should() {
    let tx = Transactions::from_bytes(
        "fuzz.csv",
        VALID.as_bytes().to_vec(),
        &LoadOptions::default(),
    )
    .unwrap();
    let a = &tx.sanity().accounting;
    assert_eq!((a.rows_in, a.rows_kept), (8, 6));
    assert_eq!(a.dropped_for(DropReason::Cancellation), 1);
    assert_eq!(a.dropped_for(DropReason::MissingCustomer), 1);
    // 17850.0 is customer 17850.
    assert_eq!(tx.sanity().customers, 3);
}
