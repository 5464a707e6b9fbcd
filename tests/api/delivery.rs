//! Delivery across instances, at volume: every event arrives, and the test
//! prints how long delivery took (as measured; no timing is asserted).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt, future::join_all};
use serde_json::{Value, json};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest},
};

use crate::support::{Session, TestApp, expect_ok, ledgers::shared_ledger};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn subscribed(address: std::net::SocketAddr, session: &Session, ledger: &str) -> Socket {
    let mut request = format!("ws://{address}/graphql")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = connect_async(request).await.expect("upgrade");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", session.access) } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let _ack = socket.next().await;
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($l: ID!) { ledgerChanged(ledgerId: $l) { kind at } }", "variables": { "l": ledger } } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    socket
}

async fn next_event(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("an event in time")
            .expect("open")
            .expect("a frame");
        if let Message::Text(text) = frame {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

const SET_BUDGET: &str = "mutation($l: ID!, $a: Money!) { setBudget(ledgerId: $l, year: 2026, month: 1, amount: $a) { amount } }";

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_events_from_instance_a_reach_a_subscriber_on_instance_b() {
    let app = TestApp::spawn().await;
    let other = app.second_instance().await;
    let admin = app.sign_up("volume@example.com", "volume").await;
    let ledger = shared_ledger(&app, &admin, &[]).await;
    let mut socket = subscribed(other.address, &admin, &ledger).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let (sent_tx, mut sent_rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let receiver = tokio::spawn(async move {
        let mut from_commit = Vec::with_capacity(1000);
        let mut from_response = Vec::with_capacity(1000);
        for _ in 0..1000 {
            let event = next_event(&mut socket).await;
            let received = Instant::now();
            let received_at = chrono::Utc::now();
            let change = &event["payload"]["data"]["ledgerChanged"];
            assert_eq!(change["kind"], "BUDGET_CHANGED");
            // `at` is stamped as the change is published, right after its
            // commit, by the same clock (to the millisecond).
            let at = chrono::DateTime::parse_from_rfc3339(change["at"].as_str().unwrap()).unwrap();
            from_commit.push(
                (received_at - at.with_timezone(&chrono::Utc))
                    .to_std()
                    .unwrap_or_default(),
            );
            let responded = sent_rx.recv().await.expect("a send time");
            from_response.push(received.saturating_duration_since(responded));
        }
        (from_commit, from_response)
    });
    for amount in 1..=1000 {
        let body = app
            .gql_as(&admin, SET_BUDGET, json!({ "l": ledger, "a": amount }))
            .await;
        expect_ok(&body);
        // The response comes after the commit; the event may already be on
        // its way, so this bounds commit-to-delivery from below.
        sent_tx.send(Instant::now()).unwrap();
    }
    let (mut from_commit, mut from_response) = receiver.await.unwrap();
    for (latencies, since) in [
        (&mut from_commit, "the commit, by the event's `at`"),
        (&mut from_response, "the mutation's response"),
    ] {
        latencies.sort();
        println!(
            "delivery over 1000 events, from {since}: p50 {:?}, p99 {:?}, max {:?}",
            percentile(latencies, 0.50),
            percentile(latencies, 0.99),
            latencies[latencies.len() - 1]
        );
    }
    assert_eq!(from_commit.len(), 1000);
    // Delivery across instances stays well inside a second even at the tail.
    assert!(percentile(&from_commit, 0.99) < Duration::from_secs(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn five_hundred_subscribers_on_one_instance_all_receive_one_event() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("crowd@example.com", "crowd").await;
    let ledger = shared_ledger(&app, &admin, &[]).await;
    let mut sockets = Vec::with_capacity(500);
    for _ in 0..500 {
        sockets.push(subscribed(app.address, &admin, &ledger).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    expect_ok(
        &app.gql_as(&admin, SET_BUDGET, json!({ "l": ledger, "a": 5 }))
            .await,
    );
    let received = join_all(sockets.iter_mut().map(|socket| async move {
        let event = next_event(socket).await;
        (
            event["payload"]["data"]["ledgerChanged"]["kind"].clone(),
            started.elapsed(),
        )
    }))
    .await;
    let mut times: Vec<Duration> = received.iter().map(|(_, at)| *at).collect();
    times.sort();
    println!(
        "500 subscribers: all received in {:?} (p50 {:?}) from the mutation's start",
        times[times.len() - 1],
        percentile(&times, 0.5)
    );
    assert!(received.iter().all(|(kind, _)| kind == "BUDGET_CHANGED"));
}
