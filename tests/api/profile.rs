//! The member's own profile: names, password, account deletion.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{
    PASSWORD, TestApp, expect_error, expect_ok,
    ledgers::{category_id, private_ledger, shared_ledger},
};

const UPDATE: &str =
    "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { userName nickName } }";
const CHANGE: &str =
    "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
const DELETE: &str = "mutation($p: String!) { deleteAccount(password: $p) }";

#[tokio::test(flavor = "multi_thread")]
async fn names_change_with_the_same_rules_as_sign_up() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("names@example.com", "names").await;
    app.sign_up("other@example.com", "Taken").await;

    let body = app
        .gql_as(&me, UPDATE, json!({ "input": { "userName": " 새 이름 " } }))
        .await;
    assert_eq!(
        expect_ok(&body)["updateProfile"],
        json!({ "userName": "새 이름", "nickName": "names" })
    );
    let body = app
        .gql_as(&me, UPDATE, json!({ "input": { "nickName": "새닉네임" } }))
        .await;
    assert_eq!(expect_ok(&body)["updateProfile"]["nickName"], "새닉네임");

    let body = app
        .gql_as(&me, UPDATE, json!({ "input": { "nickName": "TAKEN" } }))
        .await;
    assert_eq!(
        expect_error(&body, "CONFLICT")["extensions"]["field"],
        "nickName"
    );
    let body = app
        .gql_as(&me, UPDATE, json!({ "input": { "nickName": "x" } }))
        .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "input.nickName"
    );

    // The private ledger keeps the name it was given at sign-up.
    let body = app
        .gql_as(&me, "{ me { privateLedger { name } } }", json!({}))
        .await;
    assert_eq!(
        expect_ok(&body)["me"]["privateLedger"]["name"],
        "테스트님의 가계부"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let here = app.sign_up("change@example.com", "changer").await;
    let elsewhere = app.login_ok("change@example.com").await;

    let body = app
        .gql_as(
            &here,
            CHANGE,
            json!({ "c": "wrong1234!", "n": "newpass99#" }),
        )
        .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "currentPassword"
    );
    let body = app
        .gql_as(&here, CHANGE, json!({ "c": PASSWORD, "n": "weak" }))
        .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "newPassword"
    );

    let body = app
        .gql_as(&here, CHANGE, json!({ "c": PASSWORD, "n": "newpass99#" }))
        .await;
    assert_eq!(expect_ok(&body)["changePassword"], true);
    assert_eq!(
        app.post(Some(&here.access), "{ me { id } }", json!({}))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.post(Some(&elsewhere.access), "{ me { id } }", json!({}))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    expect_error(
        &app.login("change@example.com", PASSWORD).await,
        "UNAUTHENTICATED",
    );
    expect_ok(&app.login("change@example.com", "newpass99#").await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_account_cannot_sign_in_and_frees_its_email_and_nickname() {
    // The re-sign-up below asks for a second code at once.
    let app = TestApp::spawn_with(|config| {
        config.limits.code_resend = std::time::Duration::from_millis(1)
    })
    .await;
    let me = app.sign_up("leaving@example.com", "leaving").await;

    let body = app.gql_as(&me, DELETE, json!({ "p": "wrong1234!" })).await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "password"
    );
    assert_eq!(
        app.post(Some(&me.access), "{ me { id } }", json!({}))
            .await
            .0,
        StatusCode::OK
    );

    let body = app.gql_as(&me, DELETE, json!({ "p": PASSWORD })).await;
    assert_eq!(expect_ok(&body)["deleteAccount"], true);

    assert_eq!(
        app.post(Some(&me.access), "{ me { id } }", json!({}))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    expect_error(
        &app.login("leaving@example.com", PASSWORD).await,
        "UNAUTHENTICATED",
    );
    let status = app
        .gql(
            "query { emailStatus(email: \"leaving@example.com\") { exists } }",
            json!({}),
        )
        .await;
    assert_eq!(expect_ok(&status)["emailStatus"]["exists"], false);
    let available = app
        .gql("{ nicknameAvailable(nickName: \"LEAVING\") }", json!({}))
        .await;
    assert_eq!(expect_ok(&available)["nicknameAvailable"], true);

    // The same email and nickname sign up again as a new member.
    let again = app.sign_up("leaving@example.com", "leaving").await;
    assert_ne!(again.member_id, me.member_id);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_account_takes_its_private_ledger_and_leaves_its_shared_entries() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("leaving@example.com", "leaving").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let private = private_ledger(&app, &me).await;
    let shared = shared_ledger(&app, &friend, &[&me]).await;
    let create = "mutation($l: ID!, $c: ID!) { createEntry(ledgerId: $l, input: { type: EXPENSE, amount: 1000, date: \"2026-03-05\", categoryId: $c, payment: \"카드\", counterparty: \"가게\" }) { id } }";
    for ledger in [&private, &shared] {
        let food = category_id(&app, &me, ledger, "🍽️ 식비").await;
        let body = app
            .gql_as(&me, create, json!({ "l": ledger, "c": food }))
            .await;
        expect_ok(&body);
    }
    let body = app
        .gql_as(
            &me,
            "mutation($l: ID!) { setBudget(ledgerId: $l, year: 2026, month: 3, amount: 50000) { amount } }",
            json!({ "l": private }),
        )
        .await;
    expect_ok(&body);
    let body = app
        .gql_as(
            &me,
            "mutation($l: ID!, $i: [ScheduleInput!]!) { createSchedules(ledgerId: $l, inputs: $i) { id } }",
            json!({ "l": private, "i": [{
                "name": "월세", "type": "EXPENSE", "dayOfMonth": 25, "amount": null,
                "assignments": [{ "memberId": me.member_id, "amount": null }]
            }] }),
        )
        .await;
    expect_ok(&body);

    let body = app.gql_as(&me, DELETE, json!({ "p": PASSWORD })).await;
    assert_eq!(expect_ok(&body)["deleteAccount"], true);

    for table in [
        "ledgers WHERE id",
        "entries WHERE ledger_id",
        "budgets WHERE ledger_id",
    ]
    .into_iter()
    .chain(["schedules WHERE ledger_id", "categories WHERE ledger_id"])
    {
        let left = app.count_rows(&format!("{table} = {private}")).await;
        assert_eq!(left, 0, "{table} = the private ledger");
    }
    // The shared ledger keeps the entry, under the nickname it was made with.
    let body = app
        .gql_as(
            &friend,
            "query($l: ID!) { ledger(id: $l) { memberCount entries { items { creator { nickName } } } } }",
            json!({ "l": shared }),
        )
        .await;
    let ledger = &expect_ok(&body)["ledger"];
    assert_eq!(ledger["memberCount"], 1);
    assert_eq!(
        ledger["entries"]["items"],
        json!([{ "creator": { "nickName": "leaving" } }])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_operations_need_a_token() {
    let app = TestApp::spawn().await;
    for (query, variables) in [
        (UPDATE, json!({ "input": { "userName": "x" } })),
        (CHANGE, json!({ "c": PASSWORD, "n": "newpass99#" })),
        (DELETE, json!({ "p": PASSWORD })),
        ("mutation { logoutEverywhere }", json!({})),
    ] {
        let (status, _, body) = app.post(None, query, variables).await;
        assert_eq!(status, StatusCode::OK);
        expect_error(&body, "UNAUTHENTICATED");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_the_password_with_a_single_session_keeps_it() {
    let app = TestApp::spawn().await;
    let only = app.sign_up("single@example.com", "single").await;
    let body = app
        .gql_as(&only, CHANGE, json!({ "c": PASSWORD, "n": "newpass99#" }))
        .await;
    assert_eq!(expect_ok(&body)["changePassword"], true);
    assert_eq!(
        app.post(Some(&only.access), "{ me { id } }", json!({}))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn names_are_stored_in_nfc_so_decomposed_hangul_is_the_same_nickname() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("jamo@example.com", "jamo").await;
    // "한글" typed as separate jamo, as some keyboards send it.
    let decomposed = "\u{1112}\u{1161}\u{11AB}\u{1100}\u{1173}\u{11AF}";
    let body = app
        .gql_as(
            &session,
            "mutation($n: String!) { updateProfile(input: { nickName: $n, userName: $n }) { nickName userName } }",
            json!({ "n": decomposed }),
        )
        .await;
    let me = &expect_ok(&body)["updateProfile"];
    assert_eq!(me["nickName"], "한글");
    assert_eq!(me["userName"], "한글");
    let body = app
        .gql("{ nicknameAvailable(nickName: \"한글\") }", json!({}))
        .await;
    assert_eq!(expect_ok(&body)["nicknameAvailable"], false);
}
