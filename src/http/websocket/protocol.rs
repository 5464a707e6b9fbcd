//! The messages of `graphql-transport-ws` and its close codes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const SUBPROTOCOL: &str = "graphql-transport-ws";

/// Close codes of the protocol.
pub mod close {
    /// The server is shutting down (a deploy): reconnect, to another instance.
    pub const GOING_AWAY: u16 = 1001;
    pub const BAD_MESSAGE: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const INIT_TIMEOUT: u16 = 4408;
    pub const DUPLICATE_ID: u16 = 4409;
    pub const TOO_MANY_INITS: u16 = 4429;
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {
        #[serde(default)]
        payload: Option<Value>,
    },
    Pong {
        #[serde(default)]
        #[allow(dead_code, reason = "the protocol allows a payload; nothing reads it")]
        payload: Option<Value>,
    },
    Subscribe {
        id: String,
        payload: Box<async_graphql::Request>,
    },
    Complete {
        id: String,
    },
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    ConnectionAck,
    Pong {
        #[serde(skip_serializing_if = "Option::is_none")]
        payload: Option<Value>,
    },
    Next {
        id: &'a str,
        payload: Value,
    },
    Error {
        id: &'a str,
        payload: Value,
    },
    Complete {
        id: &'a str,
    },
}

impl ServerMessage<'_> {
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| r#"{"type":"complete"}"#.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_parse_by_type() {
        let init: ClientMessage = serde_json::from_str(
            r#"{"type":"connection_init","payload":{"Authorization":"Bearer x"}}"#,
        )
        .unwrap();
        assert!(matches!(
            init,
            ClientMessage::ConnectionInit { payload: Some(_) }
        ));
        let subscribe: ClientMessage = serde_json::from_str(
            r#"{"type":"subscribe","id":"1","payload":{"query":"subscription { x }"}}"#,
        )
        .unwrap();
        assert!(matches!(subscribe, ClientMessage::Subscribe { ref id, .. } if id == "1"));
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"start","id":"1"}"#).is_err());
    }

    #[test]
    fn server_messages_serialize_with_their_type() {
        assert_eq!(
            ServerMessage::ConnectionAck.to_text(),
            r#"{"type":"connection_ack"}"#
        );
        assert_eq!(
            ServerMessage::Complete { id: "7" }.to_text(),
            r#"{"type":"complete","id":"7"}"#
        );
    }
}
