//! What the service is made of, built once at start-up (or per test).

use std::sync::Arc;

use async_graphql::ValidationMode;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;

use crate::{
    auth::{
        live_sessions::LiveSessions, sessions::Sessions, tokens::TokenKeys,
        verification::Verification,
    },
    clock::Clock,
    config::Config,
    db::{Database, migrate},
    graphql::{
        UligaSchema, build_schema,
        documents::ParsedDocuments,
        validated::{ValidatedQueries, Validation},
    },
    http::request_series::RequestSeries,
    mail::Mailer,
    notify::hub::Hub,
    redis_store::{
        Redis,
        follow::{Followers, follow},
    },
    telemetry,
};

/// The dependencies resolvers use, shared by every request.
#[derive(Clone)]
pub struct Services {
    pub config: Arc<Config>,
    pub db: Database,
    pub redis: Redis,
    pub mailer: Mailer,
    pub clock: Clock,
    pub tokens: TokenKeys,
    pub hub: Arc<Hub>,
    pub live_sessions: Arc<LiveSessions>,
    pub oidc: Arc<crate::auth::social::oidc::Oidc>,
}

impl Services {
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions {
            redis: &self.redis,
            live: &self.live_sessions,
            refresh_ttl: self.config.auth.refresh_ttl,
            max_age: self.config.auth.session_max_age,
        }
    }

    pub fn verification(&self) -> Verification<'_> {
        Verification { redis: &self.redis }
    }
}

/// The HTTP layer's state: its parts behind one `Arc`. axum clones the
/// state for every request, and each clone, and each drop, of a part's own
/// `Arc` is an atomic count on a cache line that both cores' requests write.
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

/// What `AppState` holds, reached through it (`Deref`).
pub struct AppParts {
    pub services: Services,
    pub schema: UligaSchema,
    /// The same schema without async-graphql's validation rules, for
    /// requests whose exact bytes passed them before (`validated`).
    pub schema_without_rules: UligaSchema,
    pub metrics: PrometheusHandle,
    /// Set on SIGTERM: readiness turns false so the balancer stops sending,
    /// and open WebSockets are closed with "going away".
    pub draining: watch::Sender<bool>,
    /// One permit per open WebSocket connection.
    pub sockets: Arc<tokio::sync::Semaphore>,
    pub documents: ParsedDocuments,
    pub validated: ValidatedQueries,
    pub request_series: RequestSeries,
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

impl AppState {
    /// Creates the database if needed, runs migrations and connects.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        migrate::create_database_if_missing(&config.database.primary_url).await?;
        migrate::run_pending(&config.database.primary_url).await?;
        let redis = Redis::connect(&config.redis).await?;
        let db = Database::connect(&config.database, &redis).await?;
        let mailer = Mailer::from_config(&config.mail)?;
        // One pub/sub connection per instance, whoever listens.
        let mut followers = Followers::default();
        let hub = Hub::start(
            redis.clone(),
            &db,
            config.api.ws_event_buffer,
            &mut followers,
        );
        let live_sessions =
            LiveSessions::start(config.auth.session_cache_ttl, redis.clone(), &mut followers);
        tokio::spawn(follow(redis.clone(), followers));
        let services = Services {
            hub,
            live_sessions,
            clock: Clock::new(config.time_zone),
            tokens: TokenKeys::new(&config.auth.jwt_secret),
            oidc: Arc::new(crate::auth::social::oidc::Oidc::new(&config.oidc)?),
            config: Arc::new(config),
            db,
            redis,
            mailer,
        };
        let sockets = Arc::new(tokio::sync::Semaphore::new(
            services.config.api.ws_max_connections,
        ));
        crate::notify::reminders::spawn(services.clone());
        // The recorder first: `ValidatedQueries` makes its counters' handles
        // when built, and a handle belongs to the recorder it was made from.
        let metrics = telemetry::metrics_handle();
        Ok(Self(Arc::new(AppParts {
            schema: build_schema(services.clone(), ValidationMode::Strict),
            schema_without_rules: build_schema(services.clone(), ValidationMode::Fast),
            services,
            metrics,
            draining: watch::Sender::new(false),
            sockets,
            documents: ParsedDocuments::default(),
            validated: ValidatedQueries::default(),
            request_series: RequestSeries::default(),
        })))
    }

    /// The schema to run a request on, given its validation.
    pub fn schema_for(&self, validation: &Validation) -> &UligaSchema {
        self.validated
            .schema_for(validation, &self.schema, &self.schema_without_rules)
    }

    pub fn start_draining(&self) {
        self.draining.send_replace(true);
    }

    pub fn is_draining(&self) -> bool {
        *self.draining.borrow()
    }

    /// Resolves once the instance starts draining.
    pub async fn drained(&self) {
        let mut draining = self.draining.subscribe();
        let _ = draining.wait_for(|draining| *draining).await;
    }

    /// Whether every WebSocket connection has ended.
    pub fn sockets_closed(&self) -> bool {
        self.sockets.available_permits() == self.services.config.api.ws_max_connections
    }
}
