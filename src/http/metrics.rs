//! `/metrics` in Prometheus text format.

use axum::{extract::State, http::header, response::IntoResponse};

use crate::app::AppState;

pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    metrics::counter!("uliga_db_statements_total").absolute(state.services.db.statement_count());
    for pool in state.services.db.usage() {
        metrics::gauge!("uliga_db_pool_connections", "pool" => pool.name.clone())
            .set(f64::from(pool.connections));
        metrics::gauge!("uliga_db_pool_idle_connections", "pool" => pool.name)
            .set(f64::from(pool.idle));
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
