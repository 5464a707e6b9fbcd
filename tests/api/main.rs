//! Integration tests over HTTP against real MariaDB, Redis and SMTP. Each
//! test gets its own database, Redis key prefix and mailbox, so they run in
//! parallel. Folders mirror the API.

mod analytics;
mod auth;
mod authorization;
mod budgets;
mod categories;
mod connections;
mod deleted_rows;
mod delivery;
mod entries;
mod event_fanout;
mod graphql_ws_client;
mod http;
mod invitations;
mod ledgers;
mod limits;
mod list_limits;
mod notifications;
mod profile;
mod redis_connections;
mod redis_restart;
mod reminders;
mod replication;
mod schedules;
mod schema;
mod shutdown;
mod statements;
mod subscriptions;
mod support;
mod validation;
mod websocket;
