//! Analytics of a ledger (expenses only unless said otherwise) and the
//! settle-up balances between its members.

pub mod balances;
pub mod buckets;
pub mod queries;
pub mod ranking;
pub mod resolvers;
pub mod settle;
pub mod types;
