//! Membership checks, done in SQL: a ledger-scoped operation first loads the
//! viewer's membership of the ledger, and a non-member (or an id that does
//! not exist, or a deleted ledger) is FORBIDDEN either way.

use crate::{
    db::Conn,
    error::{AppError, AppResult},
    ids::{LedgerId, MemberId},
    ledger::{
        model::{LedgerRow, MembershipRow},
        queries::find_for_member,
    },
};

/// The ledger and the viewer's membership; FORBIDDEN for a non-member.
pub async fn member_of(
    conn: &mut Conn,
    ledger: LedgerId,
    viewer: MemberId,
) -> AppResult<(LedgerRow, MembershipRow)> {
    find_for_member(conn, ledger, viewer)
        .await?
        .ok_or(AppError::Forbidden)
}

/// As `member_of`, and the viewer must be the ledger's ADMIN.
pub async fn admin_of(
    conn: &mut Conn,
    ledger: LedgerId,
    viewer: MemberId,
) -> AppResult<(LedgerRow, MembershipRow)> {
    let (row, membership) = member_of(conn, ledger, viewer).await?;
    if !membership.is_admin() {
        return Err(AppError::Forbidden);
    }
    Ok((row, membership))
}
