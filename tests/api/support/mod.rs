//! The test harness: a real server on a free port, with its own database,
//! Redis prefix and SMTP listener.

mod app;
pub mod ledgers;
mod mail;
pub mod redis_server;
pub mod topology;

pub use app::{
    JWT_SECRET, PASSWORD, Session, TestApp, VERIFICATION_SUBJECT, extract_code, session_from,
};
pub use mail::{MailSink, ReceivedMail};

use serde_json::Value;

/// The `extensions.code` of the first error, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// Asserts that the response failed with `code`, and returns the first error.
#[track_caller]
pub fn expect_error<'a>(body: &'a Value, code: &str) -> &'a Value {
    assert_eq!(
        error_code(body),
        Some(code),
        "expected {code}, got {body:#}"
    );
    &body["errors"][0]
}

/// Asserts that the response has no errors.
#[track_caller]
pub fn expect_ok(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    &body["data"]
}

/// A counter from the instance's `/metrics` (0 when it was never touched).
pub async fn metric_value(app: &TestApp, series: &str) -> f64 {
    let text = reqwest::get(app.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}
