//! Every list argument has a maximum (spec sections 5 and 10): one item
//! past it is BAD_USER_INPUT on that argument, and nothing is written.

use serde_json::{Value, json};

use crate::support::{
    Session, TestApp, expect_error, expect_ok,
    ledgers::{category_id, entry_count, private_ledger},
};

fn ids(count: usize) -> Vec<String> {
    (1..=count).map(|n| n.to_string()).collect()
}

/// `query` with `variables` is refused on `field`.
async fn refused_on(app: &TestApp, session: &Session, query: &str, variables: Value, field: &str) {
    let body = app.gql_as(session, query, variables).await;
    let error = expect_error(&body, "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], field, "{body}");
}

async fn ledger_count(app: &TestApp, session: &Session) -> usize {
    let body = app
        .gql_as(session, "{ me { ledgers { id } } }", json!({}))
        .await;
    expect_ok(&body)["me"]["ledgers"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_item_past_each_lists_maximum_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("lists@example.com", "lists").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, "🍽️ 식비").await;

    refused_on(
        &app,
        &me,
        "mutation($ids: [ID!]!) { deleteEntries(ids: $ids) }",
        json!({ "ids": ids(501) }),
        "ids",
    )
    .await;
    for operation in ["markNotificationsRead", "deleteNotifications"] {
        refused_on(
            &app,
            &me,
            &format!("mutation($ids: [ID!]) {{ {operation}(ids: $ids) }}"),
            json!({ "ids": ids(501) }),
            "ids",
        )
        .await;
    }

    let entry = json!({
        "type": "EXPENSE", "amount": 1000, "date": "2026-03-05", "categoryId": food,
        "payment": "카드", "counterparty": "가게", "alsoAddTo": ids(11)
    });
    refused_on(
        &app,
        &me,
        "mutation($l: ID!, $i: EntryInput!) { createEntry(ledgerId: $l, input: $i) { id } }",
        json!({ "l": ledger, "i": entry }),
        "input.alsoAddTo",
    )
    .await;
    assert_eq!(entry_count(&app, &me, &ledger).await, 0);

    let shares: Vec<Value> = (0..101)
        .map(|_| json!({ "memberId": me.member_id, "amount": null }))
        .collect();
    let body = app
        .gql_as(
            &me,
            "mutation($l: ID!, $i: [ScheduleInput!]!) { createSchedules(ledgerId: $l, inputs: $i) { id } }",
            json!({ "l": ledger, "i": [{
                "name": "월세", "type": "EXPENSE", "dayOfMonth": 25, "amount": null,
                "assignments": shares
            }] }),
        )
        .await;
    let error = expect_error(&body, "BAD_USER_INPUT");
    let field = error["extensions"]["field"].as_str().unwrap();
    assert!(field.ends_with("assignments"), "{body}");
    let body = app
        .gql_as(
            &me,
            "query($l: ID!) { ledger(id: $l) { schedules { id } } }",
            json!({ "l": ledger }),
        )
        .await;
    assert_eq!(expect_ok(&body)["ledger"]["schedules"], json!([]));

    let create_ledger = "mutation($i: CreateLedgerInput!) { createLedger(input: $i) { id } }";
    let names: Vec<String> = (0..51).map(|n| format!("분류{n}")).collect();
    let emails: Vec<String> = (0..21).map(|n| format!("friend{n}@example.com")).collect();
    let before = ledger_count(&app, &me).await;
    for (input, field) in [
        (
            json!({ "name": "우리집", "relationship": "가족", "categories": names }),
            "input.categories",
        ),
        (
            json!({ "name": "우리집", "relationship": "가족", "inviteEmails": emails }),
            "input.inviteEmails",
        ),
    ] {
        refused_on(&app, &me, create_ledger, json!({ "i": input }), field).await;
    }
    assert_eq!(ledger_count(&app, &me).await, before);
}
