//! Pooled connections that the pool can tell are unusable.
//!
//! A statement's future can be dropped half-way: a client disconnects, the
//! request time limit passes, a subscription stops. Dropped after the
//! driver sent the command but before it read the reply's header, the
//! connection is out of step with the server: the next statement on it would
//! read the abandoned reply ("packet out of order", or rows decoded as the
//! wrong columns). Neither the driver nor the pool notices. So each
//! connection records, through diesel's instrumentation, whether a statement
//! is between its start and its finish, and whether one failed in a way that
//! may mean the server went away. The pool discards such a connection when it
//! comes back, instead of lending it out again.

use std::{
    ops::{Deref, DerefMut},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::{
    AsyncConnection, AsyncMysqlConnection, SimpleAsyncConnection,
    pooled_connection::{PoolError, PoolableConnection},
};
use tokio::sync::Notify;

use super::read_your_writes;

/// What each connection reports to its node: every statement it starts, and
/// every statement that fails in a way that may mean the server is gone.
#[derive(Clone)]
pub struct Counters {
    /// The node's position in `Database::nodes`.
    pub index: usize,
    pub node: Arc<AtomicU64>,
    pub all: Arc<AtomicU64>,
    /// Wakes the node's probe early.
    pub suspect: Arc<Notify>,
}

/// One connection's state, as its instrumentation sees it.
#[derive(Default)]
struct Flags {
    /// A statement started and has not finished.
    in_flight: AtomicBool,
    /// A statement started while another had not finished: the earlier one
    /// was abandoned, and its reply may have been read as this one's.
    /// Stays set, whatever finishes later.
    overlapped: AtomicBool,
    /// A statement failed as a lost connection does. diesel-async reports
    /// errors of the server it does not name (a lock wait timeout, a
    /// deadlock) with the same kind as a broken socket, so these close the
    /// connection too: a new one now and then, on errors that are rare here.
    lost: AtomicBool,
}

/// A connection and its flags; the pool lends it out as the connection.
pub struct TrackedConn {
    conn: AsyncMysqlConnection,
    flags: Arc<Flags>,
}

impl Deref for TrackedConn {
    type Target = AsyncMysqlConnection;

    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl DerefMut for TrackedConn {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl TrackedConn {
    /// Why the pool must not lend this connection again, if it must not.
    fn unusable(&mut self) -> Option<&'static str> {
        if self.flags.in_flight.load(Ordering::Relaxed)
            || self.flags.overlapped.load(Ordering::Relaxed)
        {
            Some("abandoned_statement")
        } else if self.flags.lost.load(Ordering::Relaxed) {
            Some("lost")
        } else if self.conn.is_broken() {
            // diesel-async's own check: a transaction left open or broken.
            Some("broken_transaction")
        } else {
            None
        }
    }
}

/// Makes the connections of one node's pool.
pub struct Manager {
    url: String,
    counters: Counters,
}

impl Manager {
    pub fn new(url: &str, counters: Counters) -> Self {
        Self {
            url: url.to_owned(),
            counters,
        }
    }
}

impl bb8::ManageConnection for Manager {
    type Connection = TrackedConn;
    type Error = PoolError;

    async fn connect(&self) -> Result<TrackedConn, PoolError> {
        let mut conn = AsyncMysqlConnection::establish(&self.url)
            .await
            .map_err(PoolError::ConnectionError)?;
        let flags = Arc::new(Flags::default());
        conn.set_instrumentation(instrumentation(self.counters.clone(), flags.clone()));
        Ok(TrackedConn { conn, flags })
    }

    async fn is_valid(&self, conn: &mut TrackedConn) -> Result<(), PoolError> {
        conn.batch_execute("SELECT 1")
            .await
            .map_err(PoolError::QueryError)
    }

    fn has_broken(&self, conn: &mut TrackedConn) -> bool {
        let reason = if std::thread::panicking() {
            Some("panic")
        } else {
            conn.unusable()
        };
        if let Some(reason) = reason {
            metrics::counter!("uliga_db_connections_discarded_total", "reason" => reason)
                .increment(1);
        }
        reason.is_some()
    }
}

fn instrumentation(counters: Counters, flags: Arc<Flags>) -> impl Instrumentation {
    move |event: InstrumentationEvent<'_>| match event {
        InstrumentationEvent::StartQuery { .. } => {
            if flags.in_flight.swap(true, Ordering::Relaxed) {
                flags.overlapped.store(true, Ordering::Relaxed);
            }
            counters.node.fetch_add(1, Ordering::Relaxed);
            counters.all.fetch_add(1, Ordering::Relaxed);
        }
        InstrumentationEvent::FinishQuery { error, .. } => {
            flags.in_flight.store(false, Ordering::Relaxed);
            if error.is_some_and(may_be_lost_connection) {
                flags.lost.store(true, Ordering::Relaxed);
                read_your_writes::note_failure(counters.index);
                counters.suspect.notify_one();
            }
        }
        _ => {}
    }
}

/// Errors the server reports about the statement itself (a duplicate key,
/// no row) say nothing about the node; anything else may be a dead server.
fn may_be_lost_connection(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        error,
        Error::DatabaseError(
            DatabaseErrorKind::Unknown
                | DatabaseErrorKind::ClosedConnection
                | DatabaseErrorKind::UnableToSendCommand,
            _,
        )
    )
}
