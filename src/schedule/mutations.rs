//! `createSchedules`, `updateSchedule` and `deleteSchedule`: each one
//! transaction on the primary, then a SCHEDULE_CHANGED event after commit.

use std::collections::HashSet;

use async_graphql::{Context, ID, Object};
use chrono::{NaiveDate, NaiveDateTime};
use futures_util::FutureExt;

use crate::{
    db::Conn,
    error::{AppError, AppResult},
    graphql::context::ContextExt,
    ids::{LedgerId, MemberId, ScheduleId},
    ledger::{
        access::member_of,
        model::LedgerRow,
        tombstones::{self, RowKind},
    },
    member::queries as member_queries,
    notification::insert_all,
    notify::{LedgerChange, LedgerEventKind},
    schedule::{
        due::next_due_date,
        input::{ScheduleInput, SchedulePatch, ScheduleSpec},
        load::load,
        model::{NewAssignment, NewSchedule, ScheduleRow},
        notify::Assigned,
        queries::{self, ScheduleChanges, ScheduleFilter},
        types::Schedule,
        values::{Share, check_assignees_are_members},
    },
};

/// At most this many schedules per `createSchedules`.
pub const MAX_SCHEDULES_PER_CALL: usize = 100;

#[derive(Default)]
pub struct ScheduleMutation;

#[Object]
impl ScheduleMutation {
    /// Any member may create schedules; all are created or none. Every
    /// assignee other than the viewer is notified (SCHEDULE_ASSIGNED), and
    /// the ledger's subscribers hear of the change after the commit.
    async fn create_schedules(
        &self,
        ctx: &Context<'_>,
        ledger_id: ID,
        inputs: Vec<ScheduleInput>,
    ) -> AppResult<Vec<Schedule>> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&ledger_id)?;
        let services = ctx.services();
        let (now, today) = (services.clock.now_naive(), services.clock.today());
        let schedules = services
            .db
            .transaction(move |conn| {
                async move { create(conn, viewer, ledger, inputs, now, today).await }.boxed()
            })
            .await?;
        if !schedules.is_empty() {
            services
                .notify(LedgerChange::new(
                    LedgerEventKind::ScheduleChanged,
                    ledger,
                    viewer,
                ))
                .await;
        }
        Ok(schedules)
    }

    /// Only the schedule's creator or the ledger's ADMIN may edit it.
    async fn update_schedule(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: SchedulePatch,
    ) -> AppResult<Schedule> {
        let viewer = ctx.viewer()?.member_id;
        let id = ScheduleId::parse(&id)?;
        let services = ctx.services();
        let (now, today) = (services.clock.now_naive(), services.clock.today());
        let schedule = services
            .db
            .transaction(move |conn| {
                async move { update(conn, viewer, id, input, now, today).await }.boxed()
            })
            .await?;
        let ledger = schedule.row().ledger_id();
        services
            .notify(LedgerChange::new(
                LedgerEventKind::ScheduleChanged,
                ledger,
                viewer,
            ))
            .await;
        Ok(schedule)
    }

    /// Only the schedule's creator or the ledger's ADMIN may delete it.
    async fn delete_schedule(&self, ctx: &Context<'_>, id: ID) -> AppResult<bool> {
        let viewer = ctx.viewer()?.member_id;
        let id = ScheduleId::parse(&id)?;
        let services = ctx.services();
        let now = services.clock.now_naive();
        let ledger = services
            .db
            .transaction(move |conn| {
                async move {
                    let (row, _) = editable(conn, viewer, id).await?;
                    queries::delete(conn, id).await?;
                    tombstones::record(conn, RowKind::Schedule, row.ledger_id(), &[id.0], now)
                        .await?;
                    Ok(row.ledger_id())
                }
                .boxed()
            })
            .await?;
        services
            .notify(LedgerChange::new(
                LedgerEventKind::ScheduleChanged,
                ledger,
                viewer,
            ))
            .await;
        Ok(true)
    }
}

async fn create(
    conn: &mut Conn,
    viewer: MemberId,
    ledger: LedgerId,
    inputs: Vec<ScheduleInput>,
    now: NaiveDateTime,
    today: NaiveDate,
) -> AppResult<Vec<Schedule>> {
    let (ledger_row, _) = member_of(conn, ledger, viewer).await?;
    if inputs.len() > MAX_SCHEDULES_PER_CALL {
        return Err(AppError::bad_input(
            "inputs",
            "일정은 한 번에 최대 100개까지 만들 수 있습니다.",
        ));
    }
    let specs = inputs
        .into_iter()
        .enumerate()
        .map(|(index, input)| input.parse(&format!("inputs.{index}")))
        .collect::<AppResult<Vec<ScheduleSpec>>>()?;
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let members: HashSet<MemberId> = queries::lock_members(conn, ledger)
        .await?
        .into_iter()
        .collect();
    for (index, spec) in specs.iter().enumerate() {
        check_assignees_are_members(
            &format!("inputs.{index}.assignments"),
            &spec.shares,
            &members,
            ledger_row.is_private(),
        )?;
    }

    let rows: Vec<NewSchedule> = specs
        .iter()
        .map(|spec| new_schedule(spec, ledger, viewer, now))
        .collect();
    let ids = queries::insert_schedules(conn, &rows).await?;
    let assignments: Vec<NewAssignment> = ids
        .iter()
        .zip(&specs)
        .flat_map(|(id, spec)| new_assignments(*id, &spec.shares))
        .collect();
    queries::insert_assignments(conn, &assignments).await?;

    let nick_name = nick_name_of(conn, viewer).await?;
    let notifications: Vec<_> = ids
        .iter()
        .zip(&specs)
        .flat_map(|(id, spec)| {
            Assigned {
                actor: viewer,
                actor_nick_name: &nick_name,
                ledger,
                schedule: *id,
                schedule_name: &spec.name,
                next_due: next_due_date(today, u32::from(spec.day_of_month)),
                now,
            }
            .notifications(&spec.shares)
        })
        .collect();
    insert_all(conn, &notifications).await?;

    // Read back in this transaction: the response shows the write. Keep
    // the order of the inputs.
    let filter = ScheduleFilter {
        ids: Some(ids.clone()),
        ..ScheduleFilter::default()
    };
    let mut schedules = load(conn, viewer, filter, today, None).await?;
    schedules.sort_by_key(|schedule| {
        ids.iter()
            .position(|id| *id == schedule.row().schedule_id())
    });
    Ok(schedules)
}

async fn update(
    conn: &mut Conn,
    viewer: MemberId,
    id: ScheduleId,
    patch: SchedulePatch,
    now: NaiveDateTime,
    today: NaiveDate,
) -> AppResult<Schedule> {
    let (row, ledger_row) = editable(conn, viewer, id).await?;
    let current_shares: Vec<Share> = queries::assignments_of_one(conn, id)
        .await?
        .into_iter()
        .map(|(member, amount)| Share { member, amount })
        .collect();
    let current = ScheduleSpec {
        name: row.name.clone(),
        entry_type: row.entry_type(),
        day_of_month: u8::try_from(row.day_of_month).unwrap_or(1),
        amount: row.amount,
        shares: current_shares.clone(),
    };
    let (spec, replaced) = patch.apply("input", current)?;
    let ledger = ledger_row.ledger_id();
    if replaced {
        let members: HashSet<MemberId> = queries::lock_members(conn, ledger)
            .await?
            .into_iter()
            .collect();
        check_assignees_are_members(
            "input.assignments",
            &spec.shares,
            &members,
            ledger_row.is_private(),
        )?;
    }

    queries::update(
        conn,
        id,
        ScheduleChanges {
            name: &spec.name,
            entry_type: spec.entry_type.as_str(),
            day_of_month: day_column(spec.day_of_month),
            amount: spec.amount,
            updated_at: now,
        },
    )
    .await?;
    if replaced {
        queries::delete_assignments(conn, id).await?;
        queries::insert_assignments(conn, &new_assignments(id, &spec.shares)).await?;
        // Members newly given a share hear about it as they would at
        // creation; those who already had one saw the schedule before.
        let before: HashSet<MemberId> = current_shares.iter().map(|share| share.member).collect();
        let added: Vec<&Share> = spec
            .shares
            .iter()
            .filter(|share| !before.contains(&share.member) && share.member != viewer)
            .collect();
        if !added.is_empty() {
            let nick_name = nick_name_of(conn, viewer).await?;
            let notifications = Assigned {
                actor: viewer,
                actor_nick_name: &nick_name,
                ledger,
                schedule: id,
                schedule_name: &spec.name,
                next_due: next_due_date(today, u32::from(spec.day_of_month)),
                now,
            }
            .notifications(added);
            insert_all(conn, &notifications).await?;
        }
    }

    let filter = ScheduleFilter {
        ids: Some(vec![id]),
        ..ScheduleFilter::default()
    };
    load(conn, viewer, filter, today, None)
        .await?
        .pop()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("updated schedule not visible")))
}

/// The viewer's nickname, for the messages that name them.
async fn nick_name_of(conn: &mut Conn, viewer: MemberId) -> AppResult<String> {
    member_queries::find_active(conn, viewer)
        .await?
        .map(|member| member.nick_name)
        .ok_or_else(AppError::unauthenticated)
}

/// The schedule, locked, if the viewer may edit it: its creator or the
/// ledger's ADMIN. Anyone else, a non-member, and an id that never existed
/// get FORBIDDEN; one deleted from a ledger the viewer belongs to, NOT_FOUND.
async fn editable(
    conn: &mut Conn,
    viewer: MemberId,
    id: ScheduleId,
) -> AppResult<(ScheduleRow, LedgerRow)> {
    let Some(row) = queries::lock(conn, id).await? else {
        return Err(tombstones::absent(conn, RowKind::Schedule, &[id.0], viewer).await);
    };
    let (ledger, membership) = member_of(conn, row.ledger_id(), viewer).await?;
    if row.creator() != viewer && !membership.is_admin() {
        return Err(AppError::Forbidden);
    }
    Ok((row, ledger))
}

fn new_schedule<'a>(
    spec: &'a ScheduleSpec,
    ledger: LedgerId,
    creator: MemberId,
    now: NaiveDateTime,
) -> NewSchedule<'a> {
    NewSchedule {
        ledger_id: ledger.0,
        name: &spec.name,
        entry_type: spec.entry_type.as_str(),
        day_of_month: day_column(spec.day_of_month),
        amount: spec.amount,
        creator_id: creator.0,
        created_at: now,
        updated_at: now,
    }
}

fn new_assignments(schedule: ScheduleId, shares: &[Share]) -> Vec<NewAssignment> {
    shares
        .iter()
        .map(|share| NewAssignment {
            schedule_id: schedule.0,
            member_id: share.member.0,
            amount: share.amount,
        })
        .collect()
}

/// The column is a TINYINT; days are 1-31, checked at parsing.
fn day_column(day: u8) -> i8 {
    i8::try_from(day).unwrap_or(i8::MAX)
}
