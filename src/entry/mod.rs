//! Entries: income and expenses recorded in a ledger.

pub mod input;
pub mod kind;
pub mod model;
pub mod mutations;
pub mod queries;
pub mod types;
pub mod views;
