//! What a resolver knows about the request: the signed-in viewer (if any) and
//! the client's address (for per-address rate limits).

use std::net::IpAddr;

use async_graphql::Context;

use crate::{
    app::Services,
    error::{AppError, AppResult},
    ids::MemberId,
};

/// A member authenticated by a valid access token of a live session.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub member_id: MemberId,
    pub session_id: String,
    /// When the access token expires (Unix seconds).
    pub token_expires_at: i64,
}

#[derive(Clone, Debug)]
pub struct RequestContext {
    pub viewer: Option<Viewer>,
    pub client_addr: IpAddr,
}

pub trait ContextExt {
    fn services(&self) -> &Services;
    fn request(&self) -> &RequestContext;
    /// The viewer, or UNAUTHENTICATED for a request without a token.
    fn viewer(&self) -> AppResult<&Viewer>;
}

impl ContextExt for Context<'_> {
    fn services(&self) -> &Services {
        self.data_unchecked::<Services>()
    }

    fn request(&self) -> &RequestContext {
        self.data_unchecked::<RequestContext>()
    }

    fn viewer(&self) -> AppResult<&Viewer> {
        self.request()
            .viewer
            .as_ref()
            .ok_or_else(AppError::unauthenticated)
    }
}
