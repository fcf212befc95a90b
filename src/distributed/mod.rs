//! RFM on an Apache DataFusion Ballista cluster, for inputs one machine cannot read in time
//! (cargo feature `distributed`).
//!
//! What runs where:
//! - **Here**: the input's files are listed and their Parquet footers read (every file must have
//!   the same columns and types), the column roles resolved, and a DataFusion plan built from the
//!   cleaning rules ([`crate::data::clean`]'s list of checks, the same list the local loader
//!   evaluates).
//! - **On the cluster**: every row is typed and given its fate (kept, or the first rule that drops
//!   it), and the kept rows are aggregated per customer: last date, distinct purchases, and the
//!   spend as two exact integer sums ([`crate::exact_sum`]). The answer is one row per customer
//!   plus one per drop reason.
//! - **Here again**: scores, segments and everything after, on that small table, with the same
//!   code as the local engine: the same bytes out.
//!
//! The executors read the files themselves: every path must be visible to them under the same
//! absolute path (a shared file system mounted at the same place).
//!
//! The plan reproduces the local loader exactly or refuses: what it cannot type the way the local
//! loader does (dates that are not `YYYY-MM-DD[ HH:MM:SS]` text or typed dates, text numbers,
//! whole-number float ids with fractions, duplicates to drop, JSON baskets) is an error that says
//! so, never a different answer.

mod plan;

use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Duration as Days;

use crate::data::clean::{DropReason, RowAccounting, accounting};
use crate::data::dates::{MS_PER_DAY, day_number};
use crate::data::inputs::input_files;
use crate::data::transactions::LoadOptions;
use crate::error::{Error, Result};
use crate::exact_sum::ExactSum;
use crate::rfm::streamed::CustomerTotals;
use crate::rfm::{RfmParams, StreamedRfm};

/// A Ballista cluster, by its scheduler's address.
///
/// ```no_run
/// use custseg::prelude::*;
/// use custseg::distributed::BallistaEngine;
/// let engine = BallistaEngine::new("df://10.0.0.5:50050")?;
/// let rfm = RfmParams::new().fit_distributed("/shared/sales/*.parquet", &LoadOptions::default(), &engine)?;
/// println!("{}", rfm.table.segment_summary()?);
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct BallistaEngine {
    address: String,
    host: String,
    port: u16,
    timeout: Duration,
}

impl BallistaEngine {
    /// The cluster whose scheduler listens at `address`, written `df://HOST:PORT` (Ballista's
    /// default port, 50050, when left out).
    pub fn new(address: &str) -> Result<BallistaEngine> {
        let bad = |why: &str| {
            Error::param(
                "BallistaEngine::new",
                format!("\"{address}\" {why}; write the scheduler's address as df://HOST:PORT"),
            )
        };
        let rest = address
            .strip_prefix("df://")
            .ok_or_else(|| bad("does not start with df://"))?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .map_err(|_| bad("has a port that is not a number from 0 to 65535"))?,
            ),
            None => (rest, 50050),
        };
        if host.is_empty() || host.contains('/') {
            return Err(bad("has no host name"));
        }
        Ok(BallistaEngine {
            address: format!("df://{host}:{port}"),
            host: host.to_string(),
            port,
            timeout: Duration::from_secs(3600),
        })
    }

    /// Gives up on a query after `timeout` (default one hour): a cluster that lost every
    /// executor fails its jobs after its own grace period, but a client should not wait forever.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The address, `df://HOST:PORT`.
    pub fn address(&self) -> &str {
        &self.address
    }

    fn error(&self, message: impl Into<String>) -> Error {
        Error::Engine {
            address: self.address.clone(),
            message: message.into(),
        }
    }

    /// Fails early, with a message a user can act on, when nothing listens at the address.
    fn check_reachable(&self) -> Result<()> {
        let addresses: Vec<_> = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| self.error(format!("cannot resolve the host name: {e}")))?
            .collect();
        let mut last = None;
        for address in addresses {
            match std::net::TcpStream::connect_timeout(&address, Duration::from_secs(10)) {
                Ok(_) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        Err(self.error(format!(
            "cannot connect to the Ballista scheduler ({}); check that it runs and listens on \
             this host and port",
            last.map_or_else(|| "no address".to_string(), |e| e.to_string())
        )))
    }
}

impl RfmParams {
    /// Computes the RFM table on a Ballista cluster: the rows are read, cleaned and aggregated
    /// per customer by the cluster's executors, and the small per-customer table is scored here.
    /// The result (table and row accounting) is the same, to the byte, as
    /// [`RfmParams::fit_streaming`] on this machine, or an error says why this input needs the
    /// local engine (see the [module documentation](crate::distributed)).
    ///
    /// `input` is a Parquet file, a directory of them or a glob, as [`RfmParams::fit_streaming`]
    /// takes it; the executors must see the files under the same absolute paths.
    pub fn fit_distributed(
        &self,
        input: impl AsRef<Path>,
        options: &LoadOptions,
        engine: &BallistaEngine,
    ) -> Result<StreamedRfm> {
        self.check()?;
        options.rules.check()?;
        let files = parquet_files(input.as_ref())?;
        let input = plan::Input::inspect(&files, options)?;
        engine.check_reachable()?;
        let cutoff = self
            .observation_end_day()
            .map(|end| day_number(end + Days::days(1)) * MS_PER_DAY);
        let answer = plan::run(engine, &files, &input, options, cutoff)?;
        let accounting = tally(&answer, &input, engine)?;
        let customers = &answer.customers;
        let totals = CustomerTotals {
            ids: customers.iter().map(|c| c.id.as_str()).collect(),
            last: customers.iter().map(|c| c.last).collect(),
            frequency: customers.iter().map(|c| c.purchases).collect(),
            monetary: customers.iter().map(|c| c.spend.value()).collect(),
        };
        let table = self.table_from_customers(totals, input.roles.invoice.is_some())?;
        Ok(StreamedRfm {
            table,
            accounting,
            streamed: true,
        })
    }
}

/// The input's files, absolute (the executors open them by these paths), all Parquet.
fn parquet_files(input: &Path) -> Result<Vec<PathBuf>> {
    let files = input_files(input)?;
    files
        .into_iter()
        .map(|file| {
            let parquet = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
            if !parquet {
                return Err(Error::format(
                    &file,
                    "the distributed engine reads Parquet files (named *.parquet); read this \
                     file on this machine (RfmParams::fit_streaming) or convert it to Parquet",
                ));
            }
            std::path::absolute(&file).map_err(|e| Error::io(&file, e))
        })
        .collect()
}

/// One customer with a purchase, as the cluster returned it.
struct Customer {
    id: String,
    /// Last purchase, ms since 1970.
    last: i64,
    purchases: i64,
    spend: ExactSum,
}

/// The cluster's answer: rows per fate and the kept rows per customer.
pub(crate) struct Answer {
    /// (fate, rows): a [`DropReason`]'s position in [`DropReason::ALL`], [`plan::KEPT`], or one
    /// of the `plan::UNSUPPORTED_*` codes.
    fates: Vec<(i32, i64)>,
    /// Customers whose every row is after the observation end have no purchase: left out.
    customers: Vec<Customer>,
    /// Values the plan refused to type, one per kind found (for the error message).
    examples: Vec<(i32, String)>,
}

/// The row accounting from the rows per fate, or the error for values the plan refused.
fn tally(answer: &Answer, input: &plan::Input, engine: &BallistaEngine) -> Result<RowAccounting> {
    for (fate, rows) in &answer.fates {
        if let Some(why) = plan::unsupported(*fate, input) {
            let example = answer
                .examples
                .iter()
                .find(|(f, _)| f == fate)
                .map(|(_, e)| format!(" (for example \"{}\")", crate::format::shorten(e, 40)))
                .unwrap_or_default();
            return Err(Error::Column {
                path: input.first_file.clone(),
                column: why.0.to_string(),
                message: format!(
                    "{rows} row(s) hold {}{example}, which the distributed engine at {} does \
                     not read the way the local loader does; {}",
                    why.1,
                    engine.address(),
                    why.2
                ),
            });
        }
    }
    let mut counts = [0usize; DropReason::ALL.len()];
    let (mut rows_in, mut rows_kept) = (0usize, 0usize);
    for (fate, rows) in &answer.fates {
        let rows = usize::try_from(*rows).unwrap_or(0);
        rows_in += rows;
        match usize::try_from(*fate) {
            Ok(reason) if reason < counts.len() => counts[reason] += rows,
            _ => rows_kept += rows,
        }
    }
    Ok(accounting(rows_in, rows_kept, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_df_host_port() {
        let engine = BallistaEngine::new("df://10.0.0.5:50051").unwrap();
        assert_eq!(engine.address(), "df://10.0.0.5:50051");
        assert_eq!((engine.host.as_str(), engine.port), ("10.0.0.5", 50051));
        // Ballista's default port when none is given.
        assert_eq!(
            BallistaEngine::new("df://scheduler/").unwrap().address(),
            "df://scheduler:50050"
        );
        for bad in [
            "10.0.0.5:50050",
            "df://",
            "df://host:port",
            "df://host:70000",
        ] {
            let error = BallistaEngine::new(bad).unwrap_err().to_string();
            assert!(
                error.contains("df://HOST:PORT") && error.contains(bad),
                "{error}"
            );
        }
    }

    #[test]
    fn nothing_listening_is_an_error_naming_the_address() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let engine = BallistaEngine::new(&format!("df://127.0.0.1:{port}")).unwrap();
        let error = engine.check_reachable().unwrap_err().to_string();
        assert!(
            error.starts_with(&format!("engine df://127.0.0.1:{port}: cannot connect")),
            "{error}"
        );
    }

    #[test]
    fn only_parquet_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("sales.csv");
        std::fs::write(&csv, "a\n1\n").unwrap();
        let error = parquet_files(&csv).unwrap_err().to_string();
        assert!(
            error.contains("sales.csv") && error.contains("Parquet"),
            "{error}"
        );
    }
}
