//! WebSocket upgrades on /graphql speak graphql-transport-ws and take the
//! access token from `connection_init`.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest, protocol::frame::coding::CloseCode},
};

use crate::support::{Session, TestApp};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(app: &TestApp) -> Socket {
    let mut request = format!("ws://{}/graphql", app.address)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, response) = connect_async(request).await.expect("upgrade");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    socket
}

async fn next_message(socket: &mut Socket) -> Message {
    tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
        .await
        .expect("a message in time")
        .expect("the socket is open")
        .expect("a frame")
}

/// A socket whose `connection_init` carried the session's token, acknowledged.
async fn open_signed_in(app: &TestApp, session: &Session) -> Socket {
    let mut socket = open(app).await;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", session.access) } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    assert!(
        next_message(&mut socket)
            .await
            .to_text()
            .unwrap()
            .contains("connection_ack")
    );
    socket
}

/// Sends `query` as operation `id` and returns the first message about it.
async fn subscribe(socket: &mut Socket, id: &str, query: &str) -> Value {
    let message = json!({ "id": id, "type": "subscribe", "payload": { "query": query } });
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
    let Message::Text(reply) = next_message(socket).await else {
        panic!("expected a text frame");
    };
    serde_json::from_str(&reply).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_valid_token_in_connection_init_is_acknowledged() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("socket@example.com", "socket").await;
    let mut socket = open(&app).await;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", session.access) } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let Message::Text(reply) = next_message(&mut socket).await else {
        panic!("expected a text frame");
    };
    let reply: Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(reply["type"], "connection_ack");
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_init_without_a_valid_token_is_closed_with_4403() {
    let app = TestApp::spawn().await;
    for payload in [json!({}), json!({ "Authorization": "Bearer not-a-token" })] {
        let mut socket = open(&app).await;
        let init = json!({ "type": "connection_init", "payload": payload });
        socket
            .send(Message::Text(init.to_string().into()))
            .await
            .unwrap();
        let Message::Close(Some(frame)) = next_message(&mut socket).await else {
            panic!("expected a close frame for {payload}");
        };
        assert_eq!(frame.code, CloseCode::Library(4403), "{payload}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_refuses_sockets_past_its_cap() {
    let app = TestApp::spawn_with(|config| config.api.ws_max_connections = 1).await;
    let _first = open(&app).await;
    let mut request = format!("ws://{}/graphql", app.address)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let refused = connect_async(request).await;
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) = refused else {
        panic!("expected an HTTP refusal");
    };
    assert_eq!(response.status(), 503);
}

#[tokio::test(flavor = "multi_thread")]
async fn mutations_over_the_socket_count_against_the_members_rate_limit() {
    let app = TestApp::spawn_with(|config| config.limits.mutations_per_member_minute = 1).await;
    let session = app.sign_up("socket-limit@example.com", "socketlimit").await;
    let mut socket = open_signed_in(&app, &session).await;
    let mut codes = Vec::new();
    for id in ["1", "2"] {
        let rename = "mutation { updateProfile(input: { userName: \"소켓\" }) { userName } }";
        let reply = subscribe(&mut socket, id, rename).await;
        assert_eq!(reply["type"], "next", "{reply}");
        codes.push(reply["payload"]["errors"][0]["extensions"]["code"].clone());
        let Message::Text(done) = next_message(&mut socket).await else {
            panic!("expected a text frame");
        };
        assert!(done.contains("complete"), "{done}");
    }
    assert_eq!(codes, vec![Value::Null, json!("RATE_LIMITED")]);
}

/// The document limits and the error mapping hold on the socket as over
/// HTTP: a document past the alias limit gets an `error` message, and a
/// domain error arrives with its code and Korean message.
#[tokio::test(flavor = "multi_thread")]
async fn the_socket_applies_the_document_limits_and_codes_domain_errors() {
    let app = TestApp::spawn_with(|config| config.api.max_aliases = 1).await;
    let session = app.sign_up("socket-alias@example.com", "socketalias").await;
    let mut socket = open_signed_in(&app, &session).await;
    let aliased = subscribe(&mut socket, "1", "{ a: me { id } b: me { id } }").await;
    assert_eq!(aliased["type"], "error", "{aliased}");
    assert_eq!(
        aliased["payload"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert!(
        aliased["payload"][0]["message"]
            .as_str()
            .unwrap()
            .contains("별칭"),
        "{aliased}"
    );

    let forbidden = subscribe(&mut socket, "2", "{ ledger(id: \"999999\") { name } }").await;
    assert_eq!(forbidden["type"], "next", "{forbidden}");
    let error = &forbidden["payload"]["errors"][0];
    assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{forbidden}");
    assert!(
        !error["message"].as_str().unwrap().is_ascii(),
        "the message is the user's Korean one: {forbidden}"
    );
}
