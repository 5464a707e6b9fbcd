//! Configuration, read once from the environment at start-up.
//! Every variable is documented where it is read and in `.env.example`.

use std::{env, net::SocketAddr, str::FromStr, time::Duration};

use anyhow::{Context, bail};
use chrono_tz::Tz;

#[derive(Clone, Debug)]
pub struct Config {
    /// `LISTEN_ADDR`: where the HTTP server listens.
    pub listen_addr: SocketAddr,
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub auth: AuthConfig,
    pub mail: MailConfig,
    pub limits: RateLimits,
    pub api: ApiConfig,
    pub oidc: OidcConfig,
    /// `TIME_ZONE`: the zone in which "today" is counted (schedules, reminders).
    pub time_zone: Tz,
    /// `SHUTDOWN_TIMEOUT_SECONDS`: how long in-flight requests may finish after SIGTERM.
    pub shutdown_timeout: Duration,
    /// `REMINDER_INTERVAL_SECONDS` (60): how often each instance looks for
    /// SCHEDULE_DUE reminders to send.
    pub reminder_interval: Duration,
}

#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    /// `DATABASE_URL`: the primary; every mutation runs here.
    pub primary_url: String,
    /// `DATABASE_REPLICA_URLS`: comma-separated read replicas (may be empty).
    pub replica_urls: Vec<String>,
    /// `DATABASE_POOL_SIZE`: connections per pool.
    pub pool_size: u32,
    /// `DATABASE_POOL_TIMEOUT_MS` (5000): how long a request waits for a free
    /// connection. A node the probe finds down fails at once instead.
    pub pool_timeout: Duration,
    /// `DATABASE_PROBE_INTERVAL_MS` (250): how often each node's health and
    /// each replica's lag are checked.
    pub probe_interval: Duration,
    /// `DATABASE_PROBE_TIMEOUT_MS` (500): a node slower than this to answer
    /// two probes in a row counts as down.
    pub probe_timeout: Duration,
    /// `DATABASE_REPLICA_MAX_LAG_MS` (1000): a replica further behind leaves
    /// the read rotation until it catches up.
    pub replica_max_lag: Duration,
    /// `DATABASE_READ_YOUR_WRITES` (true): record each member's writes and
    /// make their reads wait for them. Off only to show what it prevents.
    pub read_your_writes: bool,
    /// `DATABASE_READ_YOUR_WRITES_TTL_SECONDS` (60): how long a write's GTID
    /// is kept for its member. Must exceed the lag limit.
    pub read_your_writes_ttl: Duration,
    /// `DATABASE_GTID_WAIT_TIMEOUT_MS` (100): how long a read waits for a
    /// replica to apply the member's writes before using the primary.
    pub gtid_wait_timeout: Duration,
}

#[derive(Clone, Debug)]
pub struct RedisConfig {
    /// `REDIS_URL`.
    pub url: String,
    /// `REDIS_KEY_PREFIX`: lets several deployments (or test runs) share one Redis.
    pub key_prefix: String,
}

#[derive(Clone)]
pub struct AuthConfig {
    /// `JWT_SECRET`: HS256 key for access tokens, shared by every instance.
    pub jwt_secret: Vec<u8>,
    /// `ACCESS_TOKEN_TTL_SECONDS` (default 600).
    pub access_ttl: Duration,
    /// `REFRESH_TOKEN_TTL_DAYS` (default 14): each rotation extends to this from now...
    pub refresh_ttl: Duration,
    /// `SESSION_MAX_DAYS` (default 60): ...but never past this after the login.
    pub session_max_age: Duration,
    /// `SESSION_CACHE_SECONDS` (default 10): how long an instance trusts a
    /// session it found live without asking Redis again; 0 asks every time.
    /// Ended sessions are forgotten at once (`auth::live_sessions`).
    pub session_cache_ttl: Duration,
    /// `VERIFICATION_CODE_TTL_SECONDS` (default 300).
    pub code_ttl: Duration,
    /// `VERIFICATION_TOKEN_TTL_SECONDS` (default 1800); also the reset-link lifetime.
    pub token_ttl: Duration,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("jwt_secret", &"<redacted>")
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("session_max_age", &self.session_max_age)
            .field("session_cache_ttl", &self.session_cache_ttl)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub struct MailConfig {
    /// `SMTP_URL` (lettre's URL form); unset: mail is written to the log.
    pub smtp_url: Option<String>,
    /// `MAIL_FROM`.
    pub from: String,
    /// `APP_BASE_URL`: the web app, for links in mail.
    pub app_base_url: String,
}

/// The per-operation limits of the spec (section 11); all configurable so that
/// test suites running from one address can raise them.
#[derive(Clone, Debug)]
pub struct RateLimits {
    /// `RATE_LIMIT_CODE_RESEND_SECONDS` (60).
    pub code_resend: Duration,
    /// `RATE_LIMIT_CODE_PER_EMAIL_HOUR` (10).
    pub code_per_email_hour: u32,
    /// `RATE_LIMIT_CODE_PER_ADDRESS_HOUR` (30).
    pub code_per_address_hour: u32,
    /// `VERIFICATION_CODE_MAX_TRIES` (5): wrong tries before a code is dead.
    pub code_max_tries: u32,
    /// `RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL` (10 per 15 minutes).
    pub login_failures_per_email: u32,
    /// `RATE_LIMIT_LOGIN_PER_ADDRESS_HOUR` (100).
    pub login_per_address_hour: u32,
    /// `RATE_LIMIT_RESET_PER_EMAIL_HOUR` (3).
    pub reset_per_email_hour: u32,
    /// `RATE_LIMIT_LOOKUP_PER_ADDRESS_MINUTE` (60): `emailStatus`, `nicknameAvailable`.
    pub lookup_per_address_minute: u32,
    /// `RATE_LIMIT_PUBLIC_PER_ADDRESS_MINUTE` (300): root fields of requests
    /// without a token, per client address.
    pub public_per_address_minute: u32,
    /// `RATE_LIMIT_MUTATIONS_PER_MEMBER_MINUTE` (120): mutation root fields
    /// per member.
    pub mutations_per_member_minute: u32,
}

#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// `GRAPHIQL_ENABLED` (follows `INTROSPECTION_ENABLED`): the playground
    /// at `/` and `/graphiql`, which needs introspection to be of use.
    pub graphiql: bool,
    /// `GRAPHIQL_ASSETS_DIR` (`web/dist`): the playground's built scripts and
    /// stylesheet (`npm ci --prefix web && npm run build --prefix web`).
    /// Missing files do not stop the server: `/` then says how to build them.
    pub graphiql_assets_dir: std::path::PathBuf,
    /// `INTROSPECTION_ENABLED` (true).
    pub introspection: bool,
    /// `QUERY_SUGGESTIONS_ENABLED` (true): "did you mean" hints in errors,
    /// which would tell a stranger the schema's field names.
    pub suggestions: bool,
    /// `QUERY_MAX_DEPTH` (10).
    pub max_depth: usize,
    /// `QUERY_MAX_COMPLEXITY` (2000): each field costs 1, a list field its
    /// page size times its selection.
    pub max_complexity: usize,
    /// `QUERY_MAX_ALIASES` (30).
    pub max_aliases: usize,
    /// `QUERY_MAX_ROOT_FIELDS` (20): root fields in one operation.
    pub max_root_fields: usize,
    /// `BODY_LIMIT_BYTES` (64 KiB).
    pub body_limit: usize,
    /// `REQUEST_TIMEOUT_SECONDS` (5): a request still running then is
    /// cancelled and answered with a TIMEOUT error.
    pub request_timeout: Duration,
    /// `WS_INIT_TIMEOUT_SECONDS` (10): time to send `connection_init` (else 4408).
    pub ws_init_timeout: Duration,
    /// `WS_TOKEN_GRACE_SECONDS` (30): how long a socket outlives its access
    /// token (then 4401), so the client can reconnect with a fresh one.
    pub ws_token_grace: Duration,
    /// `WS_MAX_CONNECTIONS` (10000): WebSocket connections one instance holds;
    /// past it an upgrade is refused with 503, so the balancer tries another.
    pub ws_max_connections: usize,
    /// `WS_EVENT_BUFFER` (1024): ledger and notification events an instance
    /// holds for a subscription that has not yet taken them. One that falls
    /// further behind skips the oldest, then makes up for them: it reads its
    /// new notifications from MySQL, or checks that its member still belongs
    /// to the ledger.
    pub ws_event_buffer: usize,
    /// `TRUST_PROXY_HEADERS` (false): take the client address from X-Real-IP /
    /// X-Forwarded-For, as set by our nginx. Never enable without a proxy.
    pub trust_proxy_headers: bool,
    /// `CORS_ALLOWED_ORIGINS`: comma-separated origins (e.g.
    /// `https://app.uliga.app`) whose pages may call the API from a
    /// browser. Empty: no CORS headers, so only same-origin pages (GraphiQL
    /// served here) can.
    pub cors_allowed_origins: Vec<String>,
}

/// Social sign-in: the OpenID Connect providers whose ID tokens are accepted.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    pub google: OidcProviderConfig,
    pub kakao: OidcProviderConfig,
    /// `OIDC_JWKS_MIN_REFETCH_SECONDS` (60): an unknown `kid` refetches a
    /// provider's keys at most this often.
    pub jwks_min_refetch: Duration,
}

#[derive(Clone, Debug)]
pub struct OidcProviderConfig {
    /// `GOOGLE_OIDC_ISSUER` (https://accounts.google.com) /
    /// `KAKAO_OIDC_ISSUER` (https://kauth.kakao.com): the `iss` required.
    pub issuer: String,
    /// `GOOGLE_OIDC_JWKS_URL` (https://www.googleapis.com/oauth2/v3/certs) /
    /// `KAKAO_OIDC_JWKS_URL` (https://kauth.kakao.com/.well-known/jwks.json).
    pub jwks_url: String,
    /// `GOOGLE_CLIENT_IDS` / `KAKAO_CLIENT_IDS`: comma-separated client ids
    /// (app keys) accepted as `aud`. Empty: sign-in with the provider is off.
    pub client_ids: Vec<String>,
}

impl OidcProviderConfig {
    fn from_env(prefix: &str, issuer: &str, jwks_url: &str) -> Self {
        Self {
            issuer: string_or(&format!("{prefix}_OIDC_ISSUER"), issuer),
            jwks_url: string_or(&format!("{prefix}_OIDC_JWKS_URL"), jwks_url),
            client_ids: string_or(&format!("{prefix}_CLIENT_IDS"), "")
                .split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(String::from)
                .collect(),
        }
    }
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let jwt_secret = match var("JWT_SECRET") {
            Some(secret) if secret.len() >= 32 => secret.into_bytes(),
            Some(_) => bail!("JWT_SECRET must be at least 32 bytes"),
            None => {
                tracing::warn!(
                    "JWT_SECRET is not set: using a random key; tokens will not survive a restart or work across instances"
                );
                let key: [u8; 32] = rand::random();
                key.to_vec()
            }
        };
        // `ULIGA_PROFILE=production` turns the developer conveniences
        // (GraphiQL, introspection, field suggestions) off unless a variable
        // turns one back on.
        let developing = match string_or("ULIGA_PROFILE", "development").as_str() {
            "development" => "true",
            "production" => "false",
            other => bail!("ULIGA_PROFILE must be development or production, not {other:?}"),
        };
        let config = Self {
            listen_addr: parse_or("LISTEN_ADDR", "127.0.0.1:8080")?,
            database: DatabaseConfig {
                primary_url: string_or(
                    "DATABASE_URL",
                    "mysql://root@127.0.0.1:3306/uliga?prefer_socket=false",
                ),
                replica_urls: string_or("DATABASE_REPLICA_URLS", "")
                    .split(',')
                    .map(str::trim)
                    .filter(|url| !url.is_empty())
                    .map(String::from)
                    .collect(),
                pool_size: parse_or("DATABASE_POOL_SIZE", "10")?,
                pool_timeout: millis_or("DATABASE_POOL_TIMEOUT_MS", 5000)?,
                probe_interval: millis_or("DATABASE_PROBE_INTERVAL_MS", 250)?,
                probe_timeout: millis_or("DATABASE_PROBE_TIMEOUT_MS", 500)?,
                replica_max_lag: millis_or("DATABASE_REPLICA_MAX_LAG_MS", 1000)?,
                read_your_writes: parse_or("DATABASE_READ_YOUR_WRITES", "true")?,
                read_your_writes_ttl: seconds_or("DATABASE_READ_YOUR_WRITES_TTL_SECONDS", 60)?,
                gtid_wait_timeout: millis_or("DATABASE_GTID_WAIT_TIMEOUT_MS", 100)?,
            },
            redis: RedisConfig {
                url: string_or("REDIS_URL", "redis://127.0.0.1:6379"),
                key_prefix: string_or("REDIS_KEY_PREFIX", "uliga:"),
            },
            auth: AuthConfig {
                jwt_secret,
                access_ttl: seconds_or("ACCESS_TOKEN_TTL_SECONDS", 600)?,
                refresh_ttl: seconds_or("REFRESH_TOKEN_TTL_DAYS", 14)?.mul_f64(86_400.0),
                session_max_age: seconds_or("SESSION_MAX_DAYS", 60)?.mul_f64(86_400.0),
                session_cache_ttl: seconds_or("SESSION_CACHE_SECONDS", 10)?,
                code_ttl: seconds_or("VERIFICATION_CODE_TTL_SECONDS", 300)?,
                token_ttl: seconds_or("VERIFICATION_TOKEN_TTL_SECONDS", 1800)?,
            },
            mail: MailConfig {
                smtp_url: var("SMTP_URL"),
                from: string_or("MAIL_FROM", "Uliga <no-reply@uliga.app>"),
                app_base_url: string_or("APP_BASE_URL", "http://127.0.0.1:8080"),
            },
            limits: RateLimits {
                code_resend: seconds_or("RATE_LIMIT_CODE_RESEND_SECONDS", 60)?,
                code_per_email_hour: parse_or("RATE_LIMIT_CODE_PER_EMAIL_HOUR", "10")?,
                code_per_address_hour: parse_or("RATE_LIMIT_CODE_PER_ADDRESS_HOUR", "30")?,
                code_max_tries: parse_or("VERIFICATION_CODE_MAX_TRIES", "5")?,
                login_failures_per_email: parse_or("RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL", "10")?,
                login_per_address_hour: parse_or("RATE_LIMIT_LOGIN_PER_ADDRESS_HOUR", "100")?,
                reset_per_email_hour: parse_or("RATE_LIMIT_RESET_PER_EMAIL_HOUR", "3")?,
                lookup_per_address_minute: parse_or("RATE_LIMIT_LOOKUP_PER_ADDRESS_MINUTE", "60")?,
                public_per_address_minute: parse_or("RATE_LIMIT_PUBLIC_PER_ADDRESS_MINUTE", "300")?,
                mutations_per_member_minute: parse_or(
                    "RATE_LIMIT_MUTATIONS_PER_MEMBER_MINUTE",
                    "120",
                )?,
            },
            api: ApiConfig {
                graphiql: parse_or(
                    "GRAPHIQL_ENABLED",
                    &string_or("INTROSPECTION_ENABLED", developing),
                )?,
                graphiql_assets_dir: string_or("GRAPHIQL_ASSETS_DIR", "web/dist").into(),
                introspection: parse_or("INTROSPECTION_ENABLED", developing)?,
                suggestions: parse_or("QUERY_SUGGESTIONS_ENABLED", developing)?,
                max_depth: parse_or("QUERY_MAX_DEPTH", "10")?,
                max_complexity: parse_or("QUERY_MAX_COMPLEXITY", "2000")?,
                max_aliases: parse_or("QUERY_MAX_ALIASES", "30")?,
                max_root_fields: parse_or("QUERY_MAX_ROOT_FIELDS", "20")?,
                body_limit: parse_or("BODY_LIMIT_BYTES", "65536")?,
                request_timeout: seconds_or("REQUEST_TIMEOUT_SECONDS", 5)?,
                trust_proxy_headers: parse_or("TRUST_PROXY_HEADERS", "false")?,
                cors_allowed_origins: string_or("CORS_ALLOWED_ORIGINS", "")
                    .split(',')
                    .map(str::trim)
                    .filter(|origin| !origin.is_empty())
                    .map(String::from)
                    .collect(),
                ws_init_timeout: seconds_or("WS_INIT_TIMEOUT_SECONDS", 10)?,
                ws_max_connections: parse_or("WS_MAX_CONNECTIONS", "10000")?,
                ws_token_grace: seconds_or("WS_TOKEN_GRACE_SECONDS", 30)?,
                ws_event_buffer: parse_or("WS_EVENT_BUFFER", "1024")?,
            },
            oidc: OidcConfig {
                google: OidcProviderConfig::from_env(
                    "GOOGLE",
                    "https://accounts.google.com",
                    "https://www.googleapis.com/oauth2/v3/certs",
                ),
                kakao: OidcProviderConfig::from_env(
                    "KAKAO",
                    "https://kauth.kakao.com",
                    "https://kauth.kakao.com/.well-known/jwks.json",
                ),
                jwks_min_refetch: seconds_or("OIDC_JWKS_MIN_REFETCH_SECONDS", 60)?,
            },
            time_zone: parse_or("TIME_ZONE", "Asia/Seoul")?,
            shutdown_timeout: seconds_or("SHUTDOWN_TIMEOUT_SECONDS", 30)?,
            reminder_interval: seconds_or("REMINDER_INTERVAL_SECONDS", 60)?,
        };
        let database = &config.database;
        if database.read_your_writes_ttl <= database.replica_max_lag {
            bail!(
                "DATABASE_READ_YOUR_WRITES_TTL_SECONDS must exceed DATABASE_REPLICA_MAX_LAG_MS: \
                 a replica in rotation may be that far behind"
            );
        }
        Ok(config)
    }
}

/// An empty variable counts as unset (env files often carry `KEY=`).
fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|value| !value.trim().is_empty())
}

fn string_or(name: &str, default: &str) -> String {
    var(name).unwrap_or_else(|| default.to_owned())
}

fn parse_or<T>(name: &str, default: &str) -> anyhow::Result<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let raw = string_or(name, default);
    raw.trim()
        .parse()
        .map_err(|error| anyhow::anyhow!("{name}={raw:?} is invalid: {error}"))
}

fn millis_or(name: &str, default: u64) -> anyhow::Result<Duration> {
    parse_or::<u64>(name, &default.to_string())
        .map(Duration::from_millis)
        .with_context(|| format!("{name} must be a whole number of milliseconds"))
}

fn seconds_or(name: &str, default: u64) -> anyhow::Result<Duration> {
    parse_or::<u64>(name, &default.to_string())
        .map(Duration::from_secs)
        .with_context(|| format!("{name} must be a whole number"))
}
