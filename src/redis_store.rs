//! The Redis pool and key naming. Every key goes through `Redis::key`, so a
//! deployment (or a test) can share one Redis under its own prefix.

use bb8_redis::RedisConnectionManager;

use crate::{config::RedisConfig, error::AppResult};

pub type RedisConn = bb8::PooledConnection<'static, RedisConnectionManager>;

#[derive(Clone)]
pub struct Redis {
    pool: bb8::Pool<RedisConnectionManager>,
    /// For the pub/sub connection, which lives outside the pool.
    client: redis::Client,
    prefix: String,
}

impl Redis {
    pub async fn connect(config: &RedisConfig) -> anyhow::Result<Self> {
        let manager = RedisConnectionManager::new(config.url.as_str())?;
        let pool = bb8::Pool::builder()
            .max_size(16)
            .connection_timeout(std::time::Duration::from_secs(3))
            .build(manager)
            .await?;
        Ok(Self {
            pool,
            client: redis::Client::open(config.url.as_str())?,
            prefix: config.key_prefix.clone(),
        })
    }

    pub async fn conn(&self) -> AppResult<RedisConn> {
        Ok(self.pool.get_owned().await?)
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

    pub async fn ping(&self) -> AppResult<()> {
        let mut conn = self.conn().await?;
        let _: String = redis::cmd("PING").query_async(&mut *conn).await?;
        Ok(())
    }
}
