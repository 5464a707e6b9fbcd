//! A member's mutation on instance A, then their query on instance B, while
//! both replicas lag: the query must show the mutation, every time.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::json;

use super::{Client, MY_NAME, SET_NAME, ok, percentile_ms, report, sign_up_members};
use crate::support::{Session, TestApp, topology::Topology};

const MEMBERS: usize = 8;

struct Cycles {
    stale: usize,
    query_latency: Vec<Duration>,
}

/// `total` cycles spread over the members, each "set my name on A, read it
/// on B". `during` runs beside them and sees how many cycles are done.
async fn run_cycles(
    a: &Client,
    b: &Client,
    members: &[Session],
    total: usize,
    done: Arc<AtomicUsize>,
) -> Cycles {
    let per_member = total / members.len();
    let workers = members.iter().cloned().enumerate().map(|(m, member)| {
        let (a, b, done) = (a.clone(), b.clone(), done.clone());
        tokio::spawn(async move {
            let mut stale = 0;
            let mut latency = Vec::with_capacity(per_member);
            for cycle in 0..per_member {
                let name = format!("m{m}c{cycle}");
                let set = a.gql(&member, SET_NAME, json!({ "name": name })).await;
                assert_eq!(ok(&set)["updateProfile"]["userName"], name.as_str());
                let started = Instant::now();
                let read = b.gql(&member, MY_NAME, json!({})).await;
                latency.push(started.elapsed());
                if ok(&read)["me"]["userName"] != name.as_str() {
                    stale += 1;
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            (stale, latency)
        })
    });
    let mut cycles = Cycles {
        stale: 0,
        query_latency: Vec::new(),
    };
    for worker in workers.collect::<Vec<_>>() {
        let (stale, latency) = worker.await.expect("worker");
        cycles.stale += stale;
        cycles.query_latency.extend(latency);
    }
    cycles
}

/// Instance B's `/metrics`: the value of a series such as
/// `uliga_gtid_wait_seconds{quantile="0.99"}`, when present.
struct Metrics(String);

impl Metrics {
    async fn of(address: std::net::SocketAddr) -> Self {
        let response = reqwest::get(format!("http://{address}/metrics"))
            .await
            .expect("metrics");
        Self(response.text().await.expect("metrics text"))
    }

    fn value(&self, series: &str) -> Option<f64> {
        self.0
            .lines()
            .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
    }

    /// The upper bound (ms) of the histogram bucket that holds the
    /// `quantile` of `name`'s observations.
    fn quantile_ms(&self, name: &str, outcome: &str, quantile: f64) -> Option<f64> {
        let count = self.value(&format!("{name}_count{{outcome=\"{outcome}\"}}"))?;
        let prefix = format!("{name}_bucket{{outcome=\"{outcome}\",le=\"");
        self.0.lines().find_map(|line| {
            let (bound, observed) = line.strip_prefix(&prefix)?.split_once("\"}")?;
            let observed: f64 = observed.trim().parse().ok()?;
            (observed >= quantile * count)
                .then(|| bound.parse::<f64>().ok())
                .flatten()
                .map(|seconds| seconds * 1000.0)
        })
    }
}

async fn lagging_topology() -> (Topology, TestApp) {
    let topology = Topology::start().await;
    let app = TestApp::spawn_on(&topology, |config| {
        // Lagging replicas stay in the rotation, so that only the GTID wait
        // stands between a member and their stale data.
        config.database.replica_max_lag = Duration::from_secs(3600);
        config.database.read_your_writes_ttl = Duration::from_secs(7200);
        // The production default: a wait holds its connection, and eight
        // members wait at once.
        config.database.pool_size = 10;
    })
    .await;
    (topology, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_thousand_writes_on_instance_a_are_always_read_back_on_instance_b() {
    let (topology, app) = lagging_topology().await;
    let instance_b = app.second_instance().await;
    let members = sign_up_members(&app, MEMBERS).await;
    let (a, b) = (Client::new(app.address), Client::new(instance_b.address));
    topology.delay("replica1", 5).await;

    // replica2 stops applying for the middle half of the run.
    let done = Arc::new(AtomicUsize::new(0));
    let pause = {
        let done = done.clone();
        let topology = &topology;
        async move {
            while done.load(Ordering::Relaxed) < 500 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            topology
                .admin_sql("replica2", &["STOP SLAVE SQL_THREAD"])
                .await;
            while done.load(Ordering::Relaxed) < 1500 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            topology
                .admin_sql("replica2", &["START SLAVE SQL_THREAD"])
                .await;
        }
    };
    let started = Instant::now();
    let (mut cycles, ()) = tokio::join!(run_cycles(&a, &b, &members, 2000, done.clone()), pause);
    let elapsed = started.elapsed();

    let metrics = Metrics::of(instance_b.address).await;
    let wait_ms = |outcome, quantile| {
        metrics
            .quantile_ms("uliga_gtid_wait_seconds", outcome, quantile)
            .unwrap_or(f64::NAN)
    };
    let mut lines = vec![
        format!(
            "cycles: {}, stale reads: {}, in {:.1} s",
            done.load(Ordering::Relaxed),
            cycles.stale,
            elapsed.as_secs_f64()
        ),
        format!(
            "query on B after a write on A: p50 {:.2} ms, p99 {:.2} ms",
            percentile_ms(&mut cycles.query_latency, 50.0),
            percentile_ms(&mut cycles.query_latency, 99.0)
        ),
        format!(
            "GTID waits that saw the write applied: p50 <= {} ms, p99 <= {} ms (bucket bounds)",
            wait_ms("applied", 0.5),
            wait_ms("applied", 0.99)
        ),
        format!(
            "GTID waits that timed out: p50 <= {} ms, p99 <= {} ms (bucket bounds)",
            wait_ms("timeout", 0.5),
            wait_ms("timeout", 0.99)
        ),
    ];
    for outcome in [
        "applied",
        "timeout",
        "already_applied",
        "skipped_lagging",
        "error",
    ] {
        let series = format!("uliga_gtid_waits_total{{outcome=\"{outcome}\"}}");
        let count = metrics.value(&series).unwrap_or(0.0);
        lines.push(format!("GTID checks {outcome}: {count}"));
    }
    let mut fallbacks = 0.0;
    for reason in ["gtid_wait_timeout", "no_replica_in_rotation"] {
        let series = format!("uliga_replica_fallbacks_total{{reason=\"{reason}\"}}");
        let count = metrics.value(&series).unwrap_or(0.0);
        lines.push(format!("reads sent to the primary ({reason}): {count}"));
        fallbacks += count;
    }
    report("read-your-writes", &lines);

    assert_eq!(done.load(Ordering::Relaxed), 2000);
    assert_eq!(cycles.stale, 0, "{lines:#?}");
    // The run really met lagging replicas: reads had to leave them for the
    // primary (replica1 is 5 s behind, replica2 stalls for a while).
    assert!(fallbacks > 0.0, "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_read_your_writes_the_same_cycles_read_stale_data() {
    let topology = Topology::start().await;
    let app = TestApp::spawn_on(&topology, |config| {
        config.database.replica_max_lag = Duration::from_secs(3600);
        config.database.read_your_writes = false;
    })
    .await;
    let instance_b = app.second_instance().await;
    let members = sign_up_members(&app, MEMBERS).await;
    let (a, b) = (Client::new(app.address), Client::new(instance_b.address));
    topology.delay("replica1", 5).await;

    let cycles = run_cycles(&a, &b, &members, 200, Arc::new(AtomicUsize::new(0))).await;
    report(
        "control",
        &[format!(
            "without read-your-writes: {} stale reads in 200 cycles",
            cycles.stale
        )],
    );
    assert!(cycles.stale > 0, "the lagging replica must show stale data");
}
