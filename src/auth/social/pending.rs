//! Pending social sign-ups: an HS256 JWT of our own, typed
//! `social-signup+jwt` (so it never passes as an access token, nor an access
//! token as one), valid 10 minutes, carrying the verified identity.

use chrono::{DateTime, Utc};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};

use crate::{
    app::Services,
    auth::{social::oidc::VerifiedIdentity, tokens},
    error::{AppError, AppResult},
};

pub const PENDING_TOKEN_TYPE: &str = "social-signup+jwt";
const AUDIENCE: &str = "uliga-social-signup";
pub const TTL_SECONDS: i64 = 600;

#[derive(Debug, Serialize, Deserialize)]
pub struct PendingClaims {
    pub iss: String,
    pub aud: String,
    /// The provider's subject.
    pub sub: String,
    pub provider: String,
    pub email: String,
    pub name: Option<String>,
    pub iat: i64,
    pub exp: i64,
}

pub struct IssuedPending {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

pub fn issue(
    services: &Services,
    identity: &VerifiedIdentity,
    email: &str,
) -> AppResult<IssuedPending> {
    let now = services.clock.now();
    let expires_at = now + chrono::Duration::seconds(TTL_SECONDS);
    let claims = PendingClaims {
        iss: tokens::ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: identity.subject.clone(),
        provider: identity.provider.as_db().into(),
        email: email.into(),
        name: identity.name.clone(),
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
    };
    Ok(IssuedPending {
        token: sign(&services.config.auth.jwt_secret, &claims).map_err(AppError::internal)?,
        expires_at,
    })
}

pub fn sign(secret: &[u8], claims: &PendingClaims) -> jsonwebtoken::errors::Result<String> {
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some(PENDING_TOKEN_TYPE.into());
    encode(&header, claims, &EncodingKey::from_secret(secret))
}

pub fn verify(services: &Services, token: &str) -> Option<PendingClaims> {
    let header = decode_header(token).ok()?;
    if header.typ.as_deref() != Some(PENDING_TOKEN_TYPE) {
        return None;
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = tokens::LEEWAY_SECONDS;
    validation.set_issuer(&[tokens::ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let key = DecodingKey::from_secret(&services.config.auth.jwt_secret);
    let claims = decode::<PendingClaims>(token, &key, &validation)
        .ok()?
        .claims;
    matches!(claims.provider.as_str(), "GOOGLE" | "KAKAO").then_some(claims)
}
