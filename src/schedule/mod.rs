//! Schedules (금융 일정): recurring monthly income and expenses, due on a day
//! of the month and split among the ledger's members.

pub mod due;
pub mod input;
pub mod load;
pub mod model;
pub mod mutations;
pub mod notify;
pub mod queries;
pub mod resolvers;
pub mod types;
pub mod values;
