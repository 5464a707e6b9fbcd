//! Liveness and readiness for the balancer and the deploy script.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde_json::{Value, json};

use crate::{
    app::AppState,
    db::{NodeReport, Role},
};

pub async fn live() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready when the primary and Redis answer and the instance is not
/// draining: what every mutation and every signed-in request needs. While
/// the primary is down the instance still serves queries from its replicas
/// (mutations answer UNAVAILABLE), but it does not call itself ready, so a
/// deploy waits for the primary instead of switching to an instance that
/// cannot write. Each node's state, replicas included, is in the body.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let services = &state.services;
    let nodes = services.db.nodes();
    let primary_up = nodes
        .iter()
        .any(|node| node.role == Role::Primary && node.health.up);
    let redis = services.redis.ping().await.is_ok();
    let draining = state.is_draining();
    let ready = primary_up && redis && !draining;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "status": if ready { "ready" } else { "not_ready" },
            "primary": primary_up,
            "redis": redis,
            "draining": draining,
            "database": nodes.iter().map(describe).collect::<Vec<_>>(),
        })),
    )
}

fn describe(node: &NodeReport) -> Value {
    let health = &node.health;
    let mut described = json!({
        "name": node.name,
        "role": match node.role { Role::Primary => "primary", Role::Replica => "replica" },
        "up": health.up,
        "connections": node.connections,
        "idle": node.idle,
    });
    if node.role == Role::Replica {
        described["inRotation"] = json!(health.in_rotation);
        described["lagSeconds"] = json!(health.lag.map(|lag| lag.as_secs()));
    }
    if let Some(problem) = &health.problem {
        described["problem"] = json!(problem);
    }
    described
}
