//! How events reach an instance's subscriptions: over one Redis pub/sub
//! connection per instance, fanned out in process, and made up for when a
//! subscription falls behind (issue 4; `redis_store::follow`, `notify::hub`).

use std::time::{Duration, Instant};

use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use uliga::{
    ids::{LedgerId, MemberId},
    notify::{LedgerChange, LedgerEventKind, hub::ledger_channel},
};

use crate::{
    subscriptions::{CREATE_ENTRY, receive, signed_in, subscribe},
    support::{
        TestApp, expect_ok,
        ledgers::{category_id, shared_ledger},
        redis_server::{RedisServer, free_port},
    },
};

const LEDGER_CHANGED: &str =
    "subscription($l: ID!) { ledgerChanged(ledgerId: $l) { kind entryIds } }";

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_hears_every_channel_on_one_pubsub_connection() {
    let redis = RedisServer::start(free_port()).await;
    let app = redis.app().await;
    let started = Instant::now();
    while !app.state.services.live_sessions.is_hearing() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never subscribed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Ledger events, notifications, ended sessions and their acknowledgements.
    assert_eq!(redis.pubsub_clients().await, vec![4]);

    let admin = app.sign_up("fanout@example.com", "fanout").await;
    let member = app.sign_up("fanned@example.com", "fanned").await;
    let ledger = shared_ledger(&app, &admin, &[&member]).await;
    let mut sockets = Vec::new();
    for session in [&admin, &member] {
        let mut socket = signed_in(app.address, session).await;
        for n in 0..10 {
            subscribe(
                &mut socket,
                &format!("l{n}"),
                LEDGER_CHANGED,
                json!({ "l": ledger }),
            )
            .await;
        }
        subscribe(
            &mut socket,
            "n",
            "subscription { notificationReceived { id } }",
            json!({}),
        )
        .await;
        sockets.push(socket);
    }

    assert_eq!(
        redis.pubsub_clients().await,
        vec![4],
        "22 subscriptions, still the one connection"
    );
    let food = category_id(&app, &admin, &ledger, "🍽️ 식비").await;
    expect_ok(
        &app.gql_as(&admin, CREATE_ENTRY, json!({ "l": ledger, "c": food }))
            .await,
    );
    // Each of the 20 ledger subscriptions gets the event (a notification
    // may come in between).
    for socket in &mut sockets {
        let mut heard = std::collections::HashSet::new();
        while heard.len() < 10 {
            let message = receive(socket).await.unwrap();
            if message["id"] == "n" {
                continue;
            }
            assert_eq!(
                message["payload"]["data"]["ledgerChanged"]["kind"], "ENTRY_CREATED",
                "{message}"
            );
            heard.insert(message["id"].as_str().unwrap().to_owned());
        }
    }
}

/// A burst of `count` ENTRY_CREATED events for `ledger`, published in one
/// pipeline: the instance relays them faster than a subscription, which
/// builds each event it takes from the database, can take them.
async fn publish_burst(app: &TestApp, ledger: &str, actor: &str, count: usize) {
    let redis = &app.state.services.redis;
    let change = LedgerChange::new(
        LedgerEventKind::EntryCreated,
        LedgerId(ledger.parse().unwrap()),
        MemberId(actor.parse().unwrap()),
    );
    let payload = serde_json::to_string(&change).unwrap();
    let mut pipe = redis::pipe();
    for _ in 0..count {
        pipe.cmd("PUBLISH")
            .arg(ledger_channel(redis))
            .arg(&payload)
            .ignore();
    }
    let mut conn = redis.conn().await.unwrap();
    let _: () = pipe.query_async(&mut *conn).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_that_falls_behind_checks_its_membership_and_ends_if_it_is_gone() {
    // Two events held per subscription, so that a burst leaves every
    // subscription behind.
    let app = TestApp::spawn_with(|config| config.api.ws_event_buffer = 2).await;
    let admin = app.sign_up("behind@example.com", "behind").await;
    let removed = app.sign_up("missed@example.com", "missed").await;
    let ledger = shared_ledger(&app, &admin, &[&removed]).await;
    let mut stays = signed_in(app.address, &admin).await;
    let mut goes = signed_in(app.address, &removed).await;
    subscribe(&mut stays, "l", LEDGER_CHANGED, json!({ "l": ledger })).await;
    subscribe(&mut goes, "l", LEDGER_CHANGED, json!({ "l": ledger })).await;

    // The member's leaving, with its MEMBER_LEFT lost among the events the
    // subscription falls behind on: here, never published at all.
    let mut conn = app.state.services.db.primary().await.unwrap();
    diesel::sql_query("DELETE FROM ledger_members WHERE ledger_id = ? AND member_id = ?")
        .bind::<diesel::sql_types::BigInt, _>(ledger.parse::<i64>().unwrap())
        .bind::<diesel::sql_types::BigInt, _>(removed.member_id.parse::<i64>().unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
    drop(conn);
    publish_burst(&app, &ledger, &admin.member_id, 50).await;

    // The removed member's stream ends, after at most the events it took
    // before it fell behind.
    let mut taken = 0;
    loop {
        let message = receive(&mut goes).await.unwrap();
        match message["type"].as_str() {
            Some("next") => taken += 1,
            Some("complete") => break,
            other => panic!("unexpected {other:?}: {message}"),
        }
    }
    assert!(
        taken < 50,
        "the stream never fell behind: it took all {taken} events"
    );

    // The member who stays was as far behind, and keeps the stream: the
    // next change reaches them.
    let food = category_id(&app, &admin, &ledger, "🍽️ 식비").await;
    let body = app
        .gql_as(&admin, CREATE_ENTRY, json!({ "l": ledger, "c": food }))
        .await;
    let entry: Value = expect_ok(&body)["createEntry"]["id"].clone();
    loop {
        let message = receive(&mut stays).await.unwrap();
        assert_eq!(message["type"], "next", "{message}");
        if message["payload"]["data"]["ledgerChanged"]["entryIds"] == json!([entry]) {
            break;
        }
    }
}
