//! The floors that `bench/run` measures the service against, built with the
//! same crates (axum, tokio, bb8, diesel-async, argon2) as the service.
//!
//! Subcommands (every option is `--name value`):
//! - `axum --listen ADDR --body JSON [--headers service]`: a bare axum server
//!   whose POST /graphql answers with the fixed JSON body, as the service
//!   answers a trivial query; with `--headers service`, also with the headers
//!   the service's answer carries, as fixed values (for reference).
//! - `session --listen ADDR --body JSON`: the service's own state, built from
//!   the environment as the service builds it, behind a POST /graphql that
//!   authenticates the request as the service does (the JWT, then the
//!   session, remembered or read from Redis) and answers with the fixed JSON
//!   body: the trivial query without GraphQL, for reference.
//! - `graphql --listen ADDR --schema me|dashboard --answer-file FILE`:
//!   async-graphql alone (`graphql.rs`): the service's answer to the trivial
//!   query or the dashboard, read from FILE (JSON), served from memory by a
//!   schema of just the types that document selects, behind a POST /graphql
//!   that reads and writes JSON as the service's handler does, without
//!   authentication, Redis or SQL. For reference.
//! - `sql --url URL --file FILE --concurrency N --seconds S [--pool-size P]
//!   [--rate R]`: replays the statements in FILE (one a line, as captured
//!   from the service) in a tight loop from N tasks over a bb8 pool of P
//!   AsyncMysqlConnections, or R times a second; prints throughput and
//!   latency as JSON.
//! - `argon2 --hash HASH --password PW --concurrency N --seconds S`: the bare
//!   Argon2id verify the login does, on tokio's blocking pool from N tasks.
//! - `hash --password PW`: an Argon2id hash with the service's parameters.
//! - `flood --url URL --body JSON --rate R --addresses A --seconds S`: POSTs
//!   the body (a login; `{n}` becomes the request's number) R times a
//!   second from A client addresses, and counts the answers: signed in,
//!   wrong credentials, RATE_LIMITED, other errors, and time-outs.

mod graphql;

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use axum::{
    Router,
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
    routing::post,
};
use diesel_async::{
    AsyncMysqlConnection, SimpleAsyncConnection, pooled_connection::AsyncDieselConnectionManager,
};
use serde_json::json;
use uliga::auth::access::{Access, authenticate};

// The service's allocator, so that a floor differs from the service only in
// the work it leaves out.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Opts = HashMap<String, String>;

fn parse(args: &[String]) -> anyhow::Result<Opts> {
    let mut opts = Opts::new();
    let mut it = args.iter();
    while let Some(key) = it.next() {
        let Some(name) = key.strip_prefix("--") else {
            bail!("unexpected argument {key}");
        };
        let value = it.next().with_context(|| format!("{key} needs a value"))?;
        opts.insert(name.to_owned(), value.clone());
    }
    Ok(opts)
}

fn opt<'a>(opts: &'a Opts, name: &str) -> anyhow::Result<&'a str> {
    opts.get(name)
        .map(String::as_str)
        .with_context(|| format!("--{name} is required"))
}

fn num(opts: &Opts, name: &str, default: u64) -> anyhow::Result<u64> {
    opts.get(name)
        .map_or(Ok(default), |value| value.parse())
        .with_context(|| format!("--{name} must be a number"))
}

/// The `q` quantile of `sorted` latencies, in milliseconds.
fn percentile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

/// Throughput and latency percentiles of the requests that finished.
fn summary(mut latencies: Vec<Duration>, elapsed: Duration, errors: u64) -> serde_json::Value {
    latencies.sort_unstable();
    json!({
        "requests": latencies.len(),
        "errors": errors,
        "seconds": elapsed.as_secs_f64(),
        "rps": latencies.len() as f64 / elapsed.as_secs_f64(),
        "p50_ms": percentile(&latencies, 0.50),
        "p99_ms": percentile(&latencies, 0.99),
    })
}

/// A paced run's first second, left out of its steady state as
/// `bench/bench.py` leaves it out of oha's paced runs (oha opens its
/// connections then): the floor's tail and the service's cover the same part
/// of their runs.
const WARM_UP: Duration = Duration::from_secs(1);

/// Adds to `result` the percentiles of the requests due after the warm-up,
/// each given as (when it was due after the start, its latency).
fn add_steady_state(result: &mut serde_json::Value, requests: &[(Duration, Duration)]) {
    let mut steady: Vec<Duration> = requests
        .iter()
        .filter(|&&(due, _)| due >= WARM_UP)
        .map(|&(_, latency)| latency)
        .collect();
    steady.sort_unstable();
    result["steady_requests"] = json!(steady.len());
    result["steady_p50_ms"] = json!(percentile(&steady, 0.50));
    result["steady_p99_ms"] = json!(percentile(&steady, 0.99));
}

/// How the load arrives: as fast as the tasks go, or at a fixed rate.
#[derive(Clone, Copy)]
enum Pace {
    ClosedLoop,
    /// Request `i` is due `i / rate` seconds after the start; its latency
    /// counts from then (as oha's `--latency-correction`), so a stall delays
    /// the requests due during it instead of hiding them.
    Rate(u64),
}

impl Pace {
    fn of(opts: &Opts) -> anyhow::Result<Self> {
        Ok(match num(opts, "rate", 0)? {
            0 => Self::ClosedLoop,
            rate => Self::Rate(rate),
        })
    }
}

/// Runs `work` from `concurrency` tasks until `seconds` have passed.
async fn drive<F, Fut>(concurrency: u64, seconds: u64, pace: Pace, work: F) -> serde_json::Value
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let work = Arc::new(work);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (work, next) = (work.clone(), next.clone());
            tokio::spawn(async move {
                let mut requests = Vec::new();
                let mut errors = 0;
                loop {
                    let begun = match pace {
                        Pace::ClosedLoop => Instant::now(),
                        Pace::Rate(rate) => {
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            let due = started + Duration::from_secs_f64(index as f64 / rate as f64);
                            tokio::time::sleep_until(due.into()).await;
                            due
                        }
                    };
                    if begun >= deadline {
                        break;
                    }
                    if work().await {
                        requests.push((begun - started, begun.elapsed()));
                    } else {
                        errors += 1;
                    }
                    // A task that asked for a pool's connection again at
                    // once would take the one it just gave back ahead of
                    // the tasks already waiting for it (the pool wakes one,
                    // which then finds none left): past the pool's size, the
                    // same few tasks would run while the others starve,
                    // unmeasured. Yielding lets the woken one go first, as
                    // the service's clients, each a round trip away, do.
                    tokio::task::yield_now().await;
                }
                (requests, errors)
            })
        })
        .collect();
    let mut requests = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (mine, failed) = task.await.expect("a load task panicked");
        requests.extend(mine);
        errors += failed;
    }
    let latencies = requests.iter().map(|&(_, latency)| latency).collect();
    let mut result = summary(latencies, started.elapsed(), errors);
    if let Pace::Rate(_) = pace {
        add_steady_state(&mut result, &requests);
    }
    result
}

/// Serves `app` on `listen` until the process is stopped.
async fn listen_and_serve(listen: &str, app: Router) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn bare_axum(opts: &Opts) -> anyhow::Result<()> {
    let body: &'static str = Box::leak(opt(opts, "body")?.to_owned().into_boxed_str());
    let answer = if opts.get("headers").map(String::as_str) == Some("service") {
        post(move || async move { (SERVICE_HEADERS, body) })
    } else {
        post(move || async move { ([(header::CONTENT_TYPE, "application/json")], body) })
    };
    listen_and_serve(
        opt(opts, "listen")?,
        Router::new().route("/graphql", answer),
    )
    .await
}

/// The headers the service's answer carries, as fixed values: the client
/// reads the same response from the floor as from the service.
const SERVICE_HEADERS: [(header::HeaderName, &str); 7] = [
    (header::CONTENT_TYPE, "application/json; charset=utf-8"),
    (header::CACHE_CONTROL, "no-store"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (
        header::VARY,
        "origin, access-control-request-method, access-control-request-headers",
    ),
    (
        header::HeaderName::from_static("x-request-id"),
        "3f2b6c1e-8d4a-4f7b-9c2e-5a1d0e7f6b3c",
    ),
];

async fn session_axum(opts: &Opts) -> anyhow::Result<()> {
    let body: &'static str = Box::leak(opt(opts, "body")?.to_owned().into_boxed_str());
    let state = uliga::app::AppState::build(uliga::config::Config::from_env()?).await?;
    let app = Router::new().route(
        "/graphql",
        post(move |headers: HeaderMap| async move {
            let authorization = headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok());
            match authenticate(&state.services, authorization).await {
                Ok(Access::Viewer(_)) => {
                    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
                }
                _ => StatusCode::UNAUTHORIZED.into_response(),
            }
        }),
    );
    listen_and_serve(opt(opts, "listen")?, app).await
}

async fn sql(opts: &Opts) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(opt(opts, "file")?)?;
    let statements: Arc<Vec<String>> = Arc::new(
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(str::to_owned)
            .collect(),
    );
    let manager = AsyncDieselConnectionManager::<AsyncMysqlConnection>::new(opt(opts, "url")?);
    let pool = bb8::Pool::builder()
        .max_size(u32::try_from(num(opts, "pool-size", 10)?)?)
        .test_on_check_out(false)
        .build(manager)
        .await?;
    let concurrency = num(opts, "concurrency", 1)?;
    let pace = Pace::of(opts)?;
    let result = drive(concurrency, num(opts, "seconds", 10)?, pace, move || {
        let pool = pool.clone();
        let statements = statements.clone();
        async move {
            let Ok(mut conn) = pool.get().await else {
                return false;
            };
            for statement in statements.iter() {
                if let Err(error) = conn.batch_execute(statement).await {
                    eprintln!("sql: {error}: {statement}");
                    return false;
                }
            }
            true
        }
    })
    .await;
    println!("{result}");
    Ok(())
}

fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

async fn argon2_verify(opts: &Opts) -> anyhow::Result<()> {
    let hash: Arc<str> = opt(opts, "hash")?.into();
    let password: Arc<str> = opt(opts, "password")?.into();
    if !verify(&hash, &password) {
        bail!("the password does not match the hash");
    }
    let result = drive(
        num(opts, "concurrency", 1)?,
        num(opts, "seconds", 10)?,
        Pace::ClosedLoop,
        move || {
            let (hash, password) = (hash.clone(), password.clone());
            async move {
                tokio::task::spawn_blocking(move || verify(&hash, &password))
                    .await
                    .unwrap_or(false)
            }
        },
    )
    .await;
    println!("{result}");
    Ok(())
}

fn hash(opts: &Opts) -> anyhow::Result<()> {
    let salt = SaltString::generate(&mut OsRng);
    let hashed = Argon2::default()
        .hash_password(opt(opts, "password")?.as_bytes(), &salt)
        .map_err(|error| anyhow::anyhow!("argon2: {error}"))?;
    println!("{hashed}");
    Ok(())
}

#[derive(Default)]
struct Outcomes {
    signed_in: u64,
    wrong_credentials: u64,
    rate_limited: u64,
    other_errors: u64,
    timeouts: u64,
    latencies: Vec<Duration>,
}

impl Outcomes {
    fn count(&mut self, answer: Result<String, reqwest::Error>, took: Duration) {
        match answer {
            Err(error) if error.is_timeout() => self.timeouts += 1,
            Err(_) => self.other_errors += 1,
            Ok(text) if text.contains("\"RATE_LIMITED\"") => self.rate_limited += 1,
            Ok(text) if text.contains("\"UNAUTHENTICATED\"") => self.wrong_credentials += 1,
            Ok(text) if text.contains("\"accessToken\"") => self.signed_in += 1,
            Ok(_) => self.other_errors += 1,
        }
        self.latencies.push(took);
    }
}

/// An open-loop flood: `rate` logins a second, each sent when due whatever
/// the answers so far, as an attack does. Request n replaces `{n}` in the
/// body (so each may name another account) and comes from client address
/// n mod `addresses`, given in X-Forwarded-For (the service trusts it
/// behind its proxy), so that the per-address limits do not stop it alone.
async fn flood(opts: &Opts) -> anyhow::Result<()> {
    let url = opt(opts, "url")?.to_owned();
    let body = opt(opts, "body")?.to_owned();
    let rate = num(opts, "rate", 200)?.max(1);
    let addresses = num(opts, "addresses", 1)?.max(1);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(num(opts, "timeout", 10)?))
        .build()?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(num(opts, "seconds", 10)?);
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    for n in 0_u64.. {
        ticks.tick().await;
        if Instant::now() >= deadline {
            break;
        }
        let address = n % addresses;
        let forwarded = format!(
            "10.{}.{}.{}",
            address >> 16 & 255,
            address >> 8 & 255,
            address & 255
        );
        let request = client
            .post(&url)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", forwarded)
            .body(body.replace("{n}", &n.to_string()));
        tasks.push(tokio::spawn(async move {
            let begun = Instant::now();
            let answer = match request.send().await {
                Ok(response) => response.text().await,
                Err(error) => Err(error),
            };
            (answer, begun.elapsed())
        }));
    }
    let mut all = Outcomes::default();
    for task in tasks {
        let (answer, took) = task.await?;
        all.count(answer, took);
    }
    let errors = all.other_errors + all.timeouts;
    let mut result = summary(all.latencies, started.elapsed(), errors);
    result["rate"] = json!(rate);
    result["addresses"] = json!(addresses);
    result["signed_in"] = json!(all.signed_in);
    result["wrong_credentials"] = json!(all.wrong_credentials);
    result["rate_limited"] = json!(all.rate_limited);
    result["other_errors"] = json!(all.other_errors);
    result["timeouts"] = json!(all.timeouts);
    println!("{result}");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        bail!("usage: bench_floor axum|session|graphql|sql|argon2|hash|flood --option value ...");
    };
    let opts = parse(rest)?;
    match command.as_str() {
        "axum" => bare_axum(&opts).await,
        "session" => session_axum(&opts).await,
        "graphql" => {
            let path = opt(&opts, "answer-file")?;
            let answer =
                std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
            graphql::serve(opt(&opts, "listen")?, opt(&opts, "schema")?, &answer).await
        }
        "sql" => sql(&opts).await,
        "argon2" => argon2_verify(&opts).await,
        "hash" => hash(&opts),
        "flood" => flood(&opts).await,
        other => bail!("unknown subcommand {other}"),
    }
}
