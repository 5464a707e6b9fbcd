use std::{net::SocketAddr, time::Duration};

use reqwest::{StatusCode, header::HeaderMap};
use serde_json::{Value, json};
use uliga::{
    app::AppState,
    config::{
        ApiConfig, AuthConfig, Config, DatabaseConfig, MailConfig, OidcConfig, OidcProviderConfig,
        RateLimits, RedisConfig,
    },
};

use super::{
    MailSink, ReceivedMail, expect_ok,
    topology::{REPLICAS, Topology},
};

pub const JWT_SECRET: &[u8] = b"test-secret-test-secret-test-secret!";
pub const PASSWORD: &str = "abcd1234!";
pub const VERIFICATION_SUBJECT: &str = "[우리가] 이메일 인증 코드";

fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/?prefer_socket=false".into())
}

fn database_url(name: &str) -> String {
    let mut url = url::Url::parse(&server_url()).expect("TEST_DATABASE_URL is a URL");
    url.set_path(name);
    url.to_string()
}

fn base_config(database: &str, redis_prefix: &str, smtp_port: u16) -> Config {
    Config {
        listen_addr: "127.0.0.1:0".parse().expect("address"),
        database: DatabaseConfig {
            primary_url: database_url(database),
            replica_urls: Vec::new(),
            pool_size: 4,
            pool_timeout: Duration::from_secs(5),
            probe_interval: Duration::from_millis(250),
            probe_timeout: Duration::from_millis(500),
            replica_max_lag: Duration::from_secs(1),
            read_your_writes: true,
            read_your_writes_ttl: Duration::from_secs(60),
            gtid_wait_timeout: Duration::from_millis(100),
        },
        redis: RedisConfig {
            url: std::env::var("TEST_REDIS_URL")
                .unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
            key_prefix: redis_prefix.to_owned(),
        },
        auth: AuthConfig {
            jwt_secret: JWT_SECRET.to_vec(),
            access_ttl: Duration::from_secs(600),
            refresh_ttl: Duration::from_secs(14 * 86_400),
            session_max_age: Duration::from_secs(60 * 86_400),
            session_cache_ttl: Duration::from_secs(10),
            code_ttl: Duration::from_secs(300),
            token_ttl: Duration::from_secs(1800),
        },
        mail: MailConfig {
            smtp_url: Some(format!("smtp://127.0.0.1:{smtp_port}")),
            from: "Uliga <no-reply@uliga.test>".into(),
            app_base_url: "http://app.uliga.test".into(),
        },
        limits: RateLimits {
            code_resend: Duration::from_secs(60),
            code_per_email_hour: 10,
            code_per_address_hour: 30,
            code_max_tries: 5,
            login_failures_per_email: 10,
            login_per_address_hour: 100,
            reset_per_email_hour: 3,
            lookup_per_address_minute: 60,
            // Every test runs from 127.0.0.1: the general limits stay out of
            // the way except where a test sets them.
            public_per_address_minute: 100_000,
            mutations_per_member_minute: 100_000,
        },
        api: ApiConfig {
            graphiql: true,
            graphiql_assets_dir: "web/dist".into(),
            introspection: true,
            suggestions: true,
            max_depth: 10,
            max_complexity: 2000,
            max_aliases: 30,
            max_root_fields: 20,
            body_limit: 64 << 10,
            // Not the 5 s of production: tests run beside each other on
            // two cores, and the password hashes of their sign-ups run at
            // the lowest priority, which yields to all of that load.
            // Seen here: a sign-up past 5 s while both cores were busy with
            // other tests. The tests of the time limit set their own.
            request_timeout: Duration::from_secs(30),
            trust_proxy_headers: false,
            cors_allowed_origins: vec!["https://app.uliga.test".into()],
            ws_init_timeout: Duration::from_secs(10),
            ws_max_connections: 1000,
            ws_token_grace: Duration::from_secs(30),
            ws_event_buffer: 1024,
        },
        // Social sign-in is off unless a test points it at its own provider.
        oidc: OidcConfig {
            google: OidcProviderConfig {
                issuer: "https://accounts.google.com".into(),
                jwks_url: "http://127.0.0.1:9/jwks".into(),
                client_ids: Vec::new(),
            },
            kakao: OidcProviderConfig {
                issuer: "https://kauth.kakao.com".into(),
                jwks_url: "http://127.0.0.1:9/jwks".into(),
                client_ids: Vec::new(),
            },
            jwks_min_refetch: Duration::from_secs(60),
        },
        time_zone: chrono_tz::Asia::Seoul,
        shutdown_timeout: Duration::from_secs(1),
        // Tests run the reminder job themselves, at the moment they choose.
        reminder_interval: Duration::from_secs(3600),
    }
}

/// A signed-in member, as a client holds it.
#[derive(Clone, Debug)]
pub struct Session {
    pub member_id: String,
    pub email: String,
    pub access: String,
    pub refresh: String,
}

pub struct TestApp {
    pub address: SocketAddr,
    pub state: AppState,
    pub mail: MailSink,
    config: Config,
    database: String,
    /// The server the test database lives on, to drop it at the end.
    admin_url: String,
    client: reqwest::Client,
}

/// Another instance of the same service: same database, Redis prefix and
/// mail, its own server, as a second instance behind the balancer.
pub struct Instance {
    pub address: SocketAddr,
    pub state: AppState,
}

/// Sends the service's warnings and errors to the test's output, which the
/// runner shows only for a test that failed: an unexpected UNAVAILABLE then
/// says which dependency it was (`RUST_LOG` can ask for more).
fn capture_service_logs() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("uliga=warn"));
        // Plain text: the output ends up in CI logs, not on a terminal.
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_test_writer()
            .init();
    });
}

async fn start_server(config: Config) -> (AppState, SocketAddr) {
    let state = AppState::build(config).await.expect("app starts");
    // Until it hears of ended sessions, an instance remembers none live, and
    // a test of what it remembers would pass without testing it.
    let live_sessions = &state.services.live_sessions;
    for _ in 0..250 {
        if live_sessions.is_hearing() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        live_sessions.is_hearing(),
        "the instance hears ended sessions"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let server_state = state.clone();
    tokio::spawn(async move {
        uliga::http::serve(
            listener,
            server_state,
            std::future::pending(),
            Duration::from_secs(1),
        )
        .await
        .expect("server runs");
    });
    (state, address)
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts a server whose config `adjust` may change first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_in(server_url(), |config, _| adjust(config)).await
    }

    /// Starts a server on `topology`: the database on its primary, reads on
    /// its two replicas.
    pub async fn spawn_on(topology: &Topology, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_in(topology.admin_url("primary"), |config, database| {
            config.database.primary_url = topology.app_url("primary", database);
            config.database.replica_urls = REPLICAS
                .iter()
                .map(|replica| topology.app_url(replica, database))
                .collect();
            adjust(config);
        })
        .await
    }

    async fn spawn_in(admin_url: String, adjust: impl FnOnce(&mut Config, &str)) -> Self {
        capture_service_logs();
        let id = uuid::Uuid::new_v4().simple().to_string();
        let database = format!("uliga_test_{}", &id[..16]);
        let mail = MailSink::start();
        let mut config = base_config(&database, &format!("test:{id}:"), mail.port);
        adjust(&mut config, &database);
        let (state, address) = start_server(config.clone()).await;
        Self {
            address,
            state,
            mail,
            config,
            database,
            admin_url,
            client: reqwest::Client::new(),
        }
    }

    /// Another instance that serves until `shutdown` resolves; the handle
    /// finishes when the server has stopped.
    pub async fn stoppable_instance(
        &self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> (SocketAddr, tokio::task::JoinHandle<anyhow::Result<()>>) {
        let state = AppState::build(self.config.clone())
            .await
            .expect("app starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(uliga::http::serve(
            listener,
            state,
            shutdown,
            Duration::from_secs(2),
        ));
        (address, server)
    }

    /// A second instance of the same service (same database and Redis).
    pub async fn second_instance(&self) -> Instance {
        let (state, address) = start_server(self.config.clone()).await;
        Instance { address, state }
    }

    /// A second instance on a runtime of its own, with one worker thread: the
    /// returned handle can keep that thread busy, as a loaded machine would
    /// keep the instance from getting to its background work. (Multi-thread,
    /// with one worker: migrations need `block_in_place`.)
    pub async fn second_instance_on_its_own_thread(&self) -> (Instance, tokio::runtime::Handle) {
        let config = self.config.clone();
        let (started, instance) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let (state, address) = start_server(config).await;
                let handle = tokio::runtime::Handle::current();
                let _ = started.send((Instance { address, state }, handle));
                std::future::pending::<()>().await;
            });
        });
        instance.await.expect("the instance starts")
    }

    /// The statements sent so far, once the instance is at rest: its
    /// background work (the reminder round it runs at start-up) counts in
    /// the same counter, so a test that checks a request sends no statement
    /// waits for that count to stop moving first.
    pub async fn statements_at_rest(&self) -> u64 {
        let db = &self.state.services.db;
        let mut last = db.statement_count();
        let mut still = 0;
        for _ in 0..200 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let now = db.statement_count();
            still = if now == last { still + 1 } else { 0 };
            last = now;
            if still == 10 {
                break;
            }
        }
        last
    }

    /// `SELECT COUNT(*)` of `from_where` ("entries WHERE ..."), on the
    /// primary: for what no API shows, such as rows that must be gone.
    pub async fn count_rows(&self, from_where: &str) -> i64 {
        use diesel::{dsl::sql, sql_types::BigInt};
        use diesel_async::RunQueryDsl;
        let mut conn = self.state.services.db.primary().await.unwrap();
        diesel::select(sql::<BigInt>(&format!(
            "(SELECT COUNT(*) FROM {from_where})"
        )))
        .get_result(&mut conn)
        .await
        .unwrap()
    }

    /// The test's database, with the administrator's account.
    pub fn admin_database_url(&self) -> String {
        let mut url = url::Url::parse(&self.admin_url).expect("a URL");
        url.set_path(&self.database);
        url.to_string()
    }

    /// POSTs a body over the size limit. The server answers 413 without
    /// reading it, and may close the connection while the client is still
    /// sending: then there is no status to see (`None`).
    pub async fn post_oversized(&self, token: Option<&str>, body: String) -> Option<StatusCode> {
        // A client of its own: the server may close the connection without
        // reading the whole body, and the shared client must not pick that
        // connection for the test's next request.
        let mut request = reqwest::Client::new()
            .post(self.url("/graphql"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.ok().map(|response| response.status())
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// A plain GET of `path`, with no headers of the test's own.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// POSTs a GraphQL request; returns the status, headers and JSON body.
    pub async fn post(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, HeaderMap, Value) {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request is sent");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.json().await.expect("a JSON body");
        (status, headers, body)
    }

    /// Runs an anonymous operation; the body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.post(None, query, variables).await.2
    }

    /// Runs an operation as `session`; the body.
    pub async fn gql_as(&self, session: &Session, query: &str, variables: Value) -> Value {
        self.post(Some(&session.access), query, variables).await.2
    }

    /// Sends a code, reads it from the mail, and returns it.
    pub async fn request_code(&self, email: &str) -> String {
        let is_code = |mail: &ReceivedMail| mail.subject == VERIFICATION_SUBJECT;
        let before = self
            .mail
            .mails_to(email)
            .iter()
            .filter(|mail| is_code(mail))
            .count();
        let body = self
            .gql(
                "mutation($email: String!) { sendVerificationCode(email: $email) { email } }",
                json!({ "email": email }),
            )
            .await;
        expect_ok(&body);
        let mail = self.mail.wait_for_where(email, before + 1, is_code).await;
        extract_code(&mail.body)
    }

    pub async fn verification_token(&self, email: &str) -> String {
        let code = self.request_code(email).await;
        let body = self
            .gql(
                "mutation($email: String!, $code: String!) { verifyEmail(email: $email, code: $code) { verificationToken } }",
                json!({ "email": email, "code": code }),
            )
            .await;
        expect_ok(&body)["verifyEmail"]["verificationToken"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// Signs up a new member through the whole email flow.
    pub async fn sign_up(&self, email: &str, nick_name: &str) -> Session {
        let token = self.verification_token(email).await;
        let body = self
            .gql(
                "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken refreshToken me { id email } } }",
                json!({ "input": {
                    "email": email,
                    "password": PASSWORD,
                    "userName": "테스트",
                    "nickName": nick_name,
                    "verificationToken": token,
                }}),
            )
            .await;
        session_from(&expect_ok(&body)["signUp"])
    }

    pub async fn login(&self, email: &str, password: &str) -> Value {
        self.gql(
            "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken refreshTokenExpiresAt me { id email } } }",
            json!({ "email": email, "password": password }),
        )
        .await
    }

    pub async fn login_ok(&self, email: &str) -> Session {
        let body = self.login(email, PASSWORD).await;
        session_from(&expect_ok(&body)["login"])
    }
}

pub fn session_from(payload: &Value) -> Session {
    Session {
        member_id: payload["me"]["id"].as_str().expect("me.id").to_owned(),
        email: payload["me"]["email"]
            .as_str()
            .expect("me.email")
            .to_owned(),
        access: payload["accessToken"]
            .as_str()
            .expect("accessToken")
            .to_owned(),
        refresh: payload["refreshToken"]
            .as_str()
            .expect("refreshToken")
            .to_owned(),
    }
}

/// The six-digit code in a verification mail.
pub fn extract_code(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|part| part.len() == 6)
        .unwrap_or_else(|| panic!("no code in mail: {body}"))
        .to_owned()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let url = self.admin_url.clone();
        let database = self.database.clone();
        let redis_url = self.config.redis.url.clone();
        let prefix = self.config.redis.key_prefix.clone();
        // Drop runs inside the test's runtime; a thread of its own may block.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
                if let Ok(mut conn) = AsyncMysqlConnection::establish(&url).await {
                    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS `{database}`"))
                        .execute(&mut conn)
                        .await;
                }
                // The test's Redis keys go too (sessions would live 14 days).
                if let Ok(client) = redis::Client::open(redis_url.as_str())
                    && let Ok(mut conn) = client.get_multiplexed_async_connection().await
                {
                    let keys: Vec<String> = redis::cmd("KEYS")
                        .arg(format!("{prefix}*"))
                        .query_async(&mut conn)
                        .await
                        .unwrap_or_default();
                    if !keys.is_empty() {
                        let _: redis::RedisResult<()> =
                            redis::cmd("UNLINK").arg(&keys).query_async(&mut conn).await;
                    }
                }
            });
        })
        .join();
    }
}
