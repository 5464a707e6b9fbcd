//! Analytics (spec sections 9 and 11): expenses only, zero-filled series,
//! year boundaries, the "그 외" bucket, fixed costs and settle-up balances.

use serde_json::{Value, json};

use crate::support::{
    Session, TestApp, expect_error, expect_ok,
    ledgers::{category_id, leave_ledger, private_ledger, shared_ledger},
};

const FOOD: &str = "🍽️ 식비";
const CAFE: &str = "☕ 카페·간식";
const LIVING: &str = "🏠 생활";
const SHOPPING: &str = "👕 쇼핑";
const FALLBACK: &str = "기타";

fn expense(category: &str, amount: i64, date: &str) -> Value {
    json!({
        "type": "EXPENSE", "amount": amount, "date": date, "categoryId": category,
        "payment": "카드", "counterparty": "가게"
    })
}

fn income(category: &str, amount: i64, date: &str) -> Value {
    let mut entry = expense(category, amount, date);
    entry["type"] = json!("INCOME");
    entry
}

async fn add_entries(app: &TestApp, session: &Session, ledger: &str, inputs: Value) {
    let body = app
        .gql_as(
            session,
            "mutation($l: ID!, $i: [EntryInput!]!) { createEntries(ledgerId: $l, inputs: $i) { expenseCount } }",
            json!({ "l": ledger, "i": inputs }),
        )
        .await;
    expect_ok(&body);
}

/// Runs `ledger(id) { analytics { <field> } }` and returns the field.
async fn analytics(
    app: &TestApp,
    session: &Session,
    ledger: &str,
    field: &str,
    vars: Value,
) -> Value {
    let body = analytics_body(app, session, ledger, field, vars).await;
    let name = field.split(['(', ' ']).next().unwrap();
    expect_ok(&body)["ledger"]["analytics"][name].clone()
}

async fn analytics_body(
    app: &TestApp,
    session: &Session,
    ledger: &str,
    field: &str,
    mut vars: Value,
) -> Value {
    vars["id"] = json!(ledger);
    let declared: String = vars
        .as_object()
        .unwrap()
        .iter()
        .filter(|(name, _)| *name != "id")
        .map(|(name, value)| {
            let kind = if value.is_boolean() {
                "Boolean"
            } else if value.is_string() {
                "ID"
            } else {
                "Int"
            };
            format!(", ${name}: {kind}")
        })
        .collect();
    let query =
        format!("query($id: ID!{declared}) {{ ledger(id: $id) {{ analytics {{ {field} }} }} }}");
    app.gql_as(session, &query, vars).await
}

async fn bad_field(
    app: &TestApp,
    session: &Session,
    ledger: &str,
    field: &str,
    vars: Value,
) -> Value {
    let body = analytics_body(app, session, ledger, field, vars).await;
    expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn daily_and_monthly_cross_the_year_boundary_and_count_expenses_only() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("daily@example.com", "daily").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, FOOD).await;
    let cafe = category_id(&app, &me, &ledger, CAFE).await;
    add_entries(
        &app,
        &me,
        &ledger,
        json!([
            expense(&food, 999, "2025-11-30"),
            expense(&food, 10_000, "2025-12-01"),
            expense(&cafe, 5_000, "2025-12-31"),
            expense(&food, 1_000, "2026-01-01"),
            expense(&cafe, 2_000, "2026-01-01"),
            expense(&food, 7_000, "2026-01-31"),
            income(&food, 1_000_000, "2026-01-15"),
            expense(&food, 111, "2026-02-01"),
        ]),
    )
    .await;
    // Another ledger's expenses are not this ledger's.
    let other = shared_ledger(&app, &me, &[&friend]).await;
    let other_food = category_id(&app, &me, &other, FOOD).await;
    add_entries(
        &app,
        &me,
        &other,
        json!([expense(&other_food, 50_000, "2026-01-10")]),
    )
    .await;

    let daily = analytics(
        &app,
        &me,
        &ledger,
        "daily(year: $y, month: $m) { days { date amount } total previousMonthTotal diffFromPreviousMonth }",
        json!({ "y": 2026, "m": 1 }),
    )
    .await;
    let days = daily["days"].as_array().unwrap();
    assert_eq!(days.len(), 31);
    assert_eq!(days[0], json!({ "date": "2026-01-01", "amount": 3_000 }));
    assert_eq!(days[1], json!({ "date": "2026-01-02", "amount": 0 }));
    assert_eq!(days[9], json!({ "date": "2026-01-10", "amount": 0 }));
    assert_eq!(days[14], json!({ "date": "2026-01-15", "amount": 0 }));
    assert_eq!(days[30], json!({ "date": "2026-01-31", "amount": 7_000 }));
    // January compares with December of the year before.
    assert_eq!(daily["total"], 10_000);
    assert_eq!(daily["previousMonthTotal"], 15_000);
    assert_eq!(daily["diffFromPreviousMonth"], -5_000);

    let daily = analytics(
        &app,
        &me,
        &ledger,
        "daily(year: $y, month: $m) { days { date } total previousMonthTotal diffFromPreviousMonth }",
        json!({ "y": 2026, "m": 2 }),
    )
    .await;
    assert_eq!(daily["days"].as_array().unwrap().len(), 28);
    assert_eq!(daily["total"], 111);
    assert_eq!(daily["diffFromPreviousMonth"], 111 - 10_000);

    let monthly = analytics(
        &app,
        &me,
        &ledger,
        "monthly(year: $y, month: $m, count: $c) { year month amount }",
        json!({ "y": 2026, "m": 1, "c": 3 }),
    )
    .await;
    assert_eq!(
        monthly,
        json!([
            { "year": 2025, "month": 11, "amount": 999 },
            { "year": 2025, "month": 12, "amount": 15_000 },
            { "year": 2026, "month": 1, "amount": 10_000 },
        ])
    );
    // The default is three months; 24 reach back two years.
    let monthly = analytics(
        &app,
        &me,
        &ledger,
        "monthly(year: $y, month: $m) { year month amount }",
        json!({ "y": 2026, "m": 2 }),
    )
    .await;
    assert_eq!(
        monthly,
        json!([
            { "year": 2025, "month": 12, "amount": 15_000 },
            { "year": 2026, "month": 1, "amount": 10_000 },
            { "year": 2026, "month": 2, "amount": 111 },
        ])
    );
    let monthly = analytics(
        &app,
        &me,
        &ledger,
        "monthly(year: $y, month: $m, count: $c) { year month amount }",
        json!({ "y": 2026, "m": 1, "c": 24 }),
    )
    .await;
    assert_eq!(monthly.as_array().unwrap().len(), 24);
    assert_eq!(monthly[0], json!({ "year": 2024, "month": 2, "amount": 0 }));
    assert_eq!(
        monthly[22],
        json!({ "year": 2025, "month": 12, "amount": 15_000 })
    );

    let monthly_field = "monthly(year: $y, month: $m, count: $c) { amount }";
    for count in [0, 25, -1] {
        let vars = json!({ "y": 2026, "m": 1, "c": count });
        assert_eq!(
            bad_field(&app, &me, &ledger, monthly_field, vars).await,
            "count"
        );
    }
    let vars = json!({ "y": 2026, "m": 13, "c": 3 });
    assert_eq!(
        bad_field(&app, &me, &ledger, monthly_field, vars).await,
        "month"
    );
    let vars = json!({ "y": 2026, "m": 0 });
    assert_eq!(
        bad_field(
            &app,
            &me,
            &ledger,
            "daily(year: $y, month: $m) { total }",
            vars
        )
        .await,
        "month"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_budget_is_compared_with_the_months_expenses() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("budget@example.com", "budget").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, FOOD).await;
    add_entries(
        &app,
        &me,
        &ledger,
        json!([
            expense(&food, 6_000, "2026-01-05"),
            expense(&food, 4_000, "2026-01-31"),
            income(&food, 99_000, "2026-01-10"),
            expense(&food, 1, "2026-02-01"),
        ]),
    )
    .await;
    let field = "budgetComparison(year: $y, month: $m) { budget spent remaining }";
    let january = json!({ "y": 2026, "m": 1 });

    assert_eq!(
        analytics(&app, &me, &ledger, field, january.clone()).await,
        json!({ "budget": null, "spent": 10_000, "remaining": null })
    );
    let set = "mutation($l: ID!, $a: Money!) { setBudget(ledgerId: $l, year: 2026, month: 1, amount: $a) { amount } }";
    expect_ok(
        &app.gql_as(&me, set, json!({ "l": ledger, "a": 12_000 }))
            .await,
    );
    assert_eq!(
        analytics(&app, &me, &ledger, field, january.clone()).await,
        json!({ "budget": 12_000, "spent": 10_000, "remaining": 2_000 })
    );
    expect_ok(
        &app.gql_as(&me, set, json!({ "l": ledger, "a": 8_000 }))
            .await,
    );
    assert_eq!(
        analytics(&app, &me, &ledger, field, january).await,
        json!({ "budget": 8_000, "spent": 10_000, "remaining": -2_000 })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn weeks_run_seven_days_from_the_start_day_to_the_months_end() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("weekly@example.com", "weekly").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, FOOD).await;
    add_entries(
        &app,
        &me,
        &ledger,
        json!([
            expense(&food, 100, "2026-02-01"),
            expense(&food, 200, "2026-02-07"),
            expense(&food, 300, "2026-02-08"),
            expense(&food, 400, "2026-02-24"),
            expense(&food, 500, "2026-02-25"),
            expense(&food, 600, "2026-02-28"),
            expense(&food, 700, "2026-03-01"),
            expense(&food, 800, "2026-03-31"),
        ]),
    )
    .await;
    let field =
        "weekly(year: $y, month: $m, startDay: $s) { weeks { startDate endDate amount } total }";
    let default_field = "weekly(year: $y, month: $m) { weeks { startDate endDate amount } total }";

    let weekly = analytics(
        &app,
        &me,
        &ledger,
        default_field,
        json!({ "y": 2026, "m": 2 }),
    )
    .await;
    assert_eq!(
        weekly,
        json!({
            "weeks": [
                { "startDate": "2026-02-01", "endDate": "2026-02-07", "amount": 300 },
                { "startDate": "2026-02-08", "endDate": "2026-02-14", "amount": 300 },
                { "startDate": "2026-02-15", "endDate": "2026-02-21", "amount": 0 },
                { "startDate": "2026-02-22", "endDate": "2026-02-28", "amount": 1_500 },
            ],
            "total": 2_100,
        })
    );
    // No day before the start day counts: the 24th is left out.
    let weekly = analytics(
        &app,
        &me,
        &ledger,
        field,
        json!({ "y": 2026, "m": 2, "s": 25 }),
    )
    .await;
    assert_eq!(
        weekly,
        json!({
            "weeks": [{ "startDate": "2026-02-25", "endDate": "2026-02-28", "amount": 1_100 }],
            "total": 1_100,
        })
    );
    // The last bucket ends on the month's last day, however short.
    let weekly = analytics(
        &app,
        &me,
        &ledger,
        field,
        json!({ "y": 2026, "m": 3, "s": 1 }),
    )
    .await;
    assert_eq!(weekly["weeks"].as_array().unwrap().len(), 5);
    assert_eq!(
        weekly["weeks"][4],
        json!({ "startDate": "2026-03-29", "endDate": "2026-03-31", "amount": 800 })
    );
    assert_eq!(weekly["total"], 1_500);
    let weekly = analytics(
        &app,
        &me,
        &ledger,
        field,
        json!({ "y": 2028, "m": 2, "s": 29 }),
    )
    .await;
    assert_eq!(
        weekly["weeks"],
        json!([{ "startDate": "2028-02-29", "endDate": "2028-02-29", "amount": 0 }])
    );

    for start in [0, 29, 31, -3] {
        let vars = json!({ "y": 2026, "m": 2, "s": start });
        assert_eq!(bad_field(&app, &me, &ledger, field, vars).await, "startDay");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn categories_rank_by_expense_then_by_name_with_the_rest_in_one_bucket() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("ranking@example.com", "ranking").await;
    let ledger = private_ledger(&app, &me).await;
    let ids = {
        let mut ids = std::collections::HashMap::new();
        for name in [FOOD, CAFE, LIVING, SHOPPING, FALLBACK] {
            ids.insert(name, category_id(&app, &me, &ledger, name).await);
        }
        ids
    };
    add_entries(
        &app,
        &me,
        &ledger,
        json!([
            expense(&ids[FOOD], 3_000, "2026-01-03"),
            expense(&ids[FOOD], 2_000, "2026-01-20"),
            expense(&ids[LIVING], 3_000, "2026-01-04"),
            expense(&ids[CAFE], 3_000, "2026-01-05"),
            expense(&ids[SHOPPING], 1_000, "2026-01-06"),
            expense(&ids[FALLBACK], 500, "2026-01-07"),
            income(&ids[SHOPPING], 90_000, "2026-01-08"),
            expense(&ids[SHOPPING], 9_999, "2025-12-31"),
        ]),
    )
    .await;
    let field = "byCategory(year: $y, month: $m, top: $t) { items { category { id name } name amount ratio } total }";
    let january = |top: i64| json!({ "y": 2026, "m": 1, "t": top });

    // 3,000 each for 카페 and 생활: "☕" (U+2615) comes before "🏠".
    let breakdown = analytics(&app, &me, &ledger, field, january(2)).await;
    assert_eq!(
        breakdown,
        json!({
            "items": [
                { "category": { "id": ids[FOOD], "name": FOOD }, "name": FOOD, "amount": 5_000, "ratio": 0.4 },
                { "category": { "id": ids[CAFE], "name": CAFE }, "name": CAFE, "amount": 3_000, "ratio": 0.24 },
                { "category": null, "name": "그 외", "amount": 4_500, "ratio": 0.36 },
            ],
            "total": 12_500,
        })
    );

    // With every category in the top there is no "그 외" bucket.
    for top in [5, 10] {
        let breakdown = analytics(&app, &me, &ledger, field, january(top)).await;
        let names: Vec<&str> = breakdown["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec![FOOD, CAFE, LIVING, SHOPPING, FALLBACK]);
        assert_eq!(breakdown["total"], 12_500);
    }
    // The default top is 5.
    let breakdown = analytics(
        &app,
        &me,
        &ledger,
        "byCategory(year: $y, month: $m) { items { name } }",
        json!({ "y": 2026, "m": 1 }),
    )
    .await;
    assert_eq!(breakdown["items"].as_array().unwrap().len(), 5);

    // Ties go by code point: "Z" < "a" < "☕", where a case-insensitive
    // collation would put "a" first.
    let body = app
        .gql_as(
            &me,
            "mutation($l: ID!) { addCategories(ledgerId: $l, names: [\"a\", \"Z\"]) { id name } }",
            json!({ "l": ledger }),
        )
        .await;
    let added = expect_ok(&body)["addCategories"]
        .as_array()
        .unwrap()
        .clone();
    let id_of = |name: &str| {
        added
            .iter()
            .find(|category| category["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    add_entries(
        &app,
        &me,
        &ledger,
        json!([
            expense(&id_of("a"), 3_000, "2026-01-10"),
            expense(&id_of("Z"), 3_000, "2026-01-11"),
        ]),
    )
    .await;
    let breakdown = analytics(&app, &me, &ledger, field, january(3)).await;
    let items: Vec<(&str, i64)> = breakdown["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["name"].as_str().unwrap(),
                item["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        items,
        vec![(FOOD, 5_000), ("Z", 3_000), ("a", 3_000), ("그 외", 7_500)]
    );
    assert_eq!(breakdown["total"], 18_500);

    // A month without expenses has no items.
    let breakdown = analytics(
        &app,
        &me,
        &ledger,
        field,
        json!({ "y": 2026, "m": 2, "t": 5 }),
    )
    .await;
    assert_eq!(breakdown, json!({ "items": [], "total": 0 }));
    for top in [0, -1, 101] {
        let vars = json!({ "y": 2026, "m": 1, "t": top });
        assert_eq!(bad_field(&app, &me, &ledger, field, vars).await, "top");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn category_entries_list_one_category_or_all_outside_the_top() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("catentries@example.com", "catentries").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, FOOD).await;
    let cafe = category_id(&app, &me, &ledger, CAFE).await;
    let living = category_id(&app, &me, &ledger, LIVING).await;
    let shopping = category_id(&app, &me, &ledger, SHOPPING).await;
    add_entries(
        &app,
        &me,
        &ledger,
        json!([
            expense(&food, 3_000, "2026-01-03"),
            expense(&food, 2_000, "2026-01-20"),
            expense(&food, 2_500, "2026-02-01"),
            income(&food, 50_000, "2026-01-25"),
            expense(&cafe, 4_000, "2026-01-05"),
            expense(&living, 1_000, "2026-01-06"),
            expense(&shopping, 700, "2026-01-09"),
        ]),
    )
    .await;
    let field = "categoryEntries(year: $y, month: $m, categoryId: $c, others: $o, top: $t, page: $p, size: $s) { items { amount date category { name } } totalCount page size totalPages }";
    let one = |category: &str| json!({ "y": 2026, "m": 1, "c": category, "o": false, "t": 5, "p": 0, "s": 20 });

    // Newest first, expenses of the month only.
    let page = analytics(&app, &me, &ledger, field, one(&food)).await;
    assert_eq!(
        page,
        json!({
            "items": [
                { "amount": 2_000, "date": "2026-01-20", "category": { "name": FOOD } },
                { "amount": 3_000, "date": "2026-01-03", "category": { "name": FOOD } },
            ],
            "totalCount": 2, "page": 0, "size": 20, "totalPages": 1,
        })
    );
    let mut second = one(&food);
    second["p"] = json!(1);
    second["s"] = json!(1);
    let page = analytics(&app, &me, &ledger, field, second).await;
    assert_eq!(
        page["items"],
        json!([{ "amount": 3_000, "date": "2026-01-03", "category": { "name": FOOD } }])
    );
    assert_eq!(page["totalPages"], 2);

    // The top 2 are 식비 (5,000) and 카페 (4,000); the others are the rest.
    let others = json!({ "y": 2026, "m": 1, "o": true, "t": 2, "p": 0, "s": 20 });
    let page = analytics(
        &app,
        &me,
        &ledger,
        "categoryEntries(year: $y, month: $m, others: $o, top: $t, page: $p, size: $s) { items { amount category { name } } totalCount }",
        others,
    )
    .await;
    assert_eq!(
        page,
        json!({
            "items": [
                { "amount": 700, "category": { "name": SHOPPING } },
                { "amount": 1_000, "category": { "name": LIVING } },
            ],
            "totalCount": 2,
        })
    );

    let mut too_big = one(&food);
    too_big["s"] = json!(101);
    assert_eq!(bad_field(&app, &me, &ledger, field, too_big).await, "size");
    let neither = json!({ "y": 2026, "m": 1, "o": false, "t": 5, "p": 0, "s": 20 });
    assert_eq!(
        bad_field(
            &app,
            &me,
            &ledger,
            "categoryEntries(year: $y, month: $m, others: $o, top: $t, page: $p, size: $s) { totalCount }",
            neither
        )
        .await,
        "categoryId"
    );
    let mut both = one(&food);
    both["o"] = json!(true);
    assert_eq!(
        bad_field(&app, &me, &ledger, field, both).await,
        "categoryId"
    );

    // A category of another ledger, or one that does not exist, is foreign.
    let other = private_ledger(&app, &friend).await;
    let foreign = category_id(&app, &friend, &other, FOOD).await;
    for category in [foreign.as_str(), "999999"] {
        let body = analytics_body(&app, &me, &ledger, field, one(category)).await;
        expect_error(&body, "FORBIDDEN");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fixed_costs_are_the_viewers_shares_of_expense_schedules() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("fixed@example.com", "fixed").await;
    let partner = app.sign_up("partner@example.com", "partner").await;
    let ledger = shared_ledger(&app, &partner, &[&me]).await;
    let clock = &app.state.services.clock;
    let target = chrono::NaiveDate::from_ymd_opt(2026, 4, 10).unwrap();
    clock.advance(target - clock.today());

    let mine = |amount: Option<i64>| json!({ "memberId": me.member_id, "amount": amount });
    let theirs = |amount: Option<i64>| json!({ "memberId": partner.member_id, "amount": amount });
    let body = app
        .gql_as(
            &partner,
            "mutation($l: ID!, $i: [ScheduleInput!]!) { createSchedules(ledgerId: $l, inputs: $i) { id } }",
            json!({ "l": ledger, "i": [
                { "name": "월세", "type": "EXPENSE", "dayOfMonth": 25, "amount": 1_000_000,
                  "assignments": [theirs(Some(600_000)), mine(Some(400_000))] },
                { "name": "통신비", "type": "EXPENSE", "dayOfMonth": 15, "amount": null,
                  "assignments": [mine(None)] },
                { "name": "월급", "type": "INCOME", "dayOfMonth": 20, "amount": 3_000_000,
                  "assignments": [mine(Some(3_000_000))] },
                { "name": "보험", "type": "EXPENSE", "dayOfMonth": 1, "amount": 50_000,
                  "assignments": [theirs(Some(50_000))] },
            ] }),
        )
        .await;
    expect_ok(&body);

    let field = "fixedCosts { items { amount nextDueDate daysUntilDue schedule { name } } total }";
    let fixed = analytics(&app, &me, &ledger, field, json!({})).await;
    assert_eq!(
        fixed,
        json!({
            "items": [
                { "amount": null, "nextDueDate": "2026-04-15", "daysUntilDue": 5, "schedule": { "name": "통신비" } },
                { "amount": 400_000, "nextDueDate": "2026-04-25", "daysUntilDue": 15, "schedule": { "name": "월세" } },
            ],
            "total": 400_000,
        })
    );
    let fixed = analytics(&app, &partner, &ledger, field, json!({})).await;
    assert_eq!(fixed["total"], 650_000);
    assert_eq!(fixed["items"][0]["schedule"]["name"], "월세");
    assert_eq!(fixed["items"][1]["nextDueDate"], "2026-05-01");
}

const BALANCES: &str =
    "query($id: ID!) { ledger(id: $id) { balances { member { nickName } balance } } }";

async fn balances(app: &TestApp, session: &Session, ledger: &str) -> Vec<(String, i64)> {
    let body = app.gql_as(session, BALANCES, json!({ "id": ledger })).await;
    expect_ok(&body)["ledger"]["balances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["member"]["nickName"].as_str().unwrap().to_owned(),
                row["balance"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn owned(rows: &[(&str, i64)]) -> Vec<(String, i64)> {
    rows.iter()
        .map(|(name, amount)| ((*name).to_owned(), *amount))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn balances_split_expenses_equally_and_add_up_to_zero() {
    let app = TestApp::spawn().await;
    let first = app.sign_up("first@example.com", "first").await;
    let second = app.sign_up("second@example.com", "second").await;
    let third = app.sign_up("third@example.com", "third").await;
    let ledger = shared_ledger(&app, &first, &[&second, &third]).await;
    let food = category_id(&app, &first, &ledger, FOOD).await;

    assert_eq!(
        balances(&app, &second, &ledger).await,
        owned(&[("first", 0), ("second", 0), ("third", 0)])
    );
    // 100 won among three: shares of 34, 33, 33, the extra won to the first
    // to join.
    add_entries(
        &app,
        &first,
        &ledger,
        json!([expense(&food, 100, "2026-01-01")]),
    )
    .await;
    assert_eq!(
        balances(&app, &second, &ledger).await,
        owned(&[("first", 66), ("second", -33), ("third", -33)])
    );
    add_entries(
        &app,
        &third,
        &ledger,
        json!([
            expense(&food, 2, "2026-01-02"),
            income(&food, 1_000, "2026-01-03")
        ]),
    )
    .await;
    add_entries(
        &app,
        &second,
        &ledger,
        json!([expense(&food, 50, "2026-01-02")]),
    )
    .await;
    // 152 won: shares of 51, 51, 50.
    assert_eq!(
        balances(&app, &third, &ledger).await,
        owned(&[("first", 49), ("second", -1), ("third", -48)])
    );

    // A member who leaves takes their expenses out of the split.
    leave_ledger(&app, &third, &ledger).await;
    assert_eq!(
        balances(&app, &first, &ledger).await,
        owned(&[("first", 25), ("second", -25)])
    );
    let body = app.gql_as(&third, BALANCES, json!({ "id": ledger })).await;
    expect_error(&body, "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_ledger_has_one_balance_of_zero() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("alone@example.com", "alone").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, FOOD).await;
    add_entries(
        &app,
        &me,
        &ledger,
        json!([expense(&food, 12_345, "2026-01-01")]),
    )
    .await;
    assert_eq!(balances(&app, &me, &ledger).await, owned(&[("alone", 0)]));
}
