use async_graphql::Enum;

/// Income or expense; entries and schedules share it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Enum)]
pub enum EntryType {
    Income,
    Expense,
}

impl EntryType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Income => "INCOME",
            Self::Expense => "EXPENSE",
        }
    }

    pub fn from_db(value: &str) -> Self {
        if value == "INCOME" {
            Self::Income
        } else {
            Self::Expense
        }
    }
}
