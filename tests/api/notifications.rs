//! Notifications as data (spec section 8): rows made with their cause, paged
//! newest first, read and deleted only by their recipient.

use serde_json::{Value, json};

use crate::support::{
    Session, TestApp, expect_error, expect_ok,
    ledgers::{accept_invitation, shared_ledger},
};

const PAGE: &str = "query($first: Int, $after: ID, $unread: Boolean) { me { unreadNotificationCount notifications(first: $first, after: $after, unreadOnly: $unread) { totalCount unreadCount hasMore nodes { id kind message actor { nickName } ledgerId invitationId readAt } } } }";
const MARK: &str = "mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }";
const DELETE: &str = "mutation($ids: [ID!]) { deleteNotifications(ids: $ids) }";

async fn page(
    app: &TestApp,
    session: &Session,
    first: i64,
    after: Option<&str>,
    unread: bool,
) -> Value {
    let body = app
        .gql_as(
            session,
            PAGE,
            json!({ "first": first, "after": after, "unread": unread }),
        )
        .await;
    expect_ok(&body)["me"].clone()
}

/// `inviter` invites `invitee` into `count` new ledgers.
async fn invitations(
    app: &TestApp,
    inviter: &Session,
    invitee: &Session,
    count: usize,
) -> Vec<String> {
    let mut ledgers = Vec::new();
    for i in 0..count {
        let body = app
            .gql_as(
                inviter,
                "mutation($input: CreateLedgerInput!) { createLedger(input: $input) { id } }",
                json!({ "input": { "name": format!("가계부 {i}"), "relationship": "친구", "inviteEmails": [invitee.email] } }),
            )
            .await;
        ledgers.push(
            expect_ok(&body)["createLedger"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    ledgers
}

#[tokio::test(flavor = "multi_thread")]
async fn invitations_and_acceptances_notify_with_ready_korean_messages() {
    let app = TestApp::spawn().await;
    let inviter = app.sign_up("inviter@example.com", "inviter").await;
    let invitee = app.sign_up("invitee@example.com", "invitee").await;
    let ledgers = invitations(&app, &inviter, &invitee, 1).await;

    let me = page(&app, &invitee, 20, None, false).await;
    assert_eq!(me["unreadNotificationCount"], 1);
    let node = &me["notifications"]["nodes"][0];
    assert_eq!(node["kind"], "INVITATION_RECEIVED");
    assert_eq!(
        node["message"],
        "inviter님이 '가계부 0' 가계부에 초대했습니다."
    );
    assert_eq!(node["actor"]["nickName"], "inviter");
    assert_eq!(node["ledgerId"], ledgers[0].as_str());
    assert!(node["invitationId"].is_string());
    assert_eq!(node["readAt"], Value::Null);

    accept_invitation(&app, &invitee, &ledgers[0]).await;
    let me = page(&app, &inviter, 20, None, false).await;
    let node = &me["notifications"]["nodes"][0];
    assert_eq!(node["kind"], "INVITATION_ACCEPTED");
    assert_eq!(
        node["message"],
        "invitee님이 '가계부 0' 가계부 초대를 수락했습니다."
    );
    assert_eq!(node["actor"]["nickName"], "invitee");
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_run_newest_first_after_the_last_seen_id() {
    let app = TestApp::spawn().await;
    let inviter = app.sign_up("pager@example.com", "pager").await;
    let invitee = app.sign_up("paged@example.com", "paged").await;
    invitations(&app, &inviter, &invitee, 5).await;

    let first = page(&app, &invitee, 2, None, false).await;
    let connection = &first["notifications"];
    assert_eq!(connection["totalCount"], 5);
    assert_eq!(connection["hasMore"], true);
    let nodes = connection["nodes"].as_array().unwrap();
    assert_eq!(
        nodes[0]["message"],
        "pager님이 '가계부 4' 가계부에 초대했습니다."
    );
    let last_seen = nodes[1]["id"].as_str().unwrap();

    let rest = page(&app, &invitee, 10, Some(last_seen), false).await;
    let messages: Vec<&str> = rest["notifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 3);
    assert!(messages[0].contains("가계부 2"));
    assert_eq!(rest["notifications"]["hasMore"], false);

    let body = app.gql_as(&invitee, PAGE, json!({ "first": 101 })).await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "first"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_recipient_marks_or_deletes_and_a_foreign_id_changes_nothing() {
    let app = TestApp::spawn().await;
    let inviter = app.sign_up("marks@example.com", "marks").await;
    let invitee = app.sign_up("marked@example.com", "marked").await;
    let other = app.sign_up("other@example.com", "other").await;
    invitations(&app, &inviter, &invitee, 3).await;
    invitations(&app, &inviter, &other, 1).await;
    let ids: Vec<String> = page(&app, &invitee, 20, None, false).await["notifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["id"].as_str().unwrap().to_owned())
        .collect();
    let foreign = page(&app, &other, 20, None, false).await["notifications"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let body = app
        .gql_as(&invitee, MARK, json!({ "ids": [ids[0], foreign] }))
        .await;
    expect_error(&body, "FORBIDDEN");
    assert_eq!(
        page(&app, &invitee, 20, None, false).await["unreadNotificationCount"],
        3
    );
    assert_eq!(
        page(&app, &other, 20, None, false).await["unreadNotificationCount"],
        1
    );

    let body = app.gql_as(&invitee, MARK, json!({ "ids": [ids[0]] })).await;
    assert_eq!(expect_ok(&body)["markNotificationsRead"], 1);
    let unread = page(&app, &invitee, 20, None, true).await;
    assert_eq!(unread["notifications"]["totalCount"], 2);
    assert_eq!(unread["notifications"]["unreadCount"], 2);
    let body = app.gql_as(&invitee, MARK, json!({ "ids": null })).await;
    assert_eq!(expect_ok(&body)["markNotificationsRead"], 2);
    assert_eq!(
        page(&app, &invitee, 20, None, false).await["unreadNotificationCount"],
        0
    );

    expect_error(
        &app.gql_as(&invitee, DELETE, json!({ "ids": [foreign] }))
            .await,
        "FORBIDDEN",
    );
    let body = app
        .gql_as(&invitee, DELETE, json!({ "ids": [ids[1]] }))
        .await;
    assert_eq!(expect_ok(&body)["deleteNotifications"], 1);
    let body = app.gql_as(&invitee, DELETE, json!({ "ids": null })).await;
    assert_eq!(expect_ok(&body)["deleteNotifications"], 2);
    assert_eq!(
        page(&app, &invitee, 20, None, false).await["notifications"]["totalCount"],
        0
    );
    assert_eq!(
        page(&app, &other, 20, None, false).await["notifications"]["totalCount"],
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_leaving_tells_the_admin() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("leftadmin@example.com", "leftadmin").await;
    let member = app.sign_up("leaver@example.com", "leaver").await;
    let ledger = shared_ledger(&app, &admin, &[&member]).await;
    let body = app
        .gql_as(
            &member,
            "mutation($l: ID!) { leaveLedger(id: $l) }",
            json!({ "l": ledger }),
        )
        .await;
    assert_eq!(expect_ok(&body)["leaveLedger"], true);
    let me = page(&app, &admin, 20, None, false).await;
    let node = &me["notifications"]["nodes"][0];
    assert_eq!(node["kind"], "MEMBER_LEFT");
    assert_eq!(
        node["message"],
        "leaver님이 '우리 집' 가계부에서 나갔습니다."
    );
    assert_eq!(node["ledgerId"], ledger.as_str());
}
