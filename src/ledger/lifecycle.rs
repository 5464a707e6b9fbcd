//! Creating, leaving and deleting ledgers: the multi-row changes that must
//! happen together, each inside the caller's transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::{
    category::defaults::insert_defaults,
    db::{
        Conn,
        schema::{
            budgets, categories, entries, invitations, ledger_members, ledgers, members, schedules,
        },
    },
    error::AppResult,
    ids::{LedgerId, MemberId},
    ledger::{
        model::{DEFAULT_COLOR, NewLedger, NewMembership, PRIVATE_RELATIONSHIP, ROLE_ADMIN},
        queries::{insert_ledger, insert_membership},
        tombstones,
    },
    notification::{
        NewNotification, NotificationKind, insert_all, member_left_message, member_removed_message,
    },
};

/// The private ledger every member gets at sign-up. Its name is fixed then
/// and does not follow later changes of the user name.
pub async fn create_private_ledger(
    conn: &mut Conn,
    owner: MemberId,
    user_name: &str,
    now: NaiveDateTime,
) -> AppResult<LedgerId> {
    let name = format!("{user_name}님의 가계부");
    let ledger = insert_ledger(
        conn,
        NewLedger {
            name: &name,
            relationship: PRIVATE_RELATIONSHIP,
            private_owner_id: Some(owner.0),
            created_by: owner.0,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    insert_membership(
        conn,
        NewMembership {
            ledger_id: ledger.0,
            member_id: owner.0,
            role: ROLE_ADMIN,
            color: DEFAULT_COLOR,
            joined_at: now,
        },
    )
    .await?;
    insert_defaults(conn, ledger, &[], now).await?;
    Ok(ledger)
}

/// Why a member goes: who is told depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Departure {
    /// They left (or deleted their account): the ADMIN is told.
    Left,
    /// The ADMIN removed them: they are told.
    Removed,
}

/// Takes `member` out of a shared ledger. The last member out deletes it; an
/// ADMIN leaving hands the role to the longest-standing member. Returns
/// whether the ledger was deleted.
pub async fn leave_shared(
    conn: &mut Conn,
    ledger: LedgerId,
    member: MemberId,
    departure: Departure,
    now: NaiveDateTime,
) -> AppResult<bool> {
    // Lock the ledger's memberships so that two members leaving at once
    // cannot both see the other as the one who stays.
    let memberships: Vec<(i64, i64, String)> = ledger_members::table
        .filter(ledger_members::ledger_id.eq(ledger.0))
        .order(ledger_members::id)
        .select((
            ledger_members::id,
            ledger_members::member_id,
            ledger_members::role,
        ))
        .for_update()
        .load(conn)
        .await?;
    let Some(leaving) = memberships.iter().find(|(_, id, _)| *id == member.0) else {
        return Ok(false);
    };
    let leaver_was_admin = leaving.2 == ROLE_ADMIN;
    let remaining: Vec<&(i64, i64, String)> = memberships
        .iter()
        .filter(|(_, id, _)| *id != member.0)
        .collect();

    diesel::delete(ledger_members::table.filter(ledger_members::id.eq(leaving.0)))
        .execute(conn)
        .await?;
    let ledger_schedules = schedules::table
        .filter(schedules::ledger_id.eq(ledger.0))
        .select(schedules::id);
    diesel::delete(
        crate::db::schema::schedule_assignments::table
            .filter(crate::db::schema::schedule_assignments::member_id.eq(member.0))
            .filter(crate::db::schema::schedule_assignments::schedule_id.eq_any(ledger_schedules)),
    )
    .execute(conn)
    .await?;

    // (`<[_]>::first`: diesel's `RunQueryDsl::first` is in scope too.)
    let Some(first) = <[_]>::first(&remaining) else {
        delete_shared(conn, ledger, now).await?;
        return Ok(true);
    };
    let admin_id = if leaver_was_admin {
        diesel::update(ledger_members::table.filter(ledger_members::id.eq(first.0)))
            .set(ledger_members::role.eq(ROLE_ADMIN))
            .execute(conn)
            .await?;
        first.1
    } else {
        remaining
            .iter()
            .find(|(_, _, role)| role == ROLE_ADMIN)
            .map_or(first.1, |(_, id, _)| *id)
    };

    let (nick_name, ledger_name): (String, String) = members::table
        .inner_join(ledgers::table.on(ledgers::id.eq(ledger.0)))
        .filter(members::id.eq(member.0))
        .select((members::nick_name, ledgers::name))
        .first(conn)
        .await?;
    let mut notification = match departure {
        Departure::Left => {
            let mut row = NewNotification::new(
                admin_id,
                NotificationKind::MemberLeft,
                member_left_message(&nick_name, &ledger_name),
                now,
            );
            row.actor_id = Some(member.0);
            row
        }
        Departure::Removed => {
            let mut row = NewNotification::new(
                member.0,
                NotificationKind::MemberLeft,
                member_removed_message(&ledger_name),
                now,
            );
            row.actor_id = Some(admin_id);
            row
        }
    };
    notification.ledger_id = Some(ledger.0);
    insert_all(conn, &[notification]).await?;
    Ok(false)
}

/// Deletes a shared ledger's data. The row stays, marked deleted, so that
/// invitations and notifications naming it stay readable; its pending
/// invitations are canceled.
pub async fn delete_shared(conn: &mut Conn, ledger: LedgerId, now: NaiveDateTime) -> AppResult<()> {
    delete_data(conn, ledger).await?;
    diesel::update(
        invitations::table
            .filter(invitations::ledger_id.eq(ledger.0))
            .filter(invitations::status.eq("PENDING")),
    )
    .set((
        invitations::status.eq("CANCELED"),
        invitations::responded_at.eq(now),
    ))
    .execute(conn)
    .await?;
    diesel::update(ledgers::table.filter(ledgers::id.eq(ledger.0)))
        .set((ledgers::deleted_at.eq(now), ledgers::updated_at.eq(now)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a private ledger and everything in it, for good.
pub async fn delete_private(conn: &mut Conn, ledger: LedgerId) -> AppResult<()> {
    delete_data(conn, ledger).await?;
    diesel::delete(ledgers::table.filter(ledgers::id.eq(ledger.0)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Children first: entries refer to categories, which must not cascade into
/// entries (deleting a category never deletes entries).
async fn delete_data(conn: &mut Conn, ledger: LedgerId) -> AppResult<()> {
    tombstones::forget_ledger(conn, ledger).await?;
    diesel::delete(entries::table.filter(entries::ledger_id.eq(ledger.0)))
        .execute(conn)
        .await?;
    diesel::delete(budgets::table.filter(budgets::ledger_id.eq(ledger.0)))
        .execute(conn)
        .await?;
    diesel::delete(schedules::table.filter(schedules::ledger_id.eq(ledger.0)))
        .execute(conn)
        .await?;
    diesel::delete(categories::table.filter(categories::ledger_id.eq(ledger.0)))
        .execute(conn)
        .await?;
    diesel::delete(ledger_members::table.filter(ledger_members::ledger_id.eq(ledger.0)))
        .execute(conn)
        .await?;
    Ok(())
}
