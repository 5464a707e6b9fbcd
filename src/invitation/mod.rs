//! Invitations to shared ledgers, by email, also to people without an
//! account yet (they see the invitation once they sign up).

pub mod create;
pub mod model;
pub mod queries;
pub mod resolvers;
pub mod types;
