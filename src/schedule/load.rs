//! Loading schedules for a response: two queries for any number of them
//! (the schedules with ledger and creator, then all their assignments).

use std::collections::HashMap;

use async_graphql::{Context, Lookahead};
use chrono::NaiveDate;

use crate::{
    db::Conn,
    error::AppResult,
    ids::MemberId,
    ledger::types::Ledger,
    schedule::{
        due::next_due_date,
        queries::{self, ScheduleFilter},
        types::Schedule,
    },
};

/// The viewer's schedules matching `filter`, soonest due first (then oldest
/// first), at most `limit` of them.
pub async fn load(
    conn: &mut Conn,
    viewer: MemberId,
    filter: ScheduleFilter,
    today: NaiveDate,
    limit: Option<usize>,
) -> AppResult<Vec<Schedule>> {
    let mut heads = queries::visible(conn, viewer, filter).await?;
    heads.sort_by_key(|head| (next_due_date(today, head.row.day_of_month()), head.row.id));
    if let Some(limit) = limit {
        heads.truncate(limit);
    }
    let ids: Vec<_> = heads.iter().map(|head| head.row.schedule_id()).collect();
    let assignments = queries::assignments_of(conn, &ids).await?;
    Ok(Schedule::assemble(heads, assignments, viewer, today))
}

/// Loads what the query asks of the schedules' ledgers (members,
/// categories) for all of them at once, so that `schedules { ledger {
/// members } }` costs one statement however many schedules there are.
/// `selection` is the query's selection on the schedules' `ledger`.
pub async fn prefetch_ledgers(
    ctx: &Context<'_>,
    schedules: &mut [Schedule],
    selection: Lookahead<'_>,
) -> AppResult<()> {
    if !selection.exists() || schedules.is_empty() {
        return Ok(());
    }
    let mut rows = HashMap::new();
    for schedule in schedules.iter() {
        let ledger = schedule.ledger_value();
        rows.entry(ledger.row.id)
            .or_insert_with(|| (ledger.row.clone(), ledger.membership.clone()));
    }
    let ledgers: HashMap<i64, Ledger> =
        Ledger::list_selecting(ctx, rows.into_values().collect(), selection)
            .await?
            .into_iter()
            .map(|ledger| (ledger.row.id, ledger))
            .collect();
    for schedule in schedules {
        if let Some(ledger) = ledgers.get(&schedule.ledger_value().row.id) {
            schedule.set_ledger(ledger.clone());
        }
    }
    Ok(())
}
