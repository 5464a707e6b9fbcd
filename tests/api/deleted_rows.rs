//! An id deleted by another member (spec section 11): NOT_FOUND to members
//! of its ledger, FORBIDDEN to everyone else, and FORBIDDEN once its ledger
//! is gone or the viewer has left it.

use serde_json::{Value, json};

use crate::support::{
    Session, TestApp, expect_error, expect_ok,
    ledgers::{category_id, entry_count, leave_ledger, shared_ledger},
};

const CREATE_ENTRY: &str =
    "mutation($l: ID!, $i: EntryInput!) { createEntry(ledgerId: $l, input: $i) { id } }";
const GET_ENTRY: &str = "query($id: ID!) { entry(id: $id) { id } }";
const UPDATE_ENTRY: &str =
    "mutation($id: ID!) { updateEntry(id: $id, input: { amount: 2000 }) { id } }";
const DELETE_ENTRIES: &str = "mutation($ids: [ID!]!) { deleteEntries(ids: $ids) }";
const GET_SCHEDULE: &str = "query($id: ID!) { schedule(id: $id) { id } }";
const UPDATE_SCHEDULE: &str =
    "mutation($id: ID!) { updateSchedule(id: $id, input: { name: \"관리비\" }) { id } }";
const DELETE_SCHEDULE: &str = "mutation($id: ID!) { deleteSchedule(id: $id) }";
const RENAME_CATEGORY: &str =
    "mutation($id: ID!) { renameCategory(id: $id, name: \"새 이름\") { id } }";
const DELETE_CATEGORY: &str = "mutation($id: ID!) { deleteCategory(id: $id) }";

fn entry(category: &str) -> Value {
    json!({
        "type": "EXPENSE", "amount": 1000, "date": "2026-03-05", "categoryId": category,
        "payment": "카드", "counterparty": "가게"
    })
}

async fn create_entry(app: &TestApp, session: &Session, ledger: &str, category: &str) -> String {
    let body = app
        .gql_as(
            session,
            CREATE_ENTRY,
            json!({ "l": ledger, "i": entry(category) }),
        )
        .await;
    expect_ok(&body)["createEntry"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// An ADMIN and a MEMBER of one shared ledger, and a stranger to it.
async fn cast() -> (TestApp, [Session; 3], String) {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("admin@example.com", "admin").await;
    let member = app.sign_up("member@example.com", "member").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &admin, &[&member]).await;
    (app, [admin, member, stranger], ledger)
}

/// `query` with `{ "id": id }` answers `code` to `session`.
async fn answers(app: &TestApp, session: &Session, query: &str, id: &str, code: &str) {
    let body = app.gql_as(session, query, json!({ "id": id })).await;
    expect_error(&body, code);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entry_deleted_by_another_member_is_not_found_to_the_ledgers_members_only() {
    let (app, [admin, member, stranger], ledger) = cast().await;
    let food = category_id(&app, &admin, &ledger, "🍽️ 식비").await;
    let gone = create_entry(&app, &member, &ledger, &food).await;
    let kept = create_entry(&app, &member, &ledger, &food).await;
    let body = app
        .gql_as(&admin, DELETE_ENTRIES, json!({ "ids": [gone] }))
        .await;
    expect_ok(&body);

    let message = expect_error(
        &app.gql_as(&member, GET_ENTRY, json!({ "id": gone })).await,
        "NOT_FOUND",
    )["message"]
        .clone();
    assert_eq!(message, "이미 삭제된 내역입니다.");
    answers(&app, &member, UPDATE_ENTRY, &gone, "NOT_FOUND").await;
    for viewer in [&admin, &member] {
        answers(&app, viewer, GET_ENTRY, &gone, "NOT_FOUND").await;
    }
    for query in [GET_ENTRY, UPDATE_ENTRY] {
        answers(&app, &stranger, query, &gone, "FORBIDDEN").await;
    }

    // A batch with a deleted id deletes nothing; one with an id the viewer
    // may not see is FORBIDDEN, whatever else it holds.
    let body = app
        .gql_as(&member, DELETE_ENTRIES, json!({ "ids": [kept, gone] }))
        .await;
    expect_error(&body, "NOT_FOUND");
    let body = app
        .gql_as(
            &member,
            DELETE_ENTRIES,
            json!({ "ids": [kept, gone, "999999999"] }),
        )
        .await;
    expect_error(&body, "FORBIDDEN");
    let body = app
        .gql_as(&stranger, DELETE_ENTRIES, json!({ "ids": [gone] }))
        .await;
    expect_error(&body, "FORBIDDEN");
    assert_eq!(entry_count(&app, &member, &ledger).await, 1);

    // A member who has left the ledger no longer learns what happened in it.
    leave_ledger(&app, &member, &ledger).await;
    answers(&app, &member, GET_ENTRY, &gone, "FORBIDDEN").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_schedule_is_not_found_to_the_ledgers_members_only() {
    let (app, [admin, member, stranger], ledger) = cast().await;
    let body = app
        .gql_as(
            &member,
            "mutation($l: ID!, $i: [ScheduleInput!]!) { createSchedules(ledgerId: $l, inputs: $i) { id } }",
            json!({ "l": ledger, "i": [{
                "name": "월세", "type": "EXPENSE", "dayOfMonth": 25, "amount": null,
                "assignments": [{ "memberId": member.member_id, "amount": null }]
            }] }),
        )
        .await;
    let id = expect_ok(&body)["createSchedules"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    expect_ok(
        &app.gql_as(&admin, DELETE_SCHEDULE, json!({ "id": id }))
            .await,
    );

    let body = app.gql_as(&member, GET_SCHEDULE, json!({ "id": id })).await;
    assert_eq!(
        expect_error(&body, "NOT_FOUND")["message"],
        "이미 삭제된 일정입니다."
    );
    for query in [GET_SCHEDULE, UPDATE_SCHEDULE, DELETE_SCHEDULE] {
        answers(&app, &member, query, &id, "NOT_FOUND").await;
        answers(&app, &stranger, query, &id, "FORBIDDEN").await;
    }
    answers(&app, &member, GET_SCHEDULE, "999999999", "FORBIDDEN").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_category_is_not_found_to_the_ledgers_members_only() {
    let (app, [admin, member, stranger], ledger) = cast().await;
    let cafe = category_id(&app, &admin, &ledger, "☕ 카페·간식").await;
    let food = category_id(&app, &admin, &ledger, "🍽️ 식비").await;
    let entry_id = create_entry(&app, &member, &ledger, &food).await;
    expect_ok(
        &app.gql_as(&admin, DELETE_CATEGORY, json!({ "id": cafe }))
            .await,
    );

    let body = app
        .gql_as(&member, RENAME_CATEGORY, json!({ "id": cafe }))
        .await;
    assert_eq!(
        expect_error(&body, "NOT_FOUND")["message"],
        "이미 삭제된 카테고리입니다."
    );
    for query in [RENAME_CATEGORY, DELETE_CATEGORY] {
        answers(&app, &member, query, &cafe, "NOT_FOUND").await;
        answers(&app, &stranger, query, &cafe, "FORBIDDEN").await;
    }

    // Entries may not be put in it any more.
    let body = app
        .gql_as(
            &member,
            CREATE_ENTRY,
            json!({ "l": ledger, "i": entry(&cafe) }),
        )
        .await;
    expect_error(&body, "NOT_FOUND");
    let body = app
        .gql_as(
            &member,
            "mutation($id: ID!, $c: ID!) { updateEntry(id: $id, input: { categoryId: $c }) { id } }",
            json!({ "id": entry_id, "c": cafe }),
        )
        .await;
    expect_error(&body, "NOT_FOUND");
    assert_eq!(entry_count(&app, &member, &ledger).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_ledger_takes_its_deleted_ids_with_it() {
    let (app, [admin, member, _], ledger) = cast().await;
    let food = category_id(&app, &admin, &ledger, "🍽️ 식비").await;
    let gone = create_entry(&app, &member, &ledger, &food).await;
    expect_ok(
        &app.gql_as(&admin, DELETE_ENTRIES, json!({ "ids": [gone] }))
            .await,
    );
    answers(&app, &member, GET_ENTRY, &gone, "NOT_FOUND").await;
    expect_ok(
        &app.gql_as(
            &admin,
            "mutation($id: ID!) { deleteLedger(id: $id) }",
            json!({ "id": ledger }),
        )
        .await,
    );
    for viewer in [&admin, &member] {
        answers(&app, viewer, GET_ENTRY, &gone, "FORBIDDEN").await;
    }
    let left = app
        .count_rows(&format!("deleted_rows WHERE ledger_id = {ledger}"))
        .await;
    assert_eq!(left, 0, "the deleted ledger's tombstones are gone");
}
