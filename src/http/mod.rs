//! The HTTP surface: routes, middleware, serving and graceful shutdown.

mod client_addr;
mod graphiql;
pub(crate) mod graphql;
mod health;
mod media;
mod metrics;
pub(crate) mod request_series;
mod security_headers;
mod websocket;

use std::{convert::Infallible, future::Future, net::SocketAddr, time::Duration};

use axum::{
    Router, ServiceExt,
    extract::{DefaultBodyLimit, Request},
    http::{HeaderValue, Method, header},
    response::{IntoResponse, Response},
    routing::get,
};
use tower::{Service, ServiceBuilder};
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::app::AppState;

/// The routes, with no middleware of their own: see `service`.
fn routes(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(metrics::render));
    if state.services.config.api.graphiql {
        router = router
            .route("/", get(graphiql::page))
            .route("/graphiql", get(graphiql::page))
            .route("/graphiql/assets/{file}", get(graphiql::asset));
    }
    router.with_state(state)
}

/// The whole HTTP service: the middleware, outermost first, around the
/// routes. It wraps the router once, and not each route as `Router::layer`
/// would: the router clones a route's service for every request, and with
/// the middleware inside it that was some 36 boxed services cloned, and as
/// many futures moved, per request (about a tenth of the instructions of
/// `{ me { id } }`). The router's own 404 and 405 pass through it too.
pub fn service(
    state: AppState,
) -> impl Service<
    Request,
    Response = Response,
    Error = Infallible,
    Future: Future<Output = Result<Response, Infallible>> + Send,
> + Clone
+ Send
+ 'static {
    let api = state.services.config.api.clone();
    // The request id wraps CORS, so that CORS's own answers (preflights)
    // carry one too.
    ServiceBuilder::new()
        .map_response(security_headers::add)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(cors(&api.cors_allowed_origins))
        // Trace's response body is a type of its own; CORS and the server
        // take axum's.
        .map_response(IntoResponse::into_response)
        // The span's fields are read inside the macro, so only when the span
        // is enabled: at `warn` a request pays for no header lookup.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    tracing::info_span!(
                        "request",
                        request_id = request
                            .headers()
                            .get("x-request-id")
                            .and_then(|value| value.to_str().ok())
                            .unwrap_or("-"),
                        method = %request.method(),
                        path = %request.uri().path()
                    )
                })
                .on_response(())
                .on_request(()),
        )
        .layer(DefaultBodyLimit::max(api.body_limit))
        .service(routes(state))
}

/// Browsers may call the API from the configured origins only, with the
/// headers a GraphQL client sends. An origin that does not parse is skipped
/// (and logged) rather than opening the API to every origin.
fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| match HeaderValue::from_str(origin) {
            Ok(value) => Some(value),
            Err(_) => {
                tracing::warn!(%origin, "CORS_ALLOWED_ORIGINS: not a valid origin, skipped");
                None
            }
        })
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .max_age(Duration::from_secs(600))
}

/// Serves until `shutdown` resolves, then stops accepting, marks the instance
/// not ready, closes WebSockets with "going away" (clients reconnect to
/// another instance), and gives in-flight requests and those closes up to
/// `drain` to finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    drain: Duration,
) -> anyhow::Result<()> {
    let draining_state = state.clone();
    let sockets_state = state.clone();
    let app =
        ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(service(state));
    let (drain_started_tx, drain_started_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        draining_state.start_draining();
        let _ = drain_started_tx.send(());
    });
    let server = async move {
        let result = server.await.map_err(anyhow::Error::from);
        // Upgraded connections are not the HTTP server's to wait for: wait
        // until their close frames are out.
        while !sockets_state.sockets_closed() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        result
    };
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => result,
        () = async {
            let _ = drain_started_rx.await;
            tokio::time::sleep(drain).await;
        } => {
            tracing::warn!("drain timeout: closing the remaining connections");
            Ok(())
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
