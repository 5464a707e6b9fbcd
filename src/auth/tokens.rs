//! Access tokens: HS256 JWTs typed `at+jwt` in their header, with `iss`,
//! `aud`, `sub` (member id), `sid` (session id), `iat` and `exp`. Following
//! RFC 8725, verification allows exactly one algorithm and checks the type,
//! issuer, audience and expiry (with a few seconds' leeway for clock skew), so
//! a token of another kind, audience or algorithm (including `alg: none`) is
//! refused. Refresh tokens are opaque and never parse as access tokens.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode, get_current_timestamp,
};
use serde::{Deserialize, Serialize};

use super::verified_tokens::VerifiedTokens;
use crate::{
    error::{AppError, AppResult},
    ids::MemberId,
};

/// The header type of an access token (RFC 9068).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
pub const ISSUER: &str = "uliga";
pub const AUDIENCE: &str = "uliga-api";
/// Clock skew tolerated on `exp`; every instance keeps NTP time.
pub const LEEWAY_SECONDS: u64 = 5;
const ALGORITHM: Algorithm = Algorithm::HS256;

#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Shared by every clone: the instance's one cache.
    verified: Arc<VerifiedTokens>,
}

pub struct IssuedAccessToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct VerifiedAccess {
    pub member_id: MemberId,
    pub session_id: String,
    pub expires_at: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(ALGORITHM);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            verified: Arc::default(),
        }
    }

    pub fn issue(
        &self,
        member_id: MemberId,
        session_id: &str,
        now: DateTime<Utc>,
        ttl: std::time::Duration,
    ) -> AppResult<IssuedAccessToken> {
        let expires_at = now + chrono::Duration::from_std(ttl).map_err(AppError::internal)?;
        let claims = AccessClaims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: member_id.0.to_string(),
            sid: session_id.to_owned(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let mut header = Header::new(ALGORITHM);
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        let token = encode(&header, &claims, &self.encoding).map_err(AppError::internal)?;
        Ok(IssuedAccessToken { token, expires_at })
    }

    pub fn verify(&self, token: &str) -> Option<VerifiedAccess> {
        if let Some(verified) = self.verified.get(token, get_current_timestamp()) {
            return Some(verified);
        }
        let verified = self.verify_signed(token)?;
        self.verified.keep(token, &verified);
        Some(verified)
    }

    /// The full verification: signature, header type and claims.
    fn verify_signed(&self, token: &str) -> Option<VerifiedAccess> {
        // One decode gives the header too: decoding it on its own first
        // parsed it twice on every request.
        let decoded = decode::<AccessClaims>(token, &self.decoding, &self.validation).ok()?;
        if decoded.header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) {
            return None;
        }
        let claims = decoded.claims;
        Some(VerifiedAccess {
            member_id: MemberId(claims.sub.parse().ok()?),
            session_id: claims.sid,
            expires_at: claims.exp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    /// Member 5's token for session s1, issued now.
    fn issue_for_ten_minutes(keys: &TokenKeys) -> IssuedAccessToken {
        keys.issue(
            MemberId(5),
            "s1",
            Utc::now(),
            std::time::Duration::from_secs(600),
        )
        .unwrap()
    }

    #[test]
    fn issued_tokens_verify() {
        let keys = TokenKeys::new(SECRET);
        let issued = issue_for_ten_minutes(&keys);
        let verified = keys.verify(&issued.token).unwrap();
        assert_eq!(verified.member_id, MemberId(5));
        assert_eq!(verified.session_id, "s1");
    }

    #[test]
    fn a_token_verified_once_is_not_verified_again() {
        let keys = TokenKeys::new(SECRET);
        // Not a signed token: only the kept verification can accept it.
        let kept = VerifiedAccess {
            member_id: MemberId(9),
            session_id: "s9".into(),
            expires_at: Utc::now().timestamp() + 600,
        };
        keys.verified.keep("kept.token.text", &kept);
        let found = keys.verify("kept.token.text").expect("kept");
        assert_eq!(found.member_id, MemberId(9));
        assert!(keys.verify("kept.token.texT").is_none());
    }

    #[test]
    fn a_kept_verification_never_covers_an_altered_token() {
        let keys = TokenKeys::new(SECRET);
        let issued = issue_for_ten_minutes(&keys);
        assert!(keys.verify(&issued.token).is_some());
        // Verified once, so kept: a second look comes from the cache.
        assert_eq!(keys.verify(&issued.token).unwrap().member_id, MemberId(5));
        let (signed, signature) = issued.token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        let altered = format!("{signed}.{flipped}{}", &signature[1..]);
        assert!(keys.verify(&altered).is_none());
        let (_, payload_and_signature) = issued.token.split_once('.').unwrap();
        let other_header = format!("eyJhbGciOiJub25lIn0.{payload_and_signature}");
        assert!(keys.verify(&other_header).is_none());
    }

    #[test]
    fn expired_foreign_and_other_type_tokens_are_refused() {
        let keys = TokenKeys::new(SECRET);
        let past = Utc::now() - chrono::Duration::hours(1);
        let expired = keys
            .issue(MemberId(5), "s1", past, std::time::Duration::from_secs(600))
            .unwrap();
        assert!(keys.verify(&expired.token).is_none());

        let other_key = TokenKeys::new(b"another-secret-another-secret-xx");
        let foreign = issue_for_ten_minutes(&other_key);
        assert!(keys.verify(&foreign.token).is_none());

        let claims = AccessClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "5".into(),
            sid: "s1".into(),
            iat: Utc::now().timestamp(),
            exp: Utc::now().timestamp() + 600,
        };
        let untyped = encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap();
        assert!(keys.verify(&untyped).is_none());

        let mut hs512 = Header::new(Algorithm::HS512);
        hs512.typ = Some(ACCESS_TOKEN_TYPE.into());
        let hs512 = encode(&hs512, &claims, &keys.encoding).unwrap();
        assert!(keys.verify(&hs512).is_none());
    }
}
