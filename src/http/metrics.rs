//! `/metrics` in Prometheus text format. Node health, lag, fallbacks and
//! GTID waits are recorded where they happen (`db::probe`, `db::pools`);
//! pool usage and statement counts are read here.

use axum::{extract::State, http::header, response::IntoResponse};

use crate::app::AppState;

pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let db = &state.services.db;
    metrics::counter!("uliga_db_statements_total").absolute(db.statement_count());
    for node in db.nodes() {
        let pool = [("pool", node.name.clone())];
        metrics::gauge!("uliga_db_pool_connections", &pool).set(f64::from(node.connections));
        metrics::gauge!("uliga_db_pool_idle_connections", &pool).set(f64::from(node.idle));
        metrics::counter!("uliga_db_node_statements_total", "node" => node.name)
            .absolute(node.statements);
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
