//! Graceful shutdown: on the signal the server stops accepting, lets the
//! requests in flight finish, and exits.

use std::time::Duration;

use serde_json::json;

use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_server_finishes_in_flight_requests_then_refuses_new_ones() {
    let app = TestApp::spawn().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (address, server) = app
        .stoppable_instance(async move {
            let _ = stopped.await;
        })
        .await;
    let client = reqwest::Client::new();
    let url = format!("http://{address}/graphql");

    // A request in flight when the signal comes: Argon2 makes login take a moment.
    let in_flight = tokio::spawn({
        let client = client.clone();
        let url = url.clone();
        async move {
            client
                .post(&url)
                .json(&json!({ "query": "mutation { login(email: \"a@example.com\", password: \"abcd1234!\") { accessToken } }" }))
                .send()
                .await
        }
    });
    // Long enough to be connected, short of the Argon2 work.
    tokio::time::sleep(Duration::from_millis(20)).await;
    stop.send(()).unwrap();

    let response = in_flight
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(response.status(), 200);
    let finished = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(finished.is_ok(), "the server exits after draining");
    assert!(
        client
            .get(format!("http://{address}/health/live"))
            .send()
            .await
            .is_err()
    );
}
