//! Sessions an instance remembers as live (`auth::live_sessions`): an ended
//! session is refused at once by every instance, and a session that ended
//! unannounced is trusted for the configured time at most.

use std::{net::SocketAddr, time::Duration};

use reqwest::StatusCode;
use serde_json::json;
use tokio::time::Instant;
use uliga::app::AppState;

use crate::support::{
    Session, TestApp, expect_ok, redis_server::RedisServer, redis_server::free_port, session_from,
};

const ME: &str = "{ me { id } }";
const LOGOUT: &str = "mutation($t: String!) { logout(refreshToken: $t) }";
const REFRESH: &str = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken me { id email } } }";

/// Longer than any test: only a forgetting can end what was remembered.
const REMEMBER_LONG: Duration = Duration::from_secs(3600);

/// How long a test waits for what happens in the background (reconnecting,
/// a remembered session lapsing).
const DEADLINE: Duration = Duration::from_secs(3);

async fn me_status_at(app: &TestApp, address: SocketAddr, session: &Session) -> StatusCode {
    app.client()
        .post(format!("http://{address}/graphql"))
        .bearer_auth(&session.access)
        .json(&json!({ "query": ME }))
        .send()
        .await
        .expect("request is sent")
        .status()
}

/// The status `me` gets once it is no longer 200, or 200 at the deadline.
async fn status_after_at_most(
    app: &TestApp,
    address: SocketAddr,
    session: &Session,
    deadline: Duration,
) -> StatusCode {
    let until = Instant::now() + deadline;
    loop {
        let status = me_status_at(app, address, session).await;
        if status != StatusCode::OK || Instant::now() >= until {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn session_id(session: &Session) -> &str {
    session.refresh.split('.').next().unwrap()
}

fn remembered(instance: &AppState, session: &Session) -> bool {
    let remembered = instance.services.live_sessions.owner(session_id(session));
    remembered.is_some_and(|owner| owner.0.to_string() == session.member_id)
}

/// An instance remembering for `REMEMBER_LONG`, on a Redis of the test's
/// own (to count its commands, or to drop its connections without
/// disturbing other tests).
async fn on_its_own_redis() -> (RedisServer, TestApp) {
    let redis = RedisServer::start(free_port()).await;
    let app = redis
        .app_with(|config| config.auth.session_cache_ttl = REMEMBER_LONG)
        .await;
    (redis, app)
}

/// Deletes the session from Redis behind the service's back, as its expiry
/// or a flushed Redis would: nothing is announced.
async fn delete_unannounced(app: &TestApp, session: &Session) {
    let redis = &app.state.services.redis;
    let mut conn = redis.conn().await.unwrap();
    let deleted: u64 = redis::cmd("DEL")
        .arg(redis.key(&["session", session_id(session)]))
        .query_async(&mut *conn)
        .await
        .unwrap();
    assert_eq!(deleted, 1, "the session was in Redis");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_found_live_is_not_read_from_redis_again() {
    let (redis, app) = on_its_own_redis().await;
    let session = app.sign_up("readonce@example.com", "readonce").await;
    let reads = redis.calls("hget").await;
    for _ in 0..20 {
        assert_eq!(
            me_status_at(&app, app.address, &session).await,
            StatusCode::OK
        );
    }
    assert_eq!(
        redis.calls("hget").await - reads,
        1,
        "read once, then remembered"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_ending_is_refused_at_once_by_the_instance_that_ended_it() {
    let app = TestApp::spawn_with(|config| config.auth.session_cache_ttl = REMEMBER_LONG).await;
    let here = app.address;

    let phone = app.sign_up("ending@example.com", "ending").await;
    assert_eq!(me_status_at(&app, here, &phone).await, StatusCode::OK);
    let body = app
        .gql_as(&phone, LOGOUT, json!({ "t": phone.refresh }))
        .await;
    expect_ok(&body);
    assert_eq!(
        me_status_at(&app, here, &phone).await,
        StatusCode::UNAUTHORIZED,
        "logout"
    );

    let laptop = app.login_ok("ending@example.com").await;
    let tablet = app.login_ok("ending@example.com").await;
    for session in [&laptop, &tablet] {
        assert_eq!(me_status_at(&app, here, session).await, StatusCode::OK);
    }
    expect_ok(
        &app.gql_as(&tablet, "mutation { logoutEverywhere }", json!({}))
            .await,
    );
    for session in [&laptop, &tablet] {
        assert_eq!(
            me_status_at(&app, here, session).await,
            StatusCode::UNAUTHORIZED,
            "logoutEverywhere"
        );
    }

    // A replayed refresh token ends the session its thief and owner share.
    let stolen = app.login_ok("ending@example.com").await;
    let body = app.gql(REFRESH, json!({ "t": stolen.refresh })).await;
    let owner = session_from(&expect_ok(&body)["refreshSession"]);
    assert_eq!(me_status_at(&app, here, &owner).await, StatusCode::OK);
    app.gql(REFRESH, json!({ "t": stolen.refresh })).await;
    assert_eq!(
        me_status_at(&app, here, &owner).await,
        StatusCode::UNAUTHORIZED,
        "a reused refresh token"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ending_on_one_instance_is_refused_at_once_by_the_other() {
    let app = TestApp::spawn_with(|config| config.auth.session_cache_ttl = REMEMBER_LONG).await;
    let (other, other_runtime) = app.second_instance_on_its_own_thread().await;
    let session = app.sign_up("elsewhere@example.com", "elsewhere").await;
    assert_eq!(
        me_status_at(&app, other.address, &session).await,
        StatusCode::OK
    );
    assert!(
        remembered(&other.state, &session),
        "remembered by the other"
    );

    // The other instance's one thread is busy when the ending is announced,
    // so it hears of it late; the logout must not answer before it has.
    let (busy, now_busy) = std::sync::mpsc::channel();
    other_runtime.spawn(async move {
        busy.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(300));
    });
    now_busy.recv().unwrap();
    let body = app
        .gql_as(&session, LOGOUT, json!({ "t": session.refresh }))
        .await;
    expect_ok(&body);
    assert!(
        !remembered(&other.state, &session),
        "the logout answered while the other instance still trusted the session"
    );
    assert_eq!(
        me_status_at(&app, other.address, &session).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_ended_unannounced_is_trusted_for_the_configured_time_only() {
    let remembered_for = Duration::from_secs(1);
    let app = TestApp::spawn_with(|config| config.auth.session_cache_ttl = remembered_for).await;
    let session = app.sign_up("unannounced@example.com", "unannounced").await;
    assert_eq!(
        me_status_at(&app, app.address, &session).await,
        StatusCode::OK
    );
    assert!(remembered(&app.state, &session));

    delete_unannounced(&app, &session).await;
    let deleted_at = Instant::now();
    let status = status_after_at_most(&app, app.address, &session, DEADLINE).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        deleted_at.elapsed() <= remembered_for + Duration::from_millis(500),
        "refused only after {:?}",
        deleted_at.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_zero_time_asks_redis_on_every_request() {
    let app = TestApp::spawn_with(|config| config.auth.session_cache_ttl = Duration::ZERO).await;
    let session = app.sign_up("noremember@example.com", "noremember").await;
    assert_eq!(
        me_status_at(&app, app.address, &session).await,
        StatusCode::OK
    );
    delete_unannounced(&app, &session).await;
    assert_eq!(
        me_status_at(&app, app.address, &session).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn what_was_remembered_is_not_trusted_across_a_lost_channel() {
    let (_redis, app) = on_its_own_redis().await;
    let session = app.sign_up("lostchannel@example.com", "lostchannel").await;
    assert_eq!(
        me_status_at(&app, app.address, &session).await,
        StatusCode::OK
    );
    assert!(
        remembered(&app.state, &session),
        "remembered before the loss"
    );

    // The channel drops; an ending published meanwhile would not be heard.
    let mut conn = app.state.services.redis.conn().await.unwrap();
    let killed: u64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "pubsub"])
        .query_async(&mut *conn)
        .await
        .unwrap();
    assert!(killed >= 1, "the instance's pub/sub connections");
    delete_unannounced(&app, &session).await;

    assert_eq!(
        status_after_at_most(&app, app.address, &session, DEADLINE).await,
        StatusCode::UNAUTHORIZED
    );
}
