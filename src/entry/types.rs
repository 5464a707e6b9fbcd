//! The GraphQL views of entries.

use std::sync::Arc;

use async_graphql::{ID, InputObject, Object, SimpleObject};

use crate::{
    category::types::Category,
    entry::{kind::EntryType, model::EntryView},
    graphql::scalars::{Date, DateTime, Money},
    ids::EntryId,
    ledger::{model::DEFAULT_COLOR, types::Ledger},
    member::types::Member,
};

/// An entry, with the ledger it belongs to as the viewer sees it.
pub struct Entry {
    pub view: EntryView,
    pub ledger: Arc<Ledger>,
}

#[Object]
impl Entry {
    async fn id(&self) -> ID {
        EntryId(self.view.entry.id).into()
    }

    async fn ledger(&self) -> Ledger {
        (*self.ledger).clone()
    }

    #[graphql(name = "type")]
    async fn entry_type(&self) -> EntryType {
        EntryType::from_db(&self.view.entry.entry_type)
    }

    async fn amount(&self) -> Money {
        Money(self.view.entry.amount)
    }

    async fn date(&self) -> Date {
        Date(self.view.entry.entry_date)
    }

    async fn category(&self) -> Category {
        Category(self.view.category.clone())
    }

    async fn payment(&self) -> &str {
        &self.view.entry.payment
    }

    async fn counterparty(&self) -> &str {
        &self.view.entry.counterparty
    }

    async fn memo(&self) -> Option<&str> {
        self.view.entry.memo.as_deref()
    }

    /// Shows their nickname even after they left or deleted their account.
    async fn creator(&self) -> Member {
        Member(self.view.creator.clone())
    }

    /// The creator's color in this ledger.
    async fn creator_color(&self) -> &str {
        self.view.creator_color.as_deref().unwrap_or(DEFAULT_COLOR)
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.view.entry.created_at)
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.view.entry.updated_at)
    }
}

pub fn entries_of(ledger: &Arc<Ledger>, views: Vec<EntryView>) -> Vec<Entry> {
    views
        .into_iter()
        .map(|view| Entry {
            view,
            ledger: ledger.clone(),
        })
        .collect()
}

#[derive(SimpleObject)]
pub struct EntryPage {
    pub items: Vec<Entry>,
    pub total_count: i32,
    pub page: i32,
    pub size: i32,
    pub total_pages: i32,
}

impl EntryPage {
    pub fn new(items: Vec<Entry>, total: i64, page: i32, size: i32) -> Self {
        let total_pages = if total == 0 {
            0
        } else {
            (total - 1) / i64::from(size) + 1
        };
        Self {
            items,
            total_count: i32::try_from(total).unwrap_or(i32::MAX),
            page,
            size,
            total_pages: i32::try_from(total_pages).unwrap_or(i32::MAX),
        }
    }
}

#[derive(InputObject, Default)]
pub struct EntryFilter {
    #[graphql(name = "type")]
    pub entry_type: Option<EntryType>,
    pub category_id: Option<ID>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub creator_id: Option<ID>,
    /// Case-insensitive match on counterparty or memo.
    pub search: Option<String>,
}

#[derive(SimpleObject)]
pub struct DayTotal {
    pub date: Date,
    pub income_total: Money,
    pub expense_total: Money,
}

#[derive(SimpleObject)]
pub struct MonthSummary {
    pub year: i32,
    pub month: i32,
    pub income_total: Money,
    pub expense_total: Money,
    pub budget: Option<Money>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_pages_round_up() {
        assert_eq!(EntryPage::new(Vec::new(), 0, 0, 20).total_pages, 0);
        assert_eq!(EntryPage::new(Vec::new(), 20, 0, 20).total_pages, 1);
        assert_eq!(EntryPage::new(Vec::new(), 21, 0, 20).total_pages, 2);
    }
}
