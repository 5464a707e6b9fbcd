//! Access tokens this instance has lately verified, by their exact text, so
//! that a member's next request with the same token skips the signature and
//! the decoding. A client sends one token for up to its whole lifetime, and
//! verifying it (base64, two JSON documents, HMAC-SHA256) was the largest
//! single part of `{ me { id } }` (docs/DECISIONS.md).
//!
//! Why this is as safe as verifying each time:
//! - only a token that passed verification is kept, and a hit needs the very
//!   same text, compared in full: equal text is the same signed token, so
//!   a forged or altered token always goes through verification;
//! - the key never changes while the process runs;
//! - expiry is checked on every hit, with the leeway verification allows;
//! - what verification does not decide, whether the session is still live,
//!   is asked on every request all the same (`Sessions::owner`).

use std::{
    num::NonZeroUsize,
    sync::{Mutex, MutexGuard},
};

use lru::LruCache;

use super::tokens::{LEEWAY_SECONDS, VerifiedAccess};

/// Tokens kept; the least recently used go first. An entry takes about
/// 400 bytes (the token's text, its session id and the cache's own), so
/// 4 MB at most.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(10_000).expect("not zero");

pub struct VerifiedTokens {
    kept: Mutex<LruCache<Box<str>, VerifiedAccess>>,
}

impl Default for VerifiedTokens {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl VerifiedTokens {
    pub fn with_capacity(capacity: NonZeroUsize) -> Self {
        Self {
            kept: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The kept verification of `token`, if it has not expired by `now`
    /// (seconds since the epoch). An expired one is dropped.
    pub fn get(&self, token: &str, now: u64) -> Option<VerifiedAccess> {
        let mut kept = self.lock();
        let verified = kept.get(token)?;
        if still_valid(verified.expires_at, now) {
            return Some(verified.clone());
        }
        kept.pop(token);
        None
    }

    /// Keeps a verification that `TokenKeys` has just made.
    pub fn keep(&self, token: &str, verified: &VerifiedAccess) {
        self.lock().put(token.into(), verified.clone());
    }

    fn lock(&self) -> MutexGuard<'_, LruCache<Box<str>, VerifiedAccess>> {
        // A panic elsewhere while holding the lock leaves the map whole:
        // every operation on it is one call.
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// As jsonwebtoken decides it: a token expires once `now` is past `exp` by
/// more than the leeway.
fn still_valid(expires_at: i64, now: u64) -> bool {
    let Ok(now) = i64::try_from(now) else {
        return false;
    };
    expires_at.saturating_add_unsigned(LEEWAY_SECONDS) >= now
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MemberId;

    fn verified(expires_at: i64) -> VerifiedAccess {
        VerifiedAccess {
            member_id: MemberId(7),
            session_id: "s7".into(),
            expires_at,
        }
    }

    #[test]
    fn a_kept_token_is_found_by_its_exact_text_only() {
        let tokens = VerifiedTokens::default();
        tokens.keep("a.b.c", &verified(1_000));
        let found = tokens.get("a.b.c", 900).expect("kept");
        assert_eq!(found.member_id, MemberId(7));
        assert_eq!(found.session_id, "s7");
        assert!(tokens.get("a.b.C", 900).is_none());
        assert!(tokens.get("a.b.c ", 900).is_none());
        assert!(tokens.get("a.b", 900).is_none());
    }

    #[test]
    fn expiry_holds_on_every_hit_with_the_leeway_and_no_more() {
        let tokens = VerifiedTokens::default();
        tokens.keep("t", &verified(1_000));
        let last_second = 1_000 + LEEWAY_SECONDS;
        assert!(tokens.get("t", last_second).is_some());
        assert!(tokens.get("t", last_second + 1).is_none());
        // Dropped once expired: an earlier clock does not bring it back.
        assert!(tokens.get("t", 900).is_none());
    }

    #[test]
    fn the_least_recently_used_token_goes_first() {
        let tokens = VerifiedTokens::with_capacity(NonZeroUsize::new(2).expect("not zero"));
        tokens.keep("first", &verified(1_000));
        tokens.keep("second", &verified(1_000));
        assert!(tokens.get("first", 0).is_some());
        tokens.keep("third", &verified(1_000));
        assert!(tokens.get("second", 0).is_none());
        assert!(tokens.get("first", 0).is_some());
        assert!(tokens.get("third", 0).is_some());
    }
}
