//! Ledger and notification events from Redis pub/sub, fanned out in process
//! to every subscriber through a broadcast channel. They are heard on the
//! instance's one pub/sub connection, which reconnects by itself when Redis
//! drops (`redis_store::follow`); subscribers keep their
//! sockets, and notifications missed in the meantime are caught up from MySQL
//! on the next event.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use tokio::sync::{broadcast, mpsc};

use crate::{
    db::Database,
    notify::LedgerChange,
    redis_store::{
        Redis,
        follow::{Follower, Followers},
    },
};

/// Events a subscriber may care about.
#[derive(Clone, Debug)]
pub enum HubEvent {
    Ledger(Arc<LedgerChange>),
    /// The member has new notifications in MySQL.
    Notifications {
        recipient: i64,
    },
}

pub fn ledger_channel(redis: &Redis) -> String {
    redis.key(&["events", "ledger"])
}

pub fn notification_channel(redis: &Redis) -> String {
    redis.key(&["events", "notifications"])
}

pub struct Hub {
    sender: broadcast::Sender<HubEvent>,
    subscribers: AtomicI64,
}

/// Counts a live subscription for `/metrics` while it exists.
pub struct SubscriberGuard(Arc<Hub>);

impl Drop for SubscriberGuard {
    fn drop(&mut self) {
        let now = self.0.subscribers.fetch_sub(1, Ordering::Relaxed) - 1;
        metrics::gauge!("uliga_subscribers").set(now as f64);
    }
}

impl Hub {
    /// Starts the publisher of committed notifications, and adds the
    /// listener to the instance's `followers`. A subscriber more than
    /// `buffer` events behind misses the oldest of them.
    pub fn start(
        redis: Redis,
        db: &Database,
        buffer: usize,
        followers: &mut Followers,
    ) -> Arc<Self> {
        let (sender, _) = broadcast::channel(buffer);
        let hub = Arc::new(Self {
            sender,
            subscribers: AtomicI64::new(0),
        });
        let relay = Relay {
            sender: hub.sender.clone(),
            ledger_channel: ledger_channel(&redis),
        };
        let channels = vec![ledger_channel(&redis), notification_channel(&redis)];
        followers.add(channels, relay);
        let (committed, recipients) = mpsc::unbounded_channel();
        db.on_commit(committed);
        tokio::spawn(publish_notifications(redis, recipients));
        hub
    }

    pub fn subscribe(self: &Arc<Self>) -> (broadcast::Receiver<HubEvent>, SubscriberGuard) {
        let now = self.subscribers.fetch_add(1, Ordering::Relaxed) + 1;
        metrics::gauge!("uliga_subscribers").set(now as f64);
        (self.sender.subscribe(), SubscriberGuard(self.clone()))
    }
}

/// Hands each message on to the instance's subscribers.
struct Relay {
    sender: broadcast::Sender<HubEvent>,
    ledger_channel: String,
}

impl Follower for Relay {
    fn message(&mut self, message: &redis::Msg) {
        if let Some(event) = decode(message, &self.ledger_channel) {
            // No receiver is fine: nobody is subscribed now.
            let _ = self.sender.send(event);
        }
    }
}

fn decode(message: &redis::Msg, ledger_channel: &str) -> Option<HubEvent> {
    let payload: String = message.get_payload().ok()?;
    if message.get_channel_name() == ledger_channel {
        let change: LedgerChange = serde_json::from_str(&payload).ok()?;
        Some(HubEvent::Ledger(Arc::new(change)))
    } else {
        Some(HubEvent::Notifications {
            recipient: payload.parse().ok()?,
        })
    }
}

async fn publish_notifications(redis: Redis, mut committed: mpsc::UnboundedReceiver<Vec<i64>>) {
    let channel = notification_channel(&redis);
    while let Some(recipients) = committed.recv().await {
        let published = async {
            let mut conn = redis.conn().await?;
            let mut pipe = redis::pipe();
            for recipient in &recipients {
                pipe.cmd("PUBLISH").arg(&channel).arg(recipient).ignore();
            }
            let _: () = pipe.query_async(&mut *conn).await?;
            Ok::<_, crate::error::AppError>(())
        };
        // The rows are in MySQL: a client that misses this nudge reads them
        // with `me.notifications`, or with the next nudge.
        if let Err(error) = published.await {
            tracing::warn!(%error, "notification event not published");
        }
    }
}
