use async_graphql::{Context, ID, Object, SimpleObject};
use futures_util::FutureExt;

use crate::{
    budget::queries,
    calendar::YearMonth,
    entry::{input::check_amount, queries::totals},
    error::{AppError, AppResult},
    graphql::{context::ContextExt, scalars::Money},
    ids::LedgerId,
    ledger::{access::member_of, types::Ledger},
    notify::{LedgerChange, LedgerEventKind},
};

#[derive(SimpleObject)]
pub struct Budget {
    pub year: i32,
    pub month: i32,
    pub amount: Money,
    /// The month's expense total.
    pub spent: Money,
    /// amount - spent; negative when over budget.
    pub remaining: Money,
}

impl Budget {
    fn new(period: YearMonth, amount: i64, spent: i64) -> AppResult<Self> {
        let remaining = amount
            .checked_sub(spent)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("budget arithmetic overflow")))?;
        Ok(Self {
            year: period.year,
            month: i32::try_from(period.month).unwrap_or_default(),
            amount: Money(amount),
            spent: Money(spent),
            remaining: Money(remaining),
        })
    }
}

/// The month's budget with what was spent, or None when no budget is set.
pub async fn load(
    conn: &mut crate::db::Conn,
    ledger: i64,
    period: YearMonth,
) -> AppResult<Option<Budget>> {
    let Some(row) = queries::find(conn, ledger, period).await? else {
        return Ok(None);
    };
    let spent = totals(conn, ledger, period.first_day(), period.last_day())
        .await?
        .expense;
    Budget::new(period, row.amount, spent).map(Some)
}

pub async fn for_ledger(
    ctx: &Context<'_>,
    ledger: &Ledger,
    year: i32,
    month: i32,
) -> AppResult<Option<Budget>> {
    let period = YearMonth::parse(year, month)?;
    let facts = ledger.months.facts(ctx, ledger.row.id, period).await?;
    facts
        .budget
        .map(|amount| Budget::new(period, amount, facts.totals.expense))
        .transpose()
}

#[derive(Default)]
pub struct BudgetMutation;

#[Object]
impl BudgetMutation {
    /// Any member; creates or replaces the month's budget.
    async fn set_budget(
        &self,
        ctx: &Context<'_>,
        ledger_id: ID,
        year: i32,
        month: i32,
        amount: Money,
    ) -> AppResult<Budget> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&ledger_id)?;
        let period = YearMonth::parse(year, month)?;
        let amount = check_amount(amount).map_err(|error| error.into_app_error(""))?;
        let services = ctx.services();
        let now = services.clock.now_naive();
        let budget = services
            .db
            .transaction(move |conn| {
                async move {
                    member_of(conn, ledger, viewer).await?;
                    queries::upsert(conn, ledger.0, period, amount, now).await?;
                    load(conn, ledger.0, period)
                        .await?
                        .ok_or_else(|| AppError::internal(anyhow::anyhow!("budget vanished")))
                }
                .boxed()
            })
            .await?;
        services
            .notify(LedgerChange::new(
                LedgerEventKind::BudgetChanged,
                ledger,
                viewer,
            ))
            .await;
        Ok(budget)
    }

    /// False when the month had no budget.
    async fn delete_budget(
        &self,
        ctx: &Context<'_>,
        ledger_id: ID,
        year: i32,
        month: i32,
    ) -> AppResult<bool> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&ledger_id)?;
        let period = YearMonth::parse(year, month)?;
        let services = ctx.services();
        let deleted = services
            .db
            .transaction(move |conn| {
                async move {
                    member_of(conn, ledger, viewer).await?;
                    queries::delete(conn, ledger.0, period).await
                }
                .boxed()
            })
            .await?;
        if deleted {
            services
                .notify(LedgerChange::new(
                    LedgerEventKind::BudgetChanged,
                    ledger,
                    viewer,
                ))
                .await;
        }
        Ok(deleted)
    }
}
