//! Constant SQL per request: the number of statements a request sends does
//! not depend on how long its lists are, nor on how many requests run at once.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::support::{
    Session, TestApp, expect_ok,
    ledgers::{category_id, shared_ledger},
};

const PAGE: &str = "query($l: ID!) {
  me { ledgers { id name members { member { nickName } color role } categories { id name } } }
  ledger(id: $l) {
    entries(filter: { from: \"2026-03-01\", to: \"2026-03-31\" }, size: 100) {
      totalCount
      items { id amount creator { nickName } category { name } creatorColor }
    }
  }
}";

async fn ledger_with_entries(
    app: &TestApp,
    owner: &Session,
    friend: &Session,
    count: usize,
) -> String {
    let ledger = shared_ledger(app, owner, &[friend]).await;
    let food = category_id(app, owner, &ledger, "🍽️ 식비").await;
    let inputs: Vec<Value> = (0..count)
        .map(|i| {
            json!({ "type": "EXPENSE", "amount": 100 + i, "date": format!("2026-03-{:02}", i % 28 + 1),
                    "categoryId": food, "payment": "카드", "counterparty": "가게" })
        })
        .collect();
    // Half by each member, so creators and colors differ.
    let (mine, theirs) = inputs.split_at(count / 2);
    for (session, rows) in [(owner, mine), (friend, theirs)] {
        if !rows.is_empty() {
            let body = app
                .gql_as(
                    session,
                    "mutation($l: ID!, $i: [EntryInput!]!) { createEntries(ledgerId: $l, inputs: $i) { incomeCount } }",
                    json!({ "l": ledger, "i": rows }),
                )
                .await;
            expect_ok(&body);
        }
    }
    ledger
}

async fn statements_for(
    app: &TestApp,
    session: &Session,
    ledger: &str,
    expected_items: usize,
) -> u64 {
    let before = app.state.services.db.statement_count();
    let body = app.gql_as(session, PAGE, json!({ "l": ledger })).await;
    let after = app.state.services.db.statement_count();
    let items = expect_ok(&body)["ledger"]["entries"]["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(items, expected_items);
    after - before
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_statements_for_1_10_and_100_entries_and_under_load() {
    let app = TestApp::spawn_with(|config| config.database.pool_size = 8).await;
    let owner = app.sign_up("counting@example.com", "counting").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let mut ledgers = Vec::new();
    for count in [1, 10, 100] {
        ledgers.push((
            count,
            ledger_with_entries(&app, &owner, &friend, count).await,
        ));
    }

    let mut counts = Vec::new();
    for (count, ledger) in &ledgers {
        counts.push(statements_for(&app, &owner, ledger, *count).await);
    }
    println!("statements per request at 1, 10, 100 entries: {counts:?}");
    assert!(counts.iter().all(|count| *count == counts[0]), "{counts:?}");

    let (_, busiest) = &ledgers[2];
    let before = app.state.services.db.statement_count();
    let requests = (0..32).map(|_| app.gql_as(&owner, PAGE, json!({ "l": busiest })));
    for body in join_all(requests).await {
        assert_eq!(
            expect_ok(&body)["ledger"]["entries"]["items"]
                .as_array()
                .unwrap()
                .len(),
            100
        );
    }
    let total = app.state.services.db.statement_count() - before;
    println!(
        "32 concurrent requests: {total} statements ({} each)",
        total / 32
    );
    assert_eq!(total, 32 * counts[0]);
}

async fn statements_of(
    app: &TestApp,
    session: &Session,
    query: &str,
    variables: Value,
) -> (u64, Value) {
    let before = app.state.services.db.statement_count();
    let body = app.gql_as(session, query, variables).await;
    let sent = app.state.services.db.statement_count() - before;
    (sent, expect_ok(&body).clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn me_reads_the_member_row_only_for_fields_that_need_it() {
    let app = TestApp::spawn().await;
    let member = app.sign_up("lazy-me@example.com", "lazyme").await;

    let (sent, data) = statements_of(&app, &member, "{ me { id } }", json!({})).await;
    assert_eq!(data["me"]["id"], member.member_id.as_str());
    assert_eq!(sent, 0, "the id comes from the session");

    let (sent, data) =
        statements_of(&app, &member, "{ me { id nickName email } }", json!({})).await;
    assert_eq!(data["me"]["nickName"], "lazyme");
    assert_eq!(data["me"]["email"], "lazy-me@example.com");
    assert_eq!(sent, 1, "one read of the row, shared by its fields");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_months_days_totals_and_budget_are_read_once_per_request() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("month-once@example.com", "monthonce").await;
    let friend = app.sign_up("month-friend@example.com", "monthfriend").await;
    let ledger = ledger_with_entries(&app, &owner, &friend, 4).await;
    let set = "mutation($l: ID!) { setBudget(ledgerId: $l, year: 2026, month: 3, amount: 100000) { amount } }";
    expect_ok(&app.gql_as(&owner, set, json!({ "l": ledger })).await);

    let summary = "query($l: ID!) { ledger(id: $l) { monthSummary(year: 2026, month: 3) { expenseTotal budget } } }";
    let (alone, _) = statements_of(&app, &owner, summary, json!({ "l": ledger })).await;
    let both = "query($l: ID!) { ledger(id: $l) {
        monthSummary(year: 2026, month: 3) { expenseTotal budget }
        budget(year: 2026, month: 3) { amount spent remaining }
    } }";
    let (together, data) = statements_of(&app, &owner, both, json!({ "l": ledger })).await;
    let ledger_data = &data["ledger"];
    // 100 + 101 (the owner's half) + 102 + 103 (the friend's).
    assert_eq!(ledger_data["monthSummary"]["expenseTotal"], 406);
    assert_eq!(ledger_data["monthSummary"]["budget"], 100000);
    assert_eq!(ledger_data["budget"]["spent"], 406);
    assert_eq!(ledger_data["budget"]["remaining"], 99594);
    assert_eq!(together, alone, "budget adds no statement to monthSummary");

    // The month's totals are the sum of its days: the calendar shares the
    // read, and adds no statement either.
    let all = "query($l: ID!) { ledger(id: $l) {
        calendar(year: 2026, month: 3) { date expenseTotal }
        monthSummary(year: 2026, month: 3) { expenseTotal budget }
        budget(year: 2026, month: 3) { amount spent remaining }
    } }";
    let (with_calendar, data) = statements_of(&app, &owner, all, json!({ "l": ledger })).await;
    assert_eq!(with_calendar, alone, "calendar adds no statement");
    let days = data["ledger"]["calendar"].as_array().unwrap();
    let expenses: Vec<i64> = days
        .iter()
        .map(|day| day["expenseTotal"].as_i64().unwrap())
        .collect();
    assert_eq!(expenses, vec![100, 101, 102, 103]);
    assert_eq!(data["ledger"]["monthSummary"]["expenseTotal"], 406);
    assert_eq!(data["ledger"]["budget"]["spent"], 406);
}
