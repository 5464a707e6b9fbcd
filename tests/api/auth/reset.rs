//! Password reset by a mailed single-use link.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{PASSWORD, TestApp, expect_error, expect_ok};

const REQUEST: &str = "mutation($e: String!) { requestPasswordReset(email: $e) }";
const RESET: &str =
    "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }";

fn link_token(body: &str) -> String {
    let start = body.find("token=").expect("a reset link") + "token=".len();
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_sets_the_password_and_ends_every_session() {
    let app = TestApp::spawn().await;
    let phone = app.sign_up("reset@example.com", "resetter").await;
    let laptop = app.login_ok("reset@example.com").await;

    let body = app.gql(REQUEST, json!({ "e": "RESET@example.com" })).await;
    assert_eq!(expect_ok(&body)["requestPasswordReset"], true);
    let mail = app.mail.wait_for("reset@example.com", 2).await;
    assert_eq!(mail.subject, "[우리가] 비밀번호 재설정");
    assert!(
        mail.body
            .contains("http://app.uliga.test/reset-password?token="),
        "{}",
        mail.body
    );
    let token = link_token(&mail.body);

    let body = app
        .gql(RESET, json!({ "t": token, "p": "newpass99#" }))
        .await;
    assert_eq!(expect_ok(&body)["resetPassword"], true);

    for session in [&phone, &laptop] {
        let (status, _, _) = app
            .post(Some(&session.access), "{ me { id } }", json!({}))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    expect_error(
        &app.login("reset@example.com", PASSWORD).await,
        "UNAUTHENTICATED",
    );
    expect_ok(&app.login("reset@example.com", "newpass99#").await);

    // The link works once.
    let body = app
        .gql(RESET, json!({ "t": token, "p": "another99#" }))
        .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "token"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_email_gets_the_same_answer_and_no_mail() {
    let app = TestApp::spawn().await;
    let body = app.gql(REQUEST, json!({ "e": "nobody@example.com" })).await;
    assert_eq!(expect_ok(&body)["requestPasswordReset"], true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.mail.mails_to("nobody@example.com").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_weak_new_password_keeps_the_token() {
    let app = TestApp::spawn().await;
    app.sign_up("weak@example.com", "weak").await;
    expect_ok(&app.gql(REQUEST, json!({ "e": "weak@example.com" })).await);
    let token = link_token(&app.mail.wait_for("weak@example.com", 2).await.body);
    let body = app.gql(RESET, json!({ "t": token, "p": "short" })).await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "newPassword"
    );
    expect_ok(
        &app.gql(RESET, json!({ "t": token, "p": "strong99#" }))
            .await,
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_link_is_refused() {
    let app = TestApp::spawn_with(|config| config.auth.token_ttl = Duration::from_secs(1)).await;
    app.sign_up("expired@example.com", "expired").await;
    expect_ok(
        &app.gql(REQUEST, json!({ "e": "expired@example.com" }))
            .await,
    );
    let token = link_token(&app.mail.wait_for("expired@example.com", 2).await.body);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let body = app
        .gql(RESET, json!({ "t": token, "p": "strong99#" }))
        .await;
    expect_error(&body, "BAD_USER_INPUT");
    expect_ok(&app.login("expired@example.com", PASSWORD).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn resets_are_limited_to_three_an_hour_per_email() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        expect_ok(&app.gql(REQUEST, json!({ "e": "many@example.com" })).await);
    }
    let body = app.gql(REQUEST, json!({ "e": "many@example.com" })).await;
    assert!(
        expect_error(&body, "RATE_LIMITED")["extensions"]["retryAfter"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_works_when_no_session_is_live() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("nosession@example.com", "nosession").await;
    app.gql_as(&session, "mutation { logoutEverywhere }", json!({}))
        .await;
    expect_ok(
        &app.gql(REQUEST, json!({ "e": "nosession@example.com" }))
            .await,
    );
    let token = link_token(&app.mail.wait_for("nosession@example.com", 2).await.body);
    let body = app
        .gql(RESET, json!({ "t": token, "p": "strong99#" }))
        .await;
    assert_eq!(expect_ok(&body)["resetPassword"], true);
    expect_ok(&app.login("nosession@example.com", "strong99#").await);
}
