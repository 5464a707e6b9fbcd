//! Logs (tracing, text or JSON) and the Prometheus recorder.

use std::{
    io::{BufWriter, IsTerminal},
    sync::OnceLock,
    thread,
    time::Duration,
};

use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Installs the log subscriber. Lines are written by a thread of their own,
/// in batches, so a request's log line costs the tokio workers a copy into a
/// queue rather than a write to stdout: with every request logged, the two
/// workers took turns at stdout's lock and its write (docs/DECISIONS.md).
/// Lines still queued are written when the returned guard drops, so `main`
/// holds it to the end.
pub fn init_logging(json: bool) -> WorkerGuard {
    let (writer, guard) = NonBlockingBuilder::default()
        // A full queue (128,000 lines) holds the request back rather than
        // dropping its line.
        .lossy(false)
        .thread_name("log-writer")
        .finish(BufWriter::new(std::io::stdout()));
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    if json {
        // The line names the request's span once (`span`): a list of every
        // span around it (`spans`) would repeat the same one, and each copy
        // is parsed back from its stored JSON and written again.
        registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_span_list(false)
                    .with_writer(writer),
            )
            .init();
    } else {
        // Colors only on a terminal: a file or a pipe gets plain text.
        registry
            .with(
                fmt::layer()
                    .with_ansi(std::io::stdout().is_terminal())
                    .with_writer(writer),
            )
            .init();
    }
    guard
}

/// How often the recorder folds the histograms' samples into their buckets.
/// A recorder made by `build_recorder` leaves that to its owner: until then
/// each sample waits in memory (some 16 bytes of it), so an instance nobody
/// scrapes would grow with every request (`tests/metrics_upkeep.rs`).
const UPKEEP_INTERVAL: Duration = Duration::from_secs(1);

/// The process-wide metrics recorder; installed once, even when several
/// apps run in one process (as in the tests).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = recorder_kept_up(UPKEEP_INTERVAL);
            let handle = recorder.handle();
            // Another recorder may exist already (a test harness); ours
            // still renders what it records.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The service's recorder (its histogram buckets), with a thread that folds
/// its samples every `interval` for the rest of the process: the recorder
/// outlives any one tokio runtime (the tests start many).
pub fn recorder_kept_up(interval: Duration) -> PrometheusRecorder {
    let recorder = PrometheusBuilder::new()
        .set_buckets(&[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0])
        .expect("constant buckets are valid")
        // GTID waits are short and end at a configured timeout
        // (100 ms by default): finer buckets show where they fall.
        .set_buckets_for_metric(
            Matcher::Full("uliga_gtid_wait_seconds".into()),
            &[
                0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.075, 0.1, 0.105, 0.11, 0.125,
                0.15, 0.2, 0.3, 0.5, 1.0,
            ],
        )
        .expect("constant buckets are valid")
        .build_recorder();
    let handle = recorder.handle();
    let started = thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                thread::sleep(interval);
                handle.run_upkeep();
            }
        });
    if let Err(error) = started {
        tracing::warn!(%error, "no metrics upkeep: histogram samples wait for a scrape");
    }
    recorder
}
