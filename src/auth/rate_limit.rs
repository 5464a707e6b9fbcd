//! Fixed-window rate limits in Redis, so that a limit holds across every
//! instance. Each limited operation names its bucket; an exceeded limit is
//! RATE_LIMITED with the seconds until the window ends.

use std::{sync::LazyLock, time::Duration};

use async_graphql::Context;
use redis::{AsyncCommands, Script};

use crate::{
    error::{AppError, AppResult},
    graphql::context::ContextExt,
    redis_store::Redis,
};

/// INCRBY ARGV[2], starting the window on the first hit; returns the count
/// and the milliseconds left in the window.
static HIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local count = redis.call('INCRBY', KEYS[1], ARGV[2])
        if count == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            ttl = tonumber(ARGV[1])
        end
        return {count, ttl}
        ",
    )
});

/// One bucket: `limit` events per `window`, per `subject` (an email or an address).
pub struct Limit<'a> {
    pub bucket: &'static str,
    pub subject: &'a str,
    pub limit: u32,
    pub window: Duration,
}

impl Limit<'_> {
    fn key(&self, redis: &Redis) -> String {
        redis.key(&["rl", self.bucket, self.subject])
    }

    /// Counts one event; RATE_LIMITED once the count passes the limit.
    pub async fn hit(&self, redis: &Redis) -> AppResult<()> {
        self.hit_many(redis, 1).await
    }

    /// Counts `events` at once (e.g. each root field of a request).
    pub async fn hit_many(&self, redis: &Redis, events: u32) -> AppResult<()> {
        let mut conn = redis.conn().await?;
        let window_ms = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
        let (count, ttl_ms): (u64, i64) = HIT
            .key(self.key(redis))
            .arg(window_ms)
            .arg(events.max(1))
            .invoke_async(&mut *conn)
            .await?;
        if count > u64::from(self.limit) {
            return Err(rate_limited(ttl_ms));
        }
        Ok(())
    }

    /// RATE_LIMITED when the window already holds `limit` events; counts nothing.
    pub async fn check(&self, redis: &Redis) -> AppResult<()> {
        let mut conn = redis.conn().await?;
        let key = self.key(redis);
        let count: Option<u64> = conn.get(&key).await?;
        if count.unwrap_or(0) >= u64::from(self.limit) {
            let ttl_ms: i64 = conn.pttl(&key).await?;
            return Err(rate_limited(ttl_ms));
        }
        Ok(())
    }
}

/// Counts one event against the request's client address in `bucket`;
/// RATE_LIMITED past `limit` per `window`.
pub async fn hit_per_client_address(
    ctx: &Context<'_>,
    bucket: &'static str,
    limit: u32,
    window: Duration,
) -> AppResult<()> {
    let address = ctx.request().client_addr.to_string();
    Limit {
        bucket,
        subject: &address,
        limit,
        window,
    }
    .hit(&ctx.services().redis)
    .await
}

fn rate_limited(ttl_ms: i64) -> AppError {
    let seconds = u64::try_from(ttl_ms.max(1)).unwrap_or(1).div_ceil(1000);
    AppError::RateLimited {
        retry_after_secs: seconds.max(1),
    }
}
