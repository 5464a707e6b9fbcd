//! Reads really go to the replicas, round-robin over both.

use std::time::Duration;

use serde_json::json;

use super::{Client, READ_LOAD, ok, report, sign_up_members, statements_on};
use crate::support::{
    TestApp,
    topology::{REPLICAS, Topology},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_of_members_without_recent_writes_run_on_both_replicas() {
    let topology = Topology::start().await;
    let app = TestApp::spawn_on(&topology, |config| {
        config.database.read_your_writes_ttl = Duration::from_secs(2);
    })
    .await;
    let members = sign_up_members(&app, 4).await;
    // Their sign-ups are no longer recent once the record expires.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let client = Client::new(app.address);

    let nodes = ["primary", REPLICAS[0], REPLICAS[1]];
    let mut app_before = Vec::new();
    let mut server_before = Vec::new();
    for node in nodes {
        app_before.push(statements_on(&app, node));
        server_before.push(topology.status_counter(node, "Com_select").await);
    }
    for round in 0..50 {
        let member = &members[round % members.len()];
        ok(&client.gql(member, READ_LOAD, json!({})).await);
    }
    let mut app_sent = Vec::new();
    let mut server_ran = Vec::new();
    for (index, node) in nodes.iter().enumerate() {
        app_sent.push(statements_on(&app, node) - app_before[index]);
        server_ran.push(topology.status_counter(node, "Com_select").await - server_before[index]);
    }
    let lines: Vec<String> = nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            format!(
                "{node}: {} statements sent by the service, {} SELECTs counted by the server",
                app_sent[i], server_ran[i]
            )
        })
        .collect();
    report("routing", &lines);

    assert_eq!(app_sent[0], 0, "no query reached the primary: {lines:#?}");
    let on_replicas = app_sent[1] + app_sent[2];
    assert!(on_replicas >= 50, "{lines:#?}");
    for replica in [1, 2] {
        // Round-robin: each replica takes about half.
        assert!(app_sent[replica] * 10 >= on_replicas * 3, "{lines:#?}");
        // The server agrees (its count also holds the health probe's).
        assert!(server_ran[replica] >= app_sent[replica], "{lines:#?}");
    }
    // Only the probe's pings reach the primary, and a ping is no SELECT.
    assert!(server_ran[0] <= 2, "{lines:#?}");
}
