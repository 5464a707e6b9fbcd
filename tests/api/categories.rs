//! Categories of a ledger (spec section 4): any member manages them, names
//! are unique per ledger, and the fallback 기타 stays.

use serde_json::{Value, json};

use crate::support::{
    Session, TestApp, expect_error, expect_ok,
    ledgers::{category_id, private_ledger, shared_ledger},
};

const ADD: &str = "mutation($id: ID!, $names: [String!]!) { addCategories(ledgerId: $id, names: $names) { id name isFallback } }";
const RENAME: &str = "mutation($id: ID!, $name: String!) { renameCategory(id: $id, name: $name) { id name isFallback } }";
const DELETE: &str = "mutation($id: ID!) { deleteCategory(id: $id) }";

const DEFAULT_NAMES: [&str; 6] = [
    "🍽️ 식비",
    "☕ 카페·간식",
    "🏠 생활",
    "🛒 편의점·마트·잡화",
    "👕 쇼핑",
    "기타",
];

fn field(error: &Value) -> &Value {
    &error["extensions"]["field"]
}

/// The category names of the ledger, in the order it lists them.
async fn names(app: &TestApp, viewer: &Session, ledger: &str) -> Vec<String> {
    let body = app
        .gql_as(
            viewer,
            "query($id: ID!) { ledger(id: $id) { categories { name } } }",
            json!({ "id": ledger }),
        )
        .await;
    expect_ok(&body)["ledger"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|category| category["name"].as_str().unwrap().to_owned())
        .collect()
}

fn with(extra: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = DEFAULT_NAMES[..5].iter().map(|n| n.to_string()).collect();
    all.extend(extra.iter().map(|n| n.to_string()));
    all.push("기타".to_owned());
    all
}

// ---- defaults ----

#[tokio::test(flavor = "multi_thread")]
async fn the_private_ledger_starts_with_the_default_categories_and_the_fallback() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("me@example.com", "me00").await;
    let ledger = private_ledger(&app, &me).await;

    let body = app
        .gql_as(
            &me,
            "query($id: ID!) { ledger(id: $id) { categories { name isFallback } } }",
            json!({ "id": ledger }),
        )
        .await;
    let expected: Vec<Value> = DEFAULT_NAMES
        .iter()
        .map(|name| json!({ "name": name, "isFallback": *name == "기타" }))
        .collect();
    assert_eq!(
        expect_ok(&body)["ledger"]["categories"],
        Value::Array(expected)
    );
}

// ---- addCategories ----

#[tokio::test(flavor = "multi_thread")]
async fn any_member_adds_categories_with_trimmed_names() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let body = app
        .gql_as(
            &member,
            ADD,
            json!({ "id": ledger, "names": ["  🚗 교통 ", "💊 의료", "가".repeat(30)] }),
        )
        .await;
    let added = expect_ok(&body)["addCategories"]
        .as_array()
        .unwrap()
        .clone();
    let long = "가".repeat(30);
    assert_eq!(
        added
            .iter()
            .map(|c| (
                c["name"].as_str().unwrap(),
                c["isFallback"].as_bool().unwrap()
            ))
            .collect::<Vec<_>>(),
        vec![
            ("🚗 교통", false),
            ("💊 의료", false),
            (long.as_str(), false),
        ]
    );
    assert_eq!(
        names(&app, &owner, &ledger).await,
        with(&["🚗 교통", "💊 의료", long.as_str()])
    );
    assert_eq!(
        category_id(&app, &owner, &ledger, "🚗 교통").await,
        added[0]["id"].as_str().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_member_cannot_add_categories() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let private = private_ledger(&app, &owner).await;

    for id in [ledger.as_str(), private.as_str(), "999999999"] {
        let body = app
            .gql_as(&stranger, ADD, json!({ "id": id, "names": ["🚗 교통"] }))
            .await;
        expect_error(&body, "FORBIDDEN");
    }
    assert_eq!(names(&app, &owner, &ledger).await, with(&[]));
}

#[tokio::test(flavor = "multi_thread")]
async fn adding_a_name_the_ledger_already_has_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    for names_given in [
        json!(["👕 쇼핑"]),
        json!([" 기타 "]),
        json!(["🚗 교통", "🚗 교통"]),
        json!(["💊 의료", " 🏠 생활"]),
    ] {
        let body = app
            .gql_as(&owner, ADD, json!({ "id": ledger, "names": names_given }))
            .await;
        assert_eq!(
            field(expect_error(&body, "CONFLICT")),
            "names",
            "{names_given}"
        );
    }
    // A failed request adds none of its names.
    assert_eq!(names(&app, &owner, &ledger).await, with(&[]));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_category_name_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;

    for names_given in [
        json!([""]),
        json!(["   "]),
        json!(["가".repeat(31)]),
        json!(["🚗 교통", "\t"]),
        json!(["식\u{7}비"]),
        json!([]),
        json!((0..51).map(|i| format!("분류{i}")).collect::<Vec<_>>()),
    ] {
        let body = app
            .gql_as(&owner, ADD, json!({ "id": ledger, "names": names_given }))
            .await;
        assert_eq!(
            field(expect_error(&body, "BAD_USER_INPUT")),
            "names",
            "{names_given}"
        );
    }
    assert_eq!(names(&app, &owner, &ledger).await, with(&[]));
}

#[tokio::test(flavor = "multi_thread")]
async fn names_are_unique_per_ledger_only() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let private = private_ledger(&app, &owner).await;

    for id in [&ledger, &private] {
        let body = app
            .gql_as(&owner, ADD, json!({ "id": id, "names": ["🚗 교통"] }))
            .await;
        expect_ok(&body);
    }
    // Names are compared exactly: another case is another name.
    let body = app
        .gql_as(
            &owner,
            ADD,
            json!({ "id": ledger, "names": ["Food", "food"] }),
        )
        .await;
    expect_ok(&body);
    assert_eq!(
        names(&app, &owner, &ledger).await,
        with(&["🚗 교통", "Food", "food"])
    );
}

// ---- renameCategory ----

#[tokio::test(flavor = "multi_thread")]
async fn any_member_renames_a_category_with_the_name_trimmed() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    let id = category_id(&app, &owner, &ledger, "👕 쇼핑").await;

    let body = app
        .gql_as(&member, RENAME, json!({ "id": id, "name": "  👗 옷  " }))
        .await;
    assert_eq!(
        expect_ok(&body)["renameCategory"],
        json!({ "id": id, "name": "👗 옷", "isFallback": false })
    );
    let mut expected = with(&[]);
    expected[4] = "👗 옷".to_owned();
    assert_eq!(names(&app, &owner, &ledger).await, expected);

    // Renaming to its own name is no conflict.
    let body = app
        .gql_as(&member, RENAME, json!({ "id": id, "name": "👗 옷" }))
        .await;
    assert_eq!(expect_ok(&body)["renameCategory"]["name"], "👗 옷");
}

#[tokio::test(flavor = "multi_thread")]
async fn renaming_to_a_name_the_ledger_already_has_is_a_conflict() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let id = category_id(&app, &owner, &ledger, "👕 쇼핑").await;

    for name in ["🏠 생활", " 기타"] {
        let body = app
            .gql_as(&owner, RENAME, json!({ "id": id, "name": name }))
            .await;
        assert_eq!(field(expect_error(&body, "CONFLICT")), "name");
    }
    assert_eq!(names(&app, &owner, &ledger).await, with(&[]));
}

#[tokio::test(flavor = "multi_thread")]
async fn renaming_to_an_invalid_name_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let id = category_id(&app, &owner, &ledger, "👕 쇼핑").await;

    for name in [String::new(), "  ".to_owned(), "가".repeat(31)] {
        let body = app
            .gql_as(&owner, RENAME, json!({ "id": id, "name": name }))
            .await;
        assert_eq!(field(expect_error(&body, "BAD_USER_INPUT")), "name");
    }
    assert_eq!(names(&app, &owner, &ledger).await, with(&[]));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fallback_category_cannot_be_renamed() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let fallback = category_id(&app, &owner, &ledger, "기타").await;

    let body = app
        .gql_as(
            &owner,
            RENAME,
            json!({ "id": fallback, "name": "그 밖의 것" }),
        )
        .await;
    assert_eq!(field(expect_error(&body, "BAD_USER_INPUT")), "id");
    assert_eq!(names(&app, &owner, &ledger).await, with(&[]));
}

#[tokio::test(flavor = "multi_thread")]
async fn renaming_a_category_of_another_ledger_is_forbidden() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let id = category_id(&app, &owner, &ledger, "👕 쇼핑").await;
    let fallback = category_id(&app, &owner, &ledger, "기타").await;

    for target in [id.as_str(), fallback.as_str(), "999999999", "abc"] {
        let body = app
            .gql_as(
                &stranger,
                RENAME,
                json!({ "id": target, "name": "남의 것" }),
            )
            .await;
        expect_error(&body, "FORBIDDEN");
    }
    assert_eq!(names(&app, &owner, &ledger).await, with(&[]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_removed_member_can_no_longer_touch_the_ledgers_categories() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    let id = category_id(&app, &member, &ledger, "👕 쇼핑").await;
    let body = app
        .gql_as(
            &owner,
            "mutation($l: ID!, $m: ID!) { removeMember(ledgerId: $l, memberId: $m) }",
            json!({ "l": ledger, "m": member.member_id }),
        )
        .await;
    expect_ok(&body);

    let body = app
        .gql_as(&member, RENAME, json!({ "id": id, "name": "남의 것" }))
        .await;
    expect_error(&body, "FORBIDDEN");
    let body = app.gql_as(&member, DELETE, json!({ "id": id })).await;
    expect_error(&body, "FORBIDDEN");
    let body = app
        .gql_as(&member, ADD, json!({ "id": ledger, "names": ["🚗 교통"] }))
        .await;
    expect_error(&body, "FORBIDDEN");
    assert_eq!(names(&app, &owner, &ledger).await, with(&[]));
}

// ---- deleteCategory ----

#[tokio::test(flavor = "multi_thread")]
async fn any_member_deletes_a_category_and_its_name_can_be_used_again() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    let id = category_id(&app, &owner, &ledger, "☕ 카페·간식").await;

    let body = app.gql_as(&member, DELETE, json!({ "id": id })).await;
    assert_eq!(expect_ok(&body)["deleteCategory"], true);
    assert_eq!(
        names(&app, &owner, &ledger).await,
        vec![
            "🍽️ 식비",
            "🏠 생활",
            "🛒 편의점·마트·잡화",
            "👕 쇼핑",
            "기타"
        ]
    );

    // Deleted by another member: gone, and the members are told so.
    let body = app.gql_as(&member, DELETE, json!({ "id": id })).await;
    expect_error(&body, "NOT_FOUND");
    let body = app
        .gql_as(
            &owner,
            ADD,
            json!({ "id": ledger, "names": ["☕ 카페·간식"] }),
        )
        .await;
    expect_ok(&body);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fallback_category_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let fallback = category_id(&app, &owner, &ledger, "기타").await;

    let body = app.gql_as(&owner, DELETE, json!({ "id": fallback })).await;
    assert_eq!(field(expect_error(&body, "BAD_USER_INPUT")), "id");
    assert_eq!(names(&app, &owner, &ledger).await, with(&[]));
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_category_of_another_ledger_is_forbidden() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    let id = category_id(&app, &owner, &ledger, "👕 쇼핑").await;
    let fallback = category_id(&app, &owner, &ledger, "기타").await;

    for target in [id.as_str(), fallback.as_str(), "999999999", "abc"] {
        let body = app.gql_as(&stranger, DELETE, json!({ "id": target })).await;
        expect_error(&body, "FORBIDDEN");
    }
    assert_eq!(names(&app, &owner, &ledger).await, with(&[]));
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_category_moves_its_entries_to_the_fallback_and_deletes_none() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;
    let cafe = category_id(&app, &owner, &ledger, "☕ 카페·간식").await;
    let food = category_id(&app, &owner, &ledger, "🍽️ 식비").await;
    let create =
        "mutation($l: ID!, $i: EntryInput!) { createEntry(ledgerId: $l, input: $i) { id } }";
    let mut ids = Vec::new();
    for (session, category, entry_type, amount) in [
        (&owner, &cafe, "EXPENSE", 4_500),
        (&member, &cafe, "EXPENSE", 6_000),
        (&member, &cafe, "INCOME", 1_000),
        (&owner, &food, "EXPENSE", 12_000),
    ] {
        let body = app
            .gql_as(
                session,
                create,
                json!({ "l": ledger, "i": {
                    "type": entry_type, "amount": amount, "date": "2026-03-05",
                    "categoryId": category, "payment": "카드", "counterparty": "가게",
                } }),
            )
            .await;
        ids.push(
            expect_ok(&body)["createEntry"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    // A member who did not create every entry may delete the category.
    let body = app.gql_as(&owner, DELETE, json!({ "id": cafe })).await;
    assert_eq!(expect_ok(&body)["deleteCategory"], true);

    let body = app
        .gql_as(
            &member,
            "query($id: ID!) { ledger(id: $id) { entries(size: 100) { totalCount items { id amount category { id name isFallback } } } } }",
            json!({ "id": ledger }),
        )
        .await;
    let page = &expect_ok(&body)["ledger"]["entries"];
    assert_eq!(page["totalCount"], 4, "no entry was deleted");
    let fallback = category_id(&app, &owner, &ledger, "기타").await;
    let mut seen: Vec<(String, i64, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["id"].as_str().unwrap().to_owned(),
                item["amount"].as_i64().unwrap(),
                item["category"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    let mut expected = vec![
        (ids[0].clone(), 4_500, fallback.clone()),
        (ids[1].clone(), 6_000, fallback.clone()),
        (ids[2].clone(), 1_000, fallback.clone()),
        (ids[3].clone(), 12_000, food.clone()),
    ];
    expected.sort();
    assert_eq!(seen, expected);
    let body = app
        .gql_as(
            &owner,
            "query($id: ID!) { entry(id: $id) { category { name isFallback } } }",
            json!({ "id": ids[1] }),
        )
        .await;
    assert_eq!(
        expect_ok(&body)["entry"]["category"],
        json!({ "name": "기타", "isFallback": true })
    );
}
