//! SCHEDULE_DUE reminders (spec 7, 8): the day before, exactly once however
//! many instances run the job, caught up after an outage, and on the last day
//! of short months.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};
use uliga::notify::reminders::run_once;

use crate::support::{Session, TestApp, expect_ok, ledgers::shared_ledger};

async fn schedule(app: &TestApp, admin: &Session, ledger: &str, day: u32, assignees: &[&Session]) {
    let assignments: Vec<Value> = assignees
        .iter()
        .map(|member| json!({ "memberId": member.member_id, "amount": 50_000 }))
        .collect();
    let amount = 50_000 * assignees.len() as i64;
    let body = app
        .gql_as(
            admin,
            "mutation($l: ID!, $i: [ScheduleInput!]!) { createSchedules(ledgerId: $l, inputs: $i) { id } }",
            json!({ "l": ledger, "i": [{ "name": "월세", "type": "EXPENSE", "dayOfMonth": day, "amount": amount, "assignments": assignments }] }),
        )
        .await;
    expect_ok(&body);
}

async fn reminders(app: &TestApp, session: &Session) -> Vec<Value> {
    let body = app
        .gql_as(
            session,
            "{ me { notifications(first: 100) { nodes { kind message amount dueDate } } } }",
            json!({}),
        )
        .await;
    expect_ok(&body)["me"]["notifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|node| node["kind"] == "SCHEDULE_DUE")
        .cloned()
        .collect()
}

/// Moves the app's clock so that today (in its zone) is `target`.
fn travel_to(app: &TestApp, target: NaiveDate) {
    let clock = &app.state.services.clock;
    clock.advance(Duration::days((target - clock.today()).num_days()));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_at_once_create_one_reminder_per_assignee() {
    let app = TestApp::spawn().await;
    let other = app.second_instance().await;
    let admin = app.sign_up("rent@example.com", "rent").await;
    let member = app.sign_up("tenant@example.com", "tenant").await;
    let ledger = shared_ledger(&app, &admin, &[&member]).await;
    let tomorrow = app.state.services.clock.today() + Duration::days(1);
    schedule(&app, &admin, &ledger, tomorrow.day(), &[&admin, &member]).await;

    let (first, second) = tokio::join!(
        run_once(&app.state.services),
        run_once(&other.state.services)
    );
    assert_eq!(first.unwrap() + second.unwrap(), 2);
    assert_eq!(
        run_once(&app.state.services).await.unwrap(),
        0,
        "a later round sends nothing again"
    );

    for session in [&admin, &member] {
        let sent = reminders(&app, session).await;
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0]["amount"], 50_000);
        assert_eq!(sent[0]["dueDate"], tomorrow.to_string());
        assert_eq!(
            sent[0]["message"],
            "'월세' 일정이 내일입니다. 내 몫은 50,000원입니다."
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reminder_missed_in_an_outage_is_sent_on_the_due_date_but_never_after() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("outage@example.com", "outage").await;
    let ledger = shared_ledger(&app, &admin, &[]).await;
    travel_to(&app, NaiveDate::from_ymd_opt(2031, 3, 10).unwrap());
    schedule(&app, &admin, &ledger, 10, &[&admin]).await;
    schedule(&app, &admin, &ledger, 9, &[&admin]).await;

    assert_eq!(run_once(&app.state.services).await.unwrap(), 1);
    let sent = reminders(&app, &admin).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["dueDate"], "2031-03-10");
    assert_eq!(
        sent[0]["message"],
        "'월세' 일정이 오늘입니다. 내 몫은 50,000원입니다."
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_schedule_on_the_31st_is_reminded_before_the_end_of_february() {
    let app = TestApp::spawn().await;
    let admin = app.sign_up("february@example.com", "february").await;
    let ledger = shared_ledger(&app, &admin, &[]).await;
    schedule(&app, &admin, &ledger, 31, &[&admin]).await;

    travel_to(&app, NaiveDate::from_ymd_opt(2031, 2, 26).unwrap());
    assert_eq!(
        run_once(&app.state.services).await.unwrap(),
        0,
        "two days early"
    );
    travel_to(&app, NaiveDate::from_ymd_opt(2031, 2, 27).unwrap());
    assert_eq!(run_once(&app.state.services).await.unwrap(), 1);
    assert_eq!(reminders(&app, &admin).await[0]["dueDate"], "2031-02-28");
}
