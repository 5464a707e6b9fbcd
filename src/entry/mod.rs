//! Entries: income and expenses recorded in a ledger.

pub mod kind;
