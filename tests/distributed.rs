//! The `distributed` feature against a real Ballista cluster: a scheduler and two executors
//! started here as separate processes on 127.0.0.1 (tools/ballista-node, built from the pinned
//! Ballista crates), stopped when the test ends, also on failure.
//!
//! Run by `scripts/test-distributed.sh`:
//! `cargo test --release --features ballista-node --test distributed`.
#![cfg(feature = "ballista-node")]

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::*;
use custseg::data::clean::Period;
use custseg::distributed::BallistaEngine;
use custseg::prelude::*;

/// A free loopback port (the listener is dropped, so the port is free when used just after).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn node_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_custseg-ballista-node"))
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A scheduler and executors; every process is killed when this is dropped.
struct Cluster {
    address: String,
    processes: Vec<Child>,
    executors: Vec<usize>,
    /// Holds the node binary, the executors' work directories and the data.
    dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts a scheduler and `executors` executors. As root, the executors run as `nobody`, so
    /// that a file only root can read is one the executors cannot (the data directory is
    /// readable by all).
    fn start(executors: usize) -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("custseg-ballista")
            .tempdir()
            .unwrap();
        set_mode(dir.path(), 0o755);
        // A copy anyone may run (the target directory may sit under a private home).
        let node = dir.path().join("custseg-ballista-node");
        std::fs::copy(node_binary(), &node).unwrap();
        set_mode(&node, 0o755);
        let port = free_port();
        let mut cluster = Cluster {
            address: format!("df://127.0.0.1:{port}"),
            processes: Vec::new(),
            executors: Vec::new(),
            dir,
        };
        let log = |name: &str| std::fs::File::create(cluster_log(&node, name)).unwrap();
        let scheduler = Command::new(&node)
            .args(["scheduler", "--port", &port.to_string()])
            .stdout(log("scheduler"))
            .stderr(log("scheduler.err"))
            .spawn()
            .unwrap();
        cluster.processes.push(scheduler);
        wait_for_port(port);
        for i in 0..executors {
            let work = cluster.dir.path().join(format!("work-{i}"));
            std::fs::create_dir_all(&work).unwrap();
            set_mode(&work, 0o777);
            let mut command = Command::new(&node);
            if running_as_root() {
                command = Command::new("setpriv");
                command.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"]);
                command.arg(&node);
            }
            let (flight, grpc) = (free_port(), free_port());
            command
                .args(["executor", "--scheduler-port", &port.to_string()])
                .args(["--flight-port", &flight.to_string()])
                .args(["--grpc-port", &grpc.to_string()])
                .arg("--work-dir")
                .arg(&work)
                .stdout(log(&format!("executor-{i}")))
                .stderr(log(&format!("executor-{i}.err")));
            cluster.executors.push(cluster.processes.len());
            cluster.processes.push(command.spawn().unwrap());
            wait_for_port(flight);
        }
        // Registration follows the executors' first heartbeat.
        std::thread::sleep(Duration::from_secs(2));
        cluster
    }

    fn engine(&self) -> BallistaEngine {
        BallistaEngine::new(&self.address)
            .unwrap()
            .timeout(Duration::from_secs(300))
    }

    /// A directory for data, readable by the executors.
    fn data_dir(&self) -> PathBuf {
        let data = self.dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        set_mode(&data, 0o755);
        data
    }

    fn kill_executors(&mut self) {
        for &i in &self.executors {
            let _ = self.processes[i].kill();
            let _ = self.processes[i].wait();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for process in &mut self.processes {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

fn cluster_log(node: &Path, name: &str) -> PathBuf {
    node.with_file_name(format!("{name}.log"))
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn wait_for_port(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "nothing listens on port {port} after 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The bundled Online Retail file as Parquet, with polars' types (integer CustomerID, text
/// dates), or with the CustomerID as a float, as pandas writes it.
fn bundled_parquet(dir: &Path, float_ids: bool) -> PathBuf {
    let csv = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/online-retail/online_retail.csv.gz");
    // The file's text, typed as a Parquet export would have it: numbers as numbers, the
    // CustomerID as an integer, dates left as text.
    let mut frame = custseg::data::source::read_table(&csv, &Default::default())
        .unwrap()
        .frame;
    for (name, dtype) in [
        ("CustomerID", DataType::Int64),
        ("Quantity", DataType::Int64),
        ("UnitPrice", DataType::Float64),
    ] {
        let typed = frame.column(name).unwrap().cast(&dtype).unwrap();
        frame.with_column(typed).unwrap();
    }
    if float_ids {
        let ids = frame
            .column("CustomerID")
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap();
        frame.with_column(ids).unwrap();
    }
    let name = if float_ids {
        "retail-float-ids.parquet"
    } else {
        "retail.parquet"
    };
    let path = dir.join(name);
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut frame)
        .unwrap();
    set_mode(&path, 0o644);
    path
}

/// `files` Online-Retail-shaped Parquet files of `rows` rows each (seeds 1, 2, ...) in `dir`,
/// readable by the executors.
fn generated_parts(dir: &Path, files: u32, rows: u64) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    set_mode(dir, 0o755);
    for seed in 1..=files {
        let file = dir.join(format!("part-{seed}.parquet"));
        let (rows, seed) = (rows.to_string(), seed.to_string());
        let out = run_custseg(&[
            "generate",
            "online-retail",
            "--rows",
            &rows,
            "--seed",
            &seed,
            "-o",
            file.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        set_mode(&file, 0o644);
    }
    dir.to_path_buf()
}

/// The same table and accounting from the cluster as from this machine.
fn assert_same(params: &RfmParams, input: &Path, options: &LoadOptions, engine: &BallistaEngine) {
    let local = params.fit_streaming(input, options).unwrap();
    let remote = params.fit_distributed(input, options, engine).unwrap();
    assert!(
        local.table.frame().equals_missing(&remote.table.frame()),
        "local:\n{}\ncluster:\n{}",
        local.table.frame(),
        remote.table.frame()
    );
    assert_eq!(local.table.snapshot(), remote.table.snapshot());
    assert_eq!(local.accounting, remote.accounting);
    assert!(remote.accounting.check());
}

#[test]
fn the_cluster_gives_the_local_engine_s_answer() {
    let cluster = Cluster::start(2);
    let engine = cluster.engine();
    let data = cluster.data_dir();

    // The bundled data, with integer and with float (pandas) customer ids.
    let retail = bundled_parquet(&data, false);
    let float_ids = bundled_parquet(&data, true);
    let params = RfmParams::new();
    assert_same(&params, &retail, &LoadOptions::default(), &engine);
    assert_same(&params, &float_ids, &LoadOptions::default(), &engine);
    // The study's numbers, as the bundled-data tests know them.
    let remote = params
        .fit_distributed(&retail, &LoadOptions::default(), &engine)
        .unwrap();
    assert_eq!(remote.table.len(), 4338);
    assert_eq!(remote.accounting.rows_in, 541_909);
    assert_eq!(remote.accounting.rows_kept, 397_884);

    // Other rules: observation end, an excluded period, cancellations and returns kept.
    let mut options = LoadOptions::default();
    options.rules.excluded_periods = vec![Period::parse("2011-03").unwrap()];
    options.rules.drop_cancellations = false;
    options.rules.drop_non_positive_quantity = false;
    let params =
        RfmParams::new().observation_end(chrono::NaiveDate::from_ymd_opt(2011, 9, 30).unwrap());
    assert_same(&params, &retail, &options, &engine);

    // Several generated files as one input (a glob), through the CLI: the same bytes.
    let parts = generated_parts(&data.join("parts"), 3, 150_000);
    let glob = parts.join("*.parquet");
    let glob = glob.to_str().unwrap();
    let (local_csv, remote_csv) = (data.join("local.csv"), data.join("remote.csv"));
    let local = run_custseg(&["rfm", glob, "--output", local_csv.to_str().unwrap()]);
    assert!(
        local.status.success(),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );
    let remote = run_custseg(&[
        "rfm",
        glob,
        "--engine",
        &cluster.address,
        "--output",
        remote_csv.to_str().unwrap(),
    ]);
    assert!(
        remote.status.success(),
        "{}",
        String::from_utf8_lossy(&remote.stderr)
    );
    let (local_bytes, remote_bytes) = (
        std::fs::read(&local_csv).unwrap(),
        std::fs::read(&remote_csv).unwrap(),
    );
    assert!(local_bytes.len() > 1000);
    assert!(local_bytes == remote_bytes, "the CLI's tables differ");
    // And the row accounting the CLI prints (dropped rows per reason) is the same.
    assert_eq!(
        String::from_utf8_lossy(&local.stderr),
        String::from_utf8_lossy(&remote.stderr)
    );
}

#[test]
fn refusals_and_failures_name_the_engine_and_the_file() {
    let mut cluster = Cluster::start(2);
    let engine = cluster.engine();
    let data = cluster.data_dir();
    let retail = bundled_parquet(&data, false);
    let params = RfmParams::new();

    // Nothing listens there.
    let nowhere = format!("df://127.0.0.1:{}", free_port());
    let error = params
        .fit_distributed(
            &retail,
            &LoadOptions::default(),
            &BallistaEngine::new(&nowhere).unwrap(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&nowhere) && error.contains("cannot connect"),
        "{error}"
    );

    // Dates the plan would not read as the local loader does: refused, not answered otherwise.
    let mut frame = df!(
        "CustomerID" => ["1", "2"],
        "InvoiceNo" => ["10", "11"],
        "InvoiceDate" => ["2011-01-02 10:00:00", "2/1/2011 10:00"],
        "Quantity" => [1i64, 2],
        "UnitPrice" => [1.5f64, 2.5],
    )
    .unwrap();
    let odd = data.join("odd-dates.parquet");
    ParquetWriter::new(std::fs::File::create(&odd).unwrap())
        .finish(&mut frame)
        .unwrap();
    set_mode(&odd, 0o644);
    let error = params
        .fit_distributed(&odd, &LoadOptions::default(), &engine)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("InvoiceDate")
            && error.contains("2/1/2011 10:00")
            && error.contains("odd-dates.parquet"),
        "{error}"
    );

    // A file the executors cannot read (they run as nobody; only root may read it).
    if running_as_root() {
        let private = data.join("private.parquet");
        std::fs::copy(&retail, &private).unwrap();
        set_mode(&private, 0o600);
        let error = params
            .fit_distributed(&private, &LoadOptions::default(), &engine)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(&cluster.address) && error.contains("private.parquet"),
            "{error}"
        );
    } else {
        eprintln!(
            "not root: the executors run as this user, so the unreadable-file case is not run"
        );
    }

    // Every executor lost while the query runs: an error naming the engine, within the
    // scheduler's grace period, not a hang.
    let parts = generated_parts(&data.join("big"), 4, 2_000_000);
    let input = parts.join("*.parquet");
    let started = Instant::now();
    let query = std::thread::spawn({
        let engine = engine.clone();
        move || RfmParams::new().fit_distributed(&input, &LoadOptions::default(), &engine)
    });
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        !query.is_finished(),
        "the query ended before the executors were stopped: use a larger input"
    );
    cluster.kill_executors();
    let error = query.join().unwrap().unwrap_err().to_string();
    assert!(error.contains(&cluster.address), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "took {:?}",
        started.elapsed()
    );
}
