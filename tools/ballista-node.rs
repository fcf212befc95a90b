//! One Apache DataFusion Ballista process, scheduler or executor, on this machine.
//!
//! custseg's live-cluster test (`scripts/test-distributed.sh`) starts a scheduler and two
//! executors of this binary as separate processes on 127.0.0.1. It is built from the pinned
//! Ballista crates (`ballista-scheduler`, `ballista-executor` 55.0.0) with the DataFusion that
//! custseg's `distributed` feature uses, so one build of DataFusion serves the test's cluster and
//! custseg; the upstream `ballista-scheduler` and `ballista-executor` binaries would each build
//! their own (and their command-line front ends) for no difference in what runs.
//!
//! The failure timings are short (executors declared lost after a few seconds without a
//! heartbeat) so that the test of a lost executor finishes quickly; a production cluster keeps
//! Ballista's defaults.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "A Ballista scheduler or executor for custseg's live-cluster test")]
struct Args {
    #[command(subcommand)]
    role: Role,
}

#[derive(Subcommand)]
enum Role {
    /// The scheduler: plans jobs and hands tasks to executors.
    Scheduler {
        /// Port of the scheduler's gRPC service on 127.0.0.1 (what `df://127.0.0.1:PORT` names).
        #[arg(long)]
        port: u16,
        /// Seconds without a heartbeat after which an executor counts as lost.
        #[arg(long, default_value_t = 6)]
        executor_timeout: u64,
    },
    /// An executor: runs tasks and serves their results.
    Executor {
        /// The scheduler's port on 127.0.0.1.
        #[arg(long)]
        scheduler_port: u16,
        /// Arrow Flight port (results and shuffles).
        #[arg(long)]
        flight_port: u16,
        /// gRPC port (tasks pushed by the scheduler).
        #[arg(long)]
        grpc_port: u16,
        /// Directory for shuffle files.
        #[arg(long)]
        work_dir: String,
        /// Tasks run at once.
        #[arg(long, default_value_t = 1)]
        slots: usize,
    },
}

fn main() {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // The upstream binaries' stack size: DataFusion plans recurse.
        .thread_stack_size(32 * 1024 * 1024)
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("ballista-node: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(async {
        match args.role {
            Role::Scheduler {
                port,
                executor_timeout,
            } => scheduler(port, executor_timeout).await,
            Role::Executor {
                scheduler_port,
                flight_port,
                grpc_port,
                work_dir,
                slots,
            } => executor(scheduler_port, flight_port, grpc_port, work_dir, slots).await,
        }
    });
    if let Err(e) = result {
        eprintln!("ballista-node: {e}");
        std::process::exit(1);
    }
}

async fn scheduler(port: u16, executor_timeout: u64) -> Result<(), String> {
    let mut config = SchedulerConfig::default()
        .with_hostname("127.0.0.1")
        .with_port(port);
    config.executor_timeout_seconds = executor_timeout;
    config.expire_dead_executor_interval_seconds = 1;
    config = config.with_no_executors_grace_period_seconds(executor_timeout);
    let address: SocketAddr = ([127, 0, 0, 1], port).into();
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| e.to_string())?;
    start_server(cluster, address, Arc::new(config))
        .await
        .map_err(|e| e.to_string())
}

async fn executor(
    scheduler_port: u16,
    flight_port: u16,
    grpc_port: u16,
    work_dir: String,
    slots: usize,
) -> Result<(), String> {
    std::fs::create_dir_all(&work_dir).map_err(|e| format!("{work_dir}: {e}"))?;
    let config = ExecutorProcessConfig {
        bind_host: "127.0.0.1".into(),
        external_host: Some("127.0.0.1".into()),
        port: flight_port,
        grpc_port,
        scheduler_host: "127.0.0.1".into(),
        scheduler_port,
        vcores: slots,
        work_dir: Some(work_dir),
        executor_heartbeat_interval_seconds: 1,
        ..Default::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| e.to_string())
}
