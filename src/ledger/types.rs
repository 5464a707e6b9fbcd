//! The GraphQL view of a ledger, as one member sees it.

use async_graphql::{Context, Enum, ID, Object};

use crate::{
    analytics::{
        resolvers::{LedgerAnalytics, ledger_balances},
        types::MemberBalance,
    },
    error::AppResult,
    graphql::scalars::DateTime,
    ledger::model::{LedgerRow, MembershipRow, ROLE_ADMIN},
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

/// A ledger together with the viewer's membership of it: a `Ledger` value
/// exists only for a member, which is what keeps its fields authorized.
pub struct Ledger {
    pub row: LedgerRow,
    pub membership: MembershipRow,
}

impl From<(LedgerRow, MembershipRow)> for Ledger {
    fn from((row, membership): (LedgerRow, MembershipRow)) -> Self {
        Self { row, membership }
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
        if self.membership.role == ROLE_ADMIN {
            LedgerRole::Admin
        } else {
            LedgerRole::Member
        }
    }

    async fn my_color(&self) -> &str {
        &self.membership.color
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
