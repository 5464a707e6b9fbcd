//! The Redis pool and key naming. Every key goes through `Redis::key`, so a
//! deployment (or a test) can share one Redis under its own prefix.

pub mod follow;
mod pool;

use std::time::{Duration, Instant};

use bb8_redis::RedisConnectionManager;

use crate::{
    config::RedisConfig,
    error::{AppError, AppResult},
};

pub type RedisConn = bb8::PooledConnection<'static, pool::Manager>;

/// Connections in the pool. Each is multiplexed: it carries the commands of
/// many requests at once.
const POOL_SIZE: u32 = 16;

/// How long a request waits for a connection, and for the PINGs of idle ones.
const CHECK_OUT_TIMEOUT: Duration = Duration::from_secs(3);

/// When a check-out PINGs the connection it lends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ping {
    /// Only one idle for longer than the pool trusts (requests).
    WhenIdle,
    /// Every time (readiness, which must see Redis answer now).
    Always,
}

#[derive(Clone)]
pub struct Redis {
    pool: bb8::Pool<pool::Manager>,
    /// For the pub/sub connection, which lives outside the pool.
    client: redis::Client,
    prefix: String,
}

impl Redis {
    pub async fn connect(config: &RedisConfig) -> anyhow::Result<Self> {
        let client = redis::Client::open(config.url.as_str())?;
        let pool = bb8::Pool::builder()
            .max_size(POOL_SIZE)
            .connection_timeout(CHECK_OUT_TIMEOUT)
            // Checked in `conn` instead, and only when idle for a while.
            .test_on_check_out(false)
            // The connection that answered last goes out first: light load
            // keeps reusing one that needs no PING.
            .queue_strategy(bb8::QueueStrategy::Lifo)
            .build(pool::Manager::new(RedisConnectionManager::new(
                config.url.as_str(),
            )?))
            .await?;
        Ok(Self {
            pool,
            client,
            prefix: config.key_prefix.clone(),
        })
    }

    /// A connection that answered within the last second, or that answers
    /// a PING now: see `check_out`.
    pub async fn conn(&self) -> AppResult<RedisConn> {
        self.check_out(Ping::WhenIdle).await
    }

    /// Whether Redis answers now (readiness): one PING, even on a connection
    /// that answered a moment ago.
    pub async fn ping(&self) -> AppResult<()> {
        self.check_out(Ping::Always).await.map(drop)
    }

    /// A connection from the pool, PINGed as `ping` says. One that fails the
    /// PING as a lost connection does is discarded (`pool`), and the next is
    /// tried: after a restart of Redis every idle one is dead. The PINGs
    /// together take at most `CHECK_OUT_TIMEOUT`, so a Redis that stopped
    /// answering fails the request instead of holding it.
    async fn check_out(&self, ping: Ping) -> AppResult<RedisConn> {
        let deadline = Instant::now() + CHECK_OUT_TIMEOUT;
        let mut discarded = 0;
        loop {
            let mut conn = self.pool.get_owned().await?;
            if ping == Ping::WhenIdle && conn.trusted() {
                return Ok(conn);
            }
            if Instant::now() >= deadline {
                return Err(AppError::Unavailable("redis did not answer a PING".into()));
            }
            match conn.check().await {
                Ok(()) => return Ok(conn),
                Err(_) if conn.is_lost() && discarded < POOL_SIZE => discarded += 1,
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// `prefix` + the parts joined by `:`.
    pub fn key(&self, parts: &[&str]) -> String {
        let mut key = self.prefix.clone();
        key.push_str(&parts.join(":"));
        key
    }

    /// A dedicated pub/sub connection.
    pub async fn pubsub(&self) -> redis::RedisResult<redis::aio::PubSub> {
        self.client.get_async_pubsub().await
    }
}
