//! Password hashing (Argon2id) that a burst of logins cannot use to take the
//! machine from the requests around it.
//!
//! A hash holds a core for tens of milliseconds, so hashing runs:
//! - on its own threads, half the cores' worth, at the lowest priority
//!   (nice 19): any other runnable work on the machine goes first, and the
//!   hashes use what is left, or a small share when nothing is left (see
//!   `pool`);
//! - in slices of a millisecond with a rest after each (see `slices`), so
//!   that a core running a hash goes idle often enough to take over work
//!   waiting for the other core;
//! - in memory lent to those threads (see `memory`): a hash does not map,
//!   fault in or unmap 19 MiB, and takes no lock other threads wait for
//!   (see `pool`); the memory goes back to the kernel once the logins stop;
//! - behind a bounded queue: when it is full, the next caller is told
//!   RATE_LIMITED at once instead of waiting towards a timeout. A login
//!   reserves its place before anything else, so a refused login costs no
//!   database read.

mod argon;
mod memory;
mod pool;
mod slices;

use std::{sync::LazyLock, time::Duration};

use argon2::{Block, password_hash::SaltString};
pub use pool::HashPlace;

use crate::error::{AppError, AppResult};

/// Hashes waiting per hashing thread before callers are refused. A hash is
/// about 15 ms of work, spread over some 30 ms by its rests (see `slices`),
/// so on an idle machine the last in line waits about a quarter of a second;
/// on a busy one the hashes get what is left, and waits grow with the load.
const QUEUE_PER_THREAD: usize = 8;

/// Verified against when the email is unknown, so that a login for an
/// unknown email takes as long as one for a known email. A constant, so that
/// no hashing thread ever has to make (and allocate) it.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$kvvzh65pAkVl8D9yamzX8A$GZ54J+OyX4Ktrle/861AKxyf7jye0VUW0wbb1iOsLoU";

/// How long the hashing threads' memory outlasts the last hash. Logins
/// come in bursts (a household opening the app in the evening); the first
/// hash after a release waits for its memory to be mapped with its pages
/// in: measured, 8-10 ms, against a hash's 16-25.
const KEEP_MEMORY_IDLE: Duration = Duration::from_secs(10);

static HASHER: LazyLock<pool::Hasher> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    let threads = (cores / 2).max(1);
    pool::Hasher::new(
        threads,
        threads * (1 + QUEUE_PER_THREAD),
        memory::Memory::new(threads, argon::default_blocks(), KEEP_MEMORY_IDLE),
    )
});

/// A place in the hashing queue, or RATE_LIMITED when it is full.
pub fn reserve() -> AppResult<HashPlace> {
    HASHER.reserve()
}

pub async fn hash(password: String) -> AppResult<String> {
    reserve()?.hash(password).await
}

/// Checks `password` against `hash`; with no hash (unknown email, or a member
/// without a password) it still does the work and answers false.
pub async fn verify(hash: Option<String>, password: String) -> AppResult<bool> {
    reserve()?.verify(hash, password).await
}

struct NewHash {
    password: String,
    salt: SaltString,
    output: Option<argon2::password_hash::Result<argon::NewHash>>,
}

impl pool::Work for NewHash {
    fn run(&mut self, memory: &mut [Block]) {
        self.output = Some(argon::compute_new(&self.password, &self.salt, memory));
    }
}

struct Verify {
    hash: Option<String>,
    password: String,
    matched: Option<argon2::password_hash::Result<bool>>,
}

impl pool::Work for Verify {
    fn run(&mut self, memory: &mut [Block]) {
        let hash = self.hash.as_deref().unwrap_or(DUMMY_HASH);
        self.matched = Some(
            argon::verify(hash, &self.password, memory)
                .map(|matched| matched && self.hash.is_some()),
        );
    }
}

impl HashPlace {
    pub async fn hash(self, password: String) -> AppResult<String> {
        let job = NewHash {
            password,
            salt: argon::new_salt(),
            output: None,
        };
        let done = self.run(job).await?;
        let output = done
            .output
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("hash not computed")))?;
        output
            .and_then(|output| output.phc(&done.salt))
            .map_err(|error| AppError::internal(anyhow::anyhow!("argon2: {error}")))
    }

    /// As `verify`, in a place already reserved.
    pub async fn verify(self, hash: Option<String>, password: String) -> AppResult<bool> {
        let job = Verify {
            hash,
            password,
            matched: None,
        };
        match self.run(job).await?.matched {
            Some(Ok(matched)) => Ok(matched),
            // A stored hash that is not Argon2, or wants more memory than
            // today's parameters: nothing the member typed can match it.
            Some(Err(error)) => {
                tracing::warn!(%error, "a stored password hash cannot be verified");
                Ok(false)
            }
            None => Err(AppError::internal(anyhow::anyhow!("hash not verified"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let hashed = hash("abcd123!".into()).await.unwrap();
        assert!(hashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify(Some(hashed.clone()), "abcd123!".into())
                .await
                .unwrap()
        );
        assert!(!verify(Some(hashed), "abcd123?".into()).await.unwrap());
        assert!(!verify(None, "abcd123!".into()).await.unwrap());
    }

    #[test]
    fn the_dummy_hash_is_a_real_hash_with_todays_parameters() {
        assert_eq!(
            argon::verify(
                DUMMY_HASH,
                "not-a-real-password-1!",
                &mut argon::test_memory()
            ),
            Ok(true)
        );
        assert!(DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }
}
