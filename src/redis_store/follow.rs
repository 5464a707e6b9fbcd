//! Following Redis pub/sub channels for the life of the instance, on one
//! dedicated connection that reconnects by itself when Redis drops.
//!
//! Pub/sub delivers only to those subscribed at the moment of publishing, so
//! a follower is told both when it starts hearing and when it stops: what was
//! published in between is lost, and it must make up for it its own way.

use std::time::Duration;

use futures_util::StreamExt;

use crate::redis_store::Redis;

pub trait Follower: Send + 'static {
    /// Subscribed to every channel: from now on, each message published
    /// reaches `message`. Any published before (or while the connection was
    /// lost) did not.
    fn subscribed(&mut self) {}

    fn message(&mut self, message: &redis::Msg);

    /// The connection is gone; messages are missed until `subscribed` again.
    fn lost(&mut self) {}
}

/// First wait before reconnecting; it doubles up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Runs forever: spawn it.
pub async fn follow(redis: Redis, channels: Vec<String>, mut follower: impl Follower) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        match redis.pubsub().await {
            Ok(mut pubsub) => {
                let subscribed = async {
                    for channel in &channels {
                        pubsub.subscribe(channel).await?;
                    }
                    Ok::<_, redis::RedisError>(())
                };
                if let Err(error) = subscribed.await {
                    tracing::warn!(%error, "cannot subscribe to Redis channels");
                } else {
                    backoff = FIRST_BACKOFF;
                    follower.subscribed();
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        follower.message(&message);
                    }
                    follower.lost();
                    tracing::warn!("Redis pub/sub connection closed; reconnecting");
                }
            }
            Err(error) => tracing::warn!(%error, "Redis pub/sub unavailable; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
