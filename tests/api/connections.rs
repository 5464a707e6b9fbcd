//! The pool lends only whole connections: not one whose statement was
//! abandoned half-way (its reply still on the wire), nor one whose server
//! side is gone.

use std::time::Duration;

use diesel::{
    IntoSql,
    dsl::sql,
    sql_types::{BigInt, Integer},
};
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl, SimpleAsyncConnection};
use serde_json::json;

use crate::support::{TestApp, expect_ok};

async fn one_connection_app() -> TestApp {
    TestApp::spawn_with(|config| config.database.pool_size = 1).await
}

/// `SELECT 42` on the pool's connection: what the next statement reads.
async fn answer_of_next_statement(app: &TestApp) -> i32 {
    let mut conn = app.state.services.db.primary().await.expect("a connection");
    diesel::select(42.into_sql::<Integer>())
        .get_result::<i32>(&mut conn)
        .await
        .expect("the next statement on the pool reads its own reply")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_statement_abandoned_half_way_leaves_no_reply_for_the_next_one() {
    let app = one_connection_app().await;
    {
        let mut conn = app.state.services.db.primary().await.unwrap();
        // The server is still sleeping when the future is dropped: its reply
        // comes later, on this connection.
        let abandoned = tokio::time::timeout(
            Duration::from_millis(100),
            diesel::select(sql::<BigInt>("SLEEP(0.5)")).get_result::<i64>(&mut conn),
        )
        .await;
        assert!(abandoned.is_err(), "the statement finished before the drop");
    }
    // Give the abandoned reply time to arrive, so a reused connection would
    // read it as the answer to the next statement.
    tokio::time::sleep(Duration::from_millis(600)).await;
    for _ in 0..3 {
        assert_eq!(answer_of_next_statement(&app).await, 42);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_the_server_closed_is_not_lent_again() {
    let app = one_connection_app().await;
    let id: i64 = {
        let mut conn = app.state.services.db.primary().await.unwrap();
        diesel::select(sql::<BigInt>("CONNECTION_ID()"))
            .get_result(&mut conn)
            .await
            .unwrap()
    };
    let mut admin = AsyncMysqlConnection::establish(&app.admin_database_url())
        .await
        .unwrap();
    admin.batch_execute(&format!("KILL {id}")).await.unwrap();
    {
        let mut conn = app.state.services.db.primary().await.unwrap();
        let failed = diesel::select(42.into_sql::<Integer>())
            .get_result::<i32>(&mut conn)
            .await;
        assert!(failed.is_err(), "the killed connection still answered");
    }
    assert_eq!(answer_of_next_statement(&app).await, 42);
    // And requests go on being served.
    let session = app.sign_up("pool@example.com", "pool").await;
    let body = app.gql_as(&session, "{ me { id } }", json!({})).await;
    assert_eq!(expect_ok(&body)["me"]["id"], session.member_id.as_str());
}
