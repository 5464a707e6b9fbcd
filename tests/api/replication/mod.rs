//! Replication on a real primary and two GTID replicas
//! (`scripts/topology.sh`), with two server instances where the test needs
//! them. Each test starts its own topology, so it may stop or slow its nodes.
//! The numbers each test measured go to `target/test-reports/`.

mod faults;
mod read_your_writes;
mod routing;

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::support::{Session, TestApp, expect_ok};

/// A GraphQL client for one instance's address.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    pub fn new(address: SocketAddr) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: format!("http://{address}/graphql"),
        }
    }

    pub async fn gql(&self, session: &Session, query: &str, variables: Value) -> Value {
        self.http
            .post(&self.url)
            .bearer_auth(&session.access)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request is sent")
            .json()
            .await
            .expect("a JSON body")
    }
}

pub async fn sign_up_members(app: &TestApp, count: usize) -> Vec<Session> {
    let mut members = Vec::with_capacity(count);
    for n in 0..count {
        members.push(
            app.sign_up(&format!("replica{n}@uliga.test"), &format!("복제{n}"))
                .await,
        );
    }
    members
}

pub const SET_NAME: &str =
    "mutation($name: String!) { updateProfile(input: { userName: $name }) { userName } }";
pub const MY_NAME: &str = "{ me { userName } }";
pub const READ_LOAD: &str = "{ me { id userName ledgers { id name memberCount } } }";

/// Queries `READ_LOAD` from `workers` tasks until stopped; counts the
/// answers with and without errors.
pub struct ReadLoad {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
    tasks: Vec<tokio::task::JoinHandle<Vec<Value>>>,
}

impl ReadLoad {
    pub fn start(client: &Client, members: &[Session]) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let ok = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicUsize::new(0));
        let tasks = members
            .iter()
            .cloned()
            .map(|member| {
                let (client, stop, ok, failed) =
                    (client.clone(), stop.clone(), ok.clone(), failed.clone());
                tokio::spawn(async move {
                    let mut failures = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let body = client.gql(&member, READ_LOAD, json!({})).await;
                        if body.get("errors").is_some() || body["data"]["me"].is_null() {
                            failed.fetch_add(1, Ordering::Relaxed);
                            failures.push(body);
                        } else {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    failures
                })
            })
            .collect();
        Self {
            stop,
            ok,
            failed,
            tasks,
        }
    }

    pub fn answered(&self) -> usize {
        self.ok.load(Ordering::Relaxed) + self.failed.load(Ordering::Relaxed)
    }

    /// Stops the load; the successful count and the failed answers.
    pub async fn finish(self) -> (usize, Vec<Value>) {
        self.stop.store(true, Ordering::Relaxed);
        let mut failures = Vec::new();
        for task in self.tasks {
            failures.extend(task.await.expect("load task"));
        }
        assert_eq!(failures.len(), self.failed.load(Ordering::Relaxed));
        (self.ok.load(Ordering::Relaxed), failures)
    }
}

/// Polls `condition` every 10 ms until it holds; how long that took, or
/// `None` after `limit`.
pub async fn time_until(limit: Duration, mut condition: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if condition() {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

pub fn is_in_rotation(app: &TestApp, name: &str) -> bool {
    app.state
        .services
        .db
        .nodes()
        .iter()
        .any(|node| node.name == name && node.health.in_rotation)
}

pub fn statements_on(app: &TestApp, name: &str) -> u64 {
    app.state
        .services
        .db
        .nodes()
        .iter()
        .find(|node| node.name == name)
        .map(|node| node.statements)
        .expect("a node of that name")
}

/// The `p`-th percentile (0-100) of `samples`, in milliseconds.
pub fn percentile_ms(samples: &mut [Duration], p: f64) -> f64 {
    assert!(!samples.is_empty(), "no samples");
    samples.sort_unstable();
    let rank = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[rank].as_secs_f64() * 1000.0
}

/// Prints what a test measured and keeps it in `target/test-reports/`.
pub fn report(name: &str, lines: &[String]) {
    let text = lines.join("\n");
    println!("{name}:\n{text}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-reports");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("replication-{name}.txt")), text + "\n");
}

/// The response had no errors; its data.
#[track_caller]
pub fn ok(body: &Value) -> &Value {
    expect_ok(body)
}
