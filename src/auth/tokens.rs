//! Access tokens: HS256 JWTs with `sub` (member id), `sid` (session id) and
//! `typ` = "access". Verification pins the algorithm and the type, so a token
//! of another kind or algorithm (including `alg: none`) is refused.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::{
    error::{AppError, AppResult},
    ids::MemberId,
};

const ACCESS_TYPE: &str = "access";

#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub sid: String,
    pub typ: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

pub struct IssuedAccessToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// A token that verified: whose session it names is checked separately.
#[derive(Debug)]
pub struct VerifiedAccess {
    pub member_id: MemberId,
    pub session_id: String,
    /// Unix seconds.
    pub expires_at: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
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
            sub: member_id.0.to_string(),
            sid: session_id.to_owned(),
            typ: ACCESS_TYPE.to_owned(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)?;
        Ok(IssuedAccessToken { token, expires_at })
    }

    /// Verifies signature, algorithm, expiry (no leeway) and type.
    pub fn verify(&self, token: &str) -> Option<VerifiedAccess> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let claims = decode::<AccessClaims>(token, &self.decoding, &validation)
            .ok()?
            .claims;
        if claims.typ != ACCESS_TYPE {
            return None;
        }
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

    #[test]
    fn issued_tokens_verify() {
        let keys = TokenKeys::new(SECRET);
        let issued = keys
            .issue(
                MemberId(5),
                "s1",
                Utc::now(),
                std::time::Duration::from_secs(600),
            )
            .unwrap();
        let verified = keys.verify(&issued.token).unwrap();
        assert_eq!(verified.member_id, MemberId(5));
        assert_eq!(verified.session_id, "s1");
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
        let foreign = other_key
            .issue(
                MemberId(5),
                "s1",
                Utc::now(),
                std::time::Duration::from_secs(600),
            )
            .unwrap();
        assert!(keys.verify(&foreign.token).is_none());

        let claims = AccessClaims {
            sub: "5".into(),
            sid: "s1".into(),
            typ: "pending_sign_up".into(),
            iat: Utc::now().timestamp(),
            exp: Utc::now().timestamp() + 600,
        };
        let other_type = encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap();
        assert!(keys.verify(&other_type).is_none());

        let hs512 = encode(
            &Header::new(Algorithm::HS512),
            &AccessClaims {
                typ: "access".into(),
                ..claims
            },
            &keys.encoding,
        )
        .unwrap();
        assert!(keys.verify(&hs512).is_none());
    }
}
