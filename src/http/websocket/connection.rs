//! One `graphql-transport-ws` connection: the handshake, then any number of
//! subscriptions multiplexed by id, each running in its own task.

use std::{collections::HashMap, net::IpAddr, time::Duration};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::{sync::mpsc, task::AbortHandle};

use super::protocol::{ClientMessage, ServerMessage, close};
use crate::{
    app::AppState,
    auth::access::{Access, authenticate},
    db::read_your_writes::{self, ReadScope},
    graphql::{context::RequestContext, errors::map_errors},
    http::graphql::{Selected, check_limits, code_request_errors, throttle},
};

/// Subscriptions one connection may hold at once.
const MAX_SUBSCRIPTIONS: usize = 50;

enum Outgoing {
    Text(String),
    Close(u16, &'static str),
}

pub async fn serve(socket: WebSocket, state: AppState, client_addr: IpAddr) {
    let (mut sink, mut incoming) = socket.split();
    let (outgoing, mut queue) = mpsc::channel::<Outgoing>(64);
    let writer = tokio::spawn(async move {
        while let Some(message) = queue.recv().await {
            let (frame, last) = match message {
                Outgoing::Text(text) => (Message::Text(text.into()), false),
                Outgoing::Close(code, reason) => (
                    Message::Close(Some(CloseFrame {
                        code,
                        reason: reason.into(),
                    })),
                    true,
                ),
            };
            if sink.send(frame).await.is_err() || last {
                break;
            }
        }
    });

    let mut connection = Connection {
        state,
        client_addr,
        outgoing,
        context: None,
        init_received: false,
        subscriptions: HashMap::new(),
    };
    let (finished_tx, mut finished) = mpsc::unbounded_channel::<String>();
    let api = connection.state.services.config.api.clone();
    let init_deadline = tokio::time::sleep(api.ws_init_timeout);
    tokio::pin!(init_deadline);
    // Reset to the token's expiry once the connection is acknowledged.
    let token_deadline = tokio::time::sleep(Duration::from_secs(365 * 86_400));
    tokio::pin!(token_deadline);
    let mut token_deadline_set = false;
    let draining = connection.state.clone();
    let drained = draining.drained();
    tokio::pin!(drained);
    loop {
        if !token_deadline_set && let Some(expires_at) = connection.token_expires_at() {
            let left = u64::try_from(expires_at - chrono::Utc::now().timestamp()).unwrap_or(0);
            token_deadline.as_mut().reset(
                tokio::time::Instant::now() + Duration::from_secs(left) + api.ws_token_grace,
            );
            token_deadline_set = true;
        }
        tokio::select! {
            () = &mut drained => {
                connection.close(close::GOING_AWAY, "Server is restarting").await;
                break;
            }
            () = &mut token_deadline, if token_deadline_set => {
                connection.close(close::UNAUTHORIZED, "Token expired").await;
                break;
            }
            () = &mut init_deadline, if !connection.init_received => {
                connection.close(close::INIT_TIMEOUT, "Connection initialisation timeout").await;
                break;
            }
            Some(id) = finished.recv() => {
                connection.subscriptions.remove(&id);
            }
            message = incoming.next() => {
                let Some(Ok(message)) = message else { break };
                let text = match message {
                    Message::Text(text) => text.to_string(),
                    Message::Close(_) => break,
                    Message::Ping(_) | Message::Pong(_) => continue,
                    Message::Binary(_) => {
                        connection.close(close::BAD_MESSAGE, "Binary messages are not supported").await;
                        break;
                    }
                };
                if !connection.handle(&text, &finished_tx).await {
                    break;
                }
            }
        }
    }
    for (_, task) in connection.subscriptions.drain() {
        task.abort();
    }
    drop(connection);
    let _ = writer.await;
}

struct Connection {
    state: AppState,
    client_addr: IpAddr,
    outgoing: mpsc::Sender<Outgoing>,
    /// Set once `connection_init` was accepted.
    context: Option<RequestContext>,
    init_received: bool,
    subscriptions: HashMap<String, AbortHandle>,
}

impl Connection {
    fn token_expires_at(&self) -> Option<i64> {
        Some(self.context.as_ref()?.viewer.as_ref()?.token_expires_at)
    }

    async fn send(&self, message: ServerMessage<'_>) {
        let _ = self.outgoing.send(Outgoing::Text(message.to_text())).await;
    }

    async fn close(&self, code: u16, reason: &'static str) {
        let _ = self.outgoing.send(Outgoing::Close(code, reason)).await;
    }

    /// Handles one client message; false when the connection must end.
    async fn handle(&mut self, text: &str, finished: &mpsc::UnboundedSender<String>) -> bool {
        let Ok(message) = serde_json::from_str::<ClientMessage>(text) else {
            self.close(close::BAD_MESSAGE, "Invalid message").await;
            return false;
        };
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if self.init_received {
                    self.close(close::TOO_MANY_INITS, "Too many initialisation requests")
                        .await;
                    return false;
                }
                self.init_received = true;
                match self.authenticate(payload).await {
                    Some(context) => {
                        self.context = Some(context);
                        self.send(ServerMessage::ConnectionAck).await;
                        true
                    }
                    None => {
                        self.close(close::FORBIDDEN, "Forbidden").await;
                        false
                    }
                }
            }
            ClientMessage::Ping { payload } => {
                self.send(ServerMessage::Pong { payload }).await;
                true
            }
            ClientMessage::Pong { .. } => true,
            ClientMessage::Subscribe { id, payload } => {
                let Some(context) = self.context.clone() else {
                    self.close(close::UNAUTHORIZED, "Unauthorized").await;
                    return false;
                };
                if self.subscriptions.contains_key(&id) {
                    self.close(close::DUPLICATE_ID, "Subscriber for this id already exists")
                        .await;
                    return false;
                }
                if self.subscriptions.len() >= MAX_SUBSCRIPTIONS {
                    let error = serde_json::json!([{
                        "message": "구독이 너무 많습니다.",
                        "extensions": { "code": "RATE_LIMITED", "retryAfter": 1 }
                    }]);
                    self.send(ServerMessage::Error {
                        id: &id,
                        payload: error,
                    })
                    .await;
                    return true;
                }
                let task = tokio::spawn(run_subscription(
                    self.state.clone(),
                    context,
                    id.clone(),
                    payload,
                    self.outgoing.clone(),
                    finished.clone(),
                ));
                self.subscriptions.insert(id, task.abort_handle());
                true
            }
            ClientMessage::Complete { id } => {
                if let Some(task) = self.subscriptions.remove(&id) {
                    task.abort();
                }
                true
            }
        }
    }

    async fn authenticate(&self, payload: Option<Value>) -> Option<RequestContext> {
        let payload = payload.unwrap_or_default();
        let authorization = payload
            .get("Authorization")
            .or_else(|| payload.get("authorization"))
            .and_then(Value::as_str)?;
        match authenticate(&self.state.services, Some(authorization)).await {
            Ok(Access::Viewer(viewer)) => Some(RequestContext {
                viewer: Some(viewer),
                client_addr: self.client_addr,
            }),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%error, "cannot authenticate a WebSocket connection");
                None
            }
        }
    }
}

/// Streams one operation's results as `next` messages, then `complete`; a
/// request that fails validation gets one `error` message instead. The
/// operation runs in its own read scope, so a query or mutation sent over
/// the socket reads the member's own writes like one sent over HTTP.
async fn run_subscription(
    state: AppState,
    context: RequestContext,
    id: String,
    mut request: Box<async_graphql::Request>,
    outgoing: mpsc::Sender<Outgoing>,
    finished: mpsc::UnboundedSender<String>,
) {
    // The general rate limits hold on the socket as over HTTP.
    state.documents.prepare(&mut request);
    if let Err(error) = throttle(&state, &context, &Selected::of(&mut request)).await {
        let mut refused = async_graphql::ServerError::new("", None);
        error.apply_to(&mut refused);
        let payload = serde_json::to_value(async_graphql::Response::from_errors(vec![refused]))
            .unwrap_or_default();
        let next = ServerMessage::Next { id: &id, payload }.to_text();
        let _ = outgoing.send(Outgoing::Text(next)).await;
        let complete = ServerMessage::Complete { id: &id }.to_text();
        let _ = outgoing.send(Outgoing::Text(complete)).await;
        let _ = finished.send(id);
        return;
    }
    let scope = ReadScope::new(context.viewer.as_ref().map(|viewer| viewer.member_id));
    read_your_writes::scope(
        scope,
        stream_results(state, context, id, request, outgoing, finished),
    )
    .await;
}

async fn stream_results(
    state: AppState,
    context: RequestContext,
    id: String,
    request: Box<async_graphql::Request>,
    outgoing: mpsc::Sender<Outgoing>,
    finished: mpsc::UnboundedSender<String>,
) {
    let mut request = *request;
    let mut responses =
        match check_limits(&state, &mut request) {
            Ok(()) => state.schema.execute_stream(request.data(context)),
            Err(error) => futures_util::stream::once(async move {
                async_graphql::Response::from_errors(vec![error])
            })
            .boxed(),
        };
    let mut first = true;
    while let Some(response) = responses.next().await {
        let mut response = map_errors(response);
        let request_error = code_request_errors(&mut response);
        let text = if first && request_error {
            let errors = serde_json::to_value(&response.errors).unwrap_or_default();
            let message = ServerMessage::Error {
                id: &id,
                payload: errors,
            }
            .to_text();
            let _ = outgoing.send(Outgoing::Text(message)).await;
            let _ = finished.send(id);
            return;
        } else {
            let payload = serde_json::to_value(&response).unwrap_or_default();
            ServerMessage::Next { id: &id, payload }.to_text()
        };
        first = false;
        if outgoing.send(Outgoing::Text(text)).await.is_err() {
            return;
        }
    }
    let _ = outgoing
        .send(Outgoing::Text(
            ServerMessage::Complete { id: &id }.to_text(),
        ))
        .await;
    let _ = finished.send(id);
}
