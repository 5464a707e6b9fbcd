//! Invitations to shared ledgers (spec sections 3, 8 and 11): who may
//! invite, answer and cancel, expiry after 30 days, and the mail and
//! notifications that go with them.

use serde_json::{Value, json};

use crate::support::{
    Session, TestApp, VERIFICATION_SUBJECT, expect_error, expect_ok,
    ledgers::{
        accept_invitation, create_ledger, invitations_of, leave_ledger, notifications_of,
        pending_invitation, shared_ledger,
    },
};

const INVITE: &str = "mutation($id: ID!, $emails: [String!]!) { inviteMembers(ledgerId: $id, emails: $emails) { id inviteeEmail status inviter { id nickName } ledger { id name memberCount } } }";
const RESPOND: &str = "mutation($id: ID!, $accept: Boolean!) { respondToInvitation(id: $id, accept: $accept) { id status inviteeEmail ledger { id memberCount } } }";
const CANCEL: &str = "mutation($id: ID!) { cancelInvitation(id: $id) { id status } }";
const LEDGER_INVITATIONS: &str =
    "query($id: ID!) { ledger(id: $id) { invitations { id inviteeEmail status } } }";
const LEDGER: &str =
    "query($id: ID!) { ledger(id: $id) { memberCount members { member { id } role color } } }";

fn field(error: &Value) -> &Value {
    &error["extensions"]["field"]
}

/// Invites `emails` as `inviter`; the ids of the new invitations.
async fn invite(app: &TestApp, inviter: &Session, ledger: &str, emails: &[&str]) -> Vec<String> {
    let body = app
        .gql_as(inviter, INVITE, json!({ "id": ledger, "emails": emails }))
        .await;
    expect_ok(&body)["inviteMembers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|invitation| invitation["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn ledger_invitations(app: &TestApp, viewer: &Session, ledger: &str) -> Value {
    let body = app
        .gql_as(viewer, LEDGER_INVITATIONS, json!({ "id": ledger }))
        .await;
    expect_ok(&body)["ledger"]["invitations"].clone()
}

async fn kinds(app: &TestApp, member: &Session, kind: &str) -> Vec<String> {
    notifications_of(app, &member.member_id)
        .await
        .into_iter()
        .filter(|(k, _)| k == kind)
        .map(|(_, message)| message)
        .collect()
}

fn advance_days(app: &TestApp, days: i64) {
    app.state
        .services
        .clock
        .advance(chrono::Duration::days(days));
}

// ---- inviteMembers ----

#[tokio::test(flavor = "multi_thread")]
async fn any_member_may_invite_and_the_invitee_is_mailed() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let body = app
        .gql_as(
            &member,
            INVITE,
            json!({ "id": ledger, "emails": [" New@Example.com "] }),
        )
        .await;
    let invitations = &expect_ok(&body)["inviteMembers"];
    assert_eq!(invitations.as_array().unwrap().len(), 1);
    let invitation = &invitations[0];
    assert_eq!(
        invitation,
        &json!({
            "id": invitation["id"],
            "inviteeEmail": "New@Example.com",
            "status": "PENDING",
            "inviter": { "id": member.member_id, "nickName": "member" },
            "ledger": { "id": ledger, "name": "우리 집", "memberCount": 2 },
        })
    );

    let mail = app.mail.wait_for("new@example.com", 1).await;
    assert_eq!(
        mail.subject,
        "[우리가] member님이 '우리 집' 가계부에 초대했습니다"
    );
    assert!(
        mail.body
            .contains("member님이 '우리 집' 가계부에 초대했습니다."),
        "{}",
        mail.body
    );
    assert!(mail.body.contains("http://app.uliga.test"), "{}", mail.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn inviting_into_the_private_ledger_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let body = app
        .gql_as(&owner, "{ me { privateLedger { id } } }", json!({}))
        .await;
    let private = expect_ok(&body)["me"]["privateLedger"]["id"].clone();

    let body = app
        .gql_as(
            &owner,
            INVITE,
            json!({ "id": private, "emails": ["friend@example.com"] }),
        )
        .await;
    assert_eq!(field(expect_error(&body, "BAD_USER_INPUT")), "ledgerId");
    assert!(app.mail.mails_to("friend@example.com").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn inviting_a_current_member_is_bad_user_input_whatever_the_case() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    for email in ["MEMBER@example.com", "owner@EXAMPLE.com"] {
        let body = app
            .gql_as(&member, INVITE, json!({ "id": ledger, "emails": [email] }))
            .await;
        assert_eq!(field(expect_error(&body, "BAD_USER_INPUT")), "emails");
    }
    assert_eq!(ledger_invitations(&app, &owner, &ledger).await, json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_pending_invitation_to_the_same_email_is_a_conflict_whatever_the_case() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    invite(&app, &owner, &ledger, &["friend@example.com"]).await;

    for (by, emails) in [
        (&owner, json!(["FRIEND@example.com"])),
        (&member, json!(["friend@example.com"])),
        (&owner, json!(["other@example.com", "Friend@Example.com"])),
    ] {
        let body = app
            .gql_as(by, INVITE, json!({ "id": ledger, "emails": emails }))
            .await;
        assert_eq!(field(expect_error(&body, "CONFLICT")), "emails");
    }
    // The failed request made none of its invitations.
    let pending = ledger_invitations(&app, &owner, &ledger).await;
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert_eq!(pending[0]["inviteeEmail"], "friend@example.com");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_email_twice_in_one_request_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    let body = app
        .gql_as(
            &owner,
            INVITE,
            json!({ "id": ledger, "emails": ["a@example.com", "A@example.com"] }),
        )
        .await;
    assert_eq!(field(expect_error(&body, "CONFLICT")), "emails");
    assert_eq!(ledger_invitations(&app, &owner, &ledger).await, json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_or_missing_email_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    let too_many: Vec<String> = (0..21).map(|i| format!("friend{i}@example.com")).collect();
    for emails in [
        json!([]),
        json!(["not-an-email"]),
        json!(["ok@example.com", ""]),
        json!(too_many),
    ] {
        let body = app
            .gql_as(&owner, INVITE, json!({ "id": ledger, "emails": emails }))
            .await;
        assert_eq!(
            field(expect_error(&body, "BAD_USER_INPUT")),
            "emails",
            "{emails}"
        );
    }
    assert_eq!(ledger_invitations(&app, &owner, &ledger).await, json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_member_cannot_invite_into_a_ledger() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    for id in [ledger.as_str(), "999999999"] {
        let body = app
            .gql_as(
                &stranger,
                INVITE,
                json!({ "id": id, "emails": ["friend@example.com"] }),
            )
            .await;
        expect_error(&body, "FORBIDDEN");
    }
    assert_eq!(ledger_invitations(&app, &owner, &ledger).await, json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invitee_with_an_account_gets_an_invitation_received_notification() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    invite(&app, &owner, &ledger, &["Friend@Example.com"]).await;

    assert_eq!(
        notifications_of(&app, &friend.member_id).await,
        vec![(
            "INVITATION_RECEIVED".to_owned(),
            "owner님이 '우리 집' 가계부에 초대했습니다.".to_owned()
        )]
    );
    let pending = invitations_of(&app, &friend, "PENDING").await;
    assert_eq!(
        pending,
        vec![json!({
            "id": pending[0]["id"],
            "status": "PENDING",
            "inviteeEmail": "Friend@Example.com",
            "ledger": { "id": ledger, "name": "우리 집", "memberCount": 1 },
            "inviter": { "nickName": "owner" },
        })]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_email_without_an_account_sees_the_invitation_after_signing_up() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    invite(&app, &owner, &ledger, &["Later@Example.com"]).await;
    app.mail.wait_for("later@example.com", 1).await;

    let later = app.sign_up("later@example.com", "later").await;

    let pending = invitations_of(&app, &later, "PENDING").await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["ledger"]["id"], ledger.as_str());
    assert_eq!(pending[0]["inviteeEmail"], "Later@Example.com");
    assert_eq!(
        notifications_of(&app, &later.member_id).await,
        vec![(
            "INVITATION_RECEIVED".to_owned(),
            "owner님이 '우리 집' 가계부에 초대했습니다.".to_owned()
        )]
    );
    accept_invitation(&app, &later, &ledger).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_up_after_an_invitation_expired_brings_no_invitation() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    invite(&app, &owner, &ledger, &["late@example.com"]).await;
    advance_days(&app, 31);

    let late = app.sign_up("late@example.com", "late").await;

    assert_eq!(
        invitations_of(&app, &late, "PENDING").await,
        Vec::<Value>::new()
    );
    assert_eq!(invitations_of(&app, &late, "EXPIRED").await.len(), 1);
    assert_eq!(notifications_of(&app, &late.member_id).await, vec![]);
}

// ---- respondToInvitation ----

#[tokio::test(flavor = "multi_thread")]
async fn accepting_adds_the_invitee_as_a_gray_member_and_tells_the_inviter() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    let id = invite(&app, &member, &ledger, &["friend@example.com"]).await[0].clone();

    let body = app
        .gql_as(&friend, RESPOND, json!({ "id": id, "accept": true }))
        .await;
    assert_eq!(
        expect_ok(&body)["respondToInvitation"],
        json!({ "id": id, "status": "ACCEPTED", "inviteeEmail": "friend@example.com", "ledger": { "id": ledger, "memberCount": 3 } })
    );

    let body = app.gql_as(&friend, LEDGER, json!({ "id": ledger })).await;
    assert_eq!(
        expect_ok(&body)["ledger"],
        json!({ "memberCount": 3, "members": [
            { "member": { "id": owner.member_id }, "role": "ADMIN", "color": "gray" },
            { "member": { "id": member.member_id }, "role": "MEMBER", "color": "gray" },
            { "member": { "id": friend.member_id }, "role": "MEMBER", "color": "gray" },
        ] })
    );
    assert_eq!(
        kinds(&app, &member, "INVITATION_ACCEPTED").await,
        vec!["friend님이 '우리 집' 가계부 초대를 수락했습니다."]
    );
    assert_eq!(
        kinds(&app, &owner, "INVITATION_ACCEPTED").await,
        vec!["member님이 '우리 집' 가계부 초대를 수락했습니다."],
        "only the inviter is told of friend"
    );
    assert_eq!(
        invitations_of(&app, &friend, "PENDING").await,
        Vec::<Value>::new()
    );
    assert_eq!(invitations_of(&app, &friend, "ACCEPTED").await.len(), 1);
    assert_eq!(ledger_invitations(&app, &owner, &ledger).await, json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn declining_closes_the_invitation_without_joining() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let id = invite(&app, &owner, &ledger, &["friend@example.com"]).await[0].clone();

    let body = app
        .gql_as(&friend, RESPOND, json!({ "id": id, "accept": false }))
        .await;
    assert_eq!(
        expect_ok(&body)["respondToInvitation"]["status"],
        "DECLINED"
    );

    let body = app.gql_as(&friend, LEDGER, json!({ "id": ledger })).await;
    expect_error(&body, "FORBIDDEN");
    assert_eq!(
        invitations_of(&app, &friend, "PENDING").await,
        Vec::<Value>::new()
    );
    assert_eq!(invitations_of(&app, &friend, "DECLINED").await.len(), 1);
    assert_eq!(ledger_invitations(&app, &owner, &ledger).await, json!([]));
    assert_eq!(
        kinds(&app, &owner, "INVITATION_ACCEPTED").await,
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn answering_an_invitation_that_is_no_longer_pending_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let declined = invite(&app, &owner, &ledger, &["friend@example.com"]).await[0].clone();
    let body = app
        .gql_as(&friend, RESPOND, json!({ "id": declined, "accept": false }))
        .await;
    expect_ok(&body);
    let accepted = invite(&app, &owner, &ledger, &["friend@example.com"]).await[0].clone();
    let body = app
        .gql_as(&friend, RESPOND, json!({ "id": accepted, "accept": true }))
        .await;
    expect_ok(&body);

    for id in [&declined, &accepted] {
        for accept in [true, false] {
            let body = app
                .gql_as(&friend, RESPOND, json!({ "id": id, "accept": accept }))
                .await;
            assert_eq!(field(expect_error(&body, "CONFLICT")), "id");
        }
    }
    let body = app.gql_as(&friend, LEDGER, json!({ "id": ledger })).await;
    assert_eq!(expect_ok(&body)["ledger"]["memberCount"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_invitee_may_answer_an_invitation() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    let id = invite(&app, &member, &ledger, &["friend@example.com"]).await[0].clone();

    for someone in [&owner, &member, &stranger] {
        for accept in [true, false] {
            let body = app
                .gql_as(someone, RESPOND, json!({ "id": id, "accept": accept }))
                .await;
            expect_error(&body, "FORBIDDEN");
        }
    }
    let body = app.gql_as(&stranger, LEDGER, json!({ "id": ledger })).await;
    expect_error(&body, "FORBIDDEN");
    assert_eq!(
        ledger_invitations(&app, &owner, &ledger).await[0]["status"],
        "PENDING"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn answering_or_cancelling_an_unknown_invitation_is_forbidden() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;

    for id in ["999999999", "abc"] {
        let body = app
            .gql_as(&owner, RESPOND, json!({ "id": id, "accept": true }))
            .await;
        expect_error(&body, "FORBIDDEN");
        let body = app.gql_as(&owner, CANCEL, json!({ "id": id })).await;
        expect_error(&body, "FORBIDDEN");
    }
}

// ---- cancelInvitation ----

#[tokio::test(flavor = "multi_thread")]
async fn the_inviter_may_cancel_and_the_invitee_can_no_longer_answer() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    let id = invite(&app, &member, &ledger, &["friend@example.com"]).await[0].clone();

    let body = app.gql_as(&member, CANCEL, json!({ "id": id })).await;
    assert_eq!(
        expect_ok(&body)["cancelInvitation"],
        json!({ "id": id, "status": "CANCELED" })
    );

    assert_eq!(ledger_invitations(&app, &owner, &ledger).await, json!([]));
    assert_eq!(
        invitations_of(&app, &friend, "PENDING").await,
        Vec::<Value>::new()
    );
    assert_eq!(
        invitations_of(&app, &friend, "CANCELED").await[0]["id"],
        id.as_str()
    );
    let body = app
        .gql_as(&friend, RESPOND, json!({ "id": id, "accept": true }))
        .await;
    assert_eq!(field(expect_error(&body, "CONFLICT")), "id");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_may_cancel_a_members_invitation() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    let id = invite(&app, &member, &ledger, &["friend@example.com"]).await[0].clone();

    let body = app.gql_as(&owner, CANCEL, json!({ "id": id })).await;
    assert_eq!(
        expect_ok(&body)["cancelInvitation"],
        json!({ "id": id, "status": "CANCELED" })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn another_member_cannot_cancel_an_invitation() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let first = app.sign_up("first@example.com", "first").await;
    let second = app.sign_up("second@example.com", "second").await;
    let ledger = shared_ledger(&app, &owner, &[&first, &second]).await;
    let by_owner = invite(&app, &owner, &ledger, &["a@example.com"]).await[0].clone();
    let by_first = invite(&app, &first, &ledger, &["b@example.com"]).await[0].clone();

    for id in [&by_owner, &by_first] {
        let body = app.gql_as(&second, CANCEL, json!({ "id": id })).await;
        expect_error(&body, "FORBIDDEN");
    }
    let body = app.gql_as(&first, CANCEL, json!({ "id": by_owner })).await;
    expect_error(&body, "FORBIDDEN");
    assert_eq!(
        ledger_invitations(&app, &owner, &ledger)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_invitee_or_a_non_member_cannot_cancel_an_invitation() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let id = invite(&app, &owner, &ledger, &["friend@example.com"]).await[0].clone();

    for someone in [&friend, &stranger] {
        let body = app.gql_as(someone, CANCEL, json!({ "id": id })).await;
        expect_error(&body, "FORBIDDEN");
    }
    assert_eq!(
        invitations_of(&app, &friend, "PENDING").await[0]["id"],
        id.as_str()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inviter_who_left_can_no_longer_cancel_but_the_admin_still_can() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    let id = invite(&app, &member, &ledger, &["friend@example.com"]).await[0].clone();
    leave_ledger(&app, &member, &ledger).await;

    let body = app.gql_as(&member, CANCEL, json!({ "id": id })).await;
    expect_error(&body, "FORBIDDEN");
    let body = app.gql_as(&owner, CANCEL, json!({ "id": id })).await;
    assert_eq!(expect_ok(&body)["cancelInvitation"]["status"], "CANCELED");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_an_invitation_that_is_no_longer_pending_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let canceled = invite(&app, &owner, &ledger, &["x@example.com"]).await[0].clone();
    let body = app.gql_as(&owner, CANCEL, json!({ "id": canceled })).await;
    expect_ok(&body);
    let declined = invite(&app, &owner, &ledger, &["friend@example.com"]).await[0].clone();
    let body = app
        .gql_as(&friend, RESPOND, json!({ "id": declined, "accept": false }))
        .await;
    expect_ok(&body);

    for id in [&canceled, &declined] {
        let body = app.gql_as(&owner, CANCEL, json!({ "id": id })).await;
        assert_eq!(field(expect_error(&body, "CONFLICT")), "id");
    }
}

// ---- Ledger.invitations ----

#[tokio::test(flavor = "multi_thread")]
async fn ledger_invitations_lists_the_pending_ones_in_the_order_they_were_sent() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    let a = invite(&app, &owner, &ledger, &["a@example.com"]).await[0].clone();
    let b = invite(&app, &member, &ledger, &["b@example.com"]).await[0].clone();
    let c = invite(&app, &owner, &ledger, &["c@example.com"]).await[0].clone();
    let body = app.gql_as(&owner, CANCEL, json!({ "id": b })).await;
    expect_ok(&body);

    let expected = json!([
        { "id": a, "inviteeEmail": "a@example.com", "status": "PENDING" },
        { "id": c, "inviteeEmail": "c@example.com", "status": "PENDING" },
    ]);
    assert_eq!(ledger_invitations(&app, &owner, &ledger).await, expected);
    assert_eq!(ledger_invitations(&app, &member, &ledger).await, expected);
}

// ---- expiry ----

#[tokio::test(flavor = "multi_thread")]
async fn an_invitation_is_still_pending_just_before_30_days() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    invite(&app, &owner, &ledger, &["friend@example.com"]).await;

    app.state
        .services
        .clock
        .advance(chrono::Duration::days(30) - chrono::Duration::minutes(5));

    assert_eq!(invitations_of(&app, &friend, "PENDING").await.len(), 1);
    accept_invitation(&app, &friend, &ledger).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn after_30_days_an_invitation_is_expired_and_cannot_be_answered_or_canceled() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let id = invite(&app, &owner, &ledger, &["friend@example.com"]).await[0].clone();

    advance_days(&app, 30);

    assert_eq!(
        invitations_of(&app, &friend, "PENDING").await,
        Vec::<Value>::new()
    );
    let expired = invitations_of(&app, &friend, "EXPIRED").await;
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["id"], id.as_str());
    assert_eq!(expired[0]["status"], "EXPIRED");
    assert_eq!(ledger_invitations(&app, &owner, &ledger).await, json!([]));

    for accept in [true, false] {
        let body = app
            .gql_as(&friend, RESPOND, json!({ "id": id, "accept": accept }))
            .await;
        assert_eq!(field(expect_error(&body, "CONFLICT")), "id");
    }
    let body = app.gql_as(&owner, CANCEL, json!({ "id": id })).await;
    assert_eq!(field(expect_error(&body, "CONFLICT")), "id");
    let body = app.gql_as(&friend, LEDGER, json!({ "id": ledger })).await;
    expect_error(&body, "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn after_an_invitation_expired_the_same_email_may_be_invited_again() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let old = invite(&app, &owner, &ledger, &["friend@example.com"]).await[0].clone();

    advance_days(&app, 31);
    let new = invite(&app, &owner, &ledger, &["FRIEND@example.com"]).await[0].clone();
    assert_ne!(old, new);

    let pending = invitations_of(&app, &friend, "PENDING").await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["id"], new.as_str());
    assert_eq!(
        invitations_of(&app, &friend, "EXPIRED").await[0]["id"],
        old.as_str()
    );
    let mail = app
        .mail
        .wait_for_where("friend@example.com", 2, |mail| {
            mail.subject != VERIFICATION_SUBJECT
        })
        .await;
    assert_eq!(
        mail.subject,
        "[우리가] owner님이 '우리 집' 가계부에 초대했습니다"
    );
    accept_invitation(&app, &friend, &ledger).await;
}

// ---- re-inviting ----

#[tokio::test(flavor = "multi_thread")]
async fn a_declined_or_canceled_invitation_does_not_block_a_new_one() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let first = invite(&app, &owner, &ledger, &["friend@example.com"]).await[0].clone();
    let body = app
        .gql_as(&friend, RESPOND, json!({ "id": first, "accept": false }))
        .await;
    expect_ok(&body);
    let second = invite(&app, &owner, &ledger, &["friend@example.com"]).await[0].clone();
    let body = app.gql_as(&owner, CANCEL, json!({ "id": second })).await;
    expect_ok(&body);

    invite(&app, &owner, &ledger, &["friend@example.com"]).await;
    accept_invitation(&app, &friend, &ledger).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_who_left_may_be_invited_again() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &owner, &[&friend]).await;
    leave_ledger(&app, &friend, &ledger).await;

    invite(&app, &owner, &ledger, &["friend@example.com"]).await;
    let id = pending_invitation(&app, &friend, &ledger).await;
    let body = app
        .gql_as(&friend, RESPOND, json!({ "id": id, "accept": true }))
        .await;
    assert_eq!(
        expect_ok(&body)["respondToInvitation"]["ledger"]["memberCount"],
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invitations_made_at_creation_are_answered_like_any_other() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let body = create_ledger(
        &app,
        &owner,
        json!({ "name": "우리 집", "relationship": "가족", "inviteEmails": ["friend@example.com"] }),
    )
    .await;
    let ledger = expect_ok(&body)["createLedger"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    accept_invitation(&app, &friend, &ledger).await;
    assert_eq!(
        kinds(&app, &owner, "INVITATION_ACCEPTED").await,
        vec!["friend님이 '우리 집' 가계부 초대를 수락했습니다."]
    );
    assert_eq!(
        kinds(&app, &friend, "INVITATION_RECEIVED").await,
        vec!["owner님이 '우리 집' 가계부에 초대했습니다."]
    );
}

// ---- at the same time ----

#[tokio::test(flavor = "multi_thread")]
async fn accepting_twice_at_once_joins_once() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let id = invite(&app, &owner, &ledger, &["friend@example.com"]).await[0].clone();

    let (a, b) = tokio::join!(
        app.gql_as(&friend, RESPOND, json!({ "id": id, "accept": true })),
        app.gql_as(&friend, RESPOND, json!({ "id": id, "accept": true })),
    );
    let mut codes: Vec<Option<&str>> = [&a, &b]
        .iter()
        .map(|body| body["errors"][0]["extensions"]["code"].as_str())
        .collect();
    codes.sort();
    assert_eq!(codes, vec![None, Some("CONFLICT")], "{a:#} {b:#}");

    let body = app.gql_as(&owner, LEDGER, json!({ "id": ledger })).await;
    assert_eq!(expect_ok(&body)["ledger"]["memberCount"], 2);
    assert_eq!(kinds(&app, &owner, "INVITATION_ACCEPTED").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_members_inviting_the_same_email_at_once_make_one_invitation() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let (a, b) = tokio::join!(
        app.gql_as(
            &owner,
            INVITE,
            json!({ "id": ledger, "emails": ["friend@example.com"] })
        ),
        app.gql_as(
            &member,
            INVITE,
            json!({ "id": ledger, "emails": ["Friend@example.com"] })
        ),
    );
    let mut codes: Vec<Option<&str>> = [&a, &b]
        .iter()
        .map(|body| body["errors"][0]["extensions"]["code"].as_str())
        .collect();
    codes.sort();
    assert_eq!(codes, vec![None, Some("CONFLICT")], "{a:#} {b:#}");
    assert_eq!(
        ledger_invitations(&app, &owner, &ledger)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
