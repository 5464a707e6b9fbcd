//! The GraphQL view of a ledger, as one member sees it.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Context, Enum, ID, Lookahead, Object};

use crate::{
    analytics::{balances::ledger_balances, resolvers::LedgerAnalytics, types::MemberBalance},
    budget::resolvers::{self as budget_resolvers, Budget},
    category::{model::CategoryRow, queries as category_queries, types::Category},
    entry::{
        types::{DayTotal, Entry, EntryFilter, EntryPage, MonthSummary},
        views as entry_views,
    },
    error::AppResult,
    graphql::{
        context::ContextExt,
        scalars::{Date, DateTime},
    },
    invitation::{
        queries as invitation_queries,
        types::{Invitation, hydrate},
    },
    ledger::{
        model::{LedgerRow, MembershipRow, ROLE_ADMIN},
        month_facts::MonthMemo,
        queries::{MemberOfLedger, members_of},
    },
    member::types::Member,
    schedule::{
        resolvers::{ledger_schedule_totals, ledger_schedules},
        types::{Schedule, ScheduleTotals},
    },
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum LedgerRole {
    Admin,
    Member,
}

impl LedgerRole {
    pub fn from_db(role: &str) -> Self {
        if role == ROLE_ADMIN {
            Self::Admin
        } else {
            Self::Member
        }
    }
}

/// Children loaded for a whole list of ledgers at once, so that a list costs
/// the same number of statements whatever its length.
#[derive(Default)]
pub struct LedgerPrefetch {
    pub members: Option<HashMap<i64, Vec<MemberOfLedger>>>,
    pub categories: Option<HashMap<i64, Vec<CategoryRow>>>,
}

/// A ledger together with the viewer's membership of it: a `Ledger` value
/// exists only for a member, which is what keeps its fields authorized.
#[derive(Clone)]
pub struct Ledger {
    pub row: LedgerRow,
    pub membership: MembershipRow,
    pub prefetch: Option<Arc<LedgerPrefetch>>,
    /// Month totals and budgets this request has read for this ledger.
    pub months: Arc<MonthMemo>,
}

impl From<(LedgerRow, MembershipRow)> for Ledger {
    fn from((row, membership): (LedgerRow, MembershipRow)) -> Self {
        Self {
            row,
            membership,
            prefetch: None,
            months: Arc::default(),
        }
    }
}

impl Ledger {
    /// Turns ledger rows into `Ledger`s, loading members and categories for
    /// all of them in one statement each when the query asks for them.
    pub async fn list(
        ctx: &Context<'_>,
        rows: Vec<(LedgerRow, MembershipRow)>,
    ) -> AppResult<Vec<Ledger>> {
        Self::list_selecting(ctx, rows, ctx.look_ahead()).await
    }

    /// As `list`, for ledgers reached deeper in the query (a schedule's
    /// ledger): `look_ahead` is the selection on the ledgers themselves.
    pub async fn list_selecting(
        ctx: &Context<'_>,
        rows: Vec<(LedgerRow, MembershipRow)>,
        look_ahead: Lookahead<'_>,
    ) -> AppResult<Vec<Ledger>> {
        let wants_members =
            look_ahead.field("members").exists() || look_ahead.field("memberCount").exists();
        let wants_categories = look_ahead.field("categories").exists();
        let ids: Vec<i64> = rows.iter().map(|(row, _)| row.id).collect();
        let mut prefetch = LedgerPrefetch::default();
        if !ids.is_empty() && (wants_members || wants_categories) {
            let mut conn = ctx.services().db.read().await?;
            if wants_members {
                let mut by_ledger: HashMap<i64, Vec<MemberOfLedger>> = HashMap::new();
                for item in members_of(&mut conn, &ids).await? {
                    by_ledger.entry(item.0.ledger_id).or_default().push(item);
                }
                prefetch.members = Some(by_ledger);
            }
            if wants_categories {
                let mut by_ledger: HashMap<i64, Vec<CategoryRow>> = HashMap::new();
                for row in category_queries::for_ledgers(&mut conn, &ids).await? {
                    by_ledger.entry(row.ledger_id).or_default().push(row);
                }
                prefetch.categories = Some(by_ledger);
            }
        }
        let prefetch = Arc::new(prefetch);
        Ok(rows
            .into_iter()
            .map(|(row, membership)| Ledger {
                row,
                membership,
                prefetch: Some(prefetch.clone()),
                months: Arc::default(),
            })
            .collect())
    }

    async fn load_members(&self, ctx: &Context<'_>) -> AppResult<Vec<MemberOfLedger>> {
        if let Some(members) = self.prefetch.as_ref().and_then(|p| p.members.as_ref()) {
            return Ok(members.get(&self.row.id).cloned().unwrap_or_default());
        }
        let mut conn = ctx.services().db.read().await?;
        members_of(&mut conn, &[self.row.id]).await
    }
}

/// A member of a ledger as the ledger shows them.
pub struct LedgerMember {
    pub membership: MembershipRow,
    pub member: crate::member::model::MemberRow,
}

#[Object]
impl LedgerMember {
    async fn member(&self) -> Member {
        Member::from(self.member.clone())
    }

    async fn email(&self) -> &str {
        &self.member.email
    }

    async fn role(&self) -> LedgerRole {
        LedgerRole::from_db(&self.membership.role)
    }

    async fn color(&self) -> &str {
        &self.membership.color
    }

    async fn joined_at(&self) -> DateTime {
        DateTime(self.membership.joined_at)
    }
}

#[Object]
impl Ledger {
    async fn id(&self) -> ID {
        self.row.ledger_id().into()
    }

    async fn name(&self) -> &str {
        &self.row.name
    }

    async fn relationship(&self) -> &str {
        &self.row.relationship
    }

    async fn is_private(&self) -> bool {
        self.row.is_private()
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.row.created_at)
    }

    async fn my_role(&self) -> LedgerRole {
        LedgerRole::from_db(&self.membership.role)
    }

    async fn my_color(&self) -> &str {
        &self.membership.color
    }

    async fn member_count(&self, ctx: &Context<'_>) -> AppResult<i32> {
        let count = self.load_members(ctx).await?.len();
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }

    /// Current members in join order.
    async fn members(&self, ctx: &Context<'_>) -> AppResult<Vec<LedgerMember>> {
        Ok(self
            .load_members(ctx)
            .await?
            .into_iter()
            .map(|(membership, member)| LedgerMember { membership, member })
            .collect())
    }

    /// Pending invitations sent for this ledger.
    async fn invitations(&self, ctx: &Context<'_>) -> AppResult<Vec<Invitation>> {
        let now = ctx.services().clock.now_naive();
        let mut conn = ctx.services().db.read().await?;
        let rows = invitation_queries::pending_of_ledger(&mut conn, self.row.id, now).await?;
        hydrate(&mut conn, rows).await
    }

    async fn categories(&self, ctx: &Context<'_>) -> AppResult<Vec<Category>> {
        if let Some(categories) = self.prefetch.as_ref().and_then(|p| p.categories.as_ref()) {
            let rows = categories.get(&self.row.id).cloned().unwrap_or_default();
            return Ok(rows.into_iter().map(Category::from).collect());
        }
        let mut conn = ctx.services().db.read().await?;
        let rows = category_queries::for_ledgers(&mut conn, &[self.row.id]).await?;
        Ok(rows.into_iter().map(Category::from).collect())
    }

    async fn month_summary(
        &self,
        ctx: &Context<'_>,
        year: i32,
        month: i32,
    ) -> AppResult<MonthSummary> {
        entry_views::month_summary(ctx, self, year, month).await
    }

    /// Days of the month that have entries, ascending, with per-type totals.
    async fn calendar(&self, ctx: &Context<'_>, year: i32, month: i32) -> AppResult<Vec<DayTotal>> {
        entry_views::calendar(ctx, self, year, month).await
    }

    /// Entries of one day, largest amount first.
    async fn entries_on(&self, ctx: &Context<'_>, date: Date) -> AppResult<Vec<Entry>> {
        entry_views::entries_on(ctx, self, date).await
    }

    /// Newest date first; size is at most 100.
    #[graphql(complexity = "crate::graphql::limits::page_cost(size, 20, child_complexity)")]
    async fn entries(
        &self,
        ctx: &Context<'_>,
        filter: Option<EntryFilter>,
        #[graphql(default_with = "Some(0)")] page: Option<i32>,
        #[graphql(default_with = "Some(20)")] size: Option<i32>,
    ) -> AppResult<EntryPage> {
        let (page, size) = (page.unwrap_or(0), size.unwrap_or(20));
        entry_views::entries(ctx, self, filter, page, size).await
    }

    async fn budget(&self, ctx: &Context<'_>, year: i32, month: i32) -> AppResult<Option<Budget>> {
        budget_resolvers::for_ledger(ctx, self, year, month).await
    }

    // Schedules and analytics.

    async fn schedules(&self, ctx: &Context<'_>) -> AppResult<Vec<Schedule>> {
        ledger_schedules(ctx, self).await
    }

    async fn schedule_totals(&self, ctx: &Context<'_>) -> AppResult<ScheduleTotals> {
        ledger_schedule_totals(ctx, self).await
    }

    async fn analytics(&self) -> LedgerAnalytics {
        LedgerAnalytics::of(self)
    }

    /// Who owes whom, from expenses paid by one member for a shared ledger.
    async fn balances(&self, ctx: &Context<'_>) -> AppResult<Vec<MemberBalance>> {
        ledger_balances(ctx, self).await
    }
}
