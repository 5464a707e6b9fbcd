//! Invitations to shared ledgers, by email.

pub mod queries;
