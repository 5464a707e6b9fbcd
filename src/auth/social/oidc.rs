//! Verifying OpenID Connect ID tokens from Google and Kakao.
//!
//! Each provider's signing keys (its JWKS) are fetched over HTTPS and cached.
//! A token whose `kid` is not among the cached keys makes us refetch them (the
//! provider rotated its keys), but no more often than the configured minimum
//! interval, so a stream of made-up `kid`s cannot make us hammer the provider.
//! Only RS256 is accepted; `iss`, `aud` (one of our client ids) and `exp` are
//! required and checked, `nonce` when the client sent one, and
//! `email_verified` when the provider states it.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use jsonwebtoken::{
    Algorithm, DecodingKey, Validation, decode, decode_header,
    jwk::{AlgorithmParameters, JwkSet},
};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::{
    config::{OidcConfig, OidcProviderConfig},
    error::{AppError, AppResult},
    member::types::LoginType,
};

const INVALID_TOKEN: &str = "소셜 로그인 정보를 확인할 수 없습니다. 다시 시도해 주세요.";
const LEEWAY_SECONDS: u64 = 5;
const GOOGLE_ISSUER: &str = "https://accounts.google.com";
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// What a verified ID token tells us about the person.
#[derive(Clone, Debug)]
pub struct VerifiedIdentity {
    pub provider: LoginType,
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IdClaims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    /// Google sends a boolean; some providers a string.
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    name: Option<String>,
    /// Kakao's display name.
    #[serde(default)]
    nickname: Option<String>,
}

struct KeyCache {
    keys: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

struct Provider {
    config: OidcProviderConfig,
    cache: Mutex<KeyCache>,
}

pub struct Oidc {
    http: reqwest::Client,
    google: Provider,
    kakao: Provider,
    min_refetch: Duration,
}

impl Oidc {
    pub fn new(config: &OidcConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(FETCH_TIMEOUT).build()?;
        let provider = |config: &OidcProviderConfig| Provider {
            config: config.clone(),
            cache: Mutex::new(KeyCache {
                keys: HashMap::new(),
                fetched_at: None,
            }),
        };
        Ok(Self {
            http,
            google: provider(&config.google),
            kakao: provider(&config.kakao),
            min_refetch: config.jwks_min_refetch,
        })
    }

    fn provider(&self, login_type: LoginType) -> AppResult<&Provider> {
        let provider = match login_type {
            LoginType::Google => &self.google,
            LoginType::Kakao => &self.kakao,
            LoginType::Email => {
                return Err(AppError::bad_input(
                    "provider",
                    "소셜 로그인 제공자는 GOOGLE 또는 KAKAO여야 합니다.",
                ));
            }
        };
        if provider.config.client_ids.is_empty() {
            return Err(AppError::bad_input(
                "provider",
                "이 소셜 로그인은 현재 사용할 수 없습니다.",
            ));
        }
        Ok(provider)
    }

    /// Verifies `id_token` as one issued by `login_type` for one of our
    /// clients; `nonce`, when given, must match the token's.
    pub async fn verify(
        &self,
        login_type: LoginType,
        id_token: &str,
        nonce: Option<&str>,
    ) -> AppResult<VerifiedIdentity> {
        let provider = self.provider(login_type)?;
        let invalid = || AppError::bad_input("idToken", INVALID_TOKEN);
        // An unknown algorithm (`none` included) fails to parse here.
        let header = decode_header(id_token).map_err(|_| invalid())?;
        if header.alg != Algorithm::RS256 {
            return Err(invalid());
        }
        let kid = header.kid.ok_or_else(invalid)?;
        let key = self.key(provider, &kid).await?.ok_or_else(invalid)?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = LEEWAY_SECONDS;
        // Google documents both forms of its issuer.
        let mut issuers = vec![provider.config.issuer.as_str()];
        if login_type == LoginType::Google && provider.config.issuer == GOOGLE_ISSUER {
            issuers.push("accounts.google.com");
        }
        validation.set_issuer(&issuers);
        validation.set_audience(&provider.config.client_ids);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = decode::<IdClaims>(id_token, &key, &validation)
            .map_err(|_| invalid())?
            .claims;

        if let Some(expected) = nonce
            && claims.nonce.as_deref() != Some(expected)
        {
            return Err(invalid());
        }
        let verified = match &claims.email_verified {
            None => true,
            Some(serde_json::Value::Bool(value)) => *value,
            Some(serde_json::Value::String(value)) => value == "true",
            Some(_) => false,
        };
        if claims.email.is_some() && !verified {
            return Err(AppError::bad_input(
                "idToken",
                "이메일이 인증되지 않은 계정입니다. 제공자에서 이메일을 인증한 뒤 다시 시도해 주세요.",
            ));
        }
        if claims.sub.is_empty() || claims.sub.len() > 255 {
            return Err(invalid());
        }
        Ok(VerifiedIdentity {
            provider: login_type,
            subject: claims.sub,
            email: claims.email,
            name: claims.name.or(claims.nickname),
        })
    }

    /// The key `kid`, refetching the provider's keys when it is unknown and
    /// the last fetch is old enough.
    async fn key(&self, provider: &Provider, kid: &str) -> AppResult<Option<DecodingKey>> {
        let mut cache = provider.cache.lock().await;
        if let Some(key) = cache.keys.get(kid) {
            return Ok(Some(key.clone()));
        }
        let may_fetch = cache
            .fetched_at
            .is_none_or(|at| at.elapsed() >= self.min_refetch);
        if !may_fetch {
            return Ok(None);
        }
        // A failed fetch counts too: a provider that is down is not asked
        // again on every request, and the keys we had stay in use.
        cache.fetched_at = Some(Instant::now());
        cache.keys = self.fetch(&provider.config.jwks_url).await?;
        Ok(cache.keys.get(kid).cloned())
    }

    /// The provider's keys. A provider that does not answer, or answers
    /// with something other than a key set, is a dependency that is down:
    /// UNAVAILABLE, and the member may try again.
    async fn fetch(&self, url: &str) -> AppResult<HashMap<String, DecodingKey>> {
        let unavailable = |error: reqwest::Error| {
            AppError::Unavailable(format!("JWKS fetch from {url} failed: {error}"))
        };
        let set: JwkSet = self
            .http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        Ok(set
            .keys
            .iter()
            .filter(|jwk| matches!(jwk.algorithm, AlgorithmParameters::RSA(_)))
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                let key = DecodingKey::from_jwk(jwk).ok()?;
                Some((kid, key))
            })
            .collect())
    }
}
