//! Subscriptions over graphql-transport-ws, across instances (spec 8, 10).

use std::{net::SocketAddr, time::Duration};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, protocol::frame::coding::CloseCode},
};

use crate::support::{
    Session, TestApp, expect_error, expect_ok,
    ledgers::{category_id, leave_ledger, shared_ledger},
    metric_value,
};

/// An expense of 5,000 on 2026-05-02 in ledger `$l`, category `$c`.
pub(crate) const CREATE_ENTRY: &str = "mutation($l: ID!, $c: ID!) { createEntry(ledgerId: $l, input: { type: EXPENSE, amount: 5000, date: \"2026-05-02\", categoryId: $c, payment: \"카드\", counterparty: \"마트\" }) { id } }";

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(address: SocketAddr) -> Socket {
    let mut request = format!("ws://{address}/graphql")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    connect_async(request).await.expect("upgrade").0
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// The next frame: a JSON message, or the close code.
pub(crate) async fn receive(socket: &mut Socket) -> Result<Value, u16> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame in time")
            .expect("the socket is open")
            .expect("a valid frame");
        match frame {
            Message::Text(text) => return Ok(serde_json::from_str(&text).unwrap()),
            Message::Close(Some(frame)) => return Err(u16::from(frame.code)),
            Message::Close(None) => return Err(1005),
            _ => continue,
        }
    }
}

pub(crate) async fn signed_in(address: SocketAddr, session: &Session) -> Socket {
    let mut socket = connect(address).await;
    send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", session.access) } })).await;
    assert_eq!(
        receive(&mut socket).await.unwrap()["type"],
        "connection_ack"
    );
    socket
}

pub(crate) async fn subscribe(socket: &mut Socket, id: &str, query: &str, variables: Value) {
    send(socket, json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } })).await;
    // Give the subscription a moment to register with the hub.
    tokio::time::sleep(Duration::from_millis(150)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notification_made_on_one_instance_reaches_a_socket_on_another() {
    let app = TestApp::spawn().await;
    let other = app.second_instance().await;
    let inviter = app.sign_up("inviter@example.com", "inviter").await;
    let invitee = app.sign_up("invitee@example.com", "invitee").await;
    let mut socket = signed_in(other.address, &invitee).await;
    subscribe(
        &mut socket,
        "n",
        "subscription { notificationReceived { id kind message } }",
        json!({}),
    )
    .await;

    let body = app
        .gql_as(&inviter, "mutation { createLedger(input: { name: \"여행\", relationship: \"친구\", inviteEmails: [\"invitee@example.com\"] }) { id } }", json!({}))
        .await;
    expect_ok(&body);
    let message = receive(&mut socket).await.unwrap();
    assert_eq!(message["type"], "next");
    assert_eq!(message["id"], "n");
    let notification = &message["payload"]["data"]["notificationReceived"];
    assert_eq!(notification["kind"], "INVITATION_RECEIVED");
    assert_eq!(
        notification["message"],
        "inviter님이 '여행' 가계부에 초대했습니다."
    );

    // The same notification is in the list, with the same id.
    let body = app
        .gql_as(
            &invitee,
            "{ me { notifications { nodes { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["me"]["notifications"]["nodes"][0]["id"],
        notification["id"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ledger_changes_stream_to_members_and_end_when_they_leave() {
    let app = TestApp::spawn().await;
    let other = app.second_instance().await;
    let admin = app.sign_up("admin@example.com", "admin").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &admin, &[&member]).await;
    let food = category_id(&app, &admin, &ledger, "🍽️ 식비").await;
    let mut socket = signed_in(other.address, &member).await;
    subscribe(
        &mut socket,
        "l",
        "subscription($l: ID!) { ledgerChanged(ledgerId: $l) { kind ledgerId actor { nickName } entryIds dates } }",
        json!({ "l": ledger }),
    )
    .await;

    let body = app
        .gql_as(&admin, CREATE_ENTRY, json!({ "l": ledger, "c": food }))
        .await;
    let entry_id = expect_ok(&body)["createEntry"]["id"].clone();
    let event = receive(&mut socket).await.unwrap();
    assert_eq!(
        event["payload"]["data"]["ledgerChanged"],
        json!({ "kind": "ENTRY_CREATED", "ledgerId": ledger, "actor": { "nickName": "admin" }, "entryIds": [entry_id], "dates": ["2026-05-02"] })
    );

    let body = app
        .gql_as(
            &admin,
            "mutation($l: ID!, $m: ID!) { removeMember(ledgerId: $l, memberId: $m) }",
            json!({ "l": ledger, "m": member.member_id }),
        )
        .await;
    expect_ok(&body);
    let event = receive(&mut socket).await.unwrap();
    assert_eq!(
        event["payload"]["data"]["ledgerChanged"]["kind"],
        "MEMBER_LEFT"
    );
    let done = receive(&mut socket).await.unwrap();
    assert_eq!(done, json!({ "type": "complete", "id": "l" }));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_member_gets_an_error_not_a_silent_stream() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("owner@example.com", "owner").await;
    let outsider = app.sign_up("outsider@example.com", "outsider").await;
    let ledger = shared_ledger(&app, &admin, &[]).await;
    let mut socket = signed_in(app.address, &outsider).await;
    send(&mut socket, json!({ "id": "x", "type": "subscribe", "payload": { "query": "subscription($l: ID!) { ledgerChanged(ledgerId: $l) { kind } }", "variables": { "l": ledger } } })).await;
    let message = receive(&mut socket).await.unwrap();
    let errors = if message["type"] == "error" {
        message["payload"].clone()
    } else {
        message["payload"]["errors"].clone()
    };
    assert_eq!(errors[0]["extensions"]["code"], "FORBIDDEN", "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn protocol_violations_close_with_the_protocol_codes() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("protocol@example.com", "protocol").await;

    let mut socket = connect(app.address).await;
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { notificationReceived { id } }" } })).await;
    assert_eq!(
        receive(&mut socket).await,
        Err(4401),
        "subscribe before ack"
    );

    let mut socket = signed_in(app.address, &session).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": {} }),
    )
    .await;
    assert_eq!(receive(&mut socket).await, Err(4429), "a second init");

    let mut socket = signed_in(app.address, &session).await;
    socket.send(Message::Text("not json".into())).await.unwrap();
    assert_eq!(receive(&mut socket).await, Err(4400), "an invalid message");

    let mut socket = signed_in(app.address, &session).await;
    let subscription = json!({ "id": "same", "type": "subscribe", "payload": { "query": "subscription { notificationReceived { id } }" } });
    send(&mut socket, subscription.clone()).await;
    send(&mut socket, subscription).await;
    assert_eq!(receive(&mut socket).await, Err(4409), "a duplicate id");

    let mut socket = signed_in(app.address, &session).await;
    send(&mut socket, json!({ "type": "ping" })).await;
    assert_eq!(receive(&mut socket).await.unwrap()["type"], "pong");
    let _ = CloseCode::Normal;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_connection_is_closed_with_4408() {
    let app =
        TestApp::spawn_with(|config| config.api.ws_init_timeout = Duration::from_millis(300)).await;
    let mut socket = connect(app.address).await;
    assert_eq!(receive(&mut socket).await, Err(4408));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_socket_is_closed_with_4401_after_its_token_expires() {
    let app = TestApp::spawn_with(|config| {
        config.auth.access_ttl = Duration::from_secs(1);
        config.api.ws_token_grace = Duration::from_secs(2);
    })
    .await;
    let before = std::time::Instant::now();
    let session = app.sign_up("expiring@example.com", "expiring").await;
    let mut socket = signed_in(app.address, &session).await;
    assert_eq!(receive(&mut socket).await, Err(4401));
    // The token expired no earlier than `before` (its `exp` is in whole
    // seconds), and the socket outlived it by the grace.
    let lived = before.elapsed();
    assert!(lived >= Duration::from_secs(2), "closed after {lived:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn budget_category_and_membership_changes_have_their_kinds() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("kinds@example.com", "kinds").await;
    let member = app.sign_up("joiner@example.com", "joiner").await;
    let ledger = shared_ledger(&app, &admin, &[]).await;
    let mut socket = signed_in(app.address, &admin).await;
    subscribe(
        &mut socket,
        "k",
        "subscription($l: ID!) { ledgerChanged(ledgerId: $l) { kind actor { nickName } } }",
        json!({ "l": ledger }),
    )
    .await;

    let steps: Vec<(&Session, &str, Value, &str)> = vec![
        (
            &admin,
            "mutation($l: ID!) { setBudget(ledgerId: $l, year: 2026, month: 1, amount: 1000) { amount } }",
            json!({ "l": ledger }),
            "BUDGET_CHANGED",
        ),
        (
            &admin,
            "mutation($l: ID!) { addCategories(ledgerId: $l, names: [\"여행\"]) { id } }",
            json!({ "l": ledger }),
            "CATEGORY_CHANGED",
        ),
        (
            &admin,
            "mutation($l: ID!) { updateLedger(id: $l, input: { name: \"새 이름\" }) { id } }",
            json!({ "l": ledger }),
            "LEDGER_UPDATED",
        ),
    ];
    for (session, query, variables, kind) in steps {
        expect_ok(&app.gql_as(session, query, variables).await);
        let event = receive(&mut socket).await.unwrap();
        assert_eq!(event["payload"]["data"]["ledgerChanged"]["kind"], kind);
    }
    let body = app
        .gql_as(&admin, "mutation($l: ID!) { inviteMembers(ledgerId: $l, emails: [\"joiner@example.com\"]) { id } }", json!({ "l": ledger }))
        .await;
    expect_ok(&body);
    crate::support::ledgers::accept_invitation(&app, &member, &ledger).await;
    let event = receive(&mut socket).await.unwrap();
    assert_eq!(
        event["payload"]["data"]["ledgerChanged"],
        json!({ "kind": "MEMBER_JOINED", "actor": { "nickName": "joiner" } })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn entry_edits_deletes_and_the_ledgers_deletion_have_their_kinds() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("edits@example.com", "edits").await;
    let ledger = shared_ledger(&app, &admin, &[]).await;
    let food = category_id(&app, &admin, &ledger, "🍽️ 식비").await;
    let body = app
        .gql_as(&admin, CREATE_ENTRY, json!({ "l": ledger, "c": food }))
        .await;
    let entry_id = expect_ok(&body)["createEntry"]["id"].clone();
    let mut socket = signed_in(app.address, &admin).await;
    subscribe(
        &mut socket,
        "e",
        "subscription($l: ID!) { ledgerChanged(ledgerId: $l) { kind entryIds dates } }",
        json!({ "l": ledger }),
    )
    .await;

    // A move to another day names both days, so that both calendars redraw.
    let body = app
        .gql_as(
            &admin,
            "mutation($id: ID!) { updateEntry(id: $id, input: { date: \"2026-05-09\" }) { id } }",
            json!({ "id": entry_id }),
        )
        .await;
    expect_ok(&body);
    let event = receive(&mut socket).await.unwrap();
    assert_eq!(
        event["payload"]["data"]["ledgerChanged"],
        json!({ "kind": "ENTRY_UPDATED", "entryIds": [entry_id], "dates": ["2026-05-02", "2026-05-09"] })
    );
    let body = app
        .gql_as(
            &admin,
            "mutation($ids: [ID!]!) { deleteEntries(ids: $ids) }",
            json!({ "ids": [entry_id] }),
        )
        .await;
    expect_ok(&body);
    let event = receive(&mut socket).await.unwrap();
    assert_eq!(
        event["payload"]["data"]["ledgerChanged"],
        json!({ "kind": "ENTRY_DELETED", "entryIds": [entry_id], "dates": ["2026-05-09"] })
    );
    let body = app
        .gql_as(
            &admin,
            "mutation($id: ID!) { deleteLedger(id: $id) }",
            json!({ "id": ledger }),
        )
        .await;
    expect_ok(&body);
    let event = receive(&mut socket).await.unwrap();
    assert_eq!(
        event["payload"]["data"]["ledgerChanged"]["kind"],
        "LEDGER_DELETED"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_deleting_their_account_is_a_member_leaving_the_ledger() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("stays@example.com", "stays").await;
    let member = app.sign_up("goes@example.com", "goes").await;
    let ledger = shared_ledger(&app, &admin, &[&member]).await;
    let mut socket = signed_in(app.address, &admin).await;
    subscribe(
        &mut socket,
        "d",
        "subscription($l: ID!) { ledgerChanged(ledgerId: $l) { kind actor { nickName } } }",
        json!({ "l": ledger }),
    )
    .await;
    let body = app
        .gql_as(
            &member,
            "mutation($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": crate::support::PASSWORD }),
        )
        .await;
    expect_ok(&body);
    let event = receive(&mut socket).await.unwrap();
    assert_eq!(
        event["payload"]["data"]["ledgerChanged"],
        json!({ "kind": "MEMBER_LEFT", "actor": { "nickName": "goes" } })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_holds_at_most_50_subscriptions_and_leaving_ends_the_stream() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("many@example.com", "many").await;
    let member = app.sign_up("leaver@example.com", "leaver").await;
    let ledger = shared_ledger(&app, &admin, &[&member]).await;
    let query = "subscription($l: ID!) { ledgerChanged(ledgerId: $l) { kind } }";
    let mut socket = signed_in(app.address, &member).await;
    for n in 0..50 {
        let id = format!("s{n}");
        send(&mut socket, json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": { "l": ledger } } })).await;
    }
    send(&mut socket, json!({ "id": "s50", "type": "subscribe", "payload": { "query": query, "variables": { "l": ledger } } })).await;
    let refused = receive(&mut socket).await.unwrap();
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "s50");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED");

    // The member leaves: each of their 50 streams of the ledger ends.
    tokio::time::sleep(Duration::from_millis(150)).await;
    leave_ledger(&app, &member, &ledger).await;
    let mut completed = std::collections::HashSet::new();
    while completed.len() < 50 {
        let message = receive(&mut socket).await.unwrap();
        match message["type"].as_str() {
            Some("next") => assert_eq!(
                message["payload"]["data"]["ledgerChanged"]["kind"],
                "MEMBER_LEFT"
            ),
            Some("complete") => {
                completed.insert(message["id"].as_str().unwrap().to_owned());
            }
            other => panic!("unexpected {other:?}: {message}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mutation_that_fails_publishes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("rolled@example.com", "rolled").await;
    let ledger = shared_ledger(&app, &admin, &[]).await;
    let food = category_id(&app, &admin, &ledger, "🍽️ 식비").await;
    let mut socket = signed_in(app.address, &admin).await;
    subscribe(
        &mut socket,
        "f",
        "subscription($l: ID!) { ledgerChanged(ledgerId: $l) { kind entryIds } }",
        json!({ "l": ledger }),
    )
    .await;
    // A batch whose second row is bad is rolled back whole: no event.
    let row = |amount: i64| json!({ "type": "EXPENSE", "amount": amount, "date": "2026-05-02", "categoryId": food, "payment": "카드", "counterparty": "마트" });
    let body = app
        .gql_as(
            &admin,
            "mutation($l: ID!, $i: [EntryInput!]!) { createEntries(ledgerId: $l, inputs: $i) { incomeCount } }",
            json!({ "l": ledger, "i": [row(1000), row(0)] }),
        )
        .await;
    expect_error(&body, "BAD_USER_INPUT");
    let body = app
        .gql_as(&admin, CREATE_ENTRY, json!({ "l": ledger, "c": food }))
        .await;
    let created = expect_ok(&body)["createEntry"]["id"].clone();
    // The first event is the entry that was written.
    let event = receive(&mut socket).await.unwrap();
    assert_eq!(
        event["payload"]["data"]["ledgerChanged"],
        json!({ "kind": "ENTRY_CREATED", "entryIds": [created] })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_subscribers_gauge_counts_the_live_subscriptions() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("gauge@example.com", "gauge").await;
    let ledger = shared_ledger(&app, &admin, &[]).await;
    let live = || metric_value(&app, "uliga_subscribers");
    assert_eq!(live().await, 0.0);
    let mut socket = signed_in(app.address, &admin).await;
    let query = "subscription($l: ID!) { ledgerChanged(ledgerId: $l) { kind } }";
    for id in ["a", "b"] {
        subscribe(&mut socket, id, query, json!({ "l": ledger })).await;
    }
    assert_eq!(live().await, 2.0);

    send(&mut socket, json!({ "id": "a", "type": "complete" })).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(live().await, 1.0);
    socket.close(None).await.unwrap();
    let closed = std::time::Instant::now();
    while live().await != 0.0 {
        assert!(closed.elapsed() < Duration::from_secs(5), "still counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn schedule_changes_stream_as_schedule_changed() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("plans@example.com", "plans").await;
    let ledger = shared_ledger(&app, &admin, &[]).await;
    let mut socket = signed_in(app.address, &admin).await;
    subscribe(
        &mut socket,
        "s",
        "subscription($l: ID!) { ledgerChanged(ledgerId: $l) { kind ledgerId actor { nickName } } }",
        json!({ "l": ledger }),
    )
    .await;

    let body = app
        .gql_as(
            &admin,
            "mutation($l: ID!, $m: ID!) { createSchedules(ledgerId: $l, inputs: [{ name: \"월세\", type: EXPENSE, dayOfMonth: 5, amount: 1000, assignments: [{ memberId: $m, amount: 1000 }] }]) { id } }",
            json!({ "l": ledger, "m": admin.member_id }),
        )
        .await;
    let id = expect_ok(&body)["createSchedules"][0]["id"].clone();
    let expected =
        json!({ "kind": "SCHEDULE_CHANGED", "ledgerId": ledger, "actor": { "nickName": "plans" } });
    let event = receive(&mut socket).await.unwrap();
    assert_eq!(event["payload"]["data"]["ledgerChanged"], expected);

    for query in [
        "mutation($id: ID!) { updateSchedule(id: $id, input: { name: \"관리비\" }) { id } }",
        "mutation($id: ID!) { deleteSchedule(id: $id) }",
    ] {
        expect_ok(&app.gql_as(&admin, query, json!({ "id": id })).await);
        let event = receive(&mut socket).await.unwrap();
        assert_eq!(event["payload"]["data"]["ledgerChanged"], expected);
    }
}
