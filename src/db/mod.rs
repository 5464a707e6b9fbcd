//! The database: pools, read/write routing, migrations and error mapping.

mod errors;
pub mod last_insert_id;
pub mod migrate;
mod pools;
pub mod schema;

pub use errors::{is_unique_violation, unique_violation_key};
pub use pools::{Database, DbConn};

pub type Conn = diesel_async::AsyncMysqlConnection;
