//! Graceful shutdown: on the signal the server stops accepting, lets the
//! requests in flight finish, closes WebSockets with "going away", and exits.

use std::time::Duration;

use serde_json::json;

use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_server_finishes_in_flight_requests_then_refuses_new_ones() {
    let app = TestApp::spawn().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (address, server) = app
        .stoppable_instance(async move {
            let _ = stopped.await;
        })
        .await;
    let client = reqwest::Client::new();
    let url = format!("http://{address}/graphql");

    // A request in flight when the signal comes: Argon2 makes login take a moment.
    let in_flight = tokio::spawn({
        let client = client.clone();
        let url = url.clone();
        async move {
            client
                .post(&url)
                .json(&json!({ "query": "mutation { login(email: \"a@example.com\", password: \"abcd1234!\") { accessToken } }" }))
                .send()
                .await
        }
    });
    // Long enough to be connected, short of the Argon2 work.
    tokio::time::sleep(Duration::from_millis(20)).await;
    stop.send(()).unwrap();

    let response = in_flight
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(response.status(), 200);
    let finished = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(finished.is_ok(), "the server exits after draining");
    assert!(
        client
            .get(format!("http://{address}/health/live"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopping_server_closes_websockets_with_going_away_then_exits() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::{
        Message, client::IntoClientRequest, protocol::frame::coding::CloseCode,
    };

    let app = TestApp::spawn().await;
    let session = app.sign_up("leaving@example.com", "leaving").await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (address, server) = app
        .stoppable_instance(async move {
            let _ = stopped.await;
        })
        .await;
    let mut request = format!("ws://{address}/graphql")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", session.access) } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { notificationReceived { id } }" } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    let ack = socket.next().await.expect("a frame").expect("no error");
    assert!(ack.to_text().unwrap().contains("connection_ack"));

    stop.send(()).unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    })
    .await
    .expect("closed in time")
    .expect("with a code");
    assert_eq!(closed.code, CloseCode::Away);
    let finished = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(
        finished.is_ok(),
        "the server exits once its sockets are closed"
    );
}
