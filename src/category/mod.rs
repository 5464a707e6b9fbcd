//! Categories of a ledger: the defaults, names unique per ledger, and the
//! fallback category that entries of a deleted category move to.

pub mod defaults;
pub mod model;
pub mod queries;
pub mod resolvers;
pub mod types;
