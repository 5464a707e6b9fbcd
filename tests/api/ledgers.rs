//! Ledgers and their members (spec sections 3 and 11): creating, changing,
//! deleting, leaving, removing members, colors, and accounts that go.

use serde_json::{Value, json};

use crate::support::{
    PASSWORD, Session, TestApp, VERIFICATION_SUBJECT, expect_error, expect_ok,
    ledgers::{
        accept_invitation, category_id, create_ledger, invitations_of, notifications_of,
        pending_invitation, private_ledger, shared_ledger,
    },
};

const LEDGER: &str = "query($id: ID!) { ledger(id: $id) { id name relationship myRole memberCount members { member { id nickName } role } } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateLedgerInput!) { updateLedger(id: $id, input: $input) { id name relationship } }";
const DELETE: &str = "mutation($id: ID!) { deleteLedger(id: $id) }";
const LEAVE: &str = "mutation($id: ID!) { leaveLedger(id: $id) }";
const REMOVE: &str =
    "mutation($ledger: ID!, $member: ID!) { removeMember(ledgerId: $ledger, memberId: $member) }";
const COLOR: &str = "mutation($ledger: ID!, $color: String!) { setMyLedgerColor(ledgerId: $ledger, color: $color) { member { nickName } role color } }";
const RESPOND: &str = "mutation($id: ID!, $accept: Boolean!) { respondToInvitation(id: $id, accept: $accept) { status } }";
const CANCEL: &str = "mutation($id: ID!) { cancelInvitation(id: $id) { status } }";
const DELETE_ACCOUNT: &str = "mutation($p: String!) { deleteAccount(password: $p) }";

const DEFAULTS: [&str; 5] = [
    "🍽️ 식비",
    "☕ 카페·간식",
    "🏠 생활",
    "🛒 편의점·마트·잡화",
    "👕 쇼핑",
];

async fn ledger_ids(app: &TestApp, member: &Session) -> Vec<String> {
    let body = app
        .gql_as(member, "{ me { ledgers { id } } }", json!({}))
        .await;
    expect_ok(&body)["me"]["ledgers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ledger| ledger["id"].as_str().unwrap().to_owned())
        .collect()
}

/// (nickName, role) of each member of the ledger, in join order.
async fn roles(app: &TestApp, viewer: &Session, ledger: &str) -> Vec<(String, String)> {
    let body = app.gql_as(viewer, LEDGER, json!({ "id": ledger })).await;
    expect_ok(&body)["ledger"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["member"]["nickName"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The messages of the member's MEMBER_LEFT notifications, oldest first.
async fn member_left(app: &TestApp, member: &Session) -> Vec<String> {
    notifications_of(app, &member.member_id)
        .await
        .into_iter()
        .filter(|(kind, _)| kind == "MEMBER_LEFT")
        .map(|(_, message)| message)
        .collect()
}

fn field(error: &Value) -> &Value {
    &error["extensions"]["field"]
}

// ---- createLedger ----

#[tokio::test(flavor = "multi_thread")]
async fn the_creator_of_a_ledger_is_its_only_member_and_admin_in_gray() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;

    let body = app
        .gql_as(
            &owner,
            "mutation($input: CreateLedgerInput!) { createLedger(input: $input) { name relationship isPrivate myRole myColor memberCount members { member { id nickName userName } email role color joinedAt } } }",
            json!({ "input": { "name": "  우리 집  ", "relationship": " 가족 " } }),
        )
        .await;
    let ledger = &expect_ok(&body)["createLedger"];
    let joined_at = ledger["members"][0]["joinedAt"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        chrono::DateTime::parse_from_rfc3339(&joined_at).is_ok(),
        "joinedAt is RFC 3339: {joined_at}"
    );
    assert_eq!(
        ledger,
        &json!({
            "name": "우리 집",
            "relationship": "가족",
            "isPrivate": false,
            "myRole": "ADMIN",
            "myColor": "gray",
            "memberCount": 1,
            "members": [{
                "member": { "id": owner.member_id, "nickName": "owner", "userName": "테스트" },
                "email": "owner@example.com",
                "role": "ADMIN",
                "color": "gray",
                "joinedAt": joined_at,
            }],
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_ledger_has_the_defaults_then_the_extra_categories_with_the_fallback_last() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;

    let body = create_ledger(
        &app,
        &owner,
        json!({ "name": "우리 집", "relationship": "가족", "categories": [" 🚗 교통 ", "💊 의료"] }),
    )
    .await;
    let mut expected: Vec<Value> = DEFAULTS
        .iter()
        .map(|name| json!({ "name": name, "isFallback": false }))
        .collect();
    expected.push(json!({ "name": "🚗 교통", "isFallback": false }));
    expected.push(json!({ "name": "💊 의료", "isFallback": false }));
    expected.push(json!({ "name": "기타", "isFallback": true }));
    assert_eq!(
        expect_ok(&body)["createLedger"]["categories"],
        Value::Array(expected)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_extra_category_that_repeats_a_default_the_fallback_or_another_extra_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;

    for categories in [
        json!(["👕 쇼핑"]),
        json!(["기타"]),
        json!(["🚗 교통", " 🚗 교통"]),
    ] {
        let body = create_ledger(
            &app,
            &owner,
            json!({ "name": "우리 집", "relationship": "가족", "categories": categories }),
        )
        .await;
        assert_eq!(
            field(expect_error(&body, "CONFLICT")),
            "input.categories",
            "{categories}"
        );
    }
    assert_eq!(ledger_ids(&app, &owner).await.len(), 1, "nothing created");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_extra_category_name_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;

    for name in ["", "   ", &"가".repeat(31)] {
        let body = create_ledger(
            &app,
            &owner,
            json!({ "name": "우리 집", "relationship": "가족", "categories": [name] }),
        )
        .await;
        assert_eq!(
            field(expect_error(&body, "BAD_USER_INPUT")),
            "input.categories"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_ledger_name_or_relationship_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;

    for (input, expected) in [
        (json!({ "name": "", "relationship": "가족" }), "input.name"),
        (
            json!({ "name": "   ", "relationship": "가족" }),
            "input.name",
        ),
        (
            json!({ "name": "가".repeat(51), "relationship": "가족" }),
            "input.name",
        ),
        (
            json!({ "name": "우리 집", "relationship": " " }),
            "input.relationship",
        ),
        (
            json!({ "name": "우리 집", "relationship": "가".repeat(31) }),
            "input.relationship",
        ),
    ] {
        let body = create_ledger(&app, &owner, input).await;
        assert_eq!(field(expect_error(&body, "BAD_USER_INPUT")), expected);
    }
    assert_eq!(ledger_ids(&app, &owner).await.len(), 1, "nothing created");
}

#[tokio::test(flavor = "multi_thread")]
async fn invite_emails_at_creation_make_pending_invitations_and_mail_each_invitee() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let friend = app.sign_up("friend@example.com", "friend").await;

    let body = create_ledger(
        &app,
        &owner,
        json!({ "name": "우리 집", "relationship": "가족", "inviteEmails": ["Friend@Example.com", "new@example.com"] }),
    )
    .await;
    let ledger = expect_ok(&body)["createLedger"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let body = app
        .gql_as(
            &owner,
            "query($id: ID!) { ledger(id: $id) { invitations { inviteeEmail status inviter { nickName } ledger { id name memberCount } } } }",
            json!({ "id": ledger }),
        )
        .await;
    let pending = |email: &str| json!({ "inviteeEmail": email, "status": "PENDING", "inviter": { "nickName": "owner" }, "ledger": { "id": ledger, "name": "우리 집", "memberCount": 1 } });
    assert_eq!(
        expect_ok(&body)["ledger"]["invitations"],
        json!([pending("Friend@Example.com"), pending("new@example.com")])
    );
    assert_eq!(
        invitations_of(&app, &friend, "PENDING").await[0]["ledger"]["id"],
        ledger.as_str()
    );

    for email in ["friend@example.com", "new@example.com"] {
        let mail = app
            .mail
            .wait_for_where(email, 1, |mail| mail.subject != VERIFICATION_SUBJECT)
            .await;
        assert_eq!(
            mail.subject,
            "[우리가] owner님이 '우리 집' 가계부에 초대했습니다"
        );
        assert!(mail.body.contains("http://app.uliga.test"), "{}", mail.body);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_invite_email_at_creation_fails_the_whole_creation() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;

    let body = create_ledger(
        &app,
        &owner,
        json!({ "name": "우리 집", "relationship": "가족", "inviteEmails": ["ok@example.com", "not-an-email"] }),
    )
    .await;
    assert_eq!(
        field(expect_error(&body, "BAD_USER_INPUT")),
        "input.inviteEmails"
    );
    assert_eq!(ledger_ids(&app, &owner).await.len(), 1, "nothing created");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_invite_email_twice_at_creation_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;

    let body = create_ledger(
        &app,
        &owner,
        json!({ "name": "우리 집", "relationship": "가족", "inviteEmails": ["a@example.com", "A@Example.com"] }),
    )
    .await;
    assert_eq!(field(expect_error(&body, "CONFLICT")), "input.inviteEmails");
    assert_eq!(ledger_ids(&app, &owner).await.len(), 1, "nothing created");
}

#[tokio::test(flavor = "multi_thread")]
async fn inviting_yourself_at_creation_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;

    let body = create_ledger(
        &app,
        &owner,
        json!({ "name": "우리 집", "relationship": "가족", "inviteEmails": ["OWNER@example.com"] }),
    )
    .await;
    assert_eq!(
        field(expect_error(&body, "BAD_USER_INPUT")),
        "input.inviteEmails"
    );
    assert_eq!(ledger_ids(&app, &owner).await.len(), 1, "nothing created");
}

#[tokio::test(flavor = "multi_thread")]
async fn creating_a_ledger_needs_a_signed_in_member() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            "mutation($input: CreateLedgerInput!) { createLedger(input: $input) { id } }",
            json!({ "input": { "name": "우리 집", "relationship": "가족" } }),
        )
        .await;
    expect_error(&body, "UNAUTHENTICATED");
}

// ---- me.ledgers and members ----

#[tokio::test(flavor = "multi_thread")]
async fn me_ledgers_lists_the_private_ledger_first_then_shared_ones_in_join_order() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("me@example.com", "me00").await;
    let other = app.sign_up("other@example.com", "other").await;

    // Made first, joined last.
    let theirs = create_ledger(
        &app,
        &other,
        json!({ "name": "그들의 집", "relationship": "친구", "inviteEmails": ["me@example.com"] }),
    )
    .await;
    let theirs = expect_ok(&theirs)["createLedger"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mine = create_ledger(
        &app,
        &me,
        json!({ "name": "내 모임", "relationship": "모임" }),
    )
    .await;
    let mine = expect_ok(&mine)["createLedger"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    accept_invitation(&app, &me, &theirs).await;

    let body = app
        .gql_as(
            &me,
            "{ me { ledgers { id name isPrivate myRole memberCount } } }",
            json!({}),
        )
        .await;
    let private = private_ledger(&app, &me).await;
    assert_eq!(
        expect_ok(&body)["me"]["ledgers"],
        json!([
            { "id": private, "name": "테스트님의 가계부", "isPrivate": true, "myRole": "ADMIN", "memberCount": 1 },
            { "id": mine, "name": "내 모임", "isPrivate": false, "myRole": "ADMIN", "memberCount": 1 },
            { "id": theirs, "name": "그들의 집", "isPrivate": false, "myRole": "MEMBER", "memberCount": 2 },
        ])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn members_are_listed_in_join_order_with_email_role_and_color() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let first = app.sign_up("first@example.com", "first").await;
    let second = app.sign_up("second@example.com", "second").await;
    let ledger = shared_ledger(&app, &owner, &[&first, &second]).await;

    let body = app
        .gql_as(
            &second,
            "query($id: ID!) { ledger(id: $id) { myRole memberCount members { member { id nickName } email role color } } }",
            json!({ "id": ledger }),
        )
        .await;
    let member = |session: &Session, nick: &str, role: &str| json!({ "member": { "id": session.member_id, "nickName": nick }, "email": session.email, "role": role, "color": "gray" });
    assert_eq!(
        expect_ok(&body)["ledger"],
        json!({
            "myRole": "MEMBER",
            "memberCount": 3,
            "members": [
                member(&owner, "owner", "ADMIN"),
                member(&first, "first", "MEMBER"),
                member(&second, "second", "MEMBER"),
            ],
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_member_or_an_unknown_id_reading_a_ledger_gets_forbidden() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let private = private_ledger(&app, &owner).await;

    for id in [ledger.as_str(), private.as_str(), "999999999", "abc"] {
        let body = app.gql_as(&stranger, LEDGER, json!({ "id": id })).await;
        expect_error(&body, "FORBIDDEN");
        assert_eq!(body["data"], Value::Null, "nothing leaks for {id}");
    }
}

// ---- updateLedger ----

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_renames_the_ledger_and_members_see_the_new_name() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let body = app
        .gql_as(
            &owner,
            UPDATE,
            json!({ "id": ledger, "input": { "name": " 새 이름 " } }),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["updateLedger"],
        json!({ "id": ledger, "name": "새 이름", "relationship": "가족" })
    );
    let body = app
        .gql_as(
            &owner,
            UPDATE,
            json!({ "id": ledger, "input": { "relationship": "룸메이트" } }),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["updateLedger"],
        json!({ "id": ledger, "name": "새 이름", "relationship": "룸메이트" })
    );

    let body = app.gql_as(&member, LEDGER, json!({ "id": ledger })).await;
    assert_eq!(expect_ok(&body)["ledger"]["name"], "새 이름");
    assert_eq!(expect_ok(&body)["ledger"]["relationship"], "룸메이트");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_cannot_update_the_ledger() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let body = app
        .gql_as(
            &member,
            UPDATE,
            json!({ "id": ledger, "input": { "name": "내 것" } }),
        )
        .await;
    expect_error(&body, "FORBIDDEN");
    let body = app.gql_as(&owner, LEDGER, json!({ "id": ledger })).await;
    assert_eq!(expect_ok(&body)["ledger"]["name"], "우리 집");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_member_or_an_unknown_id_cannot_update_a_ledger() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    for id in [ledger.as_str(), "999999999"] {
        let body = app
            .gql_as(
                &stranger,
                UPDATE,
                json!({ "id": id, "input": { "name": "남의 것" } }),
            )
            .await;
        expect_error(&body, "FORBIDDEN");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn updating_with_an_invalid_name_or_relationship_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    for (input, expected) in [
        (json!({ "name": "  " }), "input.name"),
        (json!({ "name": "가".repeat(51) }), "input.name"),
        (json!({ "relationship": "" }), "input.relationship"),
    ] {
        let body = app
            .gql_as(&owner, UPDATE, json!({ "id": ledger, "input": input }))
            .await;
        assert_eq!(field(expect_error(&body, "BAD_USER_INPUT")), expected);
    }
}

// ---- deleteLedger ----

#[tokio::test(flavor = "multi_thread")]
async fn a_member_cannot_delete_the_ledger() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let body = app.gql_as(&member, DELETE, json!({ "id": ledger })).await;
    expect_error(&body, "FORBIDDEN");
    let body = app.gql_as(&member, LEDGER, json!({ "id": ledger })).await;
    assert_eq!(expect_ok(&body)["ledger"]["memberCount"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_member_or_an_unknown_id_cannot_delete_a_ledger() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    for id in [ledger.as_str(), "999999999"] {
        let body = app.gql_as(&stranger, DELETE, json!({ "id": id })).await;
        expect_error(&body, "FORBIDDEN");
    }
    let body = app.gql_as(&owner, LEDGER, json!({ "id": ledger })).await;
    expect_ok(&body);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_private_ledger_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let private = private_ledger(&app, &owner).await;

    let body = app.gql_as(&owner, DELETE, json!({ "id": private })).await;
    assert_eq!(field(expect_error(&body, "BAD_USER_INPUT")), "id");
    assert_eq!(ledger_ids(&app, &owner).await, vec![private]);
}

#[tokio::test(flavor = "multi_thread")]
async fn after_the_admin_deletes_a_ledger_its_members_get_forbidden() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let body = app.gql_as(&owner, DELETE, json!({ "id": ledger })).await;
    assert_eq!(expect_ok(&body)["deleteLedger"], true);

    for session in [&owner, &member] {
        let body = app.gql_as(session, LEDGER, json!({ "id": ledger })).await;
        expect_error(&body, "FORBIDDEN");
        assert!(!ledger_ids(&app, session).await.contains(&ledger));
    }
    let body = app.gql_as(&owner, DELETE, json!({ "id": ledger })).await;
    expect_error(&body, "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_ledger_cancels_its_pending_invitations_and_answering_them_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let invitee = app.sign_up("invitee@example.com", "invitee").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let body = app
        .gql_as(
            &owner,
            "mutation($id: ID!) { inviteMembers(ledgerId: $id, emails: [\"invitee@example.com\"]) { id } }",
            json!({ "id": ledger }),
        )
        .await;
    expect_ok(&body);
    let invitation = pending_invitation(&app, &invitee, &ledger).await;

    let body = app.gql_as(&owner, DELETE, json!({ "id": ledger })).await;
    expect_ok(&body);

    assert_eq!(
        invitations_of(&app, &invitee, "PENDING").await,
        Vec::<Value>::new()
    );
    let canceled = invitations_of(&app, &invitee, "CANCELED").await;
    assert_eq!(canceled.len(), 1);
    assert_eq!(canceled[0]["id"], invitation.as_str());
    assert_eq!(canceled[0]["status"], "CANCELED");

    for accept in [true, false] {
        let body = app
            .gql_as(
                &invitee,
                RESPOND,
                json!({ "id": invitation, "accept": accept }),
            )
            .await;
        assert_eq!(field(expect_error(&body, "CONFLICT")), "id");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_inviter_cancelling_an_invitation_of_a_deleted_ledger_gets_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let body = create_ledger(
        &app,
        &owner,
        json!({ "name": "우리 집", "relationship": "가족", "inviteEmails": ["nobody@example.com"] }),
    )
    .await;
    let ledger = expect_ok(&body)["createLedger"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app
        .gql_as(
            &owner,
            "query($id: ID!) { ledger(id: $id) { invitations { id } } }",
            json!({ "id": ledger }),
        )
        .await;
    let invitation = expect_ok(&body)["ledger"]["invitations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let body = app.gql_as(&owner, DELETE, json!({ "id": ledger })).await;
    expect_ok(&body);

    let body = app
        .gql_as(&owner, CANCEL, json!({ "id": invitation }))
        .await;
    assert_eq!(field(expect_error(&body, "CONFLICT")), "id");
}

// ---- setMyLedgerColor ----

#[tokio::test(flavor = "multi_thread")]
async fn each_of_the_eight_colors_can_be_chosen_and_shows_in_members() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    for color in [
        "red", "orange", "yellow", "green", "blue", "purple", "pink", "gray",
    ] {
        let body = app
            .gql_as(&member, COLOR, json!({ "ledger": ledger, "color": color }))
            .await;
        assert_eq!(
            expect_ok(&body)["setMyLedgerColor"],
            json!({ "member": { "nickName": "member" }, "role": "MEMBER", "color": color })
        );
        let body = app
            .gql_as(
                &owner,
                "query($id: ID!) { ledger(id: $id) { myColor members { color } } }",
                json!({ "id": ledger }),
            )
            .await;
        assert_eq!(
            expect_ok(&body)["ledger"],
            json!({ "myColor": "gray", "members": [{ "color": "gray" }, { "color": color }] })
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_color_is_per_ledger() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    let body = app
        .gql_as(&owner, COLOR, json!({ "ledger": ledger, "color": "blue" }))
        .await;
    expect_ok(&body);
    let body = app
        .gql_as(
            &owner,
            "{ me { privateLedger { myColor } ledgers { myColor } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["me"],
        json!({ "privateLedger": { "myColor": "gray" }, "ledgers": [{ "myColor": "gray" }, { "myColor": "blue" }] })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_color_outside_the_eight_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    for color in ["", "grey", "navy", "#ff0000", "black"] {
        let body = app
            .gql_as(&owner, COLOR, json!({ "ledger": ledger, "color": color }))
            .await;
        assert_eq!(field(expect_error(&body, "BAD_USER_INPUT")), "color");
    }
    let body = app
        .gql_as(
            &owner,
            "query($id: ID!) { ledger(id: $id) { myColor } }",
            json!({ "id": ledger }),
        )
        .await;
    assert_eq!(expect_ok(&body)["ledger"]["myColor"], "gray");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_member_cannot_set_a_color_in_a_ledger() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    for id in [ledger.as_str(), "999999999"] {
        let body = app
            .gql_as(&stranger, COLOR, json!({ "ledger": id, "color": "red" }))
            .await;
        expect_error(&body, "FORBIDDEN");
    }
}

// ---- leaveLedger ----

#[tokio::test(flavor = "multi_thread")]
async fn the_private_ledger_cannot_be_left() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let private = private_ledger(&app, &owner).await;

    let body = app.gql_as(&owner, LEAVE, json!({ "id": private })).await;
    assert_eq!(field(expect_error(&body, "BAD_USER_INPUT")), "id");
    assert_eq!(ledger_ids(&app, &owner).await, vec![private]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_who_leaves_loses_access_and_the_admin_is_told() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let body = app.gql_as(&member, LEAVE, json!({ "id": ledger })).await;
    assert_eq!(expect_ok(&body)["leaveLedger"], true);

    let body = app.gql_as(&member, LEDGER, json!({ "id": ledger })).await;
    expect_error(&body, "FORBIDDEN");
    assert!(!ledger_ids(&app, &member).await.contains(&ledger));
    assert_eq!(
        roles(&app, &owner, &ledger).await,
        vec![("owner".to_owned(), "ADMIN".to_owned())]
    );
    assert_eq!(
        member_left(&app, &owner).await,
        vec!["member님이 '우리 집' 가계부에서 나갔습니다."]
    );
    assert_eq!(member_left(&app, &member).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn when_the_admin_leaves_the_longest_standing_member_becomes_admin_and_is_told() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let first = app.sign_up("first@example.com", "first").await;
    let second = app.sign_up("second@example.com", "second").await;
    // `first` was invited after `second` but joins before them.
    let ledger = shared_ledger(&app, &owner, &[]).await;
    for email in ["second@example.com", "first@example.com"] {
        let body = app
            .gql_as(
                &owner,
                "mutation($id: ID!, $email: String!) { inviteMembers(ledgerId: $id, emails: [$email]) { id } }",
                json!({ "id": ledger, "email": email }),
            )
            .await;
        expect_ok(&body);
    }
    accept_invitation(&app, &first, &ledger).await;
    accept_invitation(&app, &second, &ledger).await;

    let body = app.gql_as(&owner, LEAVE, json!({ "id": ledger })).await;
    assert_eq!(expect_ok(&body)["leaveLedger"], true);

    assert_eq!(
        roles(&app, &second, &ledger).await,
        vec![
            ("first".to_owned(), "ADMIN".to_owned()),
            ("second".to_owned(), "MEMBER".to_owned()),
        ]
    );
    assert_eq!(
        member_left(&app, &first).await,
        vec!["owner님이 '우리 집' 가계부에서 나갔습니다."]
    );
    assert_eq!(member_left(&app, &second).await, Vec::<String>::new());
    assert_eq!(member_left(&app, &owner).await, Vec::<String>::new());

    // The new ADMIN can do what only the ADMIN may.
    let body = app
        .gql_as(
            &first,
            UPDATE,
            json!({ "id": ledger, "input": { "name": "첫째네" } }),
        )
        .await;
    expect_ok(&body);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_member_leaving_deletes_the_ledger_and_cancels_its_invitations() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let invitee = app.sign_up("invitee@example.com", "invitee").await;
    let body = create_ledger(
        &app,
        &owner,
        json!({ "name": "우리 집", "relationship": "가족", "inviteEmails": ["invitee@example.com"] }),
    )
    .await;
    let ledger = expect_ok(&body)["createLedger"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let invitation = pending_invitation(&app, &invitee, &ledger).await;

    let body = app.gql_as(&owner, LEAVE, json!({ "id": ledger })).await;
    assert_eq!(expect_ok(&body)["leaveLedger"], true);

    let body = app.gql_as(&owner, LEDGER, json!({ "id": ledger })).await;
    expect_error(&body, "FORBIDDEN");
    assert_eq!(ledger_ids(&app, &owner).await.len(), 1);
    assert_eq!(invitations_of(&app, &invitee, "CANCELED").await.len(), 1);
    let body = app
        .gql_as(
            &invitee,
            RESPOND,
            json!({ "id": invitation, "accept": true }),
        )
        .await;
    assert_eq!(field(expect_error(&body, "CONFLICT")), "id");
    let body = app.gql_as(&invitee, LEDGER, json!({ "id": ledger })).await;
    expect_error(&body, "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn leaving_a_ledger_one_does_not_belong_to_is_forbidden() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    for id in [ledger.as_str(), "999999999"] {
        let body = app.gql_as(&stranger, LEAVE, json!({ "id": id })).await;
        expect_error(&body, "FORBIDDEN");
    }
    assert_eq!(roles(&app, &owner, &ledger).await.len(), 1);
}

// ---- removeMember ----

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_removes_a_member_who_loses_access_and_is_told() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let body = app
        .gql_as(
            &owner,
            REMOVE,
            json!({ "ledger": ledger, "member": member.member_id }),
        )
        .await;
    assert_eq!(expect_ok(&body)["removeMember"], true);

    let body = app.gql_as(&member, LEDGER, json!({ "id": ledger })).await;
    expect_error(&body, "FORBIDDEN");
    assert_eq!(
        roles(&app, &owner, &ledger).await,
        vec![("owner".to_owned(), "ADMIN".to_owned())]
    );
    assert_eq!(
        member_left(&app, &member).await,
        vec!["'우리 집' 가계부에서 내보내졌습니다."]
    );
    assert_eq!(member_left(&app, &owner).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_cannot_remove_another_member() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let first = app.sign_up("first@example.com", "first").await;
    let second = app.sign_up("second@example.com", "second").await;
    let ledger = shared_ledger(&app, &owner, &[&first, &second]).await;

    for target in [&second, &owner] {
        let body = app
            .gql_as(
                &first,
                REMOVE,
                json!({ "ledger": ledger, "member": target.member_id }),
            )
            .await;
        expect_error(&body, "FORBIDDEN");
    }
    assert_eq!(roles(&app, &owner, &ledger).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_cannot_remove_themself() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let body = app
        .gql_as(
            &owner,
            REMOVE,
            json!({ "ledger": ledger, "member": owner.member_id }),
        )
        .await;
    assert_eq!(field(expect_error(&body, "BAD_USER_INPUT")), "memberId");
    assert_eq!(roles(&app, &owner, &ledger).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_someone_who_is_not_a_member_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    for id in [stranger.member_id.as_str(), "999999999", "abc"] {
        let body = app
            .gql_as(&owner, REMOVE, json!({ "ledger": ledger, "member": id }))
            .await;
        assert_eq!(field(expect_error(&body, "BAD_USER_INPUT")), "memberId");
    }
    assert_eq!(notifications_of(&app, &stranger.member_id).await, vec![]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_member_cannot_remove_members() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let body = app
        .gql_as(
            &stranger,
            REMOVE,
            json!({ "ledger": ledger, "member": member.member_id }),
        )
        .await;
    expect_error(&body, "FORBIDDEN");
    assert_eq!(roles(&app, &owner, &ledger).await.len(), 2);
}

// ---- deleteAccount ----

#[tokio::test(flavor = "multi_thread")]
async fn a_member_deleting_their_account_leaves_shared_ledgers_and_the_admin_is_told() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let body = app
        .gql_as(&member, DELETE_ACCOUNT, json!({ "p": PASSWORD }))
        .await;
    assert_eq!(expect_ok(&body)["deleteAccount"], true);

    assert_eq!(
        roles(&app, &owner, &ledger).await,
        vec![("owner".to_owned(), "ADMIN".to_owned())]
    );
    assert_eq!(
        member_left(&app, &owner).await,
        vec!["member님이 '우리 집' 가계부에서 나갔습니다."]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_deleting_their_account_hands_the_ledger_to_the_longest_standing_member() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let first = app.sign_up("first@example.com", "first").await;
    let second = app.sign_up("second@example.com", "second").await;
    let ledger = shared_ledger(&app, &owner, &[&first, &second]).await;

    let body = app
        .gql_as(&owner, DELETE_ACCOUNT, json!({ "p": PASSWORD }))
        .await;
    expect_ok(&body);

    assert_eq!(
        roles(&app, &second, &ledger).await,
        vec![
            ("first".to_owned(), "ADMIN".to_owned()),
            ("second".to_owned(), "MEMBER".to_owned()),
        ]
    );
    assert_eq!(
        member_left(&app, &first).await,
        vec!["owner님이 '우리 집' 가계부에서 나갔습니다."]
    );
    assert_eq!(member_left(&app, &second).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_only_member_deleting_their_account_deletes_the_shared_ledger() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let invitee = app.sign_up("invitee@example.com", "invitee").await;
    let body = create_ledger(
        &app,
        &owner,
        json!({ "name": "우리 집", "relationship": "가족", "inviteEmails": ["invitee@example.com"] }),
    )
    .await;
    let ledger = expect_ok(&body)["createLedger"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let body = app
        .gql_as(&owner, DELETE_ACCOUNT, json!({ "p": PASSWORD }))
        .await;
    expect_ok(&body);

    let canceled = invitations_of(&app, &invitee, "CANCELED").await;
    assert_eq!(canceled.len(), 1);
    assert_eq!(canceled[0]["ledger"]["id"], ledger.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_email_of_a_deleted_member_can_be_invited_and_sign_up_again() {
    // Signing up again with the same email needs a second code at once.
    let app = TestApp::spawn_with(|config| {
        config.limits.code_resend = std::time::Duration::from_millis(1);
    })
    .await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let body = app
        .gql_as(&member, DELETE_ACCOUNT, json!({ "p": PASSWORD }))
        .await;
    expect_ok(&body);

    // No longer a member: inviting the email again is allowed.
    let body = app
        .gql_as(
            &owner,
            "mutation($id: ID!) { inviteMembers(ledgerId: $id, emails: [\"member@example.com\"]) { status } }",
            json!({ "id": ledger }),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["inviteMembers"],
        json!([{ "status": "PENDING" }])
    );

    let again = app.sign_up("member@example.com", "member").await;
    assert_ne!(again.member_id, member.member_id);
    accept_invitation(&app, &again, &ledger).await;
    assert_eq!(
        roles(&app, &owner, &ledger).await,
        vec![
            ("owner".to_owned(), "ADMIN".to_owned()),
            ("member".to_owned(), "MEMBER".to_owned()),
        ]
    );
}

// ---- at the same time ----

#[tokio::test(flavor = "multi_thread")]
async fn the_last_two_members_leaving_at_once_delete_the_ledger() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let invitee = app.sign_up("invitee@example.com", "invitee").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    let body = app
        .gql_as(
            &owner,
            "mutation($id: ID!) { inviteMembers(ledgerId: $id, emails: [\"invitee@example.com\"]) { id } }",
            json!({ "id": ledger }),
        )
        .await;
    expect_ok(&body);

    let (a, b) = tokio::join!(
        app.gql_as(&owner, LEAVE, json!({ "id": ledger })),
        app.gql_as(&member, LEAVE, json!({ "id": ledger })),
    );
    assert_eq!(expect_ok(&a)["leaveLedger"], true);
    assert_eq!(expect_ok(&b)["leaveLedger"], true);

    // Nobody is left, so the ledger is gone: no ledger without members.
    for session in [&owner, &member] {
        let body = app.gql_as(session, LEDGER, json!({ "id": ledger })).await;
        expect_error(&body, "FORBIDDEN");
    }
    assert_eq!(
        invitations_of(&app, &invitee, "PENDING").await,
        Vec::<Value>::new()
    );
    assert_eq!(invitations_of(&app, &invitee, "CANCELED").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_and_a_member_leaving_at_once_leave_the_other_member_as_admin() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let first = app.sign_up("first@example.com", "first").await;
    let second = app.sign_up("second@example.com", "second").await;
    let ledger = shared_ledger(&app, &owner, &[&first, &second]).await;

    let (a, b) = tokio::join!(
        app.gql_as(&owner, LEAVE, json!({ "id": ledger })),
        app.gql_as(&first, LEAVE, json!({ "id": ledger })),
    );
    expect_ok(&a);
    expect_ok(&b);

    assert_eq!(
        roles(&app, &second, &ledger).await,
        vec![("second".to_owned(), "ADMIN".to_owned())]
    );
}

// ---- tenure, entries and notifications ----

#[tokio::test(flavor = "multi_thread")]
async fn a_member_who_left_and_came_back_counts_from_their_return() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let first = app.sign_up("first@example.com", "first").await;
    let second = app.sign_up("second@example.com", "second").await;
    let ledger = shared_ledger(&app, &owner, &[&first, &second]).await;
    let body = app.gql_as(&first, LEAVE, json!({ "id": ledger })).await;
    expect_ok(&body);
    let body = app
        .gql_as(
            &owner,
            "mutation($id: ID!) { inviteMembers(ledgerId: $id, emails: [\"first@example.com\"]) { id } }",
            json!({ "id": ledger }),
        )
        .await;
    expect_ok(&body);
    accept_invitation(&app, &first, &ledger).await;

    let body = app.gql_as(&owner, LEAVE, json!({ "id": ledger })).await;
    expect_ok(&body);

    assert_eq!(
        roles(&app, &first, &ledger).await,
        vec![
            ("second".to_owned(), "ADMIN".to_owned()),
            ("first".to_owned(), "MEMBER".to_owned()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ledger_rejoined_moves_to_the_end_of_me_ledgers() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let me = app.sign_up("me@example.com", "me00").await;
    let first = shared_ledger(&app, &owner, &[&me]).await;
    let second = shared_ledger(&app, &owner, &[&me]).await;
    let body = app.gql_as(&me, LEAVE, json!({ "id": first })).await;
    expect_ok(&body);
    let body = app
        .gql_as(
            &owner,
            "mutation($id: ID!) { inviteMembers(ledgerId: $id, emails: [\"me@example.com\"]) { id } }",
            json!({ "id": first }),
        )
        .await;
    expect_ok(&body);
    accept_invitation(&app, &me, &first).await;

    let private = private_ledger(&app, &me).await;
    assert_eq!(ledger_ids(&app, &me).await, vec![private, second, first]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ledger_with_entries_and_a_budget_can_be_deleted() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    let food = category_id(&app, &owner, &ledger, "🍽️ 식비").await;
    let body = app
        .gql_as(
            &member,
            "mutation($l: ID!, $c: ID!) { createEntry(ledgerId: $l, input: { type: EXPENSE, amount: 9000, date: \"2026-03-05\", categoryId: $c, payment: \"카드\", counterparty: \"식당\" }) { id } }",
            json!({ "l": ledger, "c": food }),
        )
        .await;
    let entry = expect_ok(&body)["createEntry"]["id"].clone();
    let body = app
        .gql_as(
            &owner,
            "mutation($l: ID!) { setBudget(ledgerId: $l, year: 2026, month: 3, amount: 500000) { amount } }",
            json!({ "l": ledger }),
        )
        .await;
    expect_ok(&body);

    let body = app.gql_as(&owner, DELETE, json!({ "id": ledger })).await;
    assert_eq!(expect_ok(&body)["deleteLedger"], true);
    let body = app
        .gql_as(
            &member,
            "query($id: ID!) { entry(id: $id) { id } }",
            json!({ "id": entry }),
        )
        .await;
    expect_error(&body, "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn entries_of_a_member_who_leaves_or_deletes_their_account_stay_in_the_ledger() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let leaver = app.sign_up("leaver@example.com", "leaver").await;
    let gone = app.sign_up("gone@example.com", "gone").await;
    let ledger = shared_ledger(&app, &owner, &[&leaver, &gone]).await;
    let food = category_id(&app, &owner, &ledger, "🍽️ 식비").await;
    for (session, amount) in [(&leaver, 1000), (&gone, 2000)] {
        let body = app
            .gql_as(
                session,
                "mutation($l: ID!, $c: ID!, $a: Money!) { createEntry(ledgerId: $l, input: { type: EXPENSE, amount: $a, date: \"2026-03-05\", categoryId: $c, payment: \"카드\", counterparty: \"식당\" }) { id } }",
                json!({ "l": ledger, "c": food, "a": amount }),
            )
            .await;
        expect_ok(&body);
    }
    let body = app.gql_as(&leaver, LEAVE, json!({ "id": ledger })).await;
    expect_ok(&body);
    let body = app
        .gql_as(&gone, DELETE_ACCOUNT, json!({ "p": PASSWORD }))
        .await;
    expect_ok(&body);

    let body = app
        .gql_as(
            &owner,
            "query($id: ID!) { ledger(id: $id) { memberCount entries { totalCount items { amount creator { nickName } } } } }",
            json!({ "id": ledger }),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["ledger"],
        json!({ "memberCount": 1, "entries": { "totalCount": 2, "items": [
            { "amount": 2000, "creator": { "nickName": "gone" } },
            { "amount": 1000, "creator": { "nickName": "leaver" } },
        ] } })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn member_left_notifications_name_the_ledger_and_who_acted() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let leaver = app.sign_up("leaver@example.com", "leaver").await;
    let removed = app.sign_up("removed@example.com", "removed").await;
    let ledger = shared_ledger(&app, &owner, &[&leaver, &removed]).await;
    let body = app.gql_as(&leaver, LEAVE, json!({ "id": ledger })).await;
    expect_ok(&body);
    let body = app
        .gql_as(
            &owner,
            REMOVE,
            json!({ "ledger": ledger, "member": removed.member_id }),
        )
        .await;
    expect_ok(&body);

    let latest = |session: &Session| {
        let session = session.clone();
        let app = &app;
        async move {
            let body = app
                .gql_as(
                    &session,
                    "{ me { notifications(first: 1) { nodes { kind message ledgerId actor { id } readAt } } } }",
                    json!({}),
                )
                .await;
            expect_ok(&body)["me"]["notifications"]["nodes"][0].clone()
        }
    };
    assert_eq!(
        latest(&owner).await,
        json!({ "kind": "MEMBER_LEFT", "message": "leaver님이 '우리 집' 가계부에서 나갔습니다.", "ledgerId": ledger, "actor": { "id": leaver.member_id }, "readAt": null })
    );
    assert_eq!(
        latest(&removed).await,
        json!({ "kind": "MEMBER_LEFT", "message": "'우리 집' 가계부에서 내보내졌습니다.", "ledgerId": ledger, "actor": { "id": owner.member_id }, "readAt": null })
    );
}
