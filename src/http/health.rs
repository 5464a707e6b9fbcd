//! Liveness and readiness for the balancer and the deploy script.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::app::AppState;

pub async fn live() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready when the primary and Redis answer and the instance is not draining;
/// replicas are reported but do not decide readiness (reads fall back).
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let services = &state.services;
    let primary = match services.db.primary().await {
        Ok(mut conn) => diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .is_ok(),
        Err(_) => false,
    };
    let redis = services.redis.ping().await.is_ok();
    let replicas: Vec<_> = services
        .db
        .usage()
        .into_iter()
        .filter(|pool| pool.name != "primary")
        .map(|pool| json!({ "name": pool.name, "connections": pool.connections }))
        .collect();
    let draining = state.is_draining();
    let ready = primary && redis && !draining;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "status": if ready { "ready" } else { "not_ready" },
            "primary": primary,
            "redis": redis,
            "draining": draining,
            "replicas": replicas,
        })),
    )
}
