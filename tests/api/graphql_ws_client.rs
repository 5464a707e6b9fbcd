//! The reference `graphql-ws` npm client (tests/js/client.mjs) subscribes,
//! receives events, and reconnects with a refreshed token after the server
//! closes its socket with 4401.

use std::{process::Stdio, time::Duration};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines},
    process::{ChildStdout, Command},
};

use crate::support::{TestApp, expect_ok, ledgers::shared_ledger};

async fn next_line(lines: &mut Lines<BufReader<ChildStdout>>) -> Value {
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the client prints in time")
        .expect("stdout is readable")
        .expect("the client is still running");
    serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"))
}

/// Reads lines until one has `key`.
async fn wait_for(lines: &mut Lines<BufReader<ChildStdout>>, key: &str) -> Value {
    loop {
        let line = next_line(lines).await;
        if line.get(key).is_some() {
            return line;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reference_client_subscribes_and_reconnects_after_its_token_expires() {
    let js = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js");
    assert!(
        std::path::Path::new(js)
            .join("node_modules/graphql-ws")
            .exists(),
        "run `npm ci --prefix tests/js` first (scripts/test.sh does)"
    );
    let app = TestApp::spawn_with(|config| {
        config.auth.access_ttl = Duration::from_secs(4);
        config.api.ws_token_grace = Duration::from_millis(300);
    })
    .await;
    let owner = app.sign_up("reference@example.com", "reference").await;
    let ledger = shared_ledger(&app, &owner, &[]).await;
    // A session of its own for the client, with a whole token lifetime ahead.
    let admin = app.login_ok("reference@example.com").await;

    let mut child = Command::new("node")
        .arg("client.mjs")
        .arg(app.url("/graphql"))
        .arg(&admin.access)
        .arg(&admin.refresh)
        .arg(&ledger)
        .arg("2")
        .current_dir(js)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::time::sleep(Duration::from_millis(500)).await;
    if let Ok(Some(status)) = child.try_wait() {
        panic!("node exited early: {status}");
    }
    let set_budget = "mutation($l: ID!, $a: Money!) { setBudget(ledgerId: $l, year: 2026, month: 1, amount: $a) { amount } }";

    wait_for(&mut lines, "connected").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    expect_ok(
        &app.gql_as(&admin, set_budget, json!({ "l": ledger, "a": 1 }))
            .await,
    );
    assert_eq!(
        wait_for(&mut lines, "event").await["event"]["kind"],
        "BUDGET_CHANGED"
    );

    assert_eq!(wait_for(&mut lines, "closed").await["closed"], 4401);
    wait_for(&mut lines, "refreshed").await;
    wait_for(&mut lines, "connected").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The test's own access token has expired too: sign in again.
    let fresh = app.login_ok("reference@example.com").await;
    expect_ok(
        &app.gql_as(&fresh, set_budget, json!({ "l": ledger, "a": 2 }))
            .await,
    );
    assert_eq!(
        wait_for(&mut lines, "event").await["event"]["kind"],
        "BUDGET_CHANGED"
    );

    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        status.success(),
        "the client exits cleanly after two events"
    );
}
