//! The sessions this instance has lately found live in Redis, so that an
//! authenticated request need not ask again. That one round trip cost a
//! trivial query more than everything else it did (docs/DECISIONS.md).
//!
//! Forgetting is what makes remembering safe:
//! - the deletion that ends a session announces it on a Redis channel in the
//!   same round trip (`Sessions`); every instance that hears it forgets the
//!   session and acknowledges, and the ending waits for as many
//!   acknowledgements as Redis counted listeners (at most `ACK_WAIT`), so
//!   when it answers, every instance has forgotten the session;
//! - while an instance does not hear that channel (starting, or its
//!   connection lost), it remembers nothing, and when it hears again it
//!   forgets everything, since it may have missed endings meanwhile;
//! - a session is remembered for `ttl` at most, which bounds what no message
//!   announces: a session that expires in Redis, or a Redis flushed by hand.

use std::{
    collections::HashMap,
    num::NonZeroUsize,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicBool, AtomicU64, Ordering::SeqCst},
    },
    time::{Duration, Instant},
};

use lru::LruCache;
use tokio::sync::watch;

use crate::{
    ids::MemberId,
    redis_store::{
        Redis,
        follow::{Follower, Followers},
    },
};

/// Sessions remembered; the least recently used go first. An entry takes
/// about a hundred bytes.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(10_000).expect("not zero");

/// Longest an ending waits for the instances that heard it to forget the
/// session: a listener that has not acknowledged by then is stuck or gone,
/// and what it remembers still lapses after the `ttl`.
const ACK_WAIT: Duration = Duration::from_secs(1);

/// The channel on which endings are announced: an announcement's id, then
/// the ended sessions' ids, separated by spaces.
pub fn ended_channel(redis: &Redis) -> String {
    redis.key(&["events", "sessions-ended"])
}

/// The channel on which each instance acknowledges an announcement, by its id,
/// once it has forgotten the sessions.
fn forgotten_channel(redis: &Redis) -> String {
    redis.key(&["events", "sessions-forgotten"])
}

/// Acknowledgements counted so far, by announcement id.
type Waiting = Arc<Mutex<HashMap<String, watch::Sender<u64>>>>;

pub struct LiveSessions {
    remembered: Mutex<LruCache<Box<str>, Remembered>>,
    /// Zero remembers nothing: every request asks Redis.
    ttl: Duration,
    /// Whether this instance hears the ended-sessions channel now.
    hearing: AtomicBool,
    /// Counts forgettings. A lookup notes it before asking Redis and keeps
    /// its answer only if no forgetting came in between, since the answer
    /// may predate the ending that the forgetting announced.
    forgettings: AtomicU64,
    /// This instance's endings that wait for acknowledgements.
    waiting: Waiting,
}

#[derive(Clone, Copy)]
struct Remembered {
    owner: MemberId,
    until: Instant,
}

/// What a lookup noted before asking Redis; `None` when its answer must not
/// be remembered.
#[must_use]
pub struct Lookup(Option<u64>);

/// An ending about to be announced: what to publish, and the count of the
/// instances that have acknowledged it. Dropped, it stops counting.
pub struct Announcement {
    id: String,
    pub message: String,
    acknowledged: watch::Receiver<u64>,
    waiting: Waiting,
}

impl Drop for Announcement {
    fn drop(&mut self) {
        lock(&self.waiting).remove(&self.id);
    }
}

impl LiveSessions {
    /// Not hearing anything yet: `start` connects it to the channel.
    pub fn new(ttl: Duration) -> Self {
        Self {
            remembered: Mutex::new(LruCache::new(CAPACITY)),
            ttl,
            hearing: AtomicBool::new(false),
            forgettings: AtomicU64::new(0),
            waiting: Arc::default(),
        }
    }

    /// Remembers for `ttl`, and follows the ended-sessions channel as one
    /// of the instance's `followers`.
    pub fn start(ttl: Duration, redis: Redis, followers: &mut Followers) -> Arc<Self> {
        let live = Arc::new(Self::new(ttl));
        let listener = Listener {
            live: live.clone(),
            ended_channel: ended_channel(&redis),
            forgotten_channel: forgotten_channel(&redis),
            redis,
        };
        let channels = vec![
            listener.ended_channel.clone(),
            listener.forgotten_channel.clone(),
        ];
        followers.add(channels, listener);
        live
    }

    /// The owner of `session_id`, if it was found live within `ttl` and
    /// nothing since has said that it ended.
    pub fn owner(&self, session_id: &str) -> Option<MemberId> {
        if !self.is_hearing() {
            return None;
        }
        let mut remembered = self.lock();
        let entry = *remembered.get(session_id)?;
        if entry.until <= Instant::now() {
            remembered.pop(session_id);
            return None;
        }
        Some(entry.owner)
    }

    /// Whether ended sessions are heard of now, so that it remembers.
    pub fn is_hearing(&self) -> bool {
        self.hearing.load(SeqCst)
    }

    /// To be called before asking Redis; its answer goes to `remember`.
    pub fn begin_lookup(&self) -> Lookup {
        let trusted = !self.ttl.is_zero() && self.is_hearing();
        Lookup(trusted.then(|| self.forgettings.load(SeqCst)))
    }

    /// Remembers that Redis found `session_id` live, unless something was
    /// forgotten since `lookup` began.
    pub fn remember(&self, lookup: Lookup, session_id: &str, owner: MemberId) {
        let Lookup(Some(noted)) = lookup else {
            return;
        };
        let until = Instant::now() + self.ttl;
        self.lock()
            .put(session_id.into(), Remembered { owner, until });
        // A forgetting counts before it removes: one that this check misses
        // removes the entry just put.
        if self.forgettings.load(SeqCst) != noted {
            self.lock().pop(session_id);
        }
    }

    /// For sessions that ended.
    pub fn forget<'a>(&self, session_ids: impl IntoIterator<Item = &'a str>) {
        self.forgettings.fetch_add(1, SeqCst);
        let mut remembered = self.lock();
        for session_id in session_ids {
            remembered.pop(session_id);
        }
    }

    fn forget_all(&self) {
        self.forgettings.fetch_add(1, SeqCst);
        self.lock().clear();
    }

    /// Subscribed (again): endings published before were not heard.
    fn hearing_from_now(&self) {
        // In this order: a lookup that began before it hears nothing now
        // is not remembered.
        self.forget_all();
        self.hearing.store(true, SeqCst);
    }

    /// The channel is lost: endings published from now on are not heard.
    fn hearing_lost(&self) {
        self.hearing.store(false, SeqCst);
        self.forget_all();
    }

    /// Prepares the announcement of these sessions' ending, to be published
    /// on `ended_channel` with the deletion.
    pub fn announce<'a>(&self, session_ids: impl IntoIterator<Item = &'a str>) -> Announcement {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut message = id.clone();
        for session_id in session_ids {
            message.push(' ');
            message.push_str(session_id);
        }
        let (counter, acknowledged) = watch::channel(0);
        lock(&self.waiting).insert(id.clone(), counter);
        Announcement {
            id,
            message,
            acknowledged,
            waiting: self.waiting.clone(),
        }
    }

    /// Waits until `listeners` instances (as Redis counted them when it
    /// published) have forgotten what `announcement` ended, or `ACK_WAIT`.
    pub async fn heard_by(&self, mut announcement: Announcement, listeners: u64) {
        let all = announcement
            .acknowledged
            .wait_for(|count| *count >= listeners);
        if tokio::time::timeout(ACK_WAIT, all).await.is_err() {
            tracing::warn!(
                listeners,
                acknowledged = *announcement.acknowledged.borrow(),
                "an ended session was not acknowledged by every instance in time"
            );
        }
    }

    /// Counts an acknowledgement if the announcement is this instance's;
    /// false if it is another's.
    fn acknowledged(&self, announcement_id: &str) -> bool {
        let waiting = lock(&self.waiting);
        let counter = waiting.get(announcement_id);
        if let Some(counter) = counter {
            counter.send_modify(|count| *count += 1);
        }
        counter.is_some()
    }

    fn lock(&self) -> MutexGuard<'_, LruCache<Box<str>, Remembered>> {
        lock(&self.remembered)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Keeps `LiveSessions` in step with the channels: forgets what an
/// announcement ended and acknowledges it, and counts the acknowledgements
/// of this instance's own announcements.
struct Listener {
    live: Arc<LiveSessions>,
    ended_channel: String,
    forgotten_channel: String,
    redis: Redis,
}

impl Listener {
    fn forget_announced(&self, message: &str) {
        let mut words = message.split(' ');
        let announcement_id = words.next().unwrap_or_default().to_owned();
        self.live.forget(words);
        // This instance's own announcement is counted here, without a
        // round trip through Redis.
        if self.live.acknowledged(&announcement_id) {
            return;
        }
        let (redis, channel) = (self.redis.clone(), self.forgotten_channel.clone());
        tokio::spawn(async move {
            let acknowledged = async {
                let mut conn = redis.conn().await?;
                let _: u64 =
                    redis::AsyncCommands::publish(&mut *conn, channel, announcement_id).await?;
                Ok::<_, crate::error::AppError>(())
            };
            // The ending instance waits at most `ACK_WAIT` for it.
            if let Err(error) = acknowledged.await {
                tracing::warn!(%error, "forgotten sessions not acknowledged");
            }
        });
    }
}

impl Follower for Listener {
    fn subscribed(&mut self) {
        self.live.hearing_from_now();
    }

    fn message(&mut self, message: &redis::Msg) {
        let Ok(payload) = message.get_payload::<String>() else {
            // Not one of ours; forgetting everything is the safe reading.
            self.live.forget_all();
            return;
        };
        if message.get_channel_name() == self.ended_channel {
            self.forget_announced(&payload);
        } else {
            // One of another instance's announcements counts nothing here.
            self.live.acknowledged(&payload);
        }
    }

    fn lost(&mut self) {
        self.live.hearing_lost();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION: &str = "0123456789abcdef0123456789abcdef";

    /// As after subscribing to the channel.
    fn hearing(ttl: Duration) -> Arc<LiveSessions> {
        let live = Arc::new(LiveSessions::new(ttl));
        live.hearing_from_now();
        live
    }

    #[test]
    fn a_session_found_live_is_remembered_until_forgotten() {
        let live = hearing(Duration::from_secs(60));
        assert_eq!(live.owner(SESSION), None);
        live.remember(live.begin_lookup(), SESSION, MemberId(7));
        assert_eq!(live.owner(SESSION), Some(MemberId(7)));
        live.forget([SESSION]);
        assert_eq!(live.owner(SESSION), None);
    }

    #[test]
    fn an_answer_older_than_a_forgetting_is_not_remembered() {
        let live = hearing(Duration::from_secs(60));
        let lookup = live.begin_lookup();
        // The session ends while its lookup is out at Redis.
        live.forget([SESSION]);
        live.remember(lookup, SESSION, MemberId(7));
        assert_eq!(live.owner(SESSION), None);
    }

    #[test]
    fn a_session_is_remembered_for_the_ttl_only() {
        let live = hearing(Duration::from_millis(30));
        live.remember(live.begin_lookup(), SESSION, MemberId(7));
        assert_eq!(live.owner(SESSION), Some(MemberId(7)));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(live.owner(SESSION), None);
    }

    #[test]
    fn a_zero_ttl_remembers_nothing() {
        let live = hearing(Duration::ZERO);
        live.remember(live.begin_lookup(), SESSION, MemberId(7));
        assert_eq!(live.owner(SESSION), None);
    }

    #[test]
    fn nothing_is_remembered_or_trusted_while_the_channel_is_not_heard() {
        let live = LiveSessions::new(Duration::from_secs(60));
        live.remember(live.begin_lookup(), SESSION, MemberId(7));
        assert_eq!(live.owner(SESSION), None, "remembered before hearing");

        live.hearing_from_now();
        live.remember(live.begin_lookup(), SESSION, MemberId(7));
        assert_eq!(live.owner(SESSION), Some(MemberId(7)));

        // An ending published while the connection is down is never heard.
        let lookup_across_the_loss = live.begin_lookup();
        live.hearing_lost();
        assert_eq!(live.owner(SESSION), None, "trusted while not hearing");
        live.remember(lookup_across_the_loss, SESSION, MemberId(7));
        live.hearing_from_now();
        assert_eq!(live.owner(SESSION), None, "kept across the loss");
    }

    fn announcement_id(announcement: &Announcement) -> String {
        announcement.message.split(' ').next().unwrap().to_owned()
    }

    #[tokio::test]
    async fn an_ending_waits_until_every_listener_has_forgotten() {
        let live = hearing(Duration::from_secs(60));
        let announcement = live.announce([SESSION, "another"]);
        let id = announcement_id(&announcement);
        assert_eq!(announcement.message, format!("{id} {SESSION} another"));

        let started = Instant::now();
        let waiting = {
            let live = live.clone();
            tokio::spawn(async move { live.heard_by(announcement, 2).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "returned before any acknowledgement"
        );
        assert!(live.acknowledged(&id), "its own announcement");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "returned after one of two");
        live.acknowledged(&id);
        waiting.await.unwrap();
        assert!(started.elapsed() < ACK_WAIT);
    }

    #[tokio::test]
    async fn an_ending_waits_no_longer_than_its_limit() {
        let live = hearing(Duration::from_secs(60));
        let announcement = live.announce([SESSION]);
        live.acknowledged(&announcement_id(&announcement));
        let started = Instant::now();
        live.heard_by(announcement, 2).await;
        assert!(started.elapsed() >= ACK_WAIT);
        assert!(lock(&live.waiting).is_empty(), "its count is dropped");
    }

    #[test]
    fn acknowledgements_of_another_instance_s_announcement_are_ignored() {
        let live = hearing(Duration::from_secs(60));
        assert!(!live.acknowledged("not-ours"));
        let announcement = live.announce([SESSION]);
        assert!(!live.acknowledged("not-ours"));
        assert_eq!(*announcement.acknowledged.borrow(), 0);
        drop(announcement);
        assert!(lock(&live.waiting).is_empty());
    }
}
