//! SCHEDULE_DUE reminders: each assignee is told the day before a due date,
//! once per (schedule, member, due date). Every instance runs the job; the
//! primary key of `schedule_reminders` lets exactly one of them create each
//! reminder. A reminder missed while every instance was down is still sent
//! on the due date itself, never after it.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::FutureExt;

use crate::{
    app::Services,
    db::{
        Conn,
        schema::{ledger_members, ledgers, schedule_assignments, schedule_reminders, schedules},
    },
    error::AppResult,
    notification::{NewNotification, NotificationKind, insert_all},
    // The same rule as `Schedule.nextDueDate`, from one place.
    schedule::due::next_due_date as next_due,
};

/// Whether `today` is the day before `due`, or `due` itself (catching up).
fn remind_now(today: NaiveDate, due: NaiveDate) -> bool {
    today == due || today.succ_opt() == Some(due)
}

/// "Tomorrow" normally; "today" for a reminder caught up on the due date.
pub fn message(schedule: &str, amount: Option<i64>, due_today: bool) -> String {
    let when = if due_today { "오늘" } else { "내일" };
    match amount {
        Some(amount) if amount > 0 => {
            format!(
                "'{schedule}' 일정이 {when}입니다. 내 몫은 {}원입니다.",
                group_digits(amount)
            )
        }
        _ => format!("'{schedule}' 일정이 {when}입니다."),
    }
}

fn group_digits(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if amount < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// Runs the job every `REMINDER_INTERVAL_SECONDS`, for as long as the
/// process lives; the first round right away catches up after downtime.
pub fn spawn(services: Services) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(services.config.reminder_interval);
        loop {
            ticker.tick().await;
            if let Err(error) = run_once(&services).await {
                tracing::warn!(%error, "reminder job failed; retrying next round");
            }
        }
    });
}

/// One round: creates the reminders due now that no instance made yet.
/// Returns how many this call created.
pub async fn run_once(services: &Services) -> AppResult<usize> {
    let today = services.clock.today();
    let now = services.clock.now_naive();
    services
        .db
        .transaction(move |conn| async move { create_due(conn, today, now).await }.boxed())
        .await
}

type Assignment = (i64, String, i8, i64, i64, Option<i64>);

async fn create_due(
    conn: &mut Conn,
    today: NaiveDate,
    now: chrono::NaiveDateTime,
) -> AppResult<usize> {
    // Only current members of live ledgers are reminded.
    let assignments: Vec<Assignment> = schedules::table
        .inner_join(schedule_assignments::table)
        .inner_join(ledgers::table)
        .inner_join(
            ledger_members::table.on(ledger_members::ledger_id
                .eq(schedules::ledger_id)
                .and(ledger_members::member_id.eq(schedule_assignments::member_id))),
        )
        .filter(ledgers::deleted_at.is_null())
        .select((
            schedules::id,
            schedules::name,
            schedules::day_of_month,
            schedules::ledger_id,
            schedule_assignments::member_id,
            schedule_assignments::amount,
        ))
        .load(conn)
        .await?;
    let mut created = Vec::new();
    for (schedule, name, day_of_month, ledger, member, amount) in assignments {
        let due = next_due(today, u32::try_from(day_of_month).unwrap_or(1));
        if !remind_now(today, due) {
            continue;
        }
        // The key decides which instance sends it: the others insert nothing.
        let inserted = diesel::insert_or_ignore_into(schedule_reminders::table)
            .values((
                schedule_reminders::schedule_id.eq(schedule),
                schedule_reminders::member_id.eq(member),
                schedule_reminders::due_date.eq(due),
                schedule_reminders::created_at.eq(now),
            ))
            .execute(conn)
            .await?;
        if inserted == 1 {
            let mut row = NewNotification::new(
                member,
                NotificationKind::ScheduleDue,
                message(&name, amount, due == today),
                now,
            );
            row.ledger_id = Some(ledger);
            row.schedule_id = Some(schedule);
            row.amount = amount;
            row.due_date = Some(due);
            created.push(row);
        }
    }
    insert_all(conn, &created).await?;
    Ok(created.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_31st_falls_on_the_last_day_of_short_months() {
        assert_eq!(next_due(day("2026-02-10"), 31), day("2026-02-28"));
        assert_eq!(next_due(day("2028-02-10"), 31), day("2028-02-29"));
        assert_eq!(next_due(day("2026-03-01"), 31), day("2026-03-31"));
    }

    #[test]
    fn a_passed_due_date_moves_to_next_month_across_years() {
        assert_eq!(next_due(day("2026-12-26"), 25), day("2027-01-25"));
        assert_eq!(next_due(day("2026-12-25"), 25), day("2026-12-25"));
    }

    #[test]
    fn reminders_go_the_day_before_or_catch_up_on_the_day() {
        assert!(remind_now(day("2026-02-27"), day("2026-02-28")));
        assert!(remind_now(day("2026-02-28"), day("2026-02-28")));
        assert!(!remind_now(day("2026-02-26"), day("2026-02-28")));
    }

    #[test]
    fn messages_show_the_share_with_grouped_digits() {
        assert_eq!(
            message("월세", Some(1_250_000), false),
            "'월세' 일정이 내일입니다. 내 몫은 1,250,000원입니다."
        );
        assert_eq!(
            message("전기요금", None, true),
            "'전기요금' 일정이 오늘입니다."
        );
    }
}
