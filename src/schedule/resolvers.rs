//! `schedule`, and the schedule fields of `Ledger` and `Me`: reads, on a
//! replica, two queries for any number of schedules.

use async_graphql::{Context, ID, Object};

use crate::{
    entry::kind::EntryType,
    error::{AppError, AppResult},
    graphql::{context::ContextExt, scalars::Money},
    ids::{MemberId, ScheduleId},
    ledger::{
        tombstones::{self, RowKind},
        types::Ledger,
    },
    schedule::{
        load::{load, prefetch_ledgers},
        queries::{self, ScheduleFilter},
        types::{Schedule, ScheduleShare, ScheduleTotals},
    },
};

/// `upcomingSchedules` lists at most this many (and this many when no limit
/// is given).
pub const MAX_UPCOMING: usize = 100;

#[derive(Default)]
pub struct ScheduleQuery;

#[Object]
impl ScheduleQuery {
    /// FORBIDDEN unless the viewer is a member of the schedule's ledger;
    /// NOT_FOUND once deleted from a ledger the viewer belongs to.
    async fn schedule(&self, ctx: &Context<'_>, id: ID) -> AppResult<Schedule> {
        let viewer = ctx.viewer()?.member_id;
        let id = ScheduleId::parse(&id)?;
        let services = ctx.services();
        let mut conn = services.db.read().await?;
        let filter = ScheduleFilter {
            ids: Some(vec![id]),
            ..ScheduleFilter::default()
        };
        match load(&mut conn, viewer, filter, services.clock.today(), None)
            .await?
            .pop()
        {
            Some(schedule) => Ok(schedule),
            None => Err(tombstones::absent(&mut conn, RowKind::Schedule, &[id.0], viewer).await),
        }
    }
}

/// `Ledger.schedules`: every schedule of the ledger, soonest due first.
pub async fn ledger_schedules(ctx: &Context<'_>, ledger: &Ledger) -> AppResult<Vec<Schedule>> {
    let services = ctx.services();
    let filter = ScheduleFilter {
        ledger: Some(ledger.row.ledger_id()),
        ..ScheduleFilter::default()
    };
    let mut schedules = {
        let mut conn = services.db.read().await?;
        let viewer = MemberId(ledger.membership.member_id);
        load(&mut conn, viewer, filter, services.clock.today(), None).await?
    };
    prefetch_ledgers(ctx, &mut schedules, ctx.look_ahead().field("ledger")).await?;
    Ok(schedules)
}

/// `Ledger.scheduleTotals`: the whole amounts of the ledger's schedules by
/// type; a variable amount counts as 0.
pub async fn ledger_schedule_totals(
    ctx: &Context<'_>,
    ledger: &Ledger,
) -> AppResult<ScheduleTotals> {
    let mut conn = ctx.services().db.read().await?;
    let rows = queries::amounts_in_ledger(
        &mut conn,
        ledger.row.ledger_id(),
        MemberId(ledger.membership.member_id),
    )
    .await?;
    let mut totals = ScheduleTotals {
        income_total: Money(0),
        expense_total: Money(0),
    };
    for (entry_type, amount) in rows {
        let total = match EntryType::from_db(&entry_type) {
            EntryType::Income => &mut totals.income_total,
            EntryType::Expense => &mut totals.expense_total,
        };
        *total = total
            .checked_add(Money(amount.unwrap_or(0)))
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("schedule total overflows")))?;
    }
    Ok(totals)
}

/// `Me.upcomingSchedules`: the viewer's shares across all ledgers, soonest
/// due first. A limit over `MAX_UPCOMING` is refused, like any page size
/// over it.
pub async fn upcoming_schedules(
    ctx: &Context<'_>,
    viewer: MemberId,
    limit: Option<i32>,
) -> AppResult<Vec<ScheduleShare>> {
    let limit = match limit {
        None => MAX_UPCOMING,
        Some(limit) => usize::try_from(limit)
            .ok()
            .filter(|limit| *limit <= MAX_UPCOMING)
            .ok_or_else(|| AppError::bad_input("limit", "개수는 0~100 사이여야 합니다."))?,
    };
    let services = ctx.services();
    let filter = ScheduleFilter {
        assigned_to_viewer: true,
        ..ScheduleFilter::default()
    };
    let mut schedules = {
        let mut conn = services.db.read().await?;
        load(
            &mut conn,
            viewer,
            filter,
            services.clock.today(),
            Some(limit),
        )
        .await?
    };
    let selection = ctx.look_ahead().field("schedule").field("ledger");
    prefetch_ledgers(ctx, &mut schedules, selection).await?;
    Ok(schedules.into_iter().map(ScheduleShare).collect())
}
