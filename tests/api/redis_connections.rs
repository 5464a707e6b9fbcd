//! What a request asks of Redis, and how the pool gets over Redis going away
//! while its connections are busy (`redis_store::pool`).

use serde_json::json;

use crate::support::{
    TestApp, expect_ok,
    redis_server::{RedisServer, free_port},
};

const ME: &str = "{ me { id } }";

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_in_request_reads_its_session_without_a_ping_first() {
    let redis = RedisServer::start(free_port()).await;
    let app = TestApp::spawn_with(|config| config.redis.url = redis.url.clone()).await;
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
async fn connections_lost_while_in_use_are_replaced() {
    let port = free_port();
    let mut redis = RedisServer::start(port).await;
    let app = TestApp::spawn_with(|config| config.redis.url = redis.url.clone()).await;
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
