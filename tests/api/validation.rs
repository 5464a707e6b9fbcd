//! A query's validation is skipped only for the exact bytes of a request that
//! passed it before (`graphql::validated`): a request that failed it, the
//! same document with other variables, and a mutation are validated in full
//! every time.

use async_graphql::{Response, Value as GraphqlValue, parser::types::OperationType};
use axum::body::Bytes;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uliga::graphql::validated::Validation;

use crate::support::{TestApp, expect_ok, ledgers::private_ledger, metric_value};

/// POSTs `body` as it is, with `token`; the status and the JSON answer.
async fn post_bytes(app: &TestApp, token: &str, body: &Bytes) -> (StatusCode, Value) {
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .header("content-type", "application/json")
        .bearer_auth(token)
        .body(body.clone())
        .send()
        .await
        .expect("request is sent");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

fn body_of(request: Value) -> Bytes {
    Bytes::from(serde_json::to_vec(&request).expect("JSON"))
}

/// Keeps `body` as if it had been answered without error.
fn mark_as_passed(app: &TestApp, body: &Bytes) {
    app.state.validated.remember_if_valid(
        &Validation::Run {
            remember: Some(body.clone()),
        },
        Some(OperationType::Query),
        &Response::new(GraphqlValue::Null),
    );
}

/// Asserts that the request was refused whole, before anything ran: 400,
/// no `data`, and a first error that says `reason`.
#[track_caller]
fn assert_refused_whole(status: StatusCode, answer: &Value, reason: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer.get("data").is_none(), "{answer}");
    let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(reason), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_query_answered_once_is_not_validated_again() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("validated@example.com", "validated").await;
    let body = body_of(json!({ "query": "{ me { id nickName } }" }));

    let (status, first) = post_bytes(&app, &session.access, &body).await;
    assert_eq!(status, StatusCode::OK);
    expect_ok(&first);
    assert!(app.state.validated.is_kept(&body));

    let (status, second) = post_bytes(&app, &session.access, &body).await;
    assert_eq!((status, &second), (StatusCode::OK, &first));
    // The series is the process's: other tests in it may count too, so this
    // shows that it is exported; the next test shows that the skip happens.
    let series =
        |validation| format!("uliga_graphql_validations_total{{validation=\"{validation}\"}}");
    assert!(metric_value(&app, &series("skipped")).await >= 1.0);
    assert!(metric_value(&app, &series("run")).await >= 1.0);
}

/// The white-box half: a remembered body really runs without the rules. A
/// document that declares a variable it never uses fails validation; once
/// its body is (wrongly) marked as passed, it is answered, which shows that
/// such a body runs on the schema without the rules.
#[tokio::test(flavor = "multi_thread")]
async fn a_remembered_body_runs_without_the_rules() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("skipped@example.com", "skipped").await;
    let body = body_of(json!({ "query": "query($unused: Int) { me { nickName } }" }));

    for _ in 0..2 {
        let (status, answer) = post_bytes(&app, &session.access, &body).await;
        assert_refused_whole(status, &answer, "is not used");
        assert!(!app.state.validated.is_kept(&body));
    }

    mark_as_passed(&app, &body);
    let (status, answer) = post_bytes(&app, &session.access, &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(expect_ok(&answer)["me"]["nickName"], "skipped");
}

/// The complexity limit holds without the rules too: a page too large is
/// refused even when its body is marked as passed.
#[tokio::test(flavor = "multi_thread")]
async fn a_remembered_body_is_still_held_to_the_complexity_limit() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("complexity@example.com", "complexity").await;
    let body = body_of(json!({
        "query": "{ me { notifications(first: 100000) { nodes { id } } } }",
    }));
    mark_as_passed(&app, &body);
    let (status, answer) = post_bytes(&app, &session.access, &body).await;
    assert_refused_whole(status, &answer, "too complex");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_document_with_other_variables_is_validated_in_full() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("variables@example.com", "variables").await;
    let ledger = private_ledger(&app, &session).await;
    let query = "query($id: ID!, $year: Int!) \
                 { ledger(id: $id) { monthSummary(year: $year, month: 1) { incomeTotal } } }";

    let valid = body_of(json!({ "query": query, "variables": { "id": ledger, "year": 2026 } }));
    for _ in 0..2 {
        let (status, answer) = post_bytes(&app, &session.access, &valid).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            expect_ok(&answer)["ledger"]["monthSummary"]["incomeTotal"],
            json!(0)
        );
    }
    assert!(app.state.validated.is_kept(&valid));

    // Validated in full, the wrong type is refused before anything runs:
    // no `data` at all. Run without the rules, the field itself would fail.
    let invalid = body_of(json!({ "query": query, "variables": { "id": ledger, "year": "올해" } }));
    for _ in 0..2 {
        let (status, answer) = post_bytes(&app, &session.access, &invalid).await;
        assert_refused_whole(status, &answer, "Invalid value for argument");
    }
    assert!(!app.state.validated.is_kept(&invalid));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mutation_is_validated_every_time() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("mutation@example.com", "mutation").await;
    let body = body_of(json!({
        "query": "mutation($nickName: String!) { updateProfile(input: { nickName: $nickName }) { nickName } }",
        "variables": { "nickName": "바뀐이름" },
    }));
    for _ in 0..2 {
        let (status, answer) = post_bytes(&app, &session.access, &body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(expect_ok(&answer)["updateProfile"]["nickName"], "바뀐이름");
        assert!(!app.state.validated.is_kept(&body));
    }
}

/// A kept body skips the document limits too, which is sound only because a
/// body past them is never kept: it is refused, and checked, every time.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_past_the_document_limits_is_never_kept() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("aliases@example.com", "aliases").await;
    // 31 aliases under one root field: past the alias limit (30) only.
    let aliases: String = (0..31).map(|n| format!("a{n}: id ")).collect();
    let body = body_of(json!({ "query": format!("{{ me {{ {aliases}}} }}") }));
    for _ in 0..2 {
        let (status, answer) = post_bytes(&app, &session.access, &body).await;
        assert_refused_whole(status, &answer, "별칭");
    }
    assert!(!app.state.validated.is_kept(&body));
}
