//! The series every `/graphql` request counts in: `uliga_graphql_requests_total`
//! by operation and status, and `uliga_graphql_request_duration_seconds` by
//! operation. Their handles are made once per operation and status and kept:
//! `counter!` with labels writes each label's value into a new string, hashes
//! the series' key and looks it up in the recorder on every call, which was
//! the largest part of the service's own work around a trivial request.
//!
//! Bounded: the operation label takes only the schema's root fields,
//! `introspection` and `unknown` (`http::graphql::operation_label`), and the
//! status a handful of values.

use std::{
    collections::HashMap,
    sync::{PoisonError, RwLock},
    time::Duration,
};

use axum::http::StatusCode;
use metrics::{Counter, Histogram};

#[derive(Default)]
pub struct RequestSeries {
    by_operation: RwLock<HashMap<String, OperationSeries>>,
}

struct OperationSeries {
    duration: Histogram,
    /// One counter per status seen, looked through in order: there are few.
    requests: Vec<(StatusCode, Counter)>,
}

impl OperationSeries {
    fn counter(&self, status: StatusCode) -> Option<&Counter> {
        self.requests
            .iter()
            .find(|(seen, _)| *seen == status)
            .map(|(_, counter)| counter)
    }
}

impl RequestSeries {
    /// Counts a request of `operation` answered with `status` after
    /// `elapsed`.
    pub fn record(&self, operation: &str, status: StatusCode, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        {
            let known = self
                .by_operation
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(series) = known.get(operation)
                && let Some(counter) = series.counter(status)
            {
                counter.increment(1);
                series.duration.record(seconds);
                return;
            }
        }
        let mut known = self
            .by_operation
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let series = known
            .entry(operation.to_owned())
            .or_insert_with(|| OperationSeries {
                duration: metrics::histogram!(
                    "uliga_graphql_request_duration_seconds",
                    "operation" => operation.to_owned()
                ),
                requests: Vec::new(),
            });
        let counter = match series.counter(status) {
            Some(counter) => counter.clone(),
            None => {
                let counter = metrics::counter!(
                    "uliga_graphql_requests_total",
                    "operation" => operation.to_owned(),
                    "status" => status.as_u16().to_string()
                );
                series.requests.push((status, counter.clone()));
                counter
            }
        };
        counter.increment(1);
        series.duration.record(seconds);
    }
}

#[cfg(test)]
mod tests {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Each series as `name{label=value,...}`, with what it holds.
    fn recorded(recorder: &DebuggingRecorder) -> Vec<(String, DebugValue)> {
        let mut series: Vec<(String, DebugValue)> = recorder
            .snapshotter()
            .snapshot()
            .into_vec()
            .into_iter()
            .map(|(key, _, _, value)| {
                let key = key.key();
                let labels: Vec<String> = key
                    .labels()
                    .map(|label| format!("{}={}", label.key(), label.value()))
                    .collect();
                (format!("{}{{{}}}", key.name(), labels.join(",")), value)
            })
            .collect();
        series.sort_by(|a, b| a.0.cmp(&b.0));
        series
    }

    #[test]
    fn each_request_counts_in_the_series_of_its_operation_and_status() {
        let recorder = DebuggingRecorder::new();
        metrics::with_local_recorder(&recorder, || {
            let series = RequestSeries::default();
            series.record("me", StatusCode::OK, ms(1));
            series.record("me", StatusCode::OK, ms(2));
            series.record("me", StatusCode::BAD_REQUEST, ms(4));
            series.record("ledger", StatusCode::OK, ms(8));
        });
        let seconds = |values: &[f64]| {
            DebugValue::Histogram(values.iter().map(|&v| (v / 1000.0).into()).collect())
        };
        assert_eq!(
            recorded(&recorder),
            vec![
                (
                    "uliga_graphql_request_duration_seconds{operation=ledger}".to_owned(),
                    seconds(&[8.0])
                ),
                (
                    "uliga_graphql_request_duration_seconds{operation=me}".to_owned(),
                    seconds(&[1.0, 2.0, 4.0])
                ),
                (
                    "uliga_graphql_requests_total{operation=ledger,status=200}".to_owned(),
                    DebugValue::Counter(1)
                ),
                (
                    "uliga_graphql_requests_total{operation=me,status=200}".to_owned(),
                    DebugValue::Counter(2)
                ),
                (
                    "uliga_graphql_requests_total{operation=me,status=400}".to_owned(),
                    DebugValue::Counter(1)
                ),
            ]
        );
    }
}
