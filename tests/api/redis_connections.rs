//! What a request asks of Redis, and how the pool gets over Redis going away
//! while its connections are busy (`redis_store::pool`).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{
    expect_ok,
    redis_server::{RedisServer, free_port},
};

const ME: &str = "{ me { id } }";

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_in_request_reads_its_session_without_a_ping_first() {
    let redis = RedisServer::start(free_port()).await;
    let app = redis.app_reading_every_session().await;
    let member = app.sign_up("ping@example.com", "ping").await;
    let (pings, reads) = (redis.calls("ping").await, redis.calls("hget").await);

    for _ in 0..20 {
        expect_ok(&app.gql_as(&member, ME, json!({})).await);
    }

    assert!(
        redis.calls("hget").await - reads >= 20,
        "each request reads its session"
    );
    let pinged = redis.calls("ping").await - pings;
    assert!(
        pinged <= 1,
        "a connection that just answered is lent out as it is, but {pinged} PINGs were sent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_pings_redis_once_whether_or_not_the_connection_was_idle() {
    let redis = RedisServer::start(free_port()).await;
    let app = redis.app().await;
    let member = app.sign_up("ready@example.com", "ready").await;
    let ready = || async {
        let response = app.get("/health/ready").await;
        assert_eq!(response.status(), 200);
    };

    // Just after a request: the connection is trusted, and still pinged.
    expect_ok(&app.gql_as(&member, ME, json!({})).await);
    let before = redis.calls("ping").await;
    ready().await;
    assert_eq!(redis.calls("ping").await - before, 1);

    // Idle past the trust window: the PING that checks the connection is the
    // readiness check, not one more.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let before = redis.calls("ping").await;
    ready().await;
    assert_eq!(redis.calls("ping").await - before, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_instance_is_not_ready_while_redis_is_down() {
    let port = free_port();
    let mut redis = RedisServer::start(port).await;
    let app = redis.app().await;
    assert_eq!(app.get("/health/ready").await.status(), 200);

    redis.stop().await;
    let response = app.get("/health/ready").await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (&body["redis"], &body["primary"]),
        (&json!(false), &json!(true))
    );

    let _restarted = RedisServer::start(port).await;
    let back = Instant::now();
    while app.get("/health/ready").await.status() != 200 {
        assert!(back.elapsed() < Duration::from_secs(10), "still not ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_lost_while_in_use_are_replaced() {
    let port = free_port();
    let mut redis = RedisServer::start(port).await;
    let app = redis.app().await;
    let member = app.sign_up("lost@example.com", "lost").await;
    expect_ok(&app.gql_as(&member, ME, json!({})).await);

    // Back at once: the pooled connections answered a moment ago, so they
    // are lent out without a PING, and the first use of each finds it dead.
    redis.stop().await;
    redis = RedisServer::start(port).await;

    let mut failed = 0;
    loop {
        let body = app.gql_as(&member, ME, json!({})).await;
        if body["errors"].is_null() {
            assert_eq!(body["data"]["me"]["id"], json!(member.member_id));
            break;
        }
        failed += 1;
        assert!(
            failed <= 16,
            "requests still fail after every pooled connection was tried: {body}"
        );
    }
    expect_ok(&app.gql_as(&member, ME, json!({})).await);
    drop(redis);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redis_that_stops_answering_fails_the_request_within_the_check_out_limit() {
    let redis = RedisServer::start(free_port()).await;
    let app = redis.app_reading_every_session().await;
    let member = app.sign_up("paused@example.com", "paused").await;
    // Requests at once open many pooled connections, each of which would
    // take the driver's half-second response timeout to find unanswered.
    for _ in 0..3 {
        let requests = (0..32).map(|_| app.gql_as(&member, ME, json!({})));
        for body in futures_util::future::join_all(requests).await {
            expect_ok(&body);
        }
    }
    assert!(
        redis.connected_clients().await >= 10,
        "the pool opened connections for the requests at once"
    );
    // Long enough for the connections to be PINGed before their next use.
    tokio::time::sleep(Duration::from_millis(1200)).await;

    redis.pause();
    let asked = Instant::now();
    let (status, _, body) = app.post(Some(&member.access), ME, json!({})).await;
    let waited = asked.elapsed();
    redis.resume();

    assert!(
        waited < Duration::from_secs(6),
        "the request waited {waited:?} for a Redis that does not answer"
    );
    assert_eq!(status.as_u16(), 503, "no session could be read: {body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE");
    // The connection that did not answer was discarded; the next request
    // finds Redis answering again.
    expect_ok(&app.gql_as(&member, ME, json!({})).await);
}
