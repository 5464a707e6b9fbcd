use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::{
    calendar::YearMonth,
    db::{Conn, schema::budgets},
    error::AppResult,
};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = budgets, check_for_backend(diesel::mysql::Mysql))]
pub struct BudgetRow {
    pub id: i64,
    pub ledger_id: i64,
    pub year: i16,
    pub month: i8,
    pub amount: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

fn key(period: YearMonth) -> (i16, i8) {
    // `YearMonth::parse` keeps both in range.
    (period.year as i16, period.month as i8)
}

pub async fn find(conn: &mut Conn, ledger: i64, period: YearMonth) -> AppResult<Option<BudgetRow>> {
    let (year, month) = key(period);
    Ok(budgets::table
        .filter(budgets::ledger_id.eq(ledger))
        .filter(budgets::year.eq(year))
        .filter(budgets::month.eq(month))
        .select(BudgetRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Sets the month's budget, creating or replacing it.
pub async fn upsert(
    conn: &mut Conn,
    ledger: i64,
    period: YearMonth,
    amount: i64,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (year, month) = key(period);
    diesel::insert_into(budgets::table)
        .values((
            budgets::ledger_id.eq(ledger),
            budgets::year.eq(year),
            budgets::month.eq(month),
            budgets::amount.eq(amount),
            budgets::created_at.eq(now),
            budgets::updated_at.eq(now),
        ))
        .on_conflict(diesel::dsl::DuplicatedKeys)
        .do_update()
        .set((budgets::amount.eq(amount), budgets::updated_at.eq(now)))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, ledger: i64, period: YearMonth) -> AppResult<bool> {
    let (year, month) = key(period);
    let deleted = diesel::delete(
        budgets::table
            .filter(budgets::ledger_id.eq(ledger))
            .filter(budgets::year.eq(year))
            .filter(budgets::month.eq(month)),
    )
    .execute(conn)
    .await?;
    Ok(deleted > 0)
}
