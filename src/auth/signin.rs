//! Signing in and out, and refreshing a session.

use std::time::Duration;

use async_graphql::{Context, Object};

use crate::{
    auth::{
        password,
        payload::{AuthPayload, start_session, with_access_token},
        rate_limit::{Limit, hit_per_client_address},
        sessions::Rotation,
    },
    error::{AppError, AppResult},
    graphql::context::ContextExt,
    member::{queries as member_queries, values::Email},
};

const LOGIN_FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
const HOUR: Duration = Duration::from_secs(3600);
const WRONG_CREDENTIALS: &str = "이메일 또는 비밀번호가 올바르지 않습니다.";
const SESSION_ENDED: &str = "세션이 만료되었습니다. 다시 로그인해 주세요.";

#[derive(Default)]
pub struct SignInMutation;

/// Counts one sign-in attempt (password or social) against the client
/// address's hourly budget; RATE_LIMITED past it.
pub async fn hit_login_address_limit(ctx: &Context<'_>) -> AppResult<()> {
    let limit = ctx.services().config.limits.login_per_address_hour;
    hit_per_client_address(ctx, "login-address", limit, HOUR).await
}

#[Object]
impl SignInMutation {
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> AppResult<AuthPayload> {
        let services = ctx.services();
        let limits = &services.config.limits;
        hit_login_address_limit(ctx).await?;
        // A malformed email cannot match an account: the same answer as a
        // wrong password, so the error never says which one was wrong.
        let Ok(email) = Email::parse("email", &email) else {
            return Err(AppError::Unauthenticated(WRONG_CREDENTIALS.into()));
        };
        let normalized = email.normalized();
        let failures = Limit {
            bucket: "login-failures",
            subject: &normalized,
            limit: limits.login_failures_per_email,
            window: LOGIN_FAILURE_WINDOW,
        };
        // Once an email has too many failures, even the right password waits
        // for the window to pass.
        failures.check(&services.redis).await?;
        // A place in the hashing queue first: when logins flood in faster
        // than they can be hashed, the excess is refused here, before it
        // costs a database read.
        let hashing = password::reserve()?;

        let member = {
            let mut conn = services.db.primary().await?;
            member_queries::find_active_by_email(&mut conn, &normalized).await?
        };
        let hash = member
            .as_ref()
            .and_then(|member| member.password_hash.clone());
        if !hashing.verify(hash, password).await? {
            // Counting this failure may itself trip the limit; the answer for
            // this attempt is still the plain "wrong credentials".
            match failures.hit(&services.redis).await {
                Ok(()) | Err(AppError::RateLimited { .. }) => {}
                Err(other) => return Err(other),
            }
            return Err(AppError::Unauthenticated(WRONG_CREDENTIALS.into()));
        }
        let member = member.ok_or_else(|| AppError::Unauthenticated(WRONG_CREDENTIALS.into()))?;
        start_session(services, member).await
    }

    /// Rotates the refresh token; reusing an old one revokes the whole session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> AppResult<AuthPayload> {
        let services = ctx.services();
        let now = services.clock.now();
        let (member_id, refresh) = match services.sessions().rotate(&refresh_token, now).await? {
            Rotation::Rotated { member_id, refresh } => (member_id, refresh),
            Rotation::Invalid | Rotation::Reused => {
                return Err(AppError::Unauthenticated(SESSION_ENDED.into()));
            }
        };
        let member = {
            let mut conn = services.db.primary().await?;
            member_queries::find_active(&mut conn, member_id).await?
        };
        let Some(member) = member else {
            services
                .sessions()
                .end(member_id, &refresh.session_id)
                .await?;
            return Err(AppError::Unauthenticated(SESSION_ENDED.into()));
        };
        with_access_token(services, member, refresh, now)
    }

    /// Ends the session of `refreshToken`, which must be the caller's.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> AppResult<bool> {
        let viewer = ctx.viewer()?;
        let sessions = ctx.services().sessions();
        let Some(session_id) = sessions
            .session_of(&refresh_token, viewer.member_id)
            .await?
        else {
            return Err(AppError::bad_input(
                "refreshToken",
                "이 기기의 세션이 아니거나 이미 끝난 세션입니다.",
            ));
        };
        sessions.end(viewer.member_id, &session_id).await?;
        Ok(true)
    }

    /// Ends every session of the caller, on every device.
    async fn logout_everywhere(&self, ctx: &Context<'_>) -> AppResult<bool> {
        let viewer = ctx.viewer()?;
        ctx.services()
            .sessions()
            .end_all(viewer.member_id, None)
            .await?;
        Ok(true)
    }
}
