//! WebSocket upgrades on `/graphql`, speaking `graphql-transport-ws` with the
//! protocol's own close codes. The access token comes in the
//! `connection_init` payload.

mod connection;
mod protocol;

use axum::{
    extract::{FromRequestParts, ws::WebSocketUpgrade},
    http::request::Parts,
    response::{IntoResponse, Response},
};

use crate::app::AppState;

pub async fn upgrade(state: AppState, mut parts: Parts) -> Response {
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    upgrade
        .protocols([protocol::SUBPROTOCOL])
        .on_upgrade(move |socket| connection::serve(socket, state))
}
