//! Shared-ledger fixtures, made through the public API.

use serde_json::{Value, json};

use super::{Session, TestApp, expect_ok};

/// Creates a shared ledger owned by `owner` and has each of `members` accept
/// an invitation to it; returns the ledger id.
pub async fn shared_ledger(app: &TestApp, owner: &Session, members: &[&Session]) -> String {
    let emails: Vec<&str> = members.iter().map(|member| member.email.as_str()).collect();
    let body = app
        .gql_as(
            owner,
            "mutation($input: CreateLedgerInput!) { createLedger(input: $input) { id } }",
            json!({ "input": { "name": "우리 집", "relationship": "가족", "inviteEmails": emails } }),
        )
        .await;
    let ledger_id = expect_ok(&body)["createLedger"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for member in members {
        accept_invitation(app, member, &ledger_id).await;
    }
    ledger_id
}

/// `member` leaves the shared ledger, which must succeed.
pub async fn leave_ledger(app: &TestApp, member: &Session, ledger_id: &str) {
    let body = app
        .gql_as(
            member,
            "mutation($id: ID!) { leaveLedger(id: $id) }",
            json!({ "id": ledger_id }),
        )
        .await;
    expect_ok(&body);
}

/// The id of `member`'s pending invitation to `ledger_id`.
pub async fn pending_invitation(app: &TestApp, member: &Session, ledger_id: &str) -> String {
    let body = app
        .gql_as(
            member,
            "{ me { invitations { id ledger { id } } } }",
            json!({}),
        )
        .await;
    expect_ok(&body)["me"]["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|invitation| invitation["ledger"]["id"] == ledger_id)
        .and_then(|invitation| invitation["id"].as_str())
        .unwrap_or_else(|| panic!("no invitation to {ledger_id}: {body}"))
        .to_owned()
}

pub async fn accept_invitation(app: &TestApp, member: &Session, ledger_id: &str) -> Value {
    let invitation = pending_invitation(app, member, ledger_id).await;
    let body = app
        .gql_as(
            member,
            "mutation($id: ID!) { respondToInvitation(id: $id, accept: true) { status } }",
            json!({ "id": invitation }),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["respondToInvitation"]["status"],
        "ACCEPTED"
    );
    body
}

/// The id of the category named `name` in the ledger.
pub async fn category_id(app: &TestApp, session: &Session, ledger_id: &str, name: &str) -> String {
    let body = app
        .gql_as(
            session,
            "query($id: ID!) { ledger(id: $id) { categories { id name } } }",
            json!({ "id": ledger_id }),
        )
        .await;
    expect_ok(&body)["ledger"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|category| category["name"] == name)
        .and_then(|category| category["id"].as_str())
        .unwrap_or_else(|| panic!("no category {name}"))
        .to_owned()
}

/// Runs `createLedger` as `owner` with `input`; the body.
pub async fn create_ledger(app: &TestApp, owner: &Session, input: Value) -> Value {
    app.gql_as(
        owner,
        "mutation($input: CreateLedgerInput!) { createLedger(input: $input) { id name relationship isPrivate myRole myColor memberCount categories { name isFallback } } }",
        json!({ "input": input }),
    )
    .await
}

/// The notifications of `member_id` as (kind, message), oldest first, read
/// straight from the database.
pub async fn notifications_of(app: &TestApp, member_id: &str) -> Vec<(String, String)> {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use uliga::db::schema::notifications;

    let recipient: i64 = member_id.parse().expect("a numeric member id");
    let mut conn = app.state.services.db.primary().await.expect("a connection");
    notifications::table
        .filter(notifications::recipient_id.eq(recipient))
        .order(notifications::id)
        .select((notifications::kind, notifications::message))
        .load(&mut *conn)
        .await
        .expect("notifications load")
}

/// A member's invitations with `status`, as (ledger id, status, inviteeEmail).
pub async fn invitations_of(app: &TestApp, member: &Session, status: &str) -> Vec<Value> {
    let body = app
        .gql_as(
            member,
            &format!(
                "{{ me {{ invitations(status: {status}) {{ id status inviteeEmail ledger {{ id name memberCount }} inviter {{ nickName }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    expect_ok(&body)["me"]["invitations"]
        .as_array()
        .expect("a list")
        .clone()
}

/// The id of the member's private ledger.
pub async fn private_ledger(app: &TestApp, session: &Session) -> String {
    let body = app
        .gql_as(session, "{ me { privateLedger { id } } }", json!({}))
        .await;
    expect_ok(&body)["me"]["privateLedger"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// How many entries `session` sees in `ledger`.
pub async fn entry_count(app: &TestApp, session: &Session, ledger_id: &str) -> i64 {
    let body = app
        .gql_as(
            session,
            "query($l: ID!) { ledger(id: $l) { entries { totalCount } } }",
            json!({ "l": ledger_id }),
        )
        .await;
    expect_ok(&body)["ledger"]["entries"]["totalCount"]
        .as_i64()
        .expect("a count")
}
