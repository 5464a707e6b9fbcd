//! Following Redis pub/sub channels for the life of the instance, on one
//! dedicated connection that reconnects by itself when Redis drops. Every
//! follower of the instance shares that connection (`Followers`): ledger
//! events and notifications (`notify::hub`) and ended sessions
//! (`auth::live_sessions`).
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

/// The instance's followers, each with the channels it hears. Together they
/// are one follower: each message goes to the follower of its channel, and
/// each of them is told when the connection is subscribed and when it is
/// lost.
#[derive(Default)]
pub struct Followers {
    followers: Vec<Box<dyn Follower>>,
    /// Each channel, and the follower (an index) that hears it.
    channels: Vec<(String, usize)>,
}

impl Followers {
    pub fn add(&mut self, channels: Vec<String>, follower: impl Follower) {
        let index = self.followers.len();
        self.followers.push(Box::new(follower));
        self.channels
            .extend(channels.into_iter().map(|channel| (channel, index)));
    }

    fn channels(&self) -> Vec<String> {
        self.channels
            .iter()
            .map(|(channel, _)| channel.clone())
            .collect()
    }
}

impl Follower for Followers {
    fn subscribed(&mut self) {
        self.followers.iter_mut().for_each(|f| f.subscribed());
    }

    fn message(&mut self, message: &redis::Msg) {
        let channel = message.get_channel_name();
        let hearer = self.channels.iter().find(|(name, _)| name == channel);
        if let Some(&(_, index)) = hearer {
            self.followers[index].message(message);
        }
    }

    fn lost(&mut self) {
        self.followers.iter_mut().for_each(|f| f.lost());
    }
}

/// First wait before reconnecting; it doubles up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Runs forever, on one connection at a time: spawn it once per instance.
pub async fn follow(redis: Redis, mut followers: Followers) {
    let channels = followers.channels();
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
                    followers.subscribed();
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        followers.message(&message);
                    }
                    followers.lost();
                    tracing::warn!("Redis pub/sub connection closed; reconnecting");
                }
            }
            Err(error) => tracing::warn!(%error, "Redis pub/sub unavailable; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
