//! GraphQL over HTTP: methods, media types, status codes, limits, and the
//! operational endpoints.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, expect_error, expect_ok};

async fn post_with_accept(app: &TestApp, accept: &str, query: &str) -> (StatusCode, String, Value) {
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("accept", accept)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn get_runs_queries_but_not_mutations() {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .get(app.url("/graphql"))
        .query(&[("query", "{ nicknameAvailable(nickName: \"abc\") }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(expect_ok(&body)["nicknameAvailable"], true);

    let response = app
        .client()
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { logoutEverywhere }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_requests_are_400_only_for_the_graphql_response_media_type() {
    let app = TestApp::spawn().await;
    let invalid = "{ me { noSuchField } }";
    let (status, content_type, body) =
        post_with_accept(&app, "application/graphql-response+json", invalid).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(content_type.starts_with("application/graphql-response+json"));
    expect_error(&body, "BAD_USER_INPUT");

    let (status, content_type, body) = post_with_accept(&app, "application/json", invalid).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/json"));
    expect_error(&body, "BAD_USER_INPUT");

    let (status, _, body) =
        post_with_accept(&app, "application/graphql-response+json", "{ me {").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    expect_error(&body, "BAD_USER_INPUT");

    // An execution error is not a request error.
    let (status, _, body) =
        post_with_accept(&app, "application/graphql-response+json", "{ me { id } }").await;
    assert_eq!(status, StatusCode::OK);
    expect_error(&body, "UNAUTHENTICATED");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_bodies_and_media_types_are_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("content-type", "text/plain")
        .body("{ me { id } }")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // One operation per request: a batch (a JSON array) is refused before
    // anything runs.
    let before = app.statements_at_rest().await;
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(r#"[{"query":"{ __typename }"},{"query":"{ __typename }"}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["errors"][0]["message"].is_string(), "{body}");
    assert_eq!(app.state.services.db.statement_count(), before);

    let huge = format!("{{ \"query\": \"{}\" }}", "a".repeat(2 << 20));
    let refused = app.post_oversized(None, huge).await;
    assert!(
        matches!(refused, None | Some(StatusCode::PAYLOAD_TOO_LARGE)),
        "{refused:?}"
    );

    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("accept", "text/html")
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test(flavor = "multi_thread")]
async fn abusive_queries_are_rejected_before_they_run() {
    let app = TestApp::spawn_with(|config| {
        config.api.max_aliases = 3;
        config.api.max_depth = 4;
    })
    .await;
    let aliases = "{ a: __typename b: __typename c: __typename d: __typename }";
    let (status, _, body) =
        post_with_accept(&app, "application/graphql-response+json", aliases).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("별칭")
    );

    let deep = "{ me { ledgers { members { member { id } } } } }";
    let (status, _, body) = post_with_accept(&app, "application/graphql-response+json", deep).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("깊")
    );
    // Introspection is exempt (GraphiQL's query nests deeper than the API).
    let introspection = "{ __schema { types { fields { type { ofType { name } } } } } }";
    let (status, _, body) =
        post_with_accept(&app, "application/graphql-response+json", introspection).await;
    assert_eq!(status, StatusCode::OK);
    expect_ok(&body);

    let (status, _, body) = post_with_accept(
        &app,
        "application/graphql-response+json",
        "{ a: __typename b: __typename }",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    expect_ok(&body);
}

#[tokio::test(flavor = "multi_thread")]
async fn introspection_and_graphiql_can_be_turned_off() {
    let app = TestApp::spawn_with(|config| {
        config.api.introspection = false;
        config.api.graphiql = false;
    })
    .await;
    let (_, _, body) = post_with_accept(
        &app,
        "application/json",
        "{ __schema { queryType { name } } }",
    )
    .await;
    assert_eq!(body["data"]["__schema"], Value::Null, "{body}");
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let enabled = TestApp::spawn().await;
    let response = enabled.client().get(enabled.url("/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("graphiql"));
}

#[tokio::test(flavor = "multi_thread")]
async fn graphiql_serves_its_built_bundle_or_says_how_to_build_it() {
    let missing =
        std::env::temp_dir().join(format!("uliga-no-playground-{}", uuid::Uuid::new_v4()));
    let app = TestApp::spawn_with(|config| config.api.graphiql_assets_dir = missing.clone()).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("npm ci --prefix web &amp;&amp; npm run build --prefix web"),
        "{page}"
    );
    let response = app.get("/graphiql/assets/playground.js").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let built = std::env::temp_dir().join(format!("uliga-playground-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&built).unwrap();
    std::fs::write(built.join("playground.js"), "console.log('playground');").unwrap();
    std::fs::write(built.join("playground.css"), "body {}").unwrap();
    std::fs::write(built.join(".secret.js"), "hidden").unwrap();
    let app = TestApp::spawn_with(|config| config.api.graphiql_assets_dir = built.clone()).await;
    let page = app.get("/graphiql").await.text().await.unwrap();
    assert!(
        page.contains(r#"<script src="/graphiql/assets/playground.js">"#),
        "{page}"
    );
    let response = app.get("/graphiql/assets/playground.js").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(response.text().await.unwrap(), "console.log('playground');");
    for path in [
        "/graphiql/assets/.secret.js",
        "/graphiql/assets/..%2Fplayground.js",
        "/graphiql/assets/missing.js",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    std::fs::remove_dir_all(&built).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn health_and_metrics_report_the_service() {
    let app = TestApp::spawn().await;
    let live = app.get("/health/live").await;
    assert_eq!(live.status(), StatusCode::OK);
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["primary"], true);
    assert_eq!(ready["redis"], true);

    app.gql("query Probe { me { id } }", json!({})).await;
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains("uliga_graphql_requests_total{operation=\"me\""),
        "{text}"
    );
    assert!(text.contains("uliga_graphql_errors_total{operation=\"me\",code=\"UNAUTHENTICATED\"}"));
    assert!(text.contains("uliga_graphql_request_duration_seconds"));
    assert!(
        !text.contains("Probe"),
        "client-chosen names are not labels"
    );
    assert!(text.contains("uliga_db_pool_connections{pool=\"primary\"}"));

    app.state.start_draining();
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    let new_id = response.headers()["x-request-id"].to_str().unwrap();
    let new_id = uuid::Uuid::parse_str(new_id).expect("a new request id is a UUID");
    assert_eq!(new_id.get_version_num(), 4);

    // A client's own id is kept, so that its logs and ours name the request
    // alike.
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("x-request-id", "client-7f3a")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-7f3a");
}

#[tokio::test(flavor = "multi_thread")]
async fn responses_carry_security_headers_and_cors_allows_only_configured_origins() {
    let app = TestApp::spawn().await;
    let response = app.get("/health/live").await;
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    // The router's own answers pass through the same middleware.
    let unknown = app.get("/no-such-page").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.headers()["x-content-type-options"], "nosniff");
    assert_eq!(unknown.headers()["cache-control"], "no-store");
    assert!(unknown.headers().get("x-request-id").is_some());

    let preflight = |origin: &'static str| {
        app.client()
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://app.uliga.test").await.unwrap();
    // CORS answers a preflight itself; the answer still carries the id and
    // the security headers.
    assert!(allowed.headers().get("x-request-id").is_some());
    assert_eq!(allowed.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.uliga.test"
    );
    let allowed_headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );
    let foreign = preflight("https://evil.example").await.unwrap();
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
