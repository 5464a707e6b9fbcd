//! Schedules (spec sections 7 and 11): splitting among members, who may
//! edit, due dates in the configured zone, and SCHEDULE_ASSIGNED.

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::support::{
    Session, TestApp, expect_error, expect_ok,
    ledgers::{private_ledger, shared_ledger},
};

const FIELDS: &str = "id name type dayOfMonth amount creator { nickName } assignments { member { id nickName } amount } nextDueDate daysUntilDue myShare ledger { id }";

fn create_query() -> String {
    format!(
        "mutation($l: ID!, $i: [ScheduleInput!]!) {{ createSchedules(ledgerId: $l, inputs: $i) {{ {FIELDS} }} }}"
    )
}

fn update_query() -> String {
    format!(
        "mutation($id: ID!, $p: SchedulePatch!) {{ updateSchedule(id: $id, input: $p) {{ {FIELDS} }} }}"
    )
}

const DELETE: &str = "mutation($id: ID!) { deleteSchedule(id: $id) }";
const GET: &str = "query($id: ID!) { schedule(id: $id) { id name amount myShare } }";
const NOTIFICATIONS: &str = "{ me { notifications(first: 50) { nodes { kind message amount dueDate scheduleId ledgerId actor { nickName } } } } }";
const UPCOMING: &str = "query($n: Int) { me { upcomingSchedules(limit: $n) { amount nextDueDate daysUntilDue schedule { id name ledger { id } } } } }";

/// Moves the server's clock so that today (in Asia/Seoul) is `date`.
fn set_today(app: &TestApp, date: &str) {
    let target = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    let clock = &app.state.services.clock;
    clock.advance(target - clock.today());
    assert_eq!(clock.today(), target);
}

fn schedule(name: &str, day: i64, amount: Option<i64>, assignments: Value) -> Value {
    json!({ "name": name, "type": "EXPENSE", "dayOfMonth": day, "amount": amount, "assignments": assignments })
}

fn share(member: &Session, amount: Option<i64>) -> Value {
    json!({ "memberId": member.member_id, "amount": amount })
}

async fn create(app: &TestApp, session: &Session, ledger: &str, inputs: Value) -> Value {
    app.gql_as(
        session,
        &create_query(),
        json!({ "l": ledger, "i": inputs }),
    )
    .await
}

async fn create_one(app: &TestApp, session: &Session, ledger: &str, input: Value) -> Value {
    let body = create(app, session, ledger, json!([input])).await;
    expect_ok(&body)["createSchedules"][0].clone()
}

async fn update(app: &TestApp, session: &Session, id: &Value, patch: Value) -> Value {
    app.gql_as(session, &update_query(), json!({ "id": id, "p": patch }))
        .await
}

async fn notifications(app: &TestApp, session: &Session) -> Vec<Value> {
    let body = app.gql_as(session, NOTIFICATIONS, json!({})).await;
    expect_ok(&body)["me"]["notifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|node| node["kind"] == "SCHEDULE_ASSIGNED")
        .cloned()
        .collect()
}

async fn schedule_names(app: &TestApp, session: &Session, ledger: &str) -> Vec<String> {
    let body = app
        .gql_as(
            session,
            "query($id: ID!) { ledger(id: $id) { schedules { name } } }",
            json!({ "id": ledger }),
        )
        .await;
    expect_ok(&body)["ledger"]["schedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|schedule| schedule["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_schedule_is_split_among_members_and_the_others_are_notified() {
    let app = TestApp::spawn().await;
    let minji = app.sign_up("minji@example.com", "민지").await;
    let junho = app.sign_up("junho@example.com", "준호").await;
    let seoyeon = app.sign_up("seoyeon@example.com", "서연").await;
    let ledger = shared_ledger(&app, &minji, &[&junho, &seoyeon]).await;
    set_today(&app, "2026-03-10");

    let body = create(
        &app,
        &minji,
        &ledger,
        json!([
            schedule(
                "  월세 ",
                25,
                Some(900_000),
                json!([
                    share(&minji, Some(300_000)),
                    share(&junho, Some(300_000)),
                    share(&seoyeon, Some(300_000)),
                ])
            ),
            schedule("통신비", 5, None, json!([share(&junho, None)])),
        ]),
    )
    .await;
    let created = &expect_ok(&body)["createSchedules"];
    let rent = &created[0];
    assert_eq!(rent["name"], "월세");
    assert_eq!(rent["type"], "EXPENSE");
    assert_eq!(rent["dayOfMonth"], 25);
    assert_eq!(rent["amount"], 900_000);
    assert_eq!(rent["creator"]["nickName"], "민지");
    assert_eq!(rent["ledger"]["id"], ledger.as_str());
    assert_eq!(rent["nextDueDate"], "2026-03-25");
    assert_eq!(rent["daysUntilDue"], 15);
    assert_eq!(rent["myShare"], 300_000);
    let assignments: Vec<(&str, i64)> = rent["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["member"]["nickName"].as_str().unwrap(),
                a["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        assignments,
        vec![("민지", 300_000), ("준호", 300_000), ("서연", 300_000)]
    );
    let phone = &created[1];
    assert_eq!(phone["amount"], Value::Null);
    assert_eq!(phone["nextDueDate"], "2026-04-05");
    assert_eq!(phone["myShare"], Value::Null, "민지 has no share");

    // Everyone assigned but the creator hears of it, with their share and
    // the next due date.
    let for_junho = notifications(&app, &junho).await;
    assert_eq!(for_junho.len(), 2, "{for_junho:?}");
    let rent_note = for_junho
        .iter()
        .find(|n| n["scheduleId"] == rent["id"])
        .unwrap();
    assert_eq!(
        rent_note["message"],
        "민지님이 '월세' 일정을 회원님과 나눴습니다."
    );
    assert_eq!(rent_note["amount"], 300_000);
    assert_eq!(rent_note["dueDate"], "2026-03-25");
    assert_eq!(rent_note["ledgerId"], ledger.as_str());
    assert_eq!(rent_note["actor"]["nickName"], "민지");
    let phone_note = for_junho
        .iter()
        .find(|n| n["scheduleId"] == phone["id"])
        .unwrap();
    assert_eq!(phone_note["amount"], Value::Null);
    assert_eq!(phone_note["dueDate"], "2026-04-05");
    assert_eq!(notifications(&app, &seoyeon).await.len(), 1);
    assert!(notifications(&app, &minji).await.is_empty());

    // Every member reads the schedule, with their own share.
    let body = app.gql_as(&junho, GET, json!({ "id": rent["id"] })).await;
    assert_eq!(
        expect_ok(&body)["schedule"],
        json!({ "id": rent["id"], "name": "월세", "amount": 900_000, "myShare": 300_000 })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shares_and_assignees_are_checked_and_nothing_is_created_on_error() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let member = app.sign_up("member@example.com", "member").await;
    let outsider = app.sign_up("outsider@example.com", "outsider").await;
    let ledger = shared_ledger(&app, &owner, &[&member]).await;

    let cases = [
        // All shares given must add up to the amount.
        (
            schedule(
                "월세",
                1,
                Some(1000),
                json!([share(&owner, Some(500)), share(&member, Some(400))]),
            ),
            "inputs.0.assignments",
        ),
        (
            schedule(
                "월세",
                1,
                Some(1000),
                json!([share(&owner, Some(500)), share(&member, Some(600))]),
            ),
            "inputs.0.assignments",
        ),
        // Fixed shares beside a variable one must leave room.
        (
            schedule(
                "월세",
                1,
                Some(1000),
                json!([share(&owner, Some(1001)), share(&member, None)]),
            ),
            "inputs.0.assignments",
        ),
        // A variable amount cannot have every share fixed.
        (
            schedule(
                "월세",
                1,
                None,
                json!([share(&owner, Some(500)), share(&member, Some(500))]),
            ),
            "inputs.0.assignments",
        ),
        (
            schedule("월세", 1, Some(1000), json!([share(&outsider, Some(1000))])),
            "inputs.0.assignments.0.memberId",
        ),
        (
            schedule(
                "월세",
                1,
                Some(1000),
                json!([{ "memberId": "abc", "amount": 1000 }]),
            ),
            "inputs.0.assignments.0.memberId",
        ),
        (
            schedule(
                "월세",
                1,
                Some(1000),
                json!([{ "memberId": "999999", "amount": 1000 }]),
            ),
            "inputs.0.assignments.0.memberId",
        ),
        (
            schedule(
                "월세",
                1,
                Some(1000),
                json!([share(&owner, None), share(&owner, None)]),
            ),
            "inputs.0.assignments.1.memberId",
        ),
        (
            schedule("월세", 1, Some(1000), json!([])),
            "inputs.0.assignments",
        ),
        (
            schedule(
                "월세",
                1,
                Some(1000),
                json!([share(&owner, Some(-1)), share(&member, None)]),
            ),
            "inputs.0.assignments.0.amount",
        ),
    ];
    for (input, field) in cases {
        let body = create(&app, &owner, &ledger, json!([input])).await;
        assert_eq!(
            expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
            field,
            "{input}"
        );
    }

    // All or nothing: a bad second schedule keeps the first one out too.
    let body = create(
        &app,
        &owner,
        &ledger,
        json!([
            schedule(
                "좋은 일정",
                1,
                Some(1000),
                json!([share(&member, Some(1000))])
            ),
            schedule(
                "나쁜 일정",
                1,
                Some(1000),
                json!([share(&outsider, Some(1000))])
            ),
        ]),
    )
    .await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "inputs.1.assignments.0.memberId"
    );
    assert!(schedule_names(&app, &owner, &ledger).await.is_empty());
    assert!(notifications(&app, &member).await.is_empty());

    // Partly variable shares within the amount are fine, and so is an
    // empty list of inputs.
    let created = create_one(
        &app,
        &owner,
        &ledger,
        schedule(
            "관리비",
            1,
            Some(1000),
            json!([share(&owner, Some(400)), share(&member, None)]),
        ),
    )
    .await;
    assert_eq!(created["myShare"], 400);
    let body = create(&app, &owner, &ledger, json!([])).await;
    assert_eq!(expect_ok(&body)["createSchedules"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn names_days_and_amounts_have_limits() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("limits@example.com", "limits").await;
    let ledger = private_ledger(&app, &me).await;
    let mine = |amount: Option<i64>| json!([share(&me, amount)]);

    let cases = [
        (schedule("   ", 1, Some(1000), mine(None)), "inputs.0.name"),
        (
            schedule(&"가".repeat(51), 1, Some(1000), mine(None)),
            "inputs.0.name",
        ),
        (
            schedule("월세", 0, Some(1000), mine(None)),
            "inputs.0.dayOfMonth",
        ),
        (
            schedule("월세", 32, Some(1000), mine(None)),
            "inputs.0.dayOfMonth",
        ),
        (schedule("월세", 1, Some(0), mine(None)), "inputs.0.amount"),
        (
            schedule("월세", 1, Some(-100), mine(None)),
            "inputs.0.amount",
        ),
        (
            schedule("월세", 1, Some(1_000_000_000_001), mine(None)),
            "inputs.0.amount",
        ),
    ];
    for (input, field) in cases {
        let body = create(&app, &me, &ledger, json!([input])).await;
        assert_eq!(
            expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
            field,
            "{input}"
        );
    }

    let created = create_one(
        &app,
        &me,
        &ledger,
        schedule(
            &"가".repeat(50),
            31,
            Some(1_000_000_000_000),
            mine(Some(1_000_000_000_000)),
        ),
    )
    .await;
    assert_eq!(created["amount"], 1_000_000_000_000_i64);
    assert_eq!(created["dayOfMonth"], 31);
    let created = create_one(&app, &me, &ledger, schedule("월급", 1, Some(1), mine(None))).await;
    assert_eq!(created["amount"], 1);

    // At most 100 schedules in one call.
    let many: Vec<Value> = (0..101)
        .map(|i| schedule(&format!("일정 {i}"), 1, Some(1), mine(None)))
        .collect();
    let body = create(&app, &me, &ledger, json!(many)).await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "inputs"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn in_a_private_ledger_only_the_owner_is_assigned() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("private@example.com", "private").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    // They share a ledger, but the private one stays the owner's alone.
    shared_ledger(&app, &owner, &[&friend]).await;
    let ledger = private_ledger(&app, &owner).await;

    let body = create(
        &app,
        &owner,
        &ledger,
        json!([schedule(
            "넷플릭스",
            15,
            Some(17_000),
            json!([share(&friend, Some(17_000))])
        )]),
    )
    .await;
    let error = expect_error(&body, "BAD_USER_INPUT");
    assert_eq!(
        error["extensions"]["field"],
        "inputs.0.assignments.0.memberId"
    );
    assert_eq!(
        error["message"],
        "개인 가계부의 일정은 본인에게만 지정할 수 있습니다."
    );

    let created = create_one(
        &app,
        &owner,
        &ledger,
        schedule(
            "넷플릭스",
            15,
            Some(17_000),
            json!([share(&owner, Some(17_000))]),
        ),
    )
    .await;
    assert_eq!(created["myShare"], 17_000);
    // Nobody is told about their own schedule.
    assert!(notifications(&app, &owner).await.is_empty());
    // The friend cannot see it.
    let body = app
        .gql_as(&friend, GET, json!({ "id": created["id"] }))
        .await;
    expect_error(&body, "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_member_learns_nothing_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@example.com", "owner").await;
    let stranger = app.sign_up("stranger@example.com", "stranger").await;
    let ledger = private_ledger(&app, &owner).await;
    let created = create_one(
        &app,
        &owner,
        &ledger,
        schedule("월세", 1, Some(1000), json!([share(&owner, Some(1000))])),
    )
    .await;
    let id = &created["id"];

    // Even an invalid input is FORBIDDEN: the ledger is checked first.
    for input in [
        schedule("월세", 1, Some(1000), json!([share(&stranger, Some(1000))])),
        schedule("", 99, Some(-1), json!([])),
    ] {
        let body = create(&app, &stranger, &ledger, json!([input])).await;
        expect_error(&body, "FORBIDDEN");
    }
    expect_error(
        &app.gql_as(&stranger, GET, json!({ "id": id })).await,
        "FORBIDDEN",
    );
    expect_error(
        &update(&app, &stranger, id, json!({ "name": "내 것" })).await,
        "FORBIDDEN",
    );
    expect_error(
        &app.gql_as(&stranger, DELETE, json!({ "id": id })).await,
        "FORBIDDEN",
    );

    // Ids that do not exist, or cannot, are FORBIDDEN as well.
    for missing in ["999999", "0", "abc"] {
        expect_error(
            &app.gql_as(&owner, GET, json!({ "id": missing })).await,
            "FORBIDDEN",
        );
        expect_error(
            &update(&app, &owner, &json!(missing), json!({ "name": "x" })).await,
            "FORBIDDEN",
        );
        expect_error(
            &app.gql_as(&owner, DELETE, json!({ "id": missing })).await,
            "FORBIDDEN",
        );
    }
    let body = create(&app, &owner, "999999", json!([])).await;
    expect_error(&body, "FORBIDDEN");

    // Without a token: UNAUTHENTICATED.
    let body = app.gql(GET, json!({ "id": id })).await;
    expect_error(&body, "UNAUTHENTICATED");

    let body = app.gql_as(&owner, GET, json!({ "id": id })).await;
    assert_eq!(expect_ok(&body)["schedule"]["name"], "월세");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_creator_or_the_admin_edits_and_deletes() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("admin@example.com", "admin").await;
    let creator = app.sign_up("creator@example.com", "creator").await;
    let other = app.sign_up("other@example.com", "other").await;
    let ledger = shared_ledger(&app, &admin, &[&creator, &other]).await;
    let created = create_one(
        &app,
        &creator,
        &ledger,
        schedule("월세", 1, Some(1000), json!([share(&creator, Some(1000))])),
    )
    .await;
    let id = &created["id"];

    // Another member may read it but not change it.
    let body = app.gql_as(&other, GET, json!({ "id": id })).await;
    assert_eq!(expect_ok(&body)["schedule"]["myShare"], Value::Null);
    expect_error(
        &update(&app, &other, id, json!({ "name": "남의 것" })).await,
        "FORBIDDEN",
    );
    expect_error(
        &app.gql_as(&other, DELETE, json!({ "id": id })).await,
        "FORBIDDEN",
    );

    let body = update(&app, &creator, id, json!({ "name": "월세 (새 집)" })).await;
    assert_eq!(expect_ok(&body)["updateSchedule"]["name"], "월세 (새 집)");
    let body = update(&app, &admin, id, json!({ "dayOfMonth": 10 })).await;
    assert_eq!(expect_ok(&body)["updateSchedule"]["dayOfMonth"], 10);
    assert_eq!(
        schedule_names(&app, &other, &ledger).await,
        vec!["월세 (새 집)"]
    );

    let body = app.gql_as(&admin, DELETE, json!({ "id": id })).await;
    assert_eq!(expect_ok(&body)["deleteSchedule"], true);
    assert!(schedule_names(&app, &creator, &ledger).await.is_empty());
    // Deleted by the ADMIN: the ledger's members are told it is gone.
    expect_error(
        &app.gql_as(&creator, GET, json!({ "id": id })).await,
        "NOT_FOUND",
    );
    expect_error(
        &app.gql_as(&creator, DELETE, json!({ "id": id })).await,
        "NOT_FOUND",
    );

    // The creator may delete their own.
    let created = create_one(
        &app,
        &creator,
        &ledger,
        schedule("보험", 1, None, json!([share(&creator, None)])),
    )
    .await;
    let body = app
        .gql_as(&creator, DELETE, json!({ "id": created["id"] }))
        .await;
    assert_eq!(expect_ok(&body)["deleteSchedule"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_patch_changes_only_what_it_names() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("admin@example.com", "admin").await;
    let member = app.sign_up("member@example.com", "member").await;
    let newcomer = app.sign_up("newcomer@example.com", "newcomer").await;
    let outsider = app.sign_up("outsider@example.com", "outsider").await;
    let ledger = shared_ledger(&app, &admin, &[&member, &newcomer]).await;
    set_today(&app, "2026-05-20");
    let created = create_one(
        &app,
        &admin,
        &ledger,
        schedule(
            "관리비",
            25,
            Some(200_000),
            json!([share(&admin, Some(100_000)), share(&member, Some(100_000))]),
        ),
    )
    .await;
    let id = &created["id"];

    let body = update(&app, &admin, id, json!({ "type": "INCOME" })).await;
    let updated = &expect_ok(&body)["updateSchedule"];
    assert_eq!(updated["type"], "INCOME");
    assert_eq!(updated["name"], "관리비");
    assert_eq!(updated["amount"], 200_000);
    assert_eq!(updated["assignments"].as_array().unwrap().len(), 2);

    // A new amount must still fit the shares that stay.
    let body = update(&app, &admin, id, json!({ "amount": 300_000 })).await;
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
        "input.amount"
    );
    // Null for a field that cannot be null is bad input; for the amount it
    // means variable, which fixed shares that add up no longer fit.
    for (patch, field) in [
        (json!({ "name": null }), "input.name"),
        (json!({ "dayOfMonth": null }), "input.dayOfMonth"),
        (json!({ "assignments": null }), "input.assignments"),
        (json!({ "amount": null }), "input.amount"),
        (json!({ "dayOfMonth": 32 }), "input.dayOfMonth"),
        (
            json!({ "assignments": [share(&outsider, None)] }),
            "input.assignments.0.memberId",
        ),
    ] {
        let body = update(&app, &admin, id, patch.clone()).await;
        assert_eq!(
            expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
            field,
            "{patch}"
        );
    }

    // Replacing the assignments with the amount: only the newly assigned
    // member (not the one who edits) is told.
    let body = update(
        &app,
        &admin,
        id,
        json!({
            "amount": null,
            "assignments": [share(&admin, None), share(&member, None), share(&newcomer, Some(50_000))]
        }),
    )
    .await;
    let updated = &expect_ok(&body)["updateSchedule"];
    assert_eq!(updated["amount"], Value::Null);
    assert_eq!(updated["myShare"], Value::Null);
    assert_eq!(updated["assignments"][2]["amount"], 50_000);
    let for_newcomer = notifications(&app, &newcomer).await;
    assert_eq!(for_newcomer.len(), 1);
    assert_eq!(for_newcomer[0]["amount"], 50_000);
    assert_eq!(for_newcomer[0]["dueDate"], "2026-05-25");
    assert_eq!(
        for_newcomer[0]["message"],
        "admin님이 '관리비' 일정을 회원님과 나눴습니다."
    );
    // The member was told once, at creation.
    assert_eq!(notifications(&app, &member).await.len(), 1);

    let body = update(&app, &member, id, json!({ "name": "x" })).await;
    expect_error(&body, "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn due_dates_count_from_today_and_fall_on_short_months_last_day() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("due@example.com", "due").await;
    let ledger = private_ledger(&app, &me).await;
    set_today(&app, "2027-02-10");
    let mine = |amount: i64| json!([share(&me, Some(amount))]);
    let body = create(
        &app,
        &me,
        &ledger,
        json!([
            schedule("월말", 31, Some(1000), mine(1000)),
            schedule("오늘", 10, Some(2000), mine(2000)),
            schedule("지남", 9, Some(3000), mine(3000)),
            schedule("삼십일", 30, Some(4000), mine(4000)),
        ]),
    )
    .await;
    let due: Vec<(&str, &str, i64)> = expect_ok(&body)["createSchedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["nextDueDate"].as_str().unwrap(),
                s["daysUntilDue"].as_i64().unwrap(),
            )
        })
        .collect();
    // The response keeps the order of the inputs.
    assert_eq!(
        due,
        vec![
            ("월말", "2027-02-28", 18),
            ("오늘", "2027-02-10", 0),
            ("지남", "2027-03-09", 27),
            ("삼십일", "2027-02-28", 18),
        ]
    );

    // Lists are soonest due first (then oldest first).
    let body = app.gql_as(&me, UPCOMING, json!({ "n": null })).await;
    let upcoming: Vec<(&str, &str, i64, i64)> = expect_ok(&body)["me"]["upcomingSchedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["schedule"]["name"].as_str().unwrap(),
                s["nextDueDate"].as_str().unwrap(),
                s["daysUntilDue"].as_i64().unwrap(),
                s["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        upcoming,
        vec![
            ("오늘", "2027-02-10", 0, 2000),
            ("월말", "2027-02-28", 18, 1000),
            ("삼십일", "2027-02-28", 18, 4000),
            ("지남", "2027-03-09", 27, 3000),
        ]
    );
    assert_eq!(
        schedule_names(&app, &me, &ledger).await,
        vec!["오늘", "월말", "삼십일", "지남"]
    );

    // In a leap year the 31st falls on the 29th of February; the next day
    // the 31st of March is next.
    set_today(&app, "2028-02-10");
    let body = app.gql_as(&me, UPCOMING, json!({ "n": 4 })).await;
    let first_31 = expect_ok(&body)["me"]["upcomingSchedules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["schedule"]["name"] == "월말")
        .unwrap()
        .clone();
    assert_eq!(first_31["nextDueDate"], "2028-02-29");
    let first_31_id = first_31["schedule"]["id"].clone();
    assert_eq!(first_31["daysUntilDue"], 19);
    set_today(&app, "2028-03-01");
    let body = app
        .gql_as(
            &me,
            "query($id: ID!) { schedule(id: $id) { nextDueDate } }",
            json!({ "id": first_31_id }),
        )
        .await;
    assert_eq!(expect_ok(&body)["schedule"]["nextDueDate"], "2028-03-31");
}

#[tokio::test(flavor = "multi_thread")]
async fn today_is_counted_in_the_configured_time_zone() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("zone@example.com", "zone").await;
    let ledger = private_ledger(&app, &me).await;
    // 16:30 UTC on the 9th is 01:30 on the 10th in Seoul.
    let clock = &app.state.services.clock;
    let target = chrono::DateTime::parse_from_rfc3339("2026-03-09T16:30:00Z").unwrap();
    clock.advance(target.with_timezone(&chrono::Utc) - clock.now());
    let mine = json!([share(&me, None)]);
    let body = create(
        &app,
        &me,
        &ledger,
        json!([
            schedule("10일", 10, None, mine.clone()),
            schedule("9일", 9, None, mine),
        ]),
    )
    .await;
    let created = &expect_ok(&body)["createSchedules"];
    assert_eq!(created[0]["nextDueDate"], "2026-03-10");
    assert_eq!(created[0]["daysUntilDue"], 0);
    assert_eq!(created[1]["nextDueDate"], "2026-04-09");
    assert_eq!(created[1]["daysUntilDue"], 30);
}

#[tokio::test(flavor = "multi_thread")]
async fn upcoming_schedules_are_the_viewers_shares_across_ledgers() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("me@example.com", "me12").await;
    let partner = app.sign_up("partner@example.com", "partner").await;
    let shared = shared_ledger(&app, &partner, &[&me]).await;
    let private = private_ledger(&app, &me).await;
    set_today(&app, "2026-12-20");

    create_one(
        &app,
        &me,
        &private,
        schedule("구독", 22, Some(9_900), json!([share(&me, Some(9_900))])),
    )
    .await;
    create_one(
        &app,
        &partner,
        &shared,
        schedule(
            "월세",
            5,
            Some(1_000_000),
            json!([share(&partner, Some(600_000)), share(&me, Some(400_000))]),
        ),
    )
    .await;
    create_one(
        &app,
        &partner,
        &shared,
        schedule("partner만", 21, Some(1), json!([share(&partner, Some(1))])),
    )
    .await;
    let mut income = schedule("월급", 25, None, json!([share(&me, None)]));
    income["type"] = json!("INCOME");
    create_one(&app, &partner, &shared, income).await;

    let body = app.gql_as(&me, UPCOMING, json!({})).await;
    let upcoming: Vec<(&str, &str, Value, i64)> = expect_ok(&body)["me"]["upcomingSchedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["schedule"]["name"].as_str().unwrap(),
                s["nextDueDate"].as_str().unwrap(),
                s["amount"].clone(),
                s["daysUntilDue"].as_i64().unwrap(),
            )
        })
        .collect();
    // Across the year boundary: the 5th is next due in January.
    assert_eq!(
        upcoming,
        vec![
            ("구독", "2026-12-22", json!(9_900), 2),
            ("월급", "2026-12-25", Value::Null, 5),
            ("월세", "2027-01-05", json!(400_000), 16),
        ]
    );
    let body = app.gql_as(&me, UPCOMING, json!({ "n": 1 })).await;
    assert_eq!(
        expect_ok(&body)["me"]["upcomingSchedules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let body = app.gql_as(&me, UPCOMING, json!({ "n": 0 })).await;
    assert_eq!(expect_ok(&body)["me"]["upcomingSchedules"], json!([]));
    let body = app.gql_as(&me, UPCOMING, json!({ "n": 100 })).await;
    assert_eq!(
        expect_ok(&body)["me"]["upcomingSchedules"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // Past the maximum, as below zero, the limit is refused like a page size.
    for limit in [101, 1000, -1] {
        let body = app.gql_as(&me, UPCOMING, json!({ "n": limit })).await;
        assert_eq!(
            expect_error(&body, "BAD_USER_INPUT")["extensions"]["field"],
            "limit"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn schedule_totals_count_variable_amounts_as_zero() {
    let app = TestApp::spawn().await;
    let me = app.sign_up("totals@example.com", "totals").await;
    let ledger = private_ledger(&app, &me).await;
    let query =
        "query($id: ID!) { ledger(id: $id) { scheduleTotals { incomeTotal expenseTotal } } }";
    let body = app.gql_as(&me, query, json!({ "id": ledger })).await;
    assert_eq!(
        expect_ok(&body)["ledger"]["scheduleTotals"],
        json!({ "incomeTotal": 0, "expenseTotal": 0 })
    );

    let mine = json!([share(&me, None)]);
    let mut salary = schedule("월급", 25, Some(3_000_000), mine.clone());
    salary["type"] = json!("INCOME");
    let mut bonus = schedule("부수입", 10, None, mine.clone());
    bonus["type"] = json!("INCOME");
    create(
        &app,
        &me,
        &ledger,
        json!([
            salary,
            bonus,
            schedule("월세", 1, Some(500_000), mine.clone()),
            schedule("통신비", 5, Some(55_000), mine.clone()),
            schedule("전기", 20, None, mine),
        ]),
    )
    .await;
    let body = app.gql_as(&me, query, json!({ "id": ledger })).await;
    assert_eq!(
        expect_ok(&body)["ledger"]["scheduleTotals"],
        json!({ "incomeTotal": 3_000_000, "expenseTotal": 555_000 })
    );
}

const LISTS: &str = "query($l: ID!) {
  ledger(id: $l) {
    schedules { id name creator { nickName } assignments { member { nickName } amount } myShare nextDueDate ledger { id members { member { nickName } } categories { name } } }
    scheduleTotals { expenseTotal }
    balances { member { nickName } balance }
    analytics {
      fixedCosts { total items { amount schedule { name assignments { amount } ledger { memberCount } } } }
      byCategory(year: 2026, month: 3) { items { name category { id } } }
    }
  }
  me { upcomingSchedules { amount schedule { name creator { nickName } assignments { member { nickName } } ledger { name members { role } } } } }
}";

/// A ledger of its own with `count` schedules shared by both members.
async fn ledger_with_schedules(
    app: &TestApp,
    owner: &Session,
    friend: &Session,
    count: usize,
) -> String {
    let ledger = shared_ledger(app, owner, &[friend]).await;
    let inputs: Vec<Value> = (0..count)
        .map(|i| {
            let day = i64::try_from(i % 28 + 1).unwrap();
            schedule(
                &format!("일정 {i}"),
                day,
                Some(1_000),
                json!([share(owner, Some(600)), share(friend, Some(400))]),
            )
        })
        .collect();
    expect_ok(&create(app, owner, &ledger, json!(inputs)).await);
    ledger
}

#[tokio::test(flavor = "multi_thread")]
async fn schedule_lists_cost_the_same_statements_whatever_their_length() {
    let app = TestApp::spawn_with(|config| config.database.pool_size = 8).await;
    let owner = app.sign_up("lists@example.com", "lists").await;
    let friend = app.sign_up("friend@example.com", "friend").await;
    let mut counts = Vec::new();
    for count in [1, 10, 50] {
        // Each round adds schedules to a new ledger, so the viewer's
        // upcoming list grows too (to 61).
        let ledger = ledger_with_schedules(&app, &owner, &friend, count).await;
        let before = app.state.services.db.statement_count();
        let body = app.gql_as(&owner, LISTS, json!({ "l": ledger })).await;
        let after = app.state.services.db.statement_count();
        let data = expect_ok(&body);
        assert_eq!(data["ledger"]["schedules"].as_array().unwrap().len(), count);
        assert_eq!(
            data["ledger"]["schedules"][0]["ledger"]["members"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        counts.push((ledger, after - before));
    }
    let statements: Vec<u64> = counts.iter().map(|(_, count)| *count).collect();
    println!("statements per request at 1, 10, 50 schedules: {statements:?}");
    assert!(
        statements.iter().all(|count| *count == statements[0]),
        "{statements:?}"
    );

    let (busiest, alone) = (&counts[2].0, statements[0]);
    let before = app.state.services.db.statement_count();
    let requests = (0..16).map(|_| app.gql_as(&owner, LISTS, json!({ "l": busiest })));
    for body in futures_util::future::join_all(requests).await {
        assert_eq!(
            expect_ok(&body)["ledger"]["schedules"]
                .as_array()
                .unwrap()
                .len(),
            50
        );
    }
    let total = app.state.services.db.statement_count() - before;
    assert_eq!(total, 16 * alone);
}
