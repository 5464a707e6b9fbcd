//! Abuse limits that hold before any SQL runs, shown by the server's own
//! statement counter staying flat; the request time limit; and brute force
//! through aliases.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, error_code, expect_error, expect_ok};

/// Runs `query` as `token`'s member and returns the status, the body and how
/// many SQL statements the server sent meanwhile.
async fn statements_for(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
) -> (StatusCode, Value, u64) {
    let before = app.statements_at_rest().await;
    let (status, _, body) = app.post(token, query, json!({})).await;
    (
        status,
        body,
        app.state.services.db.statement_count() - before,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_documents_are_refused_before_any_sql() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("limits@example.com", "limits").await;
    let token = Some(session.access.as_str());

    // The control: a small query does run SQL.
    let (_, body, sent) = statements_for(&app, token, "{ me { nickName } }").await;
    expect_ok(&body);
    assert!(sent > 0);

    // Ten thousand aliases do not even fit in a request body (64 KiB)...
    let aliases: String = (0..10_000).map(|n| format!("a{n}:me{{id}}")).collect();
    let before = app.statements_at_rest().await;
    let body = json!({ "query": format!("{{{aliases}}}") }).to_string();
    let refused = app.post_oversized(token, body).await;
    assert!(
        matches!(refused, None | Some(StatusCode::PAYLOAD_TOO_LARGE)),
        "{refused:?}"
    );
    assert_eq!(app.state.services.db.statement_count(), before);
    // ...and past the alias limit (30) a document is refused whole.
    let aliases: String = (0..1_000).map(|n| format!("a{n}:me{{id}}")).collect();
    let (status, body, sent) = statements_for(&app, token, &format!("{{{aliases}}}")).await;
    assert_eq!((status, sent), (StatusCode::BAD_REQUEST, 0), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("별칭")
    );

    // Fifty levels stop at the parser's own recursion limit; eleven at ours.
    for levels in [25, 5] {
        let deep = format!(
            "{{ me {{ {}id{} }} }}",
            "ledgers { members { ".repeat(levels),
            " } }".repeat(levels)
        );
        let (status, body, sent) = statements_for(&app, token, &deep).await;
        assert_eq!((status, sent), (StatusCode::BAD_REQUEST, 0), "{body}");
        if levels == 5 {
            let message = body["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains("깊"), "{body}");
        }
    }

    let page = "{ me { notifications(first: 100000) { nodes { id message } } } }";
    let (status, body, sent) = statements_for(&app, token, page).await;
    assert_eq!((status, sent), (StatusCode::BAD_REQUEST, 0), "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("too complex"), "{body}");

    let roots: String = (0..21)
        .map(|n| format!("n{n}: nicknameAvailable(nickName: \"abc{n}\") "))
        .collect();
    let (status, body, sent) = statements_for(&app, None, &format!("{{ {roots} }}")).await;
    assert_eq!((status, sent), (StatusCode::BAD_REQUEST, 0), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("최상위")
    );

    let before = app.statements_at_rest().await;
    let padding = "x".repeat(1 << 20);
    let body = json!({ "query": format!("{{ me {{ id }} }} # {padding}") }).to_string();
    let refused = app.post_oversized(token, body).await;
    assert!(
        matches!(refused, None | Some(StatusCode::PAYLOAD_TOO_LARGE)),
        "{refused:?}"
    );
    assert_eq!(app.state.services.db.statement_count(), before);
    // The server is fine, and a body within the limit runs.
    expect_ok(&app.post(token, "{ me { id } }", json!({})).await.2);
}

#[tokio::test(flavor = "multi_thread")]
async fn field_suggestions_can_be_turned_off() {
    let quiet = TestApp::spawn_with(|config| config.api.suggestions = false).await;
    let body = quiet
        .gql("{ emailStatu(email: \"a@b.c\") { exists } }", json!({}))
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");

    let chatty = TestApp::spawn().await;
    let body = chatty
        .gql("{ emailStatu(email: \"a@b.c\") { exists } }", json!({}))
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("Did you mean"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_past_the_time_limit_is_cancelled_and_its_connection_stays_usable() {
    let app = TestApp::spawn_with(|config| {
        config.api.request_timeout = Duration::from_millis(300);
        config.database.pool_size = 1;
    })
    .await;
    let session = app.sign_up("slow@example.com", "slow").await;
    // Another client locks the table, so the query waits on it.
    let admin_url = app.admin_database_url();
    let mut admin = {
        use diesel_async::AsyncConnection;
        diesel_async::AsyncMysqlConnection::establish(&admin_url)
            .await
            .unwrap()
    };
    {
        use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
        admin
            .batch_execute("LOCK TABLES members WRITE")
            .await
            .unwrap();
        let _ = RunQueryDsl::execute(diesel::sql_query("SELECT 1"), &mut admin).await;
    }
    let started = Instant::now();
    let body = app.gql_as(&session, "{ me { nickName } }", json!({})).await;
    let took = started.elapsed();
    expect_error(&body, "UNAVAILABLE");
    assert!(took < Duration::from_secs(2), "answered after {took:?}");
    {
        use diesel_async::SimpleAsyncConnection;
        admin.batch_execute("UNLOCK TABLES").await.unwrap();
    }
    // The pool's only connection was cut off mid-query; it serves again.
    for _ in 0..5 {
        let body = app
            .gql_as(&session, "{ me { id nickName } }", json!({}))
            .await;
        assert_eq!(expect_ok(&body)["me"]["id"], session.member_id.as_str());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn aliases_buy_no_extra_verification_attempts() {
    let app = TestApp::spawn().await;
    let email = "brute@example.com";
    let code = app.request_code(email).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let guess = |alias: usize, code: &str| {
        format!(
            "g{alias}: verifyEmail(email: \"{email}\", code: \"{code}\") {{ verificationToken }} "
        )
    };

    // A thousand guesses in one request are refused whole: no attempt used.
    let thousand: String = (0..1000)
        .map(|n| format!("g{n}:verifyEmail(email:$e,code:$c){{verificationToken}}"))
        .collect();
    let body = app
        .gql(
            &format!("mutation($e:String!,$c:String!){{{thousand}}}"),
            json!({ "e": email, "c": wrong }),
        )
        .await;
    assert!(body["data"].is_null(), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("별칭")
    );

    // Under the alias limit, each alias is an attempt: the code dies after
    // five wrong ones, so the right code in sixth place is refused too.
    let batch: String = (0..10)
        .map(|n| guess(n, if n == 5 { &code } else { wrong }))
        .collect();
    let body = app.gql(&format!("mutation {{ {batch} }}"), json!({})).await;
    let answered = body["errors"].as_array().map_or(0, Vec::len);
    assert_eq!(answered, 10, "every alias failed: {body}");
    assert!(body["data"]["g5"].is_null(), "{body}");
    let last = app
        .gql(&format!("mutation {{ {} }}", guess(0, &code)), json!({}))
        .await;
    assert_eq!(error_code(&last), Some("BAD_USER_INPUT"), "{last}");
}

#[tokio::test(flavor = "multi_thread")]
async fn mutations_are_limited_per_member_counting_every_alias() {
    let app = TestApp::spawn_with(|config| config.limits.mutations_per_member_minute = 3).await;
    let session = app.sign_up("busy@example.com", "busy").await;
    let rename = |n: usize| {
        format!("r{n}: updateProfile(input: {{ userName: \"이름{n}\" }}) {{ userName }} ")
    };
    let two: String = (0..2).map(rename).collect();
    expect_ok(
        &app.gql_as(&session, &format!("mutation {{ {two} }}"), json!({}))
            .await,
    );
    // Two more would make four in the minute: refused whole, with a hint.
    let body = app
        .gql_as(&session, &format!("mutation {{ {two} }}"), json!({}))
        .await;
    let error = expect_error(&body, "RATE_LIMITED");
    assert!(error["extensions"]["retryAfter"].as_u64().unwrap() >= 1);
    // Queries are not mutations, and another member has a budget of their own.
    expect_ok(&app.gql_as(&session, "{ me { id } }", json!({})).await);
    let other = app.sign_up("calm@example.com", "calm").await;
    expect_ok(
        &app.gql_as(&other, &format!("mutation {{ {} }}", rename(0)), json!({}))
            .await,
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_without_a_token_are_limited_per_address() {
    let app = TestApp::spawn_with(|config| config.limits.public_per_address_minute = 4).await;
    let lookup = |n: usize| format!("n{n}: nicknameAvailable(nickName: \"abc{n}\") ");
    let three: String = (0..3).map(lookup).collect();
    expect_ok(&app.gql(&format!("{{ {three} }}"), json!({})).await);
    // The general per-address throttle refuses the whole request before it
    // runs: 429, with the wait in the header and in the error.
    let (status, headers, body) = app.post(None, &format!("{{ {three} }}"), json!({})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let error = expect_error(&body, "RATE_LIMITED");
    let wait = error["extensions"]["retryAfter"].as_u64().unwrap();
    assert!((1..=60).contains(&wait), "retryAfter {wait}");
    let header = headers[reqwest::header::RETRY_AFTER].to_str().unwrap();
    assert_eq!(header, wait.to_string());
    assert!(body.get("data").is_none(), "nothing ran: {body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn root_fields_in_fragments_count_against_the_rate_limits_too() {
    let app = TestApp::spawn_with(|config| config.limits.public_per_address_minute = 4).await;
    let lookup = |n: usize| format!("n{n}: nicknameAvailable(nickName: \"abc{n}\") ");
    let three: String = (0..3).map(lookup).collect();
    let spread = format!("query {{ ...Three }} fragment Three on Query {{ {three} }}");
    expect_ok(&app.gql(&spread, json!({})).await);
    // Three counted, not one: a second request of three is past four.
    let body = app.gql(&spread, json!({})).await;
    expect_error(&body, "RATE_LIMITED");
}

/// Fragments that spread each other twice, level after level, expand
/// exponentially: such documents are answered at once, before validation,
/// whether they are cycles, chains at the root or chains inside a field.
#[tokio::test(flavor = "multi_thread")]
async fn fragments_that_spread_each_other_are_refused_at_once() {
    let app = TestApp::spawn().await;
    let session = app.sign_up("fragments@example.com", "fragments").await;
    let chain = |on: &str, levels: usize, leaf: &str| {
        let links: Vec<String> = (0..levels)
            .map(|i| {
                format!(
                    "fragment F{i} on {on} {{ ...F{next} ...F{next} }}",
                    next = i + 1
                )
            })
            .collect();
        format!(
            "{} fragment F{levels} on {on} {{ {leaf} }}",
            links.join(" ")
        )
    };
    let documents = [
        "query { ...A } fragment A on Query { ...A ...A }".to_owned(),
        format!("query {{ ...F0 }} {}", chain("Query", 40, "me { id }")),
        format!("query {{ me {{ ...F0 }} }} {}", chain("Me", 30, "id")),
    ];
    for document in documents {
        let body = tokio::time::timeout(
            Duration::from_secs(10),
            app.gql_as(&session, &document, json!({})),
        )
        .await
        .unwrap_or_else(|_| panic!("no answer within 10 s to {document}"));
        assert!(body.get("data").is_none_or(Value::is_null), "{body}");
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    }
    // The service still answers.
    let body = app.gql_as(&session, "{ me { id } }", json!({})).await;
    assert_eq!(expect_ok(&body)["me"]["id"], session.member_id.as_str());
}
