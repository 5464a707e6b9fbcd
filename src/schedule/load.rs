//! Loading schedules for a response: two queries for any number of them
//! (the schedules with ledger and creator, then all their assignments).

use chrono::NaiveDate;

use crate::{
    db::Conn,
    error::AppResult,
    ids::MemberId,
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
