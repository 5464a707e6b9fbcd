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
