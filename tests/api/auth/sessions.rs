//! Refresh-token sessions: rotation, theft detection, one session per device.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Session, TestApp, expect_error, expect_ok, session_from};

const REFRESH: &str = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken refreshTokenExpiresAt me { id email } } }";
const LOGOUT: &str = "mutation($t: String!) { logout(refreshToken: $t) }";
const ME: &str = "{ me { id } }";

async fn refresh(app: &TestApp, token: &str) -> Value {
    app.gql(REFRESH, json!({ "t": token })).await
}

async fn me_status(app: &TestApp, session: &Session) -> StatusCode {
    app.post(Some(&session.access), ME, json!({})).await.0
}

fn expires_at(body: &Value) -> DateTime<Utc> {
    body["data"]["refreshSession"]["refreshTokenExpiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn refreshing_rotates_the_token_and_keeps_the_session() {
    let app = TestApp::spawn().await;
    let first = app.sign_up("rotate@example.com", "rotate").await;
    let body = refresh(&app, &first.refresh).await;
    let second = session_from(&expect_ok(&body)["refreshSession"]);
    assert_ne!(second.refresh, first.refresh);
    assert_eq!(
        second.refresh.split('.').next(),
        first.refresh.split('.').next(),
        "the session id stays"
    );
    assert_eq!(me_status(&app, &second).await, StatusCode::OK);
    // The rotated token works in turn.
    expect_ok(&refresh(&app, &second.refresh).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn reusing_a_rotated_token_revokes_the_whole_session() {
    let app = TestApp::spawn().await;
    let stolen = app.sign_up("theft@example.com", "theft").await;
    let body = refresh(&app, &stolen.refresh).await;
    let owner = session_from(&expect_ok(&body)["refreshSession"]);

    expect_error(&refresh(&app, &stolen.refresh).await, "UNAUTHENTICATED");
    // The owner's newer token and access token died with the session.
    expect_error(&refresh(&app, &owner.refresh).await, "UNAUTHENTICATED");
    assert_eq!(me_status(&app, &owner).await, StatusCode::UNAUTHORIZED);
    // Other sessions of the member are untouched.
    let other = app.login_ok("theft@example.com").await;
    assert_eq!(me_status(&app, &other).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn made_up_tokens_are_refused() {
    let app = TestApp::spawn().await;
    for token in ["", "abc", "0123456789abcdef0123456789abcdef.nope", "x.y.z"] {
        expect_error(&refresh(&app, token).await, "UNAUTHENTICATED");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_lives_at_most_60_days_after_login() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("sixty@example.com", "sixty").await;
    let login_at = Utc::now();
    let clock = &app.state.services.clock;

    clock.advance(Duration::days(50));
    let body = refresh(&app, &session.refresh).await;
    let rotated = session_from(&expect_ok(&body)["refreshSession"]);
    let expiry = expires_at(&body);
    assert!(
        expiry <= login_at + Duration::days(60) + Duration::minutes(1),
        "{expiry}"
    );
    assert!(
        expiry >= login_at + Duration::days(60) - Duration::minutes(1),
        "{expiry}"
    );

    clock.advance(Duration::days(10) + Duration::minutes(5));
    expect_error(&refresh(&app, &rotated.refresh).await, "UNAUTHENTICATED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotation_extends_to_14_days_from_now() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("fourteen@example.com", "fourteen").await;
    app.state.services.clock.advance(Duration::days(3));
    let body = refresh(&app, &session.refresh).await;
    let expected = Utc::now() + Duration::days(17);
    let expiry = expires_at(&body);
    assert!(
        (expiry - expected).num_seconds().abs() < 60,
        "{expiry} vs {expected}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_token_left_unused_for_its_lifetime_expires() {
    // Two seconds stand for the 14 days: the lifetime is Redis's own expiry.
    let app = TestApp::spawn_with(|config| {
        config.auth.refresh_ttl = std::time::Duration::from_secs(2);
    })
    .await;
    let session = app.sign_up("idle@example.com", "idle").await;
    let body = refresh(&app, &session.refresh).await;
    let rotated = session_from(&expect_ok(&body)["refreshSession"]);
    tokio::time::sleep(std::time::Duration::from_millis(3_100)).await;
    expect_error(&refresh(&app, &rotated.refresh).await, "UNAUTHENTICATED");
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_ends_only_that_session() {
    let app = TestApp::spawn().await;
    let phone = app.sign_up("devices@example.com", "devices").await;
    let laptop = app.login_ok("devices@example.com").await;

    let body = app
        .gql_as(&phone, LOGOUT, json!({ "t": phone.refresh }))
        .await;
    assert_eq!(expect_ok(&body)["logout"], true);
    assert_eq!(me_status(&app, &phone).await, StatusCode::UNAUTHORIZED);
    expect_error(&refresh(&app, &phone.refresh).await, "UNAUTHENTICATED");

    assert_eq!(me_status(&app, &laptop).await, StatusCode::OK);
    expect_ok(&refresh(&app, &laptop.refresh).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_needs_a_token_and_a_refresh_token_of_the_caller() {
    let app = TestApp::spawn().await;
    let mine = app.sign_up("mine@example.com", "mine").await;
    let theirs = app.sign_up("theirs@example.com", "theirs").await;

    let body = app.gql(LOGOUT, json!({ "t": mine.refresh })).await;
    expect_error(&body, "UNAUTHENTICATED");

    let body = app
        .gql_as(&mine, LOGOUT, json!({ "t": theirs.refresh }))
        .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "refreshToken"
    );
    assert_eq!(me_status(&app, &theirs).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_everywhere_ends_every_session() {
    let app = TestApp::spawn().await;
    let first = app.sign_up("all@example.com", "everywhere").await;
    let second = app.login_ok("all@example.com").await;
    let bystander = app.sign_up("bystander@example.com", "bystander").await;

    let body = app
        .gql_as(&second, "mutation { logoutEverywhere }", json!({}))
        .await;
    assert_eq!(expect_ok(&body)["logoutEverywhere"], true);
    for session in [&first, &second] {
        assert_eq!(me_status(&app, session).await, StatusCode::UNAUTHORIZED);
        expect_error(&refresh(&app, &session.refresh).await, "UNAUTHENTICATED");
    }
    assert_eq!(me_status(&app, &bystander).await, StatusCode::OK);
}
