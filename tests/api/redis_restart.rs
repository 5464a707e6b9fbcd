//! Redis restarts while a client is subscribed: the instance reconnects by
//! itself, the client's socket stays open, and nothing is lost: what was
//! created meanwhile arrives with the next event and is in `me.notifications`.

use std::time::Duration;

use chrono::Datelike;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest},
};
use uliga::notify::reminders::run_once;

use crate::support::{
    expect_ok,
    ledgers::shared_ledger,
    redis_server::{RedisServer, free_port},
};

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_survive_a_redis_restart_and_nothing_is_lost() {
    let port = free_port();
    let mut redis = RedisServer::start(port).await;
    let app = redis.app().await;
    let admin = app.sign_up("restart@example.com", "restart").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &admin, &[]).await;
    let tomorrow = app.state.services.clock.today() + chrono::Duration::days(1);
    let body = app
        .gql_as(
            &admin,
            "mutation($l: ID!, $m: ID!, $d: Int!) { createSchedules(ledgerId: $l, inputs: [{ name: \"월세\", type: EXPENSE, dayOfMonth: $d, amount: 1000, assignments: [{ memberId: $m, amount: 1000 }] }]) { id } }",
            json!({ "l": ledger, "m": admin.member_id, "d": tomorrow.day() }),
        )
        .await;
    expect_ok(&body);

    let mut request = format!("ws://{}/graphql", app.address)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = connect_async(request).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", admin.access) } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let _ack = socket.next().await;
    let subscribe = json!({ "id": "n", "type": "subscribe", "payload": { "query": "subscription { notificationReceived { kind } }" } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Redis goes away. The reminder job needs only MySQL: its notification is
    // written, and its event cannot be published.
    redis.stop().await;
    assert_eq!(run_once(&app.state.services).await.unwrap(), 1);
    redis = RedisServer::start(port).await;
    // Time for the instance to reconnect its pub/sub connection.
    tokio::time::sleep(Duration::from_secs(6)).await;

    // A new notification after the restart brings the missed one with it.
    let body = app
        .gql_as(&friend, "mutation { createLedger(input: { name: \"친구\", relationship: \"친구\", inviteEmails: [\"restart@example.com\"] }) { id } }", json!({}))
        .await;
    expect_ok(&body);
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("events arrive")
            .unwrap()
            .unwrap();
        if let Message::Text(text) = frame {
            let message: Value = serde_json::from_str(&text).unwrap();
            kinds.push(
                message["payload"]["data"]["notificationReceived"]["kind"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    assert_eq!(kinds, ["SCHEDULE_DUE", "INVITATION_RECEIVED"]);

    let body = app
        .gql_as(&admin, "{ me { notifications { totalCount } } }", json!({}))
        .await;
    assert_eq!(expect_ok(&body)["me"]["notifications"]["totalCount"], 2);
    drop(redis);
}
