//! Signing in: one message for a wrong email or password, and the limits.

use std::time::Duration;

use serde_json::json;

use crate::support::{PASSWORD, TestApp, expect_error, expect_ok};

#[tokio::test(flavor = "multi_thread")]
async fn wrong_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.sign_up("known@example.com", "known").await;
    let wrong_password = app.login("known@example.com", "wrong1234!").await;
    let unknown_email = app.login("unknown@example.com", PASSWORD).await;
    let first = expect_error(&wrong_password, "UNAUTHENTICATED");
    let second = expect_error(&unknown_email, "UNAUTHENTICATED");
    assert_eq!(first["message"], second["message"]);
    // Emails are matched ignoring case.
    expect_ok(&app.login("KNOWN@example.com", PASSWORD).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_failures_lock_the_email_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    app.sign_up("locked@example.com", "locked").await;
    for _ in 0..10 {
        expect_error(
            &app.login("locked@example.com", "wrong1234!").await,
            "UNAUTHENTICATED",
        );
    }
    let body = app.login("locked@example.com", PASSWORD).await;
    let error = expect_error(&body, "RATE_LIMITED");
    let retry_after = error["extensions"]["retryAfter"].as_u64().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    // Another email from the same address is not affected.
    app.sign_up("free@example.com", "free").await;
    expect_ok(&app.login("free@example.com", PASSWORD).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn aliases_count_as_separate_attempts() {
    let app = TestApp::spawn().await;
    app.sign_up("alias@example.com", "alias").await;
    let attempts: Vec<String> = (0..11)
        .map(|i| format!("a{i}: login(email: \"alias@example.com\", password: \"wrong1234!\") {{ accessToken }}"))
        .collect();
    let query = format!("mutation {{ {} }}", attempts.join(" "));
    let body = app.gql(&query, json!({})).await;
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["extensions"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 11);
    assert_eq!(
        codes
            .iter()
            .filter(|code| **code == "UNAUTHENTICATED")
            .count(),
        10
    );
    assert_eq!(codes[10], "RATE_LIMITED");
    expect_error(
        &app.login("alias@example.com", PASSWORD).await,
        "RATE_LIMITED",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logins_are_limited_per_address() {
    let app = TestApp::spawn_with(|config| config.limits.login_per_address_hour = 3).await;
    app.sign_up("address@example.com", "address").await;
    for _ in 0..3 {
        expect_ok(&app.login("address@example.com", PASSWORD).await);
    }
    let body = app.login("address@example.com", PASSWORD).await;
    let error = expect_error(&body, "RATE_LIMITED");
    assert!(error["extensions"]["retryAfter"].as_u64().unwrap() > 900);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_failure_window_passes() {
    let app = TestApp::spawn_with(|config| config.limits.login_failures_per_email = 1).await;
    app.sign_up("window@example.com", "window").await;
    expect_error(
        &app.login("window@example.com", "wrong1234!").await,
        "UNAUTHENTICATED",
    );
    expect_error(
        &app.login("window@example.com", PASSWORD).await,
        "RATE_LIMITED",
    );
    // Shorten the window in Redis, as if 15 minutes had gone by.
    let key = app
        .state
        .services
        .redis
        .key(&["rl", "login-failures", "window@example.com"]);
    let mut conn = app.state.services.redis.conn().await.unwrap();
    let _: () = redis::cmd("PEXPIRE")
        .arg(&key)
        .arg(1)
        .query_async(&mut *conn)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    expect_ok(&app.login("window@example.com", PASSWORD).await);
}
