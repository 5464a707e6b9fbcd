//! `Ledger.analytics`. Each field runs a fixed number of queries on a
//! replica and leaves the calendar math to `buckets` and `ranking`.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use crate::{
    analytics::{
        buckets::{self, add},
        queries::{self, Scope},
        ranking::{self, CategoryTotal, Ranking, parse_top, ratio},
        types::{
            BudgetComparison, CategoryAmount, CategoryBreakdown, DailyExpenses, DayAmount,
            FixedCosts, MonthAmount, WeekAmount, WeeklyExpenses,
        },
    },
    calendar::YearMonth,
    category::{model::CategoryRow, queries as category_queries, types::Category},
    db::Conn,
    entry::{
        kind::EntryType,
        queries::{self as entry_queries, EntryQuery},
        types::{EntryPage, entries_of},
        views::check_page,
    },
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        scalars::{Date, Money},
    },
    ids::{CategoryId, MemberId},
    ledger::types::Ledger,
    schedule::{
        load::{load, prefetch_ledgers},
        queries::ScheduleFilter,
        types::ScheduleShare,
    },
};

/// The name of the bucket of categories outside the top.
pub const OTHERS_NAME: &str = "그 외";

// Defaults of the contract's optional arguments; an explicit null means the
// default too.
const DEFAULT_MONTHS: i32 = 3;
const DEFAULT_START_DAY: i32 = 1;
const DEFAULT_TOP: i32 = 5;

/// The most months `monthly` may span.
pub const MAX_MONTHS: i32 = 24;

/// Analytics of one ledger, as its member (the viewer) sees it.
pub struct LedgerAnalytics {
    /// Shared with the entries `categoryEntries` lists.
    ledger: Arc<Ledger>,
}

impl LedgerAnalytics {
    pub fn of(ledger: &Ledger) -> Self {
        Self {
            ledger: Arc::new(ledger.clone()),
        }
    }

    fn scope(&self) -> Scope {
        scope_of(&self.ledger)
    }

    /// The month's categories ranked by expense, and the month's total.
    async fn rank_categories(
        &self,
        conn: &mut Conn,
        month: YearMonth,
        top: usize,
    ) -> AppResult<(Ranking<CategoryRow>, i64)> {
        let totals = queries::expenses_by_category(conn, self.scope(), month).await?;
        let total = totals
            .iter()
            .try_fold(0, |total, (_, amount)| add(total, *amount))?;
        let ranking = ranking::rank(
            totals
                .into_iter()
                .map(|(category, amount)| CategoryTotal {
                    name: category.name.clone(),
                    category,
                    amount,
                })
                .collect(),
            top,
        )?;
        Ok((ranking, total))
    }
}

/// Whose analytics: the ledger, as its member the viewer sees it.
pub fn scope_of(ledger: &Ledger) -> Scope {
    Scope {
        ledger: ledger.row.ledger_id(),
        viewer: MemberId(ledger.membership.member_id),
    }
}

fn money_difference(a: i64, b: i64) -> AppResult<Money> {
    a.checked_sub(b)
        .map(Money)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("money difference overflows")))
}

#[Object]
impl LedgerAnalytics {
    /// Every day of the month, zero-filled, expenses only.
    async fn daily(&self, ctx: &Context<'_>, year: i32, month: i32) -> AppResult<DailyExpenses> {
        let month = YearMonth::parse(year, month)?;
        let previous = month.previous();
        let mut conn = ctx.services().db.read().await?;
        let sums = queries::expenses_by_day(
            &mut conn,
            self.scope(),
            previous.first_day(),
            month.last_day(),
        )
        .await?;
        let days = buckets::days_of(month, &sums)?;
        let total = buckets::total_between(&sums, month.first_day(), month.last_day())?;
        let previous_total =
            buckets::total_between(&sums, previous.first_day(), previous.last_day())?;
        Ok(DailyExpenses {
            days: days
                .into_iter()
                .map(|(date, amount)| DayAmount {
                    date: Date(date),
                    amount: Money(amount),
                })
                .collect(),
            total: Money(total),
            previous_month_total: Money(previous_total),
            diff_from_previous_month: money_difference(total, previous_total)?,
        })
    }

    /// `count` consecutive months ending at year/month, oldest first,
    /// zero-filled; crosses year boundaries.
    #[graphql(
        complexity = "crate::graphql::limits::page_cost(count, DEFAULT_MONTHS, child_complexity)"
    )]
    async fn monthly(
        &self,
        ctx: &Context<'_>,
        year: i32,
        month: i32,
        #[graphql(default_with = "Some(DEFAULT_MONTHS)")] count: Option<i32>,
    ) -> AppResult<Vec<MonthAmount>> {
        let last = YearMonth::parse(year, month)?;
        let count = u32::try_from(count.unwrap_or(DEFAULT_MONTHS))
            .ok()
            .filter(|count| (1..=MAX_MONTHS.unsigned_abs()).contains(count))
            .ok_or_else(|| AppError::bad_input("count", "개월 수는 1~24 사이로 입력해 주세요."))?;
        let first = (1..count).fold(last, |month, _| month.previous());
        let mut conn = ctx.services().db.read().await?;
        let sums =
            queries::expenses_by_day(&mut conn, self.scope(), first.first_day(), last.last_day())
                .await?;
        Ok(buckets::months_until(last, count, &sums)?
            .into_iter()
            .map(|(month, amount)| MonthAmount {
                year: month.year,
                month: month.month,
                amount: Money(amount),
            })
            .collect())
    }

    async fn budget_comparison(
        &self,
        ctx: &Context<'_>,
        year: i32,
        month: i32,
    ) -> AppResult<BudgetComparison> {
        let month = YearMonth::parse(year, month)?;
        let mut conn = ctx.services().db.read().await?;
        let budget = queries::budget_of(&mut conn, self.scope(), month).await?;
        let sums =
            queries::expenses_by_day(&mut conn, self.scope(), month.first_day(), month.last_day())
                .await?;
        let spent = buckets::total_between(&sums, month.first_day(), month.last_day())?;
        Ok(BudgetComparison {
            budget: budget.map(Money),
            spent: Money(spent),
            remaining: budget
                .map(|budget| money_difference(budget, spent))
                .transpose()?,
        })
    }

    /// 7-day buckets starting at startDay; the last bucket ends at the
    /// month's end. Days before startDay are not counted.
    async fn weekly(
        &self,
        ctx: &Context<'_>,
        year: i32,
        month: i32,
        #[graphql(default_with = "Some(DEFAULT_START_DAY)")] start_day: Option<i32>,
    ) -> AppResult<WeeklyExpenses> {
        let month = YearMonth::parse(year, month)?;
        let weeks = buckets::weeks_of(month, start_day.unwrap_or(DEFAULT_START_DAY))?;
        let mut conn = ctx.services().db.read().await?;
        let sums =
            queries::expenses_by_day(&mut conn, self.scope(), month.first_day(), month.last_day())
                .await?;
        let mut total = 0;
        let mut items = Vec::with_capacity(weeks.len());
        for (start, end) in weeks {
            let amount = buckets::total_between(&sums, start, end)?;
            total = add(total, amount)?;
            items.push(WeekAmount {
                start_date: Date(start),
                end_date: Date(end),
                amount: Money(amount),
            });
        }
        Ok(WeeklyExpenses {
            weeks: items,
            total: Money(total),
        })
    }

    /// Top categories by expense, then one bucket (category null, "그 외")
    /// for all the rest. A month without expenses has no items.
    async fn by_category(
        &self,
        ctx: &Context<'_>,
        year: i32,
        month: i32,
        #[graphql(default_with = "Some(DEFAULT_TOP)")] top: Option<i32>,
    ) -> AppResult<CategoryBreakdown> {
        let month = YearMonth::parse(year, month)?;
        let top = parse_top(top.unwrap_or(DEFAULT_TOP))?;
        let mut conn = ctx.services().db.read().await?;
        let (ranking, total) = self.rank_categories(&mut conn, month, top).await?;
        let mut items: Vec<CategoryAmount> = ranking
            .top
            .into_iter()
            .map(|ranked| CategoryAmount {
                ratio: ratio(ranked.amount, total),
                amount: Money(ranked.amount),
                name: ranked.name,
                category: Some(Category::from(ranked.category)),
            })
            .collect();
        if let Some(others) = ranking.others {
            items.push(CategoryAmount {
                category: None,
                name: OTHERS_NAME.to_owned(),
                amount: Money(others),
                ratio: ratio(others, total),
            });
        }
        Ok(CategoryBreakdown {
            items,
            total: Money(total),
        })
    }

    /// Expenses of one category in the month, newest first; `others: true`
    /// lists those of every category outside the top (as `byCategory` ranks
    /// them) instead.
    #[expect(clippy::too_many_arguments, reason = "the contract's arguments")]
    #[graphql(complexity = "crate::graphql::limits::page_cost(size, 20, child_complexity)")]
    async fn category_entries(
        &self,
        ctx: &Context<'_>,
        year: i32,
        month: i32,
        category_id: Option<ID>,
        #[graphql(default_with = "Some(false)")] others: Option<bool>,
        #[graphql(default_with = "Some(DEFAULT_TOP)")] top: Option<i32>,
        #[graphql(default_with = "Some(0)")] page: Option<i32>,
        #[graphql(default_with = "Some(20)")] size: Option<i32>,
    ) -> AppResult<EntryPage> {
        let month = YearMonth::parse(year, month)?;
        let top = parse_top(top.unwrap_or(DEFAULT_TOP))?;
        let (page, size) = (page.unwrap_or(0), size.unwrap_or(20));
        let (offset_page, limit) = check_page(page, size)?;
        let mut filter = EntryQuery {
            entry_type: Some(EntryType::Expense),
            from: Some(month.first_day()),
            to: Some(month.last_day()),
            ..EntryQuery::default()
        };
        let mut conn = ctx.services().db.read().await?;
        match (category_id, others.unwrap_or(false)) {
            (Some(id), false) => {
                // A category of another ledger is as foreign here as one the
                // viewer cannot see at all.
                let category = category_queries::visible_to(
                    &mut conn,
                    CategoryId::parse(&id)?,
                    self.scope().viewer,
                )
                .await?;
                if category.ledger_id != self.scope().ledger.0 {
                    return Err(AppError::Forbidden);
                }
                filter.category = Some(CategoryId(category.id));
            }
            (None, true) => {
                let (ranking, _) = self.rank_categories(&mut conn, month, top).await?;
                filter.categories_not_in = Some(
                    ranking
                        .top
                        .iter()
                        .map(|ranked| ranked.category.id)
                        .collect(),
                );
            }
            _ => {
                return Err(AppError::bad_input(
                    "categoryId",
                    "카테고리를 하나 고르거나 '그 외'(others: true)를 골라 주세요.",
                ));
            }
        }
        let (views, total) = entry_queries::page(
            &mut conn,
            self.scope().ledger.0,
            &filter,
            offset_page,
            limit,
        )
        .await?;
        Ok(EntryPage::new(
            entries_of(&self.ledger, views),
            total,
            page,
            size,
        ))
    }

    /// The viewer's shares of this ledger's expense schedules; a variable
    /// share counts as 0 in the total.
    async fn fixed_costs(&self, ctx: &Context<'_>) -> AppResult<FixedCosts> {
        let services = ctx.services();
        let filter = ScheduleFilter {
            ledger: Some(self.scope().ledger),
            assigned_to_viewer: true,
            entry_type: Some(EntryType::Expense),
            ..ScheduleFilter::default()
        };
        let mut schedules = {
            let mut conn = services.db.read().await?;
            let today = services.clock.today();
            load(&mut conn, self.scope().viewer, filter, today, None).await?
        };
        let selection = ctx
            .look_ahead()
            .field("items")
            .field("schedule")
            .field("ledger");
        prefetch_ledgers(ctx, &mut schedules, selection).await?;
        let total = schedules
            .iter()
            .try_fold(0, |total, schedule| add(total, schedule.my_share_or_zero()))?;
        Ok(FixedCosts {
            items: schedules.into_iter().map(ScheduleShare).collect(),
            total: Money(total),
        })
    }
}
