//! What is left of a row deleted from a ledger: its id and its ledger.
//!
//! An id that finds no row is FORBIDDEN (the viewer may not learn whether it
//! exists) unless the row was deleted from a ledger the viewer still belongs
//! to: then the viewer saw it, someone removed it, and NOT_FOUND says so. A
//! deleted ledger takes its tombstones with its data, so its former members
//! get FORBIDDEN, as for any ledger they no longer belong to.
//!
//! Only the paths that find nothing read the tombstones: a found row costs
//! nothing more.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::{
    db::{
        Conn,
        schema::{deleted_rows, ledger_members},
    },
    error::{AppError, AppResult},
    ids::{LedgerId, MemberId},
};

/// The kinds of ledger rows whose ids clients hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Entry,
    Schedule,
    Category,
}

impl RowKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Entry => "ENTRY",
            Self::Schedule => "SCHEDULE",
            Self::Category => "CATEGORY",
        }
    }

    fn gone_message(self) -> &'static str {
        match self {
            Self::Entry => "이미 삭제된 내역입니다.",
            Self::Schedule => "이미 삭제된 일정입니다.",
            Self::Category => "이미 삭제된 카테고리입니다.",
        }
    }
}

/// Records rows deleted from `ledger`, in the transaction that deletes them.
pub async fn record(
    conn: &mut Conn,
    kind: RowKind,
    ledger: LedgerId,
    ids: &[i64],
    now: NaiveDateTime,
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                deleted_rows::kind.eq(kind.as_str()),
                deleted_rows::row_id.eq(*id),
                deleted_rows::ledger_id.eq(ledger.0),
                deleted_rows::deleted_at.eq(now),
            )
        })
        .collect();
    diesel::insert_into(deleted_rows::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets a ledger's tombstones, when the ledger itself is deleted.
pub async fn forget_ledger(conn: &mut Conn, ledger: LedgerId) -> AppResult<()> {
    diesel::delete(deleted_rows::table.filter(deleted_rows::ledger_id.eq(ledger.0)))
        .execute(conn)
        .await?;
    Ok(())
}

/// The error for ids that found no row: NOT_FOUND when every one of them
/// was deleted from a ledger the viewer belongs to, FORBIDDEN otherwise.
pub async fn absent(conn: &mut Conn, kind: RowKind, ids: &[i64], viewer: MemberId) -> AppError {
    match deleted_in_my_ledgers(conn, kind, ids, viewer).await {
        Ok(known) if !ids.is_empty() && known == ids.len() => {
            AppError::not_found(kind.gone_message())
        }
        Ok(_) => AppError::Forbidden,
        Err(error) => error,
    }
}

/// How many of `ids` (distinct) were deleted from ledgers the viewer
/// belongs to.
async fn deleted_in_my_ledgers(
    conn: &mut Conn,
    kind: RowKind,
    ids: &[i64],
    viewer: MemberId,
) -> AppResult<usize> {
    let count: i64 = deleted_rows::table
        .inner_join(ledger_members::table.on(ledger_members::ledger_id.eq(deleted_rows::ledger_id)))
        .filter(deleted_rows::kind.eq(kind.as_str()))
        .filter(deleted_rows::row_id.eq_any(ids))
        .filter(ledger_members::member_id.eq(viewer.0))
        .count()
        .get_result(conn)
        .await?;
    Ok(usize::try_from(count).unwrap_or_default())
}
