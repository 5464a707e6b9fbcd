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
use tracing::Subscriber;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::{
    EnvFilter, Layer, fmt, fmt::MakeWriter, prelude::*, registry::LookupSpan,
};

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
        registry.with(json_lines(writer)).init();
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

/// One JSON object per line: the event's fields at the top level, and the
/// request's span (its id, method and path) once, as `span`. A list of every
/// span around the event (`spans`) would repeat that same one, and each copy
/// is parsed back from its stored JSON and written again.
fn json_lines<S, W>(writer: W) -> impl Layer<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
    W: for<'writer> MakeWriter<'writer> + 'static,
{
    fmt::layer()
        .json()
        .flatten_event(true)
        .with_span_list(false)
        .with_writer(writer)
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

/// A log writer for tests: what a subscriber writes, kept for the test to
/// read.
#[cfg(test)]
#[derive(Clone, Default)]
pub(crate) struct CapturedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

#[cfg(test)]
impl CapturedLog {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

#[cfg(test)]
impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_line_names_the_request_span_once() {
        let lines = CapturedLog::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::registry().with(json_lines(move || writer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(
                "request",
                request_id = "7f3a",
                method = "POST",
                path = "/graphql"
            );
            let _entered = span.enter();
            tracing::info!(operation = "me", status = 200_u16, "graphql");
        });
        let text = lines.text();
        let line: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(line["message"], "graphql");
        assert_eq!(line["operation"], "me");
        assert_eq!(line["status"], 200);
        assert_eq!(line["span"]["name"], "request");
        assert_eq!(line["span"]["request_id"], "7f3a");
        assert_eq!(line["span"]["path"], "/graphql");
        assert!(
            line.get("spans").is_none(),
            "the span is written twice: {line}"
        );
    }
}
