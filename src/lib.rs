//! Uliga (우리가): the shared household ledger's GraphQL API server.
//!
//! Layers from the outside in: `http` (router, GraphQL over HTTP, health,
//! metrics) -> `graphql` (schema, limits, scalars) -> the domains (`auth`,
//! `member`, `ledger`) -> `db` (pools, routing, migrations) and `redis_store`.

pub mod analytics;
pub mod app;
pub mod auth;
pub mod budget;
pub mod calendar;
pub mod category;
pub mod clock;
pub mod config;
pub mod db;
pub mod entry;
pub mod error;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod invitation;
pub mod ledger;
pub mod mail;
pub mod member;
pub mod notification;
pub mod notify;
pub mod redis_store;
pub mod schedule;
pub mod telemetry;
pub mod text;
