//! Turning an `Authorization` header into a viewer. A header that is present
//! but does not hold a valid access token of a live session is an error the
//! HTTP layer answers with 401.

use crate::{app::Services, error::AppResult, graphql::context::Viewer};

pub enum Access {
    Anonymous,
    Viewer(Viewer),
    /// Invalid, expired or revoked: HTTP 401.
    Rejected,
}

pub async fn authenticate(services: &Services, authorization: Option<&str>) -> AppResult<Access> {
    let Some(header) = authorization else {
        return Ok(Access::Anonymous);
    };
    let Some(token) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    else {
        return Ok(Access::Rejected);
    };
    let Some(verified) = services.tokens.verify(token.trim()) else {
        return Ok(Access::Rejected);
    };
    // The session must still be live: logout, a password change or reset, and
    // account deletion end sessions, and their access tokens with them.
    let owner = services.sessions().owner(&verified.session_id).await?;
    if owner != Some(verified.member_id) {
        return Ok(Access::Rejected);
    }
    Ok(Access::Viewer(Viewer {
        member_id: verified.member_id,
        session_id: verified.session_id,
        token_expires_at: verified.expires_at,
    }))
}
