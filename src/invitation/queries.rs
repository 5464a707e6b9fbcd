use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::{
    db::{
        Conn,
        schema::{invitations, ledgers, members},
    },
    error::AppResult,
};

/// A pending invitation as its invitee is told about it.
pub struct PendingInvitation {
    pub id: i64,
    pub ledger_id: i64,
    pub ledger_name: String,
    pub inviter_id: i64,
    pub inviter_nick_name: String,
}

/// Pending, unexpired invitations to `email` (lower-cased) into live ledgers.
pub async fn pending_for_email(
    conn: &mut Conn,
    email: &str,
    now: NaiveDateTime,
) -> AppResult<Vec<PendingInvitation>> {
    let rows: Vec<(i64, i64, String, i64, String)> = invitations::table
        .inner_join(ledgers::table)
        .inner_join(members::table.on(members::id.eq(invitations::inviter_id)))
        .filter(invitations::invitee_email_lower.eq(email))
        .filter(invitations::status.eq("PENDING"))
        .filter(invitations::expires_at.gt(now))
        .filter(ledgers::deleted_at.is_null())
        .order(invitations::id)
        .select((
            invitations::id,
            ledgers::id,
            ledgers::name,
            members::id,
            members::nick_name,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, ledger_id, ledger_name, inviter_id, inviter_nick_name)| PendingInvitation {
                id,
                ledger_id,
                ledger_name,
                inviter_id,
                inviter_nick_name,
            },
        )
        .collect())
}

use crate::{
    ids::InvitationId,
    invitation::model::{EXPIRED, InvitationRow, PENDING},
};

/// Marks the pending invitations that have passed their expiry EXPIRED, so
/// that a new invitation to the same email can be made.
pub async fn expire_overdue(conn: &mut Conn, ledger: i64, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        invitations::table
            .filter(invitations::ledger_id.eq(ledger))
            .filter(invitations::status.eq(PENDING))
            .filter(invitations::expires_at.le(now)),
    )
    .set(invitations::status.eq(EXPIRED))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, id: InvitationId) -> AppResult<Option<InvitationRow>> {
    Ok(invitations::table
        .filter(invitations::id.eq(id.0))
        .select(InvitationRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Locks the invitation row for the rest of the transaction.
pub async fn find_for_update(
    conn: &mut Conn,
    id: InvitationId,
) -> AppResult<Option<InvitationRow>> {
    Ok(invitations::table
        .filter(invitations::id.eq(id.0))
        .select(InvitationRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

pub async fn set_status(
    conn: &mut Conn,
    id: i64,
    status: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(invitations::table.filter(invitations::id.eq(id)))
        .set((
            invitations::status.eq(status),
            invitations::responded_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Invitations to `email` (lower-cased), newest first.
pub async fn for_invitee(conn: &mut Conn, email: &str) -> AppResult<Vec<InvitationRow>> {
    Ok(invitations::table
        .filter(invitations::invitee_email_lower.eq(email))
        .order(invitations::id.desc())
        .select(InvitationRow::as_select())
        .load(conn)
        .await?)
}

/// The invitations of a ledger that are still pending at `now`.
pub async fn pending_of_ledger(
    conn: &mut Conn,
    ledger: i64,
    now: NaiveDateTime,
) -> AppResult<Vec<InvitationRow>> {
    Ok(invitations::table
        .filter(invitations::ledger_id.eq(ledger))
        .filter(invitations::status.eq(PENDING))
        .filter(invitations::expires_at.gt(now))
        .order(invitations::id)
        .select(InvitationRow::as_select())
        .load(conn)
        .await?)
}
