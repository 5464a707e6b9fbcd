//! Read views of entries: one entry, a day, a month's calendar, pages with
//! filters, and the month summary.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use crate::{
    calendar::YearMonth,
    entry::{
        input::check_search,
        queries::{self, EntryQuery},
        types::{DayTotal, Entry, EntryFilter, EntryPage, MonthSummary, entries_of},
    },
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        scalars::{Date, Money},
    },
    ids::{CategoryId, EntryId, LedgerId, MemberId},
    ledger::{
        access::member_of,
        tombstones::{self, RowKind},
        types::Ledger,
    },
};

/// Page sizes are at most this.
pub const MAX_PAGE_SIZE: i32 = 100;

/// Checks `page` (from 0) and `size` (1-100).
pub fn check_page(page: i32, size: i32) -> AppResult<(i64, i64)> {
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(AppError::bad_input(
            "size",
            "한 페이지는 1~100개까지입니다.",
        ));
    }
    if page < 0 {
        return Err(AppError::bad_input("page", "페이지는 0부터 셉니다."));
    }
    Ok((i64::from(page), i64::from(size)))
}

#[derive(Default)]
pub struct EntryQueryRoot;

#[Object]
impl EntryQueryRoot {
    async fn entry(&self, ctx: &Context<'_>, id: ID) -> AppResult<Entry> {
        let viewer = ctx.viewer()?.member_id;
        let id = EntryId::parse(&id)?;
        let mut conn = ctx.services().db.read().await?;
        let Some(view) = queries::by_ids(&mut conn, &[id.0]).await?.pop() else {
            return Err(tombstones::absent(&mut conn, RowKind::Entry, &[id.0], viewer).await);
        };
        let ledger = member_of(&mut conn, LedgerId(view.entry.ledger_id), viewer).await?;
        Ok(Entry {
            view,
            ledger: Arc::new(Ledger::from(ledger)),
        })
    }
}

pub async fn calendar(
    ctx: &Context<'_>,
    ledger: &Ledger,
    year: i32,
    month: i32,
) -> AppResult<Vec<DayTotal>> {
    let period = YearMonth::parse(year, month)?;
    let days = ledger.months.days(ctx, ledger.row.id, period).await?;
    Ok(days
        .iter()
        .map(|day| DayTotal {
            date: Date(day.day),
            income_total: Money(day.income),
            expense_total: Money(day.expense),
        })
        .collect())
}

pub async fn entries_on(ctx: &Context<'_>, ledger: &Ledger, date: Date) -> AppResult<Vec<Entry>> {
    let mut conn = ctx.services().db.read().await?;
    let views = queries::on_day(&mut conn, ledger.row.id, date.0).await?;
    Ok(entries_of(&Arc::new(ledger.clone()), views))
}

pub async fn entries(
    ctx: &Context<'_>,
    ledger: &Ledger,
    filter: Option<EntryFilter>,
    page: i32,
    size: i32,
) -> AppResult<EntryPage> {
    let (offset_page, limit) = check_page(page, size)?;
    let filter = filter.unwrap_or_default();
    // Ids that cannot exist match nothing, as ids of other ledgers do.
    let query = EntryQuery {
        entry_type: filter.entry_type,
        category: filter
            .category_id
            .as_ref()
            .map(|id| CategoryId::parse(id).unwrap_or(CategoryId(0))),
        categories_not_in: None,
        from: filter.from.map(|date| date.0),
        to: filter.to.map(|date| date.0),
        creator: filter
            .creator_id
            .as_ref()
            .map(|id| MemberId::parse(id).unwrap_or(MemberId(0))),
        search: check_search(filter.search).map_err(|error| error.into_app_error(""))?,
    };
    let mut conn = ctx.services().db.read().await?;
    let (views, total) =
        queries::page(&mut conn, ledger.row.id, &query, offset_page, limit).await?;
    Ok(EntryPage::new(
        entries_of(&Arc::new(ledger.clone()), views),
        total,
        page,
        size,
    ))
}

pub async fn month_summary(
    ctx: &Context<'_>,
    ledger: &Ledger,
    year: i32,
    month: i32,
) -> AppResult<MonthSummary> {
    let period = YearMonth::parse(year, month)?;
    let facts = ledger.months.facts(ctx, ledger.row.id, period).await?;
    Ok(MonthSummary {
        year,
        month,
        income_total: Money(facts.totals.income),
        expense_total: Money(facts.totals.expense),
        budget: facts.budget.map(Money),
    })
}
