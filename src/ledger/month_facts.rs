//! A month's income and expense totals and its budget, read once per ledger
//! and month within a request: a dashboard asks for both through
//! `monthSummary` and through `budget`, which resolve side by side.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use async_graphql::Context;
use tokio::sync::OnceCell;

use crate::{
    budget::queries as budget_queries,
    calendar::YearMonth,
    entry::queries::{Totals, totals},
    error::AppResult,
    graphql::context::ContextExt,
};

#[derive(Clone, Copy, Debug)]
pub struct MonthFacts {
    pub totals: Totals,
    /// The month's budget amount, if one is set.
    pub budget: Option<i64>,
}

/// Facts already read in this request, by month. The first resolver to ask
/// reads them; one asking meanwhile waits for that read instead of repeating it.
#[derive(Default)]
pub struct MonthMemo {
    months: Mutex<HashMap<YearMonth, Arc<OnceCell<MonthFacts>>>>,
}

impl MonthMemo {
    pub async fn get(
        &self,
        ctx: &Context<'_>,
        ledger: i64,
        period: YearMonth,
    ) -> AppResult<MonthFacts> {
        let cell = self
            .months
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(period)
            .or_default()
            .clone();
        let facts = cell
            .get_or_try_init(|| async {
                let mut conn = ctx.services().db.read().await?;
                let totals =
                    totals(&mut conn, ledger, period.first_day(), period.last_day()).await?;
                let budget = budget_queries::find(&mut conn, ledger, period).await?;
                AppResult::Ok(MonthFacts {
                    totals,
                    budget: budget.map(|row| row.amount),
                })
            })
            .await?;
        Ok(*facts)
    }
}
