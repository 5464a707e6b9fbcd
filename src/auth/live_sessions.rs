//! The sessions this instance has lately found live in Redis, so that an
//! authenticated request need not ask again. That one round trip cost a
//! trivial query more than everything else it did (docs/DECISIONS.md).
//!
//! Forgetting is what makes remembering safe:
//! - the instance that ends a session forgets it before it answers;
//! - every instance hears of the ending on a Redis channel, published in the
//!   same round trip that deletes the session (`Sessions`), and forgets it;
//! - while an instance does not hear that channel (starting, or its
//!   connection lost), it remembers nothing, and when it hears again it
//!   forgets everything, since it may have missed endings meanwhile;
//! - a session is remembered for `ttl` at most, which bounds what no message
//!   announces: a session that expires in Redis, or a Redis flushed by hand.

use std::{
    num::NonZeroUsize,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicBool, AtomicU64, Ordering::SeqCst},
    },
    time::{Duration, Instant},
};

use lru::LruCache;

use crate::{
    ids::MemberId,
    redis_store::{
        Redis,
        follow::{Follower, follow},
    },
};

/// Sessions remembered; the least recently used go first. An entry takes
/// about a hundred bytes.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(10_000).expect("not zero");

/// The channel on which every ended session's id is published.
pub fn ended_channel(redis: &Redis) -> String {
    redis.key(&["events", "sessions-ended"])
}

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

impl LiveSessions {
    /// Not hearing anything yet: `start` connects it to the channel.
    pub fn new(ttl: Duration) -> Self {
        Self {
            remembered: Mutex::new(LruCache::new(CAPACITY)),
            ttl,
            hearing: AtomicBool::new(false),
            forgettings: AtomicU64::new(0),
        }
    }

    /// Remembers for `ttl`, and follows the ended-sessions channel.
    pub fn start(ttl: Duration, redis: Redis) -> Arc<Self> {
        let live = Arc::new(Self::new(ttl));
        let channels = vec![ended_channel(&redis)];
        tokio::spawn(follow(redis, channels, Listener(live.clone())));
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

    fn lock(&self) -> MutexGuard<'_, LruCache<Box<str>, Remembered>> {
        self.remembered
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Keeps `LiveSessions` in step with the ended-sessions channel.
struct Listener(Arc<LiveSessions>);

impl Follower for Listener {
    fn subscribed(&mut self) {
        // In this order: a lookup that began before it hears nothing now
        // is not remembered.
        self.0.forget_all();
        self.0.hearing.store(true, SeqCst);
    }

    fn message(&mut self, message: &redis::Msg) {
        match message.get_payload::<String>() {
            Ok(session_id) => self.0.forget([session_id.as_str()]),
            // Not one of ours; forgetting everything is the safe reading.
            Err(_) => self.0.forget_all(),
        }
    }

    fn lost(&mut self) {
        self.0.hearing.store(false, SeqCst);
        self.0.forget_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION: &str = "0123456789abcdef0123456789abcdef";

    /// As after subscribing to the channel.
    fn hearing(ttl: Duration) -> Arc<LiveSessions> {
        let live = Arc::new(LiveSessions::new(ttl));
        Listener(live.clone()).subscribed();
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
        let live = Arc::new(LiveSessions::new(Duration::from_secs(60)));
        let mut listener = Listener(live.clone());
        live.remember(live.begin_lookup(), SESSION, MemberId(7));
        assert_eq!(live.owner(SESSION), None, "remembered before hearing");

        listener.subscribed();
        live.remember(live.begin_lookup(), SESSION, MemberId(7));
        assert_eq!(live.owner(SESSION), Some(MemberId(7)));

        // An ending published while the connection is down is never heard.
        let lookup_across_the_loss = live.begin_lookup();
        listener.lost();
        assert_eq!(live.owner(SESSION), None, "trusted while not hearing");
        live.remember(lookup_across_the_loss, SESSION, MemberId(7));
        listener.subscribed();
        assert_eq!(live.owner(SESSION), None, "kept across the loss");
    }
}
