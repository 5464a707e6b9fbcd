//! Schedule reads and writes. Each takes a connection: the caller picks the
//! replica or the mutation's transaction. Reads go through `visible`, which
//! joins the viewer's membership, so a schedule outside the viewer's ledgers
//! is never loaded at all.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::{
    db::{
        Conn, last_insert_id,
        schema::{ledger_members, ledgers, members, schedule_assignments, schedules},
    },
    entry::kind::EntryType,
    error::{AppError, AppResult},
    ids::{LedgerId, MemberId, ScheduleId},
    ledger::{
        model::{LedgerRow, MembershipRow},
        scope::viewer_ledger,
    },
    member::model::MemberRow,
    schedule::model::{NewAssignment, NewSchedule, ScheduleRow},
};

/// A schedule with what every view of it needs: its ledger, the viewer's
/// membership there, and its creator.
pub struct ScheduleHead {
    pub row: ScheduleRow,
    pub ledger: LedgerRow,
    pub membership: MembershipRow,
    pub creator: MemberRow,
}

/// Which of the viewer's schedules to load; every field narrows.
#[derive(Default)]
pub struct ScheduleFilter {
    pub ledger: Option<LedgerId>,
    pub ids: Option<Vec<ScheduleId>>,
    /// Only schedules with a share assigned to the viewer.
    pub assigned_to_viewer: bool,
    pub entry_type: Option<EntryType>,
}

/// The viewer's schedules (in live ledgers the viewer belongs to) that
/// match `filter`, oldest first.
pub async fn visible(
    conn: &mut Conn,
    viewer: MemberId,
    filter: ScheduleFilter,
) -> AppResult<Vec<ScheduleHead>> {
    let mut query = schedules::table
        .inner_join(ledgers::table.inner_join(ledger_members::table))
        .inner_join(members::table.on(members::id.eq(schedules::creator_id)))
        .filter(ledger_members::member_id.eq(viewer.0))
        .filter(ledgers::deleted_at.is_null())
        .select((
            ScheduleRow::as_select(),
            LedgerRow::as_select(),
            MembershipRow::as_select(),
            MemberRow::as_select(),
        ))
        .order(schedules::id)
        .into_boxed();
    if let Some(ledger) = filter.ledger {
        query = query.filter(schedules::ledger_id.eq(ledger.0));
    }
    if let Some(ids) = filter.ids {
        query = query.filter(schedules::id.eq_any(ids.into_iter().map(|id| id.0)));
    }
    if filter.assigned_to_viewer {
        query = query.filter(
            schedules::id.eq_any(
                schedule_assignments::table
                    .filter(schedule_assignments::member_id.eq(viewer.0))
                    .select(schedule_assignments::schedule_id),
            ),
        );
    }
    if let Some(entry_type) = filter.entry_type {
        query = query.filter(schedules::entry_type.eq(entry_type.as_str()));
    }
    let rows: Vec<(ScheduleRow, LedgerRow, MembershipRow, MemberRow)> = query.load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(row, ledger, membership, creator)| ScheduleHead {
            row,
            ledger,
            membership,
            creator,
        })
        .collect())
}

/// One assignment with its member, as loaded for a list of schedules.
pub struct AssignmentWithMember {
    pub schedule_id: i64,
    pub amount: Option<i64>,
    pub member: MemberRow,
}

/// The assignments of all `schedules` in one query, in the order they were
/// given.
pub async fn assignments_of(
    conn: &mut Conn,
    schedules: &[ScheduleId],
) -> AppResult<Vec<AssignmentWithMember>> {
    if schedules.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, Option<i64>, MemberRow)> = schedule_assignments::table
        .inner_join(members::table.on(members::id.eq(schedule_assignments::member_id)))
        .filter(schedule_assignments::schedule_id.eq_any(schedules.iter().map(|id| id.0)))
        .order(schedule_assignments::id)
        .select((
            schedule_assignments::schedule_id,
            schedule_assignments::amount,
            MemberRow::as_select(),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(schedule_id, amount, member)| AssignmentWithMember {
            schedule_id,
            amount,
            member,
        })
        .collect())
}

/// (type, amount) of every schedule of the ledger, for its totals.
pub async fn amounts_in_ledger(
    conn: &mut Conn,
    ledger: LedgerId,
    viewer: MemberId,
) -> AppResult<Vec<(String, Option<i64>)>> {
    Ok(schedules::table
        .filter(schedules::ledger_id.eq_any(viewer_ledger(ledger.0, viewer.0)))
        .select((schedules::entry_type, schedules::amount))
        .load(conn)
        .await?)
}

/// The schedule row, locked for the rest of the transaction so that two
/// edits of one schedule run one after the other.
pub async fn lock(conn: &mut Conn, id: ScheduleId) -> AppResult<Option<ScheduleRow>> {
    Ok(schedules::table
        .filter(schedules::id.eq(id.0))
        .select(ScheduleRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// The ledger's current members, locked until the transaction ends: a
/// member cannot leave (which deletes their assignments) between the check
/// that an assignee is a member and the insert of the assignment.
pub async fn lock_members(conn: &mut Conn, ledger: LedgerId) -> AppResult<Vec<MemberId>> {
    let ids: Vec<i64> = ledger_members::table
        .filter(ledger_members::ledger_id.eq(ledger.0))
        .order(ledger_members::id)
        .select(ledger_members::member_id)
        .for_update()
        .load(conn)
        .await?;
    Ok(ids.into_iter().map(MemberId).collect())
}

/// Inserts the schedules in one statement and returns their ids in order.
///
/// MySQL reports only the first id of a multi-row insert, and the ids of one
/// statement need not be consecutive (`innodb_autoinc_lock_mode = 2`, MySQL
/// 8's default). They do increase in row order, and under REPEATABLE READ
/// (the servers' default, which the pools keep) this transaction sees no
/// rows committed by others since its first read (the membership check); so
/// its own rows are the first `n` from the first id on. The values are
/// compared as well, so that another isolation level fails loudly (and rolls
/// back) instead of mixing up ids.
pub async fn insert_schedules(
    conn: &mut Conn,
    rows: &[NewSchedule<'_>],
) -> AppResult<Vec<ScheduleId>> {
    let (Some(first_row), Ok(count)) = (rows.first(), i64::try_from(rows.len())) else {
        return Ok(Vec::new());
    };
    diesel::insert_into(schedules::table)
        .values(rows)
        .execute(conn)
        .await?;
    let first = last_insert_id::fetch(conn).await?;
    let inserted: Vec<ScheduleRow> = schedules::table
        .filter(schedules::id.ge(first))
        .filter(schedules::ledger_id.eq(first_row.ledger_id))
        .filter(schedules::creator_id.eq(first_row.creator_id))
        .order(schedules::id)
        .limit(count)
        .select(ScheduleRow::as_select())
        .load(conn)
        .await?;
    let matches = inserted.len() == rows.len()
        && inserted.iter().zip(rows).all(|(stored, row)| {
            stored.name == row.name
                && stored.entry_type == row.entry_type
                && stored.day_of_month == row.day_of_month
                && stored.amount == row.amount
        });
    if !matches {
        return Err(AppError::internal(anyhow::anyhow!(
            "ids of inserted schedules could not be read back"
        )));
    }
    Ok(inserted.iter().map(ScheduleRow::schedule_id).collect())
}

pub async fn insert_assignments(conn: &mut Conn, rows: &[NewAssignment]) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(schedule_assignments::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// The current assignments of one schedule: (member, share).
pub async fn assignments_of_one(
    conn: &mut Conn,
    schedule: ScheduleId,
) -> AppResult<Vec<(MemberId, Option<i64>)>> {
    let rows: Vec<(i64, Option<i64>)> = schedule_assignments::table
        .filter(schedule_assignments::schedule_id.eq(schedule.0))
        .order(schedule_assignments::id)
        .select((
            schedule_assignments::member_id,
            schedule_assignments::amount,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(member, amount)| (MemberId(member), amount))
        .collect())
}

pub async fn delete_assignments(conn: &mut Conn, schedule: ScheduleId) -> AppResult<()> {
    diesel::delete(
        schedule_assignments::table.filter(schedule_assignments::schedule_id.eq(schedule.0)),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The new values of a schedule's own columns.
#[derive(AsChangeset)]
#[diesel(table_name = schedules)]
pub struct ScheduleChanges<'a> {
    pub name: &'a str,
    pub entry_type: &'static str,
    pub day_of_month: i8,
    // Written even when None: None makes the amount variable.
    #[diesel(treat_none_as_null = true)]
    pub amount: Option<i64>,
    pub updated_at: chrono::NaiveDateTime,
}

pub async fn update(
    conn: &mut Conn,
    schedule: ScheduleId,
    changes: ScheduleChanges<'_>,
) -> AppResult<()> {
    diesel::update(schedules::table.filter(schedules::id.eq(schedule.0)))
        .set(changes)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the schedule; its assignments and reminders go with it (ON
/// DELETE CASCADE), and notifications that name it keep their text.
pub async fn delete(conn: &mut Conn, schedule: ScheduleId) -> AppResult<()> {
    diesel::delete(schedules::table.filter(schedules::id.eq(schedule.0)))
        .execute(conn)
        .await?;
    Ok(())
}
