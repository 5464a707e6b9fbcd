//! Argon2id password hashing with the OWASP parameters (19 MiB, 2 passes,
//! 1 lane: the argon2 crate's defaults), always on the blocking pool so the
//! async workers keep serving other requests, and never on more than half
//! the cores at once: a burst of logins waits its turn instead of taking
//! every core (and 19 MiB per hash) from the requests around it.

use std::sync::LazyLock;

use tokio::sync::Semaphore;

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::error::{AppError, AppResult};

/// Verified against when the email is unknown, so that a login for an unknown
/// email takes as long as one for a known email.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_blocking("not-a-real-password-1!").expect("hashing a constant cannot fail")
});

/// Hashes that may run at once: half the cores, at least one.
static PERMITS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    Semaphore::new((cores / 2).max(1))
});

/// Runs one hash or verify on the blocking pool once a permit is free.
async fn run_bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let _permit = PERMITS.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)
}

fn hash_blocking(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AppError::internal(anyhow::anyhow!("argon2: {error}")))
}

fn verify_blocking(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

pub async fn hash(password: String) -> AppResult<String> {
    run_bounded(move || hash_blocking(&password)).await?
}

/// Checks `password` against `hash`; with no hash (unknown email, or a member
/// without a password) it still does the work and answers false.
pub async fn verify(hash: Option<String>, password: String) -> AppResult<bool> {
    run_bounded(move || match hash {
        Some(hash) => verify_blocking(&hash, &password),
        None => {
            verify_blocking(&DUMMY_HASH, &password);
            false
        }
    })
    .await
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
}
