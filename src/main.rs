use uliga::{app::AppState, config::Config, http, telemetry};

/// Each request allocates many small values that live only as long as it
/// (GraphQL values, decoded rows, JSON); under load glibc's malloc spent about
/// a sixth of the service's CPU on them (docs/DECISIONS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `LOG_FORMAT` (`text` or `json`) is read before the rest of the
    // configuration, so that configuration warnings are logged in that format.
    let json_logs =
        std::env::var("LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    // Held to the end: dropping it writes the lines still queued.
    let _log_writer = telemetry::init_logging(json_logs);
    let config = Config::from_env()?;
    let listen_addr = config.listen_addr;
    let shutdown_timeout = config.shutdown_timeout;
    let graphiql = config.api.graphiql;
    let state = AppState::build(config).await?;
    let listener = tokio::net::TcpListener::bind(listen_addr).await?;
    if graphiql {
        tracing::info!("GraphiQL: http://{}/", listener.local_addr()?);
    }
    tracing::info!(address = %listener.local_addr()?, "serving /graphql");
    http::serve(listener, state, http::shutdown_signal(), shutdown_timeout).await
}
