//! Category queries; each takes a connection.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::{
    category::model::{CategoryRow, NewCategory},
    db::{
        Conn,
        keys::load_by_keys,
        last_insert_id,
        schema::{categories, entries, ledger_members},
        unique_violation_key,
    },
    error::{AppError, AppResult},
    ids::{CategoryId, MemberId},
    ledger::tombstones::{self, RowKind},
};

/// Categories of the given ledgers, in the order they were made, except
/// that the fallback comes last, also after categories added later.
pub async fn for_ledgers(conn: &mut Conn, ledger_ids: &[i64]) -> AppResult<Vec<CategoryRow>> {
    let query = categories::table
        .order((categories::is_fallback, categories::id))
        .select(CategoryRow::as_select());
    Ok(load_by_keys!(
        query,
        categories::ledger_id,
        ledger_ids,
        conn
    )?)
}

/// A category of a ledger the viewer belongs to; NOT_FOUND if it was
/// deleted from one, FORBIDDEN otherwise.
pub async fn visible_to(
    conn: &mut Conn,
    id: CategoryId,
    viewer: MemberId,
) -> AppResult<CategoryRow> {
    let found = categories::table
        .inner_join(ledger_members::table.on(ledger_members::ledger_id.eq(categories::ledger_id)))
        .filter(categories::id.eq(id.0))
        .filter(ledger_members::member_id.eq(viewer.0))
        .select(CategoryRow::as_select())
        .first(conn)
        .await
        .optional()?;
    match found {
        Some(row) => Ok(row),
        None => Err(tombstones::absent(conn, RowKind::Category, &[id.0], viewer).await),
    }
}

/// Why categories that are not the ledger's were given for its entries:
/// `Ok` when the viewer sees each of them in another of their ledgers (a
/// wrong choice, for the caller to report as bad input), else the error for
/// those the viewer may not see (NOT_FOUND when deleted from one of their
/// ledgers, FORBIDDEN otherwise). `ids` are distinct.
pub async fn check_seen_elsewhere(conn: &mut Conn, ids: &[i64], viewer: MemberId) -> AppResult<()> {
    let seen: Vec<i64> = categories::table
        .inner_join(ledger_members::table.on(ledger_members::ledger_id.eq(categories::ledger_id)))
        .filter(categories::id.eq_any(ids))
        .filter(ledger_members::member_id.eq(viewer.0))
        .select(categories::id)
        .load(conn)
        .await?;
    let unseen: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !seen.contains(id))
        .collect();
    if unseen.is_empty() {
        return Ok(());
    }
    Err(tombstones::absent(conn, RowKind::Category, &unseen, viewer).await)
}

pub async fn insert(conn: &mut Conn, category: NewCategory<'_>) -> AppResult<i64> {
    diesel::insert_into(categories::table)
        .values(&category)
        .execute(conn)
        .await
        .map_err(duplicate_name)?;
    Ok(last_insert_id::fetch(conn).await?)
}

pub async fn rename(conn: &mut Conn, id: i64, name: &str) -> AppResult<()> {
    diesel::update(categories::table.filter(categories::id.eq(id)))
        .set(categories::name.eq(name))
        .execute(conn)
        .await
        .map_err(duplicate_name)?;
    Ok(())
}

/// Moves the category's entries to the ledger's fallback, then deletes it.
pub async fn delete_moving_entries(conn: &mut Conn, category: &CategoryRow) -> AppResult<()> {
    let fallback: i64 = categories::table
        .filter(categories::ledger_id.eq(category.ledger_id))
        .filter(categories::is_fallback.eq(true))
        .select(categories::id)
        .first(conn)
        .await?;
    diesel::update(entries::table.filter(entries::category_id.eq(category.id)))
        .set(entries::category_id.eq(fallback))
        .execute(conn)
        .await?;
    diesel::delete(categories::table.filter(categories::id.eq(category.id)))
        .execute(conn)
        .await?;
    Ok(())
}

/// The id of the category named `name` in `ledger`, else of its fallback.
pub async fn same_name_or_fallback(conn: &mut Conn, ledger: i64, name: &str) -> AppResult<i64> {
    let found: Vec<(i64, bool)> = categories::table
        .filter(categories::ledger_id.eq(ledger))
        .filter(
            categories::name
                .eq(name)
                .or(categories::is_fallback.eq(true)),
        )
        .select((categories::id, categories::is_fallback))
        .load(conn)
        .await?;
    found
        .iter()
        .find(|(_, fallback)| !fallback)
        .or_else(|| <[_]>::first(&found))
        .map(|(id, _)| *id)
        .ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("ledger {ledger} has no fallback category"))
        })
}

fn duplicate_name(error: diesel::result::Error) -> AppError {
    match unique_violation_key(&error) {
        Some("uq_categories_name") => AppError::conflict("name", "이미 있는 카테고리 이름입니다."),
        _ => error.into(),
    }
}
