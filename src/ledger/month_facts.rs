//! A month's per-day totals and its budget, read once per ledger and month
//! within a request. A dashboard asks for them through `calendar`,
//! `monthSummary` and `budget`, which resolve side by side: the month's
//! totals are the sum of its days, so the three share one read of the days
//! and one of the budget.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use async_graphql::Context;
use tokio::sync::OnceCell;

use crate::{
    budget::queries as budget_queries,
    calendar::YearMonth,
    entry::queries::{DayTotals, Totals, day_totals},
    error::{AppError, AppResult},
    graphql::context::ContextExt,
};

#[derive(Clone, Copy, Debug)]
pub struct MonthFacts {
    pub totals: Totals,
    /// The month's budget amount, if one is set.
    pub budget: Option<i64>,
}

/// What one month has had read so far in this request.
#[derive(Default)]
struct Month {
    days: OnceCell<Arc<[DayTotals]>>,
    budget: OnceCell<Option<i64>>,
}

/// Facts already read in this request, by month. The first resolver to ask
/// reads them; one asking meanwhile waits for that read instead of repeating it.
#[derive(Default)]
pub struct MonthMemo {
    months: Mutex<HashMap<YearMonth, Arc<Month>>>,
}

impl MonthMemo {
    fn month(&self, period: YearMonth) -> Arc<Month> {
        self.months
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(period)
            .or_default()
            .clone()
    }

    /// The days of the month that have entries, ascending.
    pub async fn days(
        &self,
        ctx: &Context<'_>,
        ledger: i64,
        period: YearMonth,
    ) -> AppResult<Arc<[DayTotals]>> {
        let month = self.month(period);
        let days = month
            .days
            .get_or_try_init(|| async {
                let mut conn = ctx.services().db.read().await?;
                let days =
                    day_totals(&mut conn, ledger, period.first_day(), period.last_day()).await?;
                AppResult::Ok(Arc::from(days))
            })
            .await?;
        Ok(days.clone())
    }

    /// The month's totals (the sum of its days) and its budget.
    pub async fn facts(
        &self,
        ctx: &Context<'_>,
        ledger: i64,
        period: YearMonth,
    ) -> AppResult<MonthFacts> {
        let days = self.days(ctx, ledger, period).await?;
        let month = self.month(period);
        let budget = month
            .budget
            .get_or_try_init(|| async {
                let mut conn = ctx.services().db.read().await?;
                let row = budget_queries::find(&mut conn, ledger, period).await?;
                AppResult::Ok(row.map(|row| row.amount))
            })
            .await?;
        Ok(MonthFacts {
            totals: sum_of(&days)?,
            budget: *budget,
        })
    }
}

/// The totals of a span of days. Amounts are checked on the way in, but
/// enough of them could still pass what a total can hold: an error, as the
/// same sum in SQL would be.
fn sum_of(days: &[DayTotals]) -> AppResult<Totals> {
    let overflow = || AppError::internal(anyhow::anyhow!("a month's total is past i64"));
    days.iter().try_fold(
        Totals {
            income: 0,
            expense: 0,
        },
        |sum, day| {
            Ok(Totals {
                income: sum.income.checked_add(day.income).ok_or_else(overflow)?,
                expense: sum.expense.checked_add(day.expense).ok_or_else(overflow)?,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn day(number: u32, income: i64, expense: i64) -> DayTotals {
        DayTotals {
            day: NaiveDate::from_ymd_opt(2026, 3, number).unwrap(),
            income,
            expense,
        }
    }

    #[test]
    fn a_months_totals_are_the_sum_of_its_days() {
        let totals = sum_of(&[day(1, 5, 100), day(2, 0, 101), day(9, 7, 0)]).unwrap();
        assert_eq!((totals.income, totals.expense), (12, 201));
        let empty = sum_of(&[]).unwrap();
        assert_eq!((empty.income, empty.expense), (0, 0));
    }

    #[test]
    fn a_total_past_i64_is_an_error_not_a_wrap() {
        assert!(sum_of(&[day(1, i64::MAX, 0), day(2, 1, 0)]).is_err());
        assert!(sum_of(&[day(1, 0, i64::MAX), day(2, 0, 1)]).is_err());
    }
}
