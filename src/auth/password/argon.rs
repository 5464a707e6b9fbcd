//! Argon2id with the OWASP parameters (19 MiB, 2 passes, 1 lane: the argon2
//! crate's defaults), computed in memory that each hashing thread keeps.
//!
//! The crate's `PasswordHasher` allocates the 19 MiB on every call, and the
//! allocator hands it back to the kernel after. Mapping and unmapping that
//! much memory takes a lock that the process's other threads need for their
//! own page faults, and a hashing thread at the lowest priority, preempted
//! while holding it, stalled requests for a quarter of a second. Here a hash
//! allocates nothing.

use std::cell::RefCell;

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{self, Output, ParamsString, SaltString, rand_core::OsRng},
};

thread_local! {
    /// This thread's Argon2 memory, grown to the largest parameters seen.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn compute(
    argon2: &Argon2<'_>,
    password: &str,
    salt: &[u8],
    output: &mut [u8],
) -> password_hash::Result<()> {
    MEMORY.with_borrow_mut(|memory| {
        let blocks = argon2.params().block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon2.hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            output,
            &mut memory[..blocks],
        )
    })?;
    Ok(())
}

/// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
pub fn hash(password: &str) -> password_hash::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0_u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let argon2 = Argon2::default();
    let mut output = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    compute(&argon2, password, salt_bytes, &mut output)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `hash`, with the parameters
/// stored in it; false for a string that is not a valid Argon2 hash.
pub fn verify(hash: &str, password: &str) -> bool {
    matches!(verify_phc(hash, password), Ok(true))
}

fn verify_phc(hash: &str, password: &str) -> password_hash::Result<bool> {
    let parsed = PasswordHash::new(hash)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let argon2 = Argon2::new(algorithm, version, Params::try_from(&parsed)?);
    let mut salt_bytes = [0_u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let mut output = [0_u8; Output::MAX_LENGTH];
    let output = &mut output[..expected.len()];
    compute(&argon2, password, salt_bytes, output)?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(output)? == expected)
}

#[cfg(test)]
mod tests {
    use argon2::PasswordVerifier;

    use super::*;

    #[test]
    fn agrees_with_the_argon2_crate_both_ways() {
        let ours = hash("abcd123!").unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"abcd123!", &parsed)
                .is_ok()
        );

        let theirs = {
            use argon2::PasswordHasher;
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(b"abcd123!", &salt)
                .unwrap()
                .to_string()
        };
        assert!(verify(&theirs, "abcd123!"));
        assert!(!verify(&theirs, "abcd123?"));
    }

    #[test]
    fn other_parameters_are_read_from_the_hash_and_junk_does_not_verify() {
        use argon2::PasswordHasher;
        let params = Params::new(8 * 1024, 1, 1, Some(16)).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        let small = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"pw-1234!", &salt)
            .unwrap()
            .to_string();
        assert!(verify(&small, "pw-1234!"));
        assert!(!verify(&small, "pw-1234?"));
        assert!(!verify("not a hash", "pw-1234!"));
        assert!(!verify(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ",
            "pw-1234!"
        ));
    }
}
