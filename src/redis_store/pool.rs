//! Pooled Redis connections that are checked when they may have gone stale,
//! not on every check-out.
//!
//! bb8-redis's manager cannot tell a dead connection (`has_broken` is always
//! false), so it relies on bb8's check-out test: a PING before every use.
//! Every request paid two round trips for its one command. This manager
//! wraps bb8-redis's (which still connects and pings): each connection
//! records when it last answered and whether a command failed as
//! a lost connection does. A connection that failed is discarded when it
//! comes back to the pool; one that has sat idle for longer than
//! `TRUSTED_FOR` is pinged before it is lent out, since Redis may have
//! restarted meanwhile. One that answered just now is lent out as it is.

use std::time::{Duration, Instant};

use bb8::ManageConnection;
use bb8_redis::RedisConnectionManager;
use redis::{
    Cmd, Pipeline, RedisError, RedisFuture, Value,
    aio::{ConnectionLike, MultiplexedConnection},
};

/// How long a connection that answered is trusted without a PING. Under
/// load connections come back within microseconds, so no request pays for a
/// PING; after a quiet spell (a restart of Redis, say) the first use checks.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

pub struct Manager {
    inner: RedisConnectionManager,
}

impl Manager {
    pub fn new(inner: RedisConnectionManager) -> Self {
        Self { inner }
    }
}

/// A multiplexed connection, with what its commands showed about it.
pub struct TrackedConn {
    conn: MultiplexedConnection,
    answered_at: Instant,
    lost: bool,
}

impl TrackedConn {
    /// Whether it answered recently enough to be lent out without a PING.
    pub fn trusted(&self) -> bool {
        !self.lost && self.answered_at.elapsed() < TRUSTED_FOR
    }

    pub fn is_lost(&self) -> bool {
        self.lost
    }

    /// PINGs it. The driver gives up after half a second without an answer
    /// (redis's response timeout), and `record` counts that as lost.
    pub async fn check(&mut self) -> Result<(), RedisError> {
        redis::cmd("PING").query_async(self).await
    }

    fn record<T>(&mut self, outcome: &Result<T, RedisError>) {
        match outcome {
            Ok(_) => self.answered_at = Instant::now(),
            Err(error) if is_lost_connection(error) => self.lost = true,
            // A command the server refused (a wrong type, a script error):
            // the connection itself answered and is fine.
            Err(_) => self.answered_at = Instant::now(),
        }
    }
}

fn is_lost_connection(error: &RedisError) -> bool {
    error.is_unrecoverable_error()
        || error.is_io_error()
        || error.is_connection_dropped()
        || error.is_timeout()
}

impl ConnectionLike for TrackedConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let outcome = self.conn.req_packed_command(cmd).await;
            self.record(&outcome);
            outcome
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let outcome = self.conn.req_packed_commands(pipeline, offset, count).await;
            self.record(&outcome);
            outcome
        })
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}

impl ManageConnection for Manager {
    type Connection = TrackedConn;
    type Error = RedisError;

    async fn connect(&self) -> Result<TrackedConn, RedisError> {
        Ok(TrackedConn {
            conn: self.inner.connect().await?,
            answered_at: Instant::now(),
            lost: false,
        })
    }

    async fn is_valid(&self, conn: &mut TrackedConn) -> Result<(), RedisError> {
        let outcome = self.inner.is_valid(&mut conn.conn).await;
        conn.record(&outcome);
        outcome
    }

    fn has_broken(&self, conn: &mut TrackedConn) -> bool {
        conn.lost
    }
}
