//! Password reset by a mailed single-use link.

use std::time::Duration;

use async_graphql::{Context, Object};

use crate::{
    auth::{password, rate_limit::Limit},
    error::{AppError, AppResult},
    graphql::context::ContextExt,
    mail::password_reset_mail,
    member::{
        queries as member_queries,
        values::{Email, Password},
    },
};

const HOUR: Duration = Duration::from_secs(3600);

#[derive(Default)]
pub struct ResetMutation;

#[Object]
impl ResetMutation {
    /// Always true, whether or not the email exists.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> AppResult<bool> {
        let services = ctx.services().clone();
        let email = Email::parse("email", &email)?;
        let normalized = email.normalized();
        Limit {
            bucket: "reset-email",
            subject: &normalized,
            limit: services.config.limits.reset_per_email_hour,
            window: HOUR,
        }
        .hit(&services.redis)
        .await?;
        let member = {
            let mut conn = services.db.primary().await?;
            member_queries::find_active_by_email(&mut conn, &normalized).await?
        };
        let Some(member) = member.filter(|member| member.password_hash.is_some()) else {
            return Ok(true);
        };
        let ttl = services.config.auth.token_ttl;
        let token = services
            .verification()
            .issue_reset_token(member.member_id(), ttl)
            .await?;
        // Sent in the background: the answer takes as long for an unknown
        // email as for a known one, and says nothing about which it was.
        tokio::spawn(async move {
            let link = format!(
                "{}/reset-password?token={token}",
                services.config.mail.app_base_url.trim_end_matches('/')
            );
            let mail = password_reset_mail(&link, ttl.as_secs().div_ceil(60));
            if let Err(error) = services.mailer.send(&member.email, mail).await {
                tracing::error!(%error, "password reset mail failed");
            }
        });
        Ok(true)
    }

    /// Sets a new password with a reset token and ends every session.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        token: String,
        new_password: String,
    ) -> AppResult<bool> {
        let services = ctx.services();
        let new_password = Password::parse("newPassword", &new_password)?;
        let invalid = || {
            AppError::bad_input(
                "token",
                "비밀번호 재설정 링크가 만료되었거나 이미 사용되었습니다.",
            )
        };
        let member_id = services
            .verification()
            .take_reset_token(&token)
            .await?
            .ok_or_else(invalid)?;
        let hash = password::hash(new_password.expose().to_owned()).await?;
        let now = services.clock.now_naive();
        let changed = {
            let mut conn = services.db.primary().await?;
            member_queries::update_password(&mut conn, member_id, &hash, now).await?
        };
        if !changed {
            return Err(invalid());
        }
        services.sessions().end_all(member_id, None).await?;
        Ok(true)
    }
}
