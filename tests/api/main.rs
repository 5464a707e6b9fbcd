//! Integration tests over HTTP against real MariaDB, Redis and SMTP. Each
//! test gets its own database, Redis key prefix and mailbox, so they run in
//! parallel. Folders mirror the API.

mod auth;
mod categories;
mod http;
mod invitations;
mod ledgers;
mod profile;
mod schema;
mod support;
