//! WebSocket upgrades on `/graphql`, speaking `graphql-transport-ws` with the
//! protocol's own close codes. The access token comes in the
//! `connection_init` payload.

mod connection;
mod protocol;

use std::net::IpAddr;

use axum::{
    extract::{FromRequestParts, ws::WebSocketUpgrade},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
};

use crate::app::AppState;

pub async fn upgrade(state: AppState, mut parts: Parts, client_addr: IpAddr) -> Response {
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let Ok(permit) = state.sockets.clone().try_acquire_owned() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    upgrade
        .protocols([protocol::SUBPROTOCOL])
        .on_upgrade(move |socket| async move {
            connection::serve(socket, state, client_addr).await;
            drop(permit);
        })
}
