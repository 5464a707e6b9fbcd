//! Budgets (spec section 6): one per month, set with an upsert.

use serde_json::{Value, json};

use crate::support::{TestApp, expect_error, expect_ok, ledgers::shared_ledger};

const SET: &str = "mutation($l: ID!, $y: Int!, $m: Int!, $a: Money!) { setBudget(ledgerId: $l, year: $y, month: $m, amount: $a) { year month amount spent remaining } }";
const DELETE: &str =
    "mutation($l: ID!, $y: Int!, $m: Int!) { deleteBudget(ledgerId: $l, year: $y, month: $m) }";

#[tokio::test(flavor = "multi_thread")]
async fn a_budget_is_upserted_and_deleted_by_any_member() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("budget@example.com", "budget").await;
    let member = app.sign_up("member@example.com", "member").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &admin, &[&member]).await;

    let body = app
        .gql_as(
            &member,
            SET,
            json!({ "l": ledger, "y": 2026, "m": 1, "a": 300_000 }),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["setBudget"],
        json!({ "year": 2026, "month": 1, "amount": 300_000, "spent": 0, "remaining": 300_000 })
    );
    let body = app
        .gql_as(
            &admin,
            SET,
            json!({ "l": ledger, "y": 2026, "m": 1, "a": 250_000 }),
        )
        .await;
    assert_eq!(expect_ok(&body)["setBudget"]["amount"], 250_000);

    expect_error(
        &app.gql_as(
            &stranger,
            SET,
            json!({ "l": ledger, "y": 2026, "m": 1, "a": 1 }),
        )
        .await,
        "FORBIDDEN",
    );
    expect_error(
        &app.gql_as(&stranger, DELETE, json!({ "l": ledger, "y": 2026, "m": 1 }))
            .await,
        "FORBIDDEN",
    );

    let body = app
        .gql_as(&member, DELETE, json!({ "l": ledger, "y": 2026, "m": 1 }))
        .await;
    assert_eq!(expect_ok(&body)["deleteBudget"], true);
    let body = app
        .gql_as(&member, DELETE, json!({ "l": ledger, "y": 2026, "m": 1 }))
        .await;
    assert_eq!(expect_ok(&body)["deleteBudget"], false);
    let body = app
        .gql_as(
            &admin,
            "query($l: ID!) { ledger(id: $l) { budget(year: 2026, month: 1) { amount } } }",
            json!({ "l": ledger }),
        )
        .await;
    assert_eq!(expect_ok(&body)["ledger"]["budget"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn budget_inputs_are_checked() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("checks@example.com", "checks").await;
    let body = app
        .gql_as(&me, "{ me { privateLedger { id } } }", json!({}))
        .await;
    let ledger = expect_ok(&body)["me"]["privateLedger"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (year, month, amount, field) in [
        (2026, 0, 1000, "month"),
        (2026, 13, 1000, "month"),
        (2026, 5, 0, "amount"),
        (2026, 5, 1_000_000_000_001_i64, "amount"),
        (1969, 12, 1000, "year"),
        (2101, 1, 1000, "year"),
    ] {
        let body = app
            .gql_as(
                &me,
                SET,
                json!({ "l": ledger, "y": year, "m": month, "a": amount }),
            )
            .await;
        assert_eq!(
            expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
            field
        );
    }
    // The years of the range itself are taken, as in a `Date`.
    for year in [1970, 2100] {
        let variables = json!({ "l": ledger, "y": year, "m": 1, "a": 1000 });
        expect_ok(&app.gql_as(&me, SET, variables).await);
    }
}
