//! Monthly budgets: one per (ledger, year, month).

pub mod queries;
pub mod resolvers;
