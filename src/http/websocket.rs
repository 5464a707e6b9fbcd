//! WebSocket upgrades on `/graphql`, speaking `graphql-transport-ws`. The
//! access token comes in the `connection_init` payload; a connection without
//! a valid one is closed with 4403.

use std::net::{IpAddr, Ipv4Addr};

use async_graphql::{Data, http::ALL_WEBSOCKET_PROTOCOLS};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{FromRequestParts, ws::WebSocketUpgrade},
    http::request::Parts,
    response::{IntoResponse, Response},
};

use crate::{
    app::AppState,
    auth::access::{Access, authenticate},
    error::AppError,
    graphql::context::RequestContext,
};

pub async fn upgrade(state: AppState, mut parts: Parts) -> Response {
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &state).await {
        Ok(protocol) => protocol,
        Err(rejection) => return rejection.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let services = state.services.clone();
            GraphQLWebSocket::new(socket, state.schema.clone(), protocol)
                .on_connection_init(move |payload| async move {
                    let authorization = payload
                        .get("Authorization")
                        .or_else(|| payload.get("authorization"))
                        .and_then(|value| value.as_str())
                        .map(str::to_owned);
                    let Some(authorization) = authorization else {
                        return Err(AppError::unauthenticated().into());
                    };
                    match authenticate(&services, Some(&authorization)).await? {
                        Access::Viewer(viewer) => {
                            let mut data = Data::default();
                            data.insert(RequestContext {
                                viewer: Some(viewer),
                                client_addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                            });
                            Ok(data)
                        }
                        Access::Anonymous | Access::Rejected => {
                            Err(AppError::unauthenticated().into())
                        }
                    }
                })
                .serve()
        })
}
