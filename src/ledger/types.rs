//! The GraphQL view of a ledger, as one member sees it.

use async_graphql::{Enum, ID, Object};

use crate::{
    graphql::scalars::DateTime,
    ledger::model::{LedgerRow, MembershipRow, ROLE_ADMIN},
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
}
