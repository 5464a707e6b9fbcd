//! Ledger reads. Authorization lives in the query: every read joins the
//! viewer's membership, so a non-member's read finds nothing.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::{
    db::{
        Conn,
        keys::load_by_keys,
        last_insert_id,
        schema::{ledger_members, ledgers},
    },
    error::AppResult,
    ids::{LedgerId, MemberId},
    ledger::model::{LedgerRow, MembershipRow, NewLedger, NewMembership},
};

pub async fn insert_ledger(conn: &mut Conn, ledger: NewLedger<'_>) -> AppResult<LedgerId> {
    diesel::insert_into(ledgers::table)
        .values(&ledger)
        .execute(conn)
        .await?;
    Ok(LedgerId(last_insert_id::fetch(conn).await?))
}

pub async fn insert_membership(conn: &mut Conn, membership: NewMembership<'_>) -> AppResult<()> {
    diesel::insert_into(ledger_members::table)
        .values(&membership)
        .execute(conn)
        .await?;
    Ok(())
}

/// The ledger with the viewer's membership, if the viewer belongs to it.
pub async fn find_for_member(
    conn: &mut Conn,
    ledger: LedgerId,
    member: MemberId,
) -> AppResult<Option<(LedgerRow, MembershipRow)>> {
    Ok(ledgers::table
        .inner_join(ledger_members::table)
        .filter(ledgers::id.eq(ledger.0))
        .filter(ledgers::deleted_at.is_null())
        .filter(ledger_members::member_id.eq(member.0))
        .select((LedgerRow::as_select(), MembershipRow::as_select()))
        .first(conn)
        .await
        .optional()?)
}

/// Every ledger of the member: the private one first, then shared ones in
/// the order the member joined them.
pub async fn list_for_member(
    conn: &mut Conn,
    member: MemberId,
) -> AppResult<Vec<(LedgerRow, MembershipRow)>> {
    Ok(ledgers::table
        .inner_join(ledger_members::table)
        .filter(ledgers::deleted_at.is_null())
        .filter(ledger_members::member_id.eq(member.0))
        .order((ledgers::private_owner_id.is_null(), ledger_members::id))
        .select((LedgerRow::as_select(), MembershipRow::as_select()))
        .load(conn)
        .await?)
}

pub async fn private_ledger_of(
    conn: &mut Conn,
    member: MemberId,
) -> AppResult<Option<(LedgerRow, MembershipRow)>> {
    Ok(ledgers::table
        .inner_join(ledger_members::table)
        .filter(ledgers::private_owner_id.eq(member.0))
        .filter(ledger_members::member_id.eq(member.0))
        .select((LedgerRow::as_select(), MembershipRow::as_select()))
        .first(conn)
        .await
        .optional()?)
}

/// A current member of a ledger, with their profile.
pub type MemberOfLedger = (MembershipRow, crate::member::model::MemberRow);

/// The members of the given ledgers, in join order.
pub async fn members_of(conn: &mut Conn, ledger_ids: &[i64]) -> AppResult<Vec<MemberOfLedger>> {
    use crate::{db::schema::members, member::model::MemberRow};
    let query = ledger_members::table
        .inner_join(members::table)
        .order(ledger_members::id)
        .select((MembershipRow::as_select(), MemberRow::as_select()));
    Ok(load_by_keys!(
        query,
        ledger_members::ledger_id,
        ledger_ids,
        conn
    )?)
}
