//! Entries (spec section 5): create, copies, batches, edits, deletes, views.

use serde_json::{Value, json};

use crate::support::{
    Session, TestApp, expect_error, expect_ok,
    ledgers::{category_id, entry_count, private_ledger, shared_ledger},
};

const CREATE: &str = "mutation($l: ID!, $i: EntryInput!) { createEntry(ledgerId: $l, input: $i) { id type amount date payment counterparty memo category { name } creator { nickName } creatorColor } }";
const CREATE_MANY: &str = "mutation($l: ID!, $i: [EntryInput!]!) { createEntries(ledgerId: $l, inputs: $i) { incomeCount expenseCount entries { id amount } } }";
const UPDATE: &str = "mutation($id: ID!, $p: EntryPatch!) { updateEntry(id: $id, input: $p) { type amount date memo category { name } payment counterparty } }";
const DELETE: &str = "mutation($ids: [ID!]!) { deleteEntries(ids: $ids) }";

fn entry(category: &str, entry_type: &str, amount: i64, date: &str) -> Value {
    json!({
        "type": entry_type, "amount": amount, "date": date, "categoryId": category,
        "payment": "카드", "counterparty": "가게", "memo": null
    })
}

async fn create(app: &TestApp, session: &Session, ledger: &str, input: Value) -> Value {
    app.gql_as(session, CREATE, json!({ "l": ledger, "i": input }))
        .await
}

async fn create_ok(app: &TestApp, session: &Session, ledger: &str, input: Value) -> String {
    let body = create(app, session, ledger, input).await;
    expect_ok(&body)["createEntry"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entry_is_created_with_its_category_creator_and_color() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("entries@example.com", "entries").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, "🍽️ 식비").await;
    app.gql_as(
        &me,
        "mutation($l: ID!) { setMyLedgerColor(ledgerId: $l, color: \"blue\") { color } }",
        json!({ "l": ledger }),
    )
    .await;
    let mut input = entry(&food, "EXPENSE", 12_500, "2026-03-05");
    input["memo"] = json!("점심");
    input["payment"] = json!("  현금 ");
    let body = create(&app, &me, &ledger, input).await;
    let created = &expect_ok(&body)["createEntry"];
    assert_eq!(created["type"], "EXPENSE");
    assert_eq!(created["amount"], 12_500);
    assert_eq!(created["date"], "2026-03-05");
    assert_eq!(created["payment"], "현금");
    assert_eq!(created["memo"], "점심");
    assert_eq!(created["category"]["name"], "🍽️ 식비");
    assert_eq!(created["creator"]["nickName"], "entries");
    assert_eq!(created["creatorColor"], "blue");

    let id = created["id"].as_str().unwrap();
    let body = app
        .gql_as(
            &me,
            "query($id: ID!) { entry(id: $id) { amount ledger { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(expect_ok(&body)["entry"]["ledger"]["id"], ledger.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn each_field_limit_is_bad_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("limits@example.com", "limits").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, "🍽️ 식비").await;
    let cases = [
        ("amount", json!(0)),
        ("amount", json!(-5)),
        ("amount", json!(1_000_000_000_001_i64)),
        ("payment", json!("")),
        ("payment", json!("가".repeat(21))),
        ("counterparty", json!("가".repeat(51))),
        ("memo", json!("가".repeat(501))),
    ];
    for (field, value) in cases {
        let mut input = entry(&food, "EXPENSE", 1000, "2026-03-05");
        input[field] = value.clone();
        let body = create(&app, &me, &ledger, input).await;
        assert_eq!(
            expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
            format!("input.{field}"),
            "{field}={value}"
        );
    }
    let mut biggest = entry(&food, "EXPENSE", 1_000_000_000_000, "2026-03-05");
    biggest["memo"] = json!("가".repeat(500));
    expect_ok(&create(&app, &me, &ledger, biggest).await);

    // An impossible date is a request error.
    let (status, _, _) = app
        .post(
            Some(&me.access),
            CREATE,
            json!({ "l": ledger, "i": entry(&food, "EXPENSE", 1, "2026-02-30") }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_category_of_another_ledger_is_refused() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("othercat@example.com", "othercat").await;
    let mine = private_ledger(&app, &me).await;
    let shared = shared_ledger(&app, &me, &[]).await;
    let shared_food = category_id(&app, &me, &shared, "🍽️ 식비").await;
    let body = create(
        &app,
        &me,
        &mine,
        entry(&shared_food, "EXPENSE", 1000, "2026-03-05"),
    )
    .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "input.categoryId"
    );

    // A category the member may not see at all is a foreign id.
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let theirs = private_ledger(&app, &stranger).await;
    let their_food = category_id(&app, &stranger, &theirs, "🍽️ 식비").await;
    let my_food = category_id(&app, &me, &mine, "🍽️ 식비").await;
    let id = create_ok(
        &app,
        &me,
        &mine,
        entry(&my_food, "EXPENSE", 1000, "2026-03-05"),
    )
    .await;
    for category in [their_food.as_str(), "999999999"] {
        let input = entry(category, "EXPENSE", 1000, "2026-03-05");
        expect_error(&create(&app, &me, &mine, input).await, "FORBIDDEN");
        let patch = json!({ "id": id, "p": { "categoryId": category } });
        expect_error(&app.gql_as(&me, UPDATE, patch).await, "FORBIDDEN");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn also_add_to_copies_by_category_name_else_the_fallback() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("copies@example.com", "copies").await;
    let mine = private_ledger(&app, &me).await;
    let shared = shared_ledger(&app, &me, &[]).await;
    app.gql_as(
        &me,
        "mutation($l: ID!) { addCategories(ledgerId: $l, names: [\"여행\"]) { id } }",
        json!({ "l": mine }),
    )
    .await;
    let food = category_id(&app, &me, &mine, "🍽️ 식비").await;
    let travel = category_id(&app, &me, &mine, "여행").await;

    let mut first = entry(&food, "EXPENSE", 1000, "2026-03-05");
    first["alsoAddTo"] = json!([shared]);
    create_ok(&app, &me, &mine, first).await;
    let mut second = entry(&travel, "EXPENSE", 2000, "2026-03-06");
    second["alsoAddTo"] = json!([shared]);
    create_ok(&app, &me, &mine, second).await;

    let body = app
        .gql_as(
            &me,
            "query($l: ID!) { ledger(id: $l) { entries { items { amount category { name } } } } }",
            json!({ "l": shared }),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["ledger"]["entries"]["items"],
        json!([
            { "amount": 2000, "category": { "name": "기타" } },
            { "amount": 1000, "category": { "name": "🍽️ 식비" } },
        ])
    );

    // A ledger the viewer does not belong to: FORBIDDEN, and nothing written.
    let other = app.sign_up("stranger@example.com", "stranger").await;
    let theirs = private_ledger(&app, &other).await;
    let mut foreign = entry(&food, "EXPENSE", 3000, "2026-03-07");
    foreign["alsoAddTo"] = json!([theirs]);
    expect_error(&create(&app, &me, &mine, foreign).await, "FORBIDDEN");
    assert_eq!(entry_count(&app, &me, &mine).await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_is_all_or_nothing_and_reports_every_bad_row() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("batch@example.com", "batch").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, "🍽️ 식비").await;
    let shared = shared_ledger(&app, &me, &[]).await;
    let shared_food = category_id(&app, &me, &shared, "🍽️ 식비").await;
    let mut inputs: Vec<Value> = (1..=5)
        .map(|i| entry(&food, "EXPENSE", i * 100, "2026-03-05"))
        .collect();
    inputs[1]["amount"] = json!(0);
    inputs[3]["counterparty"] = json!("");
    inputs[4]["categoryId"] = json!(shared_food);
    let body = app
        .gql_as(&me, CREATE_MANY, json!({ "l": ledger, "i": inputs }))
        .await;
    let error = expect_error(&body, "BAD_USER_INPUT");
    let rows = error["extensions"]["rows"].as_array().unwrap();
    let reported: Vec<(u64, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["index"].as_u64().unwrap(),
                row["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reported,
        vec![(1, "amount"), (3, "counterparty"), (4, "categoryId")]
    );

    // A category the member may not see refuses the whole batch.
    inputs[2]["categoryId"] = json!("999999");
    let body = app
        .gql_as(&me, CREATE_MANY, json!({ "l": ledger, "i": inputs }))
        .await;
    expect_error(&body, "FORBIDDEN");
    inputs[2]["categoryId"] = json!(food);

    // Only the category is wrong now: reported, and still nothing written.
    inputs[1]["amount"] = json!(200);
    inputs[3]["counterparty"] = json!("가게");
    let body = app
        .gql_as(&me, CREATE_MANY, json!({ "l": ledger, "i": inputs }))
        .await;
    let rows = expect_error(&body, "BAD_USER_INPUT")["extensions"]["rows"].clone();
    assert_eq!(rows[0]["index"], 4);
    assert_eq!(rows[0]["field"], "categoryId");
    assert_eq!(entry_count(&app, &me, &ledger).await, 0);

    inputs[4]["categoryId"] = json!(food);
    inputs[0]["type"] = json!("INCOME");
    let body = app
        .gql_as(&me, CREATE_MANY, json!({ "l": ledger, "i": inputs }))
        .await;
    let payload = &expect_ok(&body)["createEntries"];
    assert_eq!(payload["incomeCount"], 1);
    assert_eq!(payload["expenseCount"], 4);
    let amounts: Vec<i64> = payload["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, vec![100, 200, 300, 400, 500]);

    let too_many: Vec<Value> = (0..501)
        .map(|_| entry(&food, "EXPENSE", 1, "2026-03-05"))
        .collect();
    let body = app
        .gql_as(&me, CREATE_MANY, json!({ "l": ledger, "i": too_many }))
        .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "inputs"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn five_hundred_entries_go_in_one_batch() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("bulk@example.com", "bulk").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, "🍽️ 식비").await;
    let inputs: Vec<Value> = (1..=500)
        .map(|i| entry(&food, "EXPENSE", i, "2026-03-05"))
        .collect();
    let body = app
        .gql_as(&me, CREATE_MANY, json!({ "l": ledger, "i": inputs }))
        .await;
    let entries = expect_ok(&body)["createEntries"]["entries"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(entries.len(), 500);
    assert_eq!(entries[499]["amount"], 500);
}

#[tokio::test(flavor = "multi_thread")]
async fn updates_change_any_field_and_only_memo_may_be_null() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("update@example.com", "update").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, "🍽️ 식비").await;
    let cafe = category_id(&app, &me, &ledger, "☕ 카페·간식").await;
    let mut input = entry(&food, "EXPENSE", 1000, "2026-03-05");
    input["memo"] = json!("메모");
    let id = create_ok(&app, &me, &ledger, input).await;

    let body = app
        .gql_as(&me, UPDATE, json!({ "id": id, "p": { "type": "INCOME", "amount": 7000, "date": "2026-04-01", "categoryId": cafe } }))
        .await;
    let updated = &expect_ok(&body)["updateEntry"];
    assert_eq!(updated["type"], "INCOME");
    assert_eq!(updated["amount"], 7000);
    assert_eq!(updated["date"], "2026-04-01");
    assert_eq!(updated["category"]["name"], "☕ 카페·간식");
    assert_eq!(updated["memo"], "메모", "absent fields stay");
    assert_eq!(updated["payment"], "카드");

    let body = app
        .gql_as(&me, UPDATE, json!({ "id": id, "p": { "memo": null } }))
        .await;
    assert_eq!(expect_ok(&body)["updateEntry"]["memo"], Value::Null);

    for field in [
        "type",
        "amount",
        "date",
        "categoryId",
        "payment",
        "counterparty",
    ] {
        let body = app
            .gql_as(&me, UPDATE, json!({ "id": id, "p": { field: null } }))
            .await;
        assert_eq!(
            expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
            format!("input.{field}")
        );
    }
    let body = app
        .gql_as(&me, UPDATE, json!({ "id": id, "p": { "amount": 0 } }))
        .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "input.amount"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_creator_or_the_admin_edits_and_deletes_an_entry() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("admin@example.com", "admin").await;
    let writer = app.sign_up("writer@example.com", "writer").await;
    let other = app.sign_up("other@example.com", "other").await;
    let ledger = shared_ledger(&app, &admin, &[&writer, &other]).await;
    let food = category_id(&app, &writer, &ledger, "🍽️ 식비").await;
    let by_writer = create_ok(
        &app,
        &writer,
        &ledger,
        entry(&food, "EXPENSE", 1000, "2026-03-05"),
    )
    .await;
    let by_admin = create_ok(
        &app,
        &admin,
        &ledger,
        entry(&food, "EXPENSE", 2000, "2026-03-05"),
    )
    .await;

    let patch = json!({ "amount": 5 });
    expect_error(
        &app.gql_as(&other, UPDATE, json!({ "id": by_writer, "p": patch }))
            .await,
        "FORBIDDEN",
    );
    expect_error(
        &app.gql_as(&writer, UPDATE, json!({ "id": by_admin, "p": patch }))
            .await,
        "FORBIDDEN",
    );
    expect_ok(
        &app.gql_as(&writer, UPDATE, json!({ "id": by_writer, "p": patch }))
            .await,
    );
    expect_ok(
        &app.gql_as(&admin, UPDATE, json!({ "id": by_writer, "p": patch }))
            .await,
    );

    // One undeletable id: nothing is deleted.
    let body = app
        .gql_as(&writer, DELETE, json!({ "ids": [by_writer, by_admin] }))
        .await;
    expect_error(&body, "FORBIDDEN");
    assert_eq!(entry_count(&app, &admin, &ledger).await, 2);

    let body = app
        .gql_as(&admin, DELETE, json!({ "ids": [by_writer, by_admin] }))
        .await;
    assert_eq!(
        expect_ok(&body)["deleteEntries"],
        json!([by_writer, by_admin])
    );
    let body = app
        .gql_as(
            &admin,
            "query($id: ID!) { entry(id: $id) { id } }",
            json!({ "id": by_writer }),
        )
        .await;
    expect_error(&body, "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn foreign_and_unknown_entry_ids_are_forbidden() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("mine@example.com", "mine").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, "🍽️ 식비").await;
    let id = create_ok(
        &app,
        &me,
        &ledger,
        entry(&food, "EXPENSE", 1000, "2026-03-05"),
    )
    .await;
    for target in [id.as_str(), "987654321"] {
        expect_error(
            &app.gql_as(
                &stranger,
                "query($id: ID!) { entry(id: $id) { id } }",
                json!({ "id": target }),
            )
            .await,
            "FORBIDDEN",
        );
        expect_error(
            &app.gql_as(
                &stranger,
                UPDATE,
                json!({ "id": target, "p": { "amount": 1 } }),
            )
            .await,
            "FORBIDDEN",
        );
        expect_error(
            &app.gql_as(&stranger, DELETE, json!({ "ids": [target] }))
                .await,
            "FORBIDDEN",
        );
    }
    let body = app
        .gql_as(
            &me,
            "query($id: ID!) { entry(id: $id) { amount } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(expect_ok(&body)["entry"]["amount"], 1000);
}

#[tokio::test(flavor = "multi_thread")]
async fn calendar_day_and_month_views_add_up() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("views@example.com", "views").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, "🍽️ 식비").await;
    for (entry_type, amount, date) in [
        ("EXPENSE", 3000, "2026-02-28"),
        ("EXPENSE", 1000, "2026-03-01"),
        ("EXPENSE", 5000, "2026-03-01"),
        ("INCOME", 200_000, "2026-03-01"),
        ("EXPENSE", 700, "2026-03-31"),
        ("EXPENSE", 9999, "2026-04-01"),
    ] {
        create_ok(&app, &me, &ledger, entry(&food, entry_type, amount, date)).await;
    }
    app.gql_as(&me, "mutation($l: ID!) { setBudget(ledgerId: $l, year: 2026, month: 3, amount: 5000) { amount } }", json!({ "l": ledger })).await;

    let body = app
        .gql_as(
            &me,
            "query($l: ID!) { ledger(id: $l) {
                calendar(year: 2026, month: 3) { date incomeTotal expenseTotal }
                entriesOn(date: \"2026-03-01\") { amount }
                monthSummary(year: 2026, month: 3) { year month incomeTotal expenseTotal budget }
                budget(year: 2026, month: 3) { amount spent remaining }
                none: budget(year: 2026, month: 4) { amount }
            } }",
            json!({ "l": ledger }),
        )
        .await;
    let view = &expect_ok(&body)["ledger"];
    assert_eq!(
        view["calendar"],
        json!([
            { "date": "2026-03-01", "incomeTotal": 200_000, "expenseTotal": 6000 },
            { "date": "2026-03-31", "incomeTotal": 0, "expenseTotal": 700 },
        ])
    );
    assert_eq!(
        view["entriesOn"],
        json!([{ "amount": 200_000 }, { "amount": 5000 }, { "amount": 1000 }])
    );
    assert_eq!(
        view["monthSummary"],
        json!({ "year": 2026, "month": 3, "incomeTotal": 200_000, "expenseTotal": 6700, "budget": 5000 })
    );
    assert_eq!(
        view["budget"],
        json!({ "amount": 5000, "spent": 6700, "remaining": -1700 })
    );
    assert_eq!(view["none"], Value::Null);

    let body = app
        .gql_as(
            &me,
            "query($l: ID!) { ledger(id: $l) { calendar(year: 2026, month: 13) { date } } }",
            json!({ "l": ledger }),
        )
        .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "month"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn history_pages_and_filters() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("filters@example.com", "filters").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let ledger = shared_ledger(&app, &admin, &[&friend]).await;
    let food = category_id(&app, &admin, &ledger, "🍽️ 식비").await;
    let cafe = category_id(&app, &admin, &ledger, "☕ 카페·간식").await;
    for day in 1..=25 {
        let mut input = entry(&food, "EXPENSE", day * 10, &format!("2026-03-{day:02}"));
        if day % 5 == 0 {
            input["categoryId"] = json!(cafe);
            input["memo"] = json!("Star_Coffee 100%");
        }
        create_ok(&app, &admin, &ledger, input).await;
    }
    let mut income = entry(&food, "INCOME", 50_000, "2026-03-10");
    income["counterparty"] = json!("월급");
    create_ok(&app, &friend, &ledger, income).await;

    let page = |filter: Value, page: i64, size: i64| {
        let app = &app;
        let admin = &admin;
        let ledger = ledger.clone();
        async move {
            app
                .gql_as(
                    admin,
                    "query($l: ID!, $f: EntryFilter, $p: Int, $s: Int) { ledger(id: $l) { entries(filter: $f, page: $p, size: $s) { totalCount page size totalPages items { amount date } } } }",
                    json!({ "l": ledger, "f": filter, "p": page, "s": size }),
                )
                .await
        }
    };
    let body = page(Value::Null, 0, 10).await;
    let result = &expect_ok(&body)["ledger"]["entries"];
    assert_eq!(result["totalCount"], 26);
    assert_eq!(result["totalPages"], 3);
    assert_eq!(
        result["items"][0],
        json!({ "amount": 250, "date": "2026-03-25" }),
        "newest date first"
    );
    let body = page(Value::Null, 2, 10).await;
    assert_eq!(
        expect_ok(&body)["ledger"]["entries"]["items"]
            .as_array()
            .unwrap()
            .len(),
        6
    );

    let count = |body: &Value| {
        expect_ok(body)["ledger"]["entries"]["totalCount"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(count(&page(json!({ "type": "INCOME" }), 0, 20).await), 1);
    assert_eq!(count(&page(json!({ "categoryId": cafe }), 0, 20).await), 5);
    assert_eq!(
        count(&page(json!({ "from": "2026-03-10", "to": "2026-03-12" }), 0, 20).await),
        4
    );
    assert_eq!(
        count(&page(json!({ "creatorId": friend.member_id }), 0, 20).await),
        1
    );
    assert_eq!(
        count(&page(json!({ "search": "star_coffee" }), 0, 20).await),
        5
    );
    assert_eq!(count(&page(json!({ "search": "100%" }), 0, 20).await), 5);
    assert_eq!(
        count(&page(json!({ "search": "_" }), 0, 20).await),
        5,
        "_ is literal"
    );
    assert_eq!(count(&page(json!({ "search": "월급" }), 0, 20).await), 1);

    let body = page(Value::Null, 0, 101).await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "size"
    );
    let body = page(Value::Null, -1, 10).await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "page"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn memos_keep_line_breaks_and_searches_are_bounded_and_free_of_control_characters() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("memo@example.com", "memo").await;
    let ledger = private_ledger(&app, &me).await;
    let food = category_id(&app, &me, &ledger, "🍽️ 식비").await;
    let mut input = entry(&food, "EXPENSE", 1000, "2026-03-05");
    input["memo"] = json!("첫 줄\n둘째 줄\t끝");
    let body = create(&app, &me, &ledger, input.clone()).await;
    assert_eq!(
        expect_ok(&body)["createEntry"]["memo"],
        "첫 줄\n둘째 줄\t끝"
    );
    input["memo"] = json!("벨\u{7}소리");
    let body = create(&app, &me, &ledger, input).await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "input.memo"
    );
    assert_eq!(entry_count(&app, &me, &ledger).await, 1);

    let search = "query($l: ID!, $s: String!) { ledger(id: $l) { entries(filter: { search: $s }) { totalCount } } }";
    let longest = "줄".repeat(100);
    let body = app
        .gql_as(&me, search, json!({ "l": ledger, "s": longest }))
        .await;
    assert_eq!(expect_ok(&body)["ledger"]["entries"]["totalCount"], 0);
    for bad in ["줄".repeat(101), "첫\n줄".to_owned()] {
        let body = app
            .gql_as(&me, search, json!({ "l": ledger, "s": bad }))
            .await;
        assert_eq!(
            expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
            "filter.search"
        );
    }
}
