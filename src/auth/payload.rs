//! What a successful sign-in returns, and how one is made.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

use crate::{
    app::Services,
    auth::sessions::IssuedRefreshToken,
    error::AppResult,
    graphql::scalars,
    member::{model::MemberRow, types::Me},
};

#[derive(SimpleObject)]
pub struct AuthPayload {
    pub access_token: String,
    pub access_token_expires_at: scalars::DateTime,
    pub refresh_token: String,
    pub refresh_token_expires_at: scalars::DateTime,
    pub me: Me,
}

/// Starts a new session for `member` (one device) and issues its tokens.
pub async fn start_session(services: &Services, member: MemberRow) -> AppResult<AuthPayload> {
    let now = services.clock.now();
    let refresh = services.sessions().create(member.member_id(), now).await?;
    // What this request wrote (a new account) is the new member's own write.
    services.db.signed_in(member.member_id()).await;
    with_access_token(services, member, refresh, now)
}

/// Issues an access token for the session of `refresh` and puts the pair
/// together.
pub fn with_access_token(
    services: &Services,
    member: MemberRow,
    refresh: IssuedRefreshToken,
    now: DateTime<Utc>,
) -> AppResult<AuthPayload> {
    let access = services.tokens.issue(
        member.member_id(),
        &refresh.session_id,
        now,
        services.config.auth.access_ttl,
    )?;
    Ok(AuthPayload {
        access_token: access.token,
        access_token_expires_at: access.expires_at.into(),
        refresh_token: refresh.token,
        refresh_token_expires_at: refresh.expires_at.into(),
        me: Me::loaded(member),
    })
}
