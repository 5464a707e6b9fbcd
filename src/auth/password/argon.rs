//! Argon2id with the OWASP parameters (19 MiB, 2 passes, 1 lane: the argon2
//! crate's defaults), computed in memory lent by the caller.
//!
//! The crate's `PasswordHasher` allocates the 19 MiB on every call, and the
//! allocator hands it back to the kernel after: each hash would map, fault
//! in and unmap 19 MiB, under the process's memory-map lock that every other
//! thread's page faults take too, and from a thread that may be preempted
//! at any moment (see `pool`). Here a hash allocates nothing: the memory
//! comes from `memory`.

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{self, Output, ParamsString, SaltString, rand_core::OsRng},
};

/// The memory a hash with the default parameters works in.
pub fn default_blocks() -> usize {
    Params::default().block_count()
}

/// A hash whose parameters ask for more memory than `memory` (more than
/// today's defaults) is an error (the crate's `MemoryTooLittle`): a
/// hashing thread cannot allocate more.
fn compute(
    argon2: &Argon2<'_>,
    password: &str,
    salt: &[u8],
    output: &mut [u8],
    memory: &mut [Block],
) -> password_hash::Result<()> {
    argon2.hash_password_into_with_memory(password.as_bytes(), salt, output, memory)?;
    Ok(())
}

/// The raw Argon2id output for `password` and `salt` with the default
/// parameters; `phc` makes it a PHC string. Split so that the hashing
/// thread computes into fixed buffers and allocates nothing.
pub fn compute_new(
    password: &str,
    salt: &SaltString,
    memory: &mut [Block],
) -> password_hash::Result<NewHash> {
    let mut salt_bytes = [0_u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let mut output = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        &Argon2::default(),
        password,
        salt_bytes,
        &mut output,
        memory,
    )?;
    Ok(NewHash(output))
}

/// A hash just computed with the default parameters.
pub struct NewHash([u8; Params::DEFAULT_OUTPUT_LEN]);

impl NewHash {
    /// `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`.
    pub fn phc(&self, salt: &SaltString) -> password_hash::Result<String> {
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&Params::default())?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&self.0)?),
        };
        Ok(phc.to_string())
    }
}

/// A new salt, made where allocating is safe (not on a hashing thread).
pub fn new_salt() -> SaltString {
    SaltString::generate(&mut OsRng)
}

/// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
#[cfg(test)]
pub fn hash(password: &str) -> password_hash::Result<String> {
    let salt = new_salt();
    compute_new(password, &salt, &mut test_memory())?.phc(&salt)
}

/// Memory for one hash with the default parameters.
#[cfg(test)]
pub fn test_memory() -> Vec<Block> {
    vec![Block::default(); default_blocks()]
}

/// Whether `password` matches the PHC string `hash`, with the parameters
/// stored in it; an error for a string that is not an Argon2 hash this
/// memory can verify.
pub fn verify(hash: &str, password: &str, memory: &mut [Block]) -> password_hash::Result<bool> {
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
    compute(&argon2, password, salt_bytes, output, memory)?;
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
        let memory = &mut test_memory();
        assert_eq!(verify(&theirs, "abcd123!", memory), Ok(true));
        assert_eq!(verify(&theirs, "abcd123?", memory), Ok(false));
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
        let memory = &mut test_memory();
        assert_eq!(verify(&small, "pw-1234!", memory), Ok(true));
        assert_eq!(verify(&small, "pw-1234?", memory), Ok(false));
        assert!(verify("not a hash", "pw-1234!", memory).is_err());
        assert_eq!(
            verify(
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ",
                "pw-1234!",
                memory
            ),
            Ok(false),
            "a hash without its output matches nothing"
        );
    }

    #[test]
    fn a_hash_wanting_more_memory_than_lent_is_an_error() {
        use argon2::PasswordHasher;
        let params = Params::new(2 * 1024, 1, 1, None).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        let hashed = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"pw-1234!", &salt)
            .unwrap()
            .to_string();
        let mut memory = vec![Block::default(); 1024];
        assert!(verify(&hashed, "pw-1234!", &mut memory).is_err());
        memory.resize(2 * 1024, Block::default());
        assert_eq!(verify(&hashed, "pw-1234!", &mut memory), Ok(true));
    }
}
