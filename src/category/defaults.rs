//! Categories every ledger starts with.

use chrono::NaiveDateTime;
use diesel_async::RunQueryDsl;

use crate::{
    category::model::NewCategory,
    db::{Conn, schema::categories},
    error::AppResult,
    ids::LedgerId,
};

/// The defaults, in the order the clients show them.
pub const DEFAULT_CATEGORIES: [&str; 5] = [
    "🍽️ 식비",
    "☕ 카페·간식",
    "🏠 생활",
    "🛒 편의점·마트·잡화",
    "👕 쇼핑",
];

/// Where entries of a deleted category go; it cannot be renamed or deleted.
pub const FALLBACK_CATEGORY: &str = "기타";

/// Adds the default categories and `extra` ones, the fallback last.
pub async fn insert_defaults(
    conn: &mut Conn,
    ledger: LedgerId,
    extra: &[String],
    now: NaiveDateTime,
) -> AppResult<()> {
    let rows: Vec<NewCategory> = DEFAULT_CATEGORIES
        .iter()
        .map(|name| (*name, false))
        .chain(extra.iter().map(|name| (name.as_str(), false)))
        .chain(std::iter::once((FALLBACK_CATEGORY, true)))
        .map(|(name, is_fallback)| NewCategory {
            ledger_id: ledger.0,
            name,
            is_fallback,
            created_at: now,
        })
        .collect();
    diesel::insert_into(categories::table)
        .values(&rows)
        .execute(conn)
        .await?;
    Ok(())
}
