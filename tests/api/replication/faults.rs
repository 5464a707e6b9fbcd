//! Node failures under load: a replica dies, the primary stops.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{
    Client, ReadLoad, SET_NAME, is_in_rotation, report, sign_up_members, statements_on, time_until,
};
use crate::support::{TestApp, error_code, metric_value, topology::Topology};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_replica_leaves_the_rotation_within_a_second_and_no_query_fails() {
    let topology = Topology::start().await;
    let app = TestApp::spawn_on(&topology, |_| {}).await;
    let members = sign_up_members(&app, 4).await;
    let load = ReadLoad::start(&Client::new(app.address), &members);
    tokio::time::sleep(Duration::from_secs(1)).await;

    let killed = Instant::now();
    topology.kill("replica1").await;
    let left = time_until(Duration::from_secs(5), || !is_in_rotation(&app, "replica1"))
        .await
        .map(|_| killed.elapsed());
    let answered_while_down = load.answered();
    // Readiness and metrics say so too; the instance stays ready.
    let ready = reqwest::get(app.url("/health/ready")).await.expect("ready");
    assert!(ready.status().is_success());
    let ready: serde_json::Value = ready.json().await.expect("JSON");
    let replica1 = ready["database"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|node| node["name"] == "replica1"))
        .cloned()
        .expect("replica1 is reported");
    assert_eq!(replica1["up"], false, "{ready:#}");
    assert_eq!(replica1["inRotation"], false, "{ready:#}");
    assert!(replica1["problem"].is_string(), "{ready:#}");
    let up = metric_value(&app, "uliga_db_node_up{node=\"replica1\"}").await;
    assert_eq!(up, 0.0);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let answered_while_down = load.answered() - answered_while_down;

    let restarted = Instant::now();
    topology.start_node("replica1").await;
    let rejoined = time_until(Duration::from_secs(20), || is_in_rotation(&app, "replica1"))
        .await
        .map(|_| restarted.elapsed());
    let retries = metric_value(&app, "uliga_query_retries_total").await;
    let reads_before = statements_on(&app, "replica1");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let reads_after_rejoin = statements_on(&app, "replica1") - reads_before;
    let (succeeded, failures) = load.finish().await;

    let lines = vec![
        format!(
            "replica1 left the rotation {:.0} ms after the kill",
            left.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
        ),
        format!("queries answered in the second after: {answered_while_down}"),
        format!(
            "rejoined {:.0} ms after its restart began (the restart itself included)",
            rejoined.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
        ),
        format!("queries run a second time after a node failed under them: {retries}"),
        format!("statements on replica1 in the second after rejoining: {reads_after_rejoin}"),
        format!("queries: {succeeded} succeeded, {} failed", failures.len()),
    ];
    report("replica-killed", &lines);

    assert!(
        failures.is_empty(),
        "{:#?}",
        &failures[..failures.len().min(3)]
    );
    assert!(
        left.is_some_and(|d| d < Duration::from_secs(1)),
        "{lines:#?}"
    );
    assert!(answered_while_down > 0, "{lines:#?}");
    assert!(rejoined.is_some(), "{lines:#?}");
    assert!(reads_after_rejoin > 0, "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_every_replica_down_queries_go_to_the_primary_and_none_fails() {
    let topology = Topology::start().await;
    let app = TestApp::spawn_on(&topology, |_| {}).await;
    let members = sign_up_members(&app, 4).await;
    let load = ReadLoad::start(&Client::new(app.address), &members);
    tokio::time::sleep(Duration::from_millis(500)).await;

    for replica in ["replica1", "replica2"] {
        topology.kill(replica).await;
    }
    let gone = time_until(Duration::from_secs(5), || {
        !is_in_rotation(&app, "replica1") && !is_in_rotation(&app, "replica2")
    })
    .await;
    let fallbacks = "uliga_replica_fallbacks_total{reason=\"no_replica_in_rotation\"}";
    let (answered, on_primary, fallen_back) = (
        load.answered(),
        statements_on(&app, "primary"),
        metric_value(&app, fallbacks).await,
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let answered = load.answered() - answered;
    let on_primary = statements_on(&app, "primary") - on_primary;
    let fallen_back = metric_value(&app, fallbacks).await - fallen_back;
    let (succeeded, failures) = load.finish().await;

    let lines = vec![
        format!("both replicas out of rotation: {gone:?}"),
        format!(
            "in the second after: {answered} queries answered, {on_primary} statements on the primary, {fallen_back} reads sent to the primary for want of a replica"
        ),
        format!("queries: {succeeded} succeeded, {} failed", failures.len()),
    ];
    report("replicas-killed", &lines);
    assert!(gone.is_some(), "{lines:#?}");
    assert!(
        answered > 0 && on_primary > 0 && fallen_back > 0.0,
        "{lines:#?}"
    );
    assert!(
        failures.is_empty(),
        "{:#?}",
        &failures[..failures.len().min(3)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_primary_fails_mutations_fast_while_queries_keep_working() {
    let topology = Topology::start().await;
    let app = TestApp::spawn_on(&topology, |_| {}).await;
    let members = sign_up_members(&app, 4).await;
    let client = Client::new(app.address);
    let load = ReadLoad::start(&client, &members[1..]);
    tokio::time::sleep(Duration::from_millis(500)).await;

    topology.stop("primary").await;
    let mut answers = Vec::new();
    let writing_since = Instant::now();
    while writing_since.elapsed() < Duration::from_secs(2) {
        let started = Instant::now();
        let body = client
            .gql(&members[0], SET_NAME, json!({ "name": "없음" }))
            .await;
        answers.push((started.elapsed(), error_code(&body).map(str::to_owned)));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ready = reqwest::get(app.url("/health/ready")).await.expect("ready");
    let ready_status = ready.status();

    let restarted = Instant::now();
    topology.start_node("primary").await;
    let mut recovered = None;
    while restarted.elapsed() < Duration::from_secs(20) {
        let body = client
            .gql(&members[0], SET_NAME, json!({ "name": "돌아옴" }))
            .await;
        if body.get("errors").is_none() {
            recovered = Some(restarted.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (succeeded, failures) = load.finish().await;

    let slowest = answers
        .iter()
        .map(|(took, _)| *took)
        .max()
        .unwrap_or_default();
    let lines = vec![
        format!(
            "mutations while the primary was down: {}, codes {:?}",
            answers.len(),
            answers
                .iter()
                .map(|(_, code)| code.clone())
                .collect::<std::collections::BTreeSet<_>>()
        ),
        format!("slowest answer: {:.0} ms", slowest.as_secs_f64() * 1000.0),
        format!("/health/ready while the primary was down: {ready_status}"),
        format!(
            "first successful mutation {:.0} ms after the primary's restart began",
            recovered.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
        ),
        format!("queries: {succeeded} succeeded, {} failed", failures.len()),
    ];
    report("primary-stopped", &lines);

    assert!(!answers.is_empty());
    for (took, code) in &answers {
        assert_eq!(code.as_deref(), Some("UNAVAILABLE"), "{lines:#?}");
        assert!(*took < Duration::from_secs(1), "{lines:#?}");
    }
    assert_eq!(
        ready_status,
        reqwest::StatusCode::SERVICE_UNAVAILABLE,
        "readiness needs the primary, even while queries still work"
    );
    assert!(
        succeeded > 0 && failures.is_empty(),
        "{:#?}",
        &failures[..failures.len().min(3)]
    );
    assert!(recovered.is_some(), "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_lagging_past_the_limit_leaves_the_rotation_and_rejoins_once_caught_up() {
    let topology = Topology::start().await;
    let app = TestApp::spawn_on(&topology, |_| {}).await;
    topology
        .admin_sql(
            "primary",
            &[
                "CREATE DATABASE lag_probe",
                "CREATE TABLE lag_probe.ticks (id INT AUTO_INCREMENT PRIMARY KEY)",
            ],
        )
        .await;
    topology.delay("replica1", 4).await;
    // A steady trickle of writes that replica1 applies 4 s late.
    let writer = {
        let url = topology.admin_url("primary");
        tokio::spawn(async move {
            let opts = mysql_async::Opts::from_url(&url).expect("URL");
            let mut conn = mysql_async::Conn::new(opts).await.expect("admin login");
            loop {
                use mysql_async::prelude::Queryable;
                conn.query_drop("INSERT INTO lag_probe.ticks () VALUES ()")
                    .await
                    .expect("insert");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    // The replica's own word on when it fell past the 1 s limit, against
    // when the service took it out of the rotation.
    let watching = Instant::now();
    let mut over_limit_at = None;
    let mut left_at = None;
    while watching.elapsed() < Duration::from_secs(10) && left_at.is_none() {
        if over_limit_at.is_none() && topology.seconds_behind("replica1").await.unwrap_or(0) > 1 {
            over_limit_at = Some(watching.elapsed());
        }
        if !is_in_rotation(&app, "replica1") {
            left_at = Some(watching.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Readiness and the metrics show it out of the rotation, and how far behind.
    let ready: serde_json::Value = reqwest::get(app.url("/health/ready"))
        .await
        .expect("ready")
        .json()
        .await
        .expect("JSON");
    let reported = ready["database"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|node| node["name"] == "replica1"))
        .cloned()
        .expect("replica1 is reported");
    let in_rotation = metric_value(&app, "uliga_db_replica_in_rotation{node=\"replica1\"}").await;
    let lag = metric_value(&app, "uliga_db_replica_lag_seconds{node=\"replica1\"}").await;
    writer.abort();
    topology.delay("replica1", 0).await;
    let rejoined = time_until(Duration::from_secs(15), || is_in_rotation(&app, "replica1")).await;

    let ms = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
    let lines = vec![
        format!(
            "replica1 reported more than 1 s behind at {:.0} ms",
            ms(over_limit_at)
        ),
        format!("it left the rotation at {:.0} ms", ms(left_at)),
        format!(
            "rejoined {:.0} ms after its delay was removed",
            ms(rejoined)
        ),
    ];
    report("replica-lagging", &lines);

    let (Some(over), Some(left)) = (over_limit_at, left_at) else {
        panic!("replica1 never fell behind or never left: {lines:#?}");
    };
    assert!(left <= over + Duration::from_secs(1), "{lines:#?}");
    assert!(rejoined.is_some(), "{lines:#?}");
    assert_eq!(reported["inRotation"], false, "{ready:#}");
    assert!(
        reported["lagSeconds"].as_u64().is_some_and(|s| s >= 1),
        "{ready:#}"
    );
    assert_eq!(in_rotation, 0.0);
    assert!(lag >= 1.0, "uliga_db_replica_lag_seconds {lag}");
}
