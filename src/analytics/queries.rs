//! The sums analytics is made of. Each query filters on the ledger and on
//! the viewer's membership of it (`viewer_ledger`), and sums in SQL, so a
//! month of any number of entries is one row per day or category.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::{
    calendar::YearMonth,
    category::model::CategoryRow,
    db::{
        Conn,
        money::sum_money,
        schema::{budgets, categories, entries, ledger_members},
    },
    error::AppResult,
    ids::{LedgerId, MemberId},
    ledger::scope::viewer_ledger,
};

/// Whose ledger a query reads, as the viewer sees it.
#[derive(Clone, Copy, Debug)]
pub struct Scope {
    pub ledger: LedgerId,
    pub viewer: MemberId,
}

// Analytics counts expenses only, unless a field says otherwise.
const EXPENSE: &str = "EXPENSE";

/// Expense totals per day in `from..=to`, only days with expenses.
pub async fn expenses_by_day(
    conn: &mut Conn,
    scope: Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(NaiveDate, i64)>> {
    let rows: Vec<(NaiveDate, Option<i64>)> = entries::table
        .filter(entries::ledger_id.eq(scope.ledger.0))
        .filter(entries::ledger_id.eq_any(viewer_ledger(scope.ledger.0, scope.viewer.0)))
        .filter(entries::entry_type.eq(EXPENSE))
        .filter(entries::entry_date.between(from, to))
        .group_by(entries::entry_date)
        .select((entries::entry_date, sum_money(entries::amount)))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(date, amount)| (date, amount.unwrap_or(0)))
        .collect())
}

/// Expense totals per category in `month`, only categories with expenses.
pub async fn expenses_by_category(
    conn: &mut Conn,
    scope: Scope,
    month: YearMonth,
) -> AppResult<Vec<(CategoryRow, i64)>> {
    let rows: Vec<(CategoryRow, Option<i64>)> = entries::table
        .inner_join(categories::table)
        .filter(entries::ledger_id.eq(scope.ledger.0))
        .filter(entries::ledger_id.eq_any(viewer_ledger(scope.ledger.0, scope.viewer.0)))
        .filter(entries::entry_type.eq(EXPENSE))
        .filter(entries::entry_date.between(month.first_day(), month.last_day()))
        .group_by((
            categories::id,
            categories::ledger_id,
            categories::name,
            categories::is_fallback,
            categories::created_at,
        ))
        .select((CategoryRow::as_select(), sum_money(entries::amount)))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(category, amount)| (category, amount.unwrap_or(0)))
        .collect())
}

/// The month's budget, if one is set.
pub async fn budget_of(conn: &mut Conn, scope: Scope, month: YearMonth) -> AppResult<Option<i64>> {
    let (Ok(year), Ok(month_number)) = (i16::try_from(month.year), i8::try_from(month.month))
    else {
        return Ok(None);
    };
    Ok(budgets::table
        .filter(budgets::ledger_id.eq(scope.ledger.0))
        .filter(budgets::ledger_id.eq_any(viewer_ledger(scope.ledger.0, scope.viewer.0)))
        .filter(budgets::year.eq(year))
        .filter(budgets::month.eq(month_number))
        .select(budgets::amount)
        .first(conn)
        .await
        .optional()?)
}

/// What each current member paid: the total of the expenses they created.
/// Expenses of former members are not counted.
pub async fn expenses_paid_by_members(
    conn: &mut Conn,
    scope: Scope,
) -> AppResult<Vec<(MemberId, i64)>> {
    let current_members = ledger_members::table
        .filter(ledger_members::ledger_id.eq(scope.ledger.0))
        .select(ledger_members::member_id);
    let rows: Vec<(i64, Option<i64>)> = entries::table
        .filter(entries::ledger_id.eq(scope.ledger.0))
        .filter(entries::ledger_id.eq_any(viewer_ledger(scope.ledger.0, scope.viewer.0)))
        .filter(entries::entry_type.eq(EXPENSE))
        .filter(entries::creator_id.eq_any(current_members))
        .group_by(entries::creator_id)
        .select((entries::creator_id, sum_money(entries::amount)))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(member, amount)| (MemberId(member), amount.unwrap_or(0)))
        .collect())
}
