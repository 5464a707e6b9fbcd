//! The database: nodes and their health, read/write routing with
//! read-your-writes, migrations and error mapping.

mod errors;
mod gtid;
pub mod keys;
pub mod last_insert_id;
pub mod migrate;
pub mod money;
mod node;
mod pools;
mod probe;
pub mod read_your_writes;
pub mod schema;
mod tracked;

pub use errors::{is_unique_violation, unique_violation_key};
pub use node::{DbConn, Role};
pub use pools::{Database, NodeReport};

pub type Conn = diesel_async::AsyncMysqlConnection;
