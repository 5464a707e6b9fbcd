//! Ledgers and their memberships.

pub mod access;
pub mod lifecycle;
pub mod model;
pub mod month_facts;
pub mod mutations;
pub mod queries;
pub mod resolvers;
pub mod scope;
pub mod tombstones;
pub mod types;
