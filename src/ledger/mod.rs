//! Ledgers and their memberships.

pub mod access;
pub mod categories;
pub mod lifecycle;
pub mod model;
pub mod queries;
pub mod resolvers;
pub mod scope;
pub mod types;
