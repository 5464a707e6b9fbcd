//! Email-first sign-up: look up the email, verify it with a mailed code,
//! then create the member with their private ledger and sign them in.

use std::time::Duration;

use async_graphql::{Context, InputObject, Object, SimpleObject};
use futures_util::FutureExt;

use crate::{
    app::Services,
    auth::{
        password,
        payload::{AuthPayload, start_session},
        rate_limit::{Limit, hit_per_client_address},
        verification::CodeCheck,
    },
    error::{AppError, AppResult},
    graphql::{context::ContextExt, scalars::DateTime},
    invitation::queries::pending_for_email,
    ledger::lifecycle::create_private_ledger,
    mail::verification_code_mail,
    member::{
        model::NewMember,
        queries as member_queries,
        types::LoginType,
        values::{Email, NickName, Password, UserName},
    },
    notification::{NewNotification, NotificationKind, insert_all, invitation_received_message},
};

const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

#[derive(SimpleObject)]
pub struct EmailStatus {
    exists: bool,
    login_type: Option<LoginType>,
}

#[derive(SimpleObject)]
pub struct VerificationCodeSent {
    email: String,
    expires_at: DateTime,
    resend_after: DateTime,
}

#[derive(SimpleObject)]
pub struct EmailVerification {
    verification_token: String,
    expires_at: DateTime,
}

#[derive(InputObject)]
pub struct SignUpInput {
    email: String,
    password: String,
    user_name: String,
    nick_name: String,
    verification_token: String,
}

async fn lookup_limit(ctx: &Context<'_>) -> AppResult<()> {
    let limit = ctx.services().config.limits.lookup_per_address_minute;
    hit_per_client_address(ctx, "lookup-address", limit, MINUTE).await
}

#[derive(Default)]
pub struct SignUpQuery;

#[Object]
impl SignUpQuery {
    /// Email-first sign-in: does an account exist, and how does it sign in. Rate limited.
    async fn email_status(&self, ctx: &Context<'_>, email: String) -> AppResult<EmailStatus> {
        let email = Email::parse("email", &email)?;
        lookup_limit(ctx).await?;
        let mut conn = ctx.services().db.read().await?;
        let member = member_queries::find_active_by_email(&mut conn, &email.normalized()).await?;
        Ok(EmailStatus {
            exists: member.is_some(),
            login_type: member.map(|member| LoginType::from_db(&member.login_type)),
        })
    }

    async fn nickname_available(&self, ctx: &Context<'_>, nick_name: String) -> AppResult<bool> {
        let nick_name = NickName::parse("nickName", &nick_name)?;
        lookup_limit(ctx).await?;
        let mut conn = ctx.services().db.read().await?;
        Ok(!member_queries::nickname_taken(&mut conn, nick_name.as_str()).await?)
    }
}

#[derive(Default)]
pub struct SignUpMutation;

#[Object]
impl SignUpMutation {
    async fn send_verification_code(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> AppResult<VerificationCodeSent> {
        let services = ctx.services();
        let limits = &services.config.limits;
        let email = Email::parse("email", &email)?;
        let normalized = email.normalized();
        hit_per_client_address(ctx, "code-address", limits.code_per_address_hour, HOUR).await?;
        {
            let mut conn = services.db.primary().await?;
            if member_queries::find_active_by_email(&mut conn, &normalized)
                .await?
                .is_some()
            {
                return Err(AppError::conflict("email", "이미 가입된 이메일입니다."));
            }
        }
        let verification = services.verification();
        verification
            .claim_cooldown(&normalized, limits.code_resend)
            .await?;
        Limit {
            bucket: "code-email",
            subject: &normalized,
            limit: limits.code_per_email_hour,
            window: HOUR,
        }
        .hit(&services.redis)
        .await?;

        let code_ttl = services.config.auth.code_ttl;
        let code = verification.issue_code(&normalized, code_ttl).await?;
        let mail = verification_code_mail(&code, code_ttl.as_secs().div_ceil(60));
        if let Err(error) = services.mailer.send(email.as_str(), mail).await {
            // Undelivered: the member may ask again at once.
            verification.release_cooldown(&normalized).await?;
            return Err(error);
        }
        let now = services.clock.now();
        Ok(VerificationCodeSent {
            email: email.as_str().to_owned(),
            expires_at: (now + chrono::Duration::from_std(code_ttl).map_err(AppError::internal)?)
                .into(),
            resend_after: (now
                + chrono::Duration::from_std(limits.code_resend).map_err(AppError::internal)?)
            .into(),
        })
    }

    async fn verify_email(
        &self,
        ctx: &Context<'_>,
        email: String,
        code: String,
    ) -> AppResult<EmailVerification> {
        let services = ctx.services();
        let email = Email::parse("email", &email)?;
        let normalized = email.normalized();
        let verification = services.verification();
        let check = verification
            .check_code(
                &normalized,
                code.trim(),
                services.config.limits.code_max_tries,
            )
            .await?;
        match check {
            CodeCheck::Accepted => {}
            CodeCheck::Missing => {
                return Err(AppError::bad_input(
                    "code",
                    "인증 코드가 만료되었습니다. 새 코드를 요청해 주세요.",
                ));
            }
            CodeCheck::Wrong { tries_left } if tries_left > 0 => {
                return Err(AppError::bad_input(
                    "code",
                    format!("인증 코드가 올바르지 않습니다. {tries_left}번 더 시도할 수 있습니다."),
                ));
            }
            CodeCheck::Wrong { .. } | CodeCheck::Dead => {
                return Err(AppError::bad_input(
                    "code",
                    "인증 코드를 너무 많이 틀렸습니다. 새 코드를 요청해 주세요.",
                ));
            }
        }
        let token_ttl = services.config.auth.token_ttl;
        let token = verification.issue_token(&normalized, token_ttl).await?;
        Ok(EmailVerification {
            verification_token: token,
            expires_at: (services.clock.now()
                + chrono::Duration::from_std(token_ttl).map_err(AppError::internal)?)
            .into(),
        })
    }

    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> AppResult<AuthPayload> {
        let services = ctx.services();
        let email = Email::parse("input.email", &input.email)?;
        let password = Password::parse("input.password", &input.password)?;
        let user_name = UserName::parse("input.userName", &input.user_name)?;
        let nick_name = NickName::parse("input.nickName", &input.nick_name)?;
        let normalized = email.normalized();
        let verification = services.verification();
        if verification
            .token_email(&input.verification_token)
            .await?
            .as_deref()
            != Some(&normalized)
        {
            return Err(AppError::bad_input(
                "input.verificationToken",
                "이메일 인증이 만료되었거나 올바르지 않습니다. 다시 인증해 주세요.",
            ));
        }
        let password_hash = password::hash(password.expose().to_owned()).await?;
        let member_id = create_member(
            services,
            email,
            user_name,
            nick_name,
            Some(password_hash),
            None,
        )
        .await?;
        // Only a successful sign-up uses the token up.
        verification.use_up_token(&input.verification_token).await?;

        let mut conn = services.db.primary().await?;
        let member = member_queries::find_active(&mut conn, member_id)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("new member vanished")))?;
        drop(conn);
        start_session(services, member).await
    }
}

/// One transaction: the member, their private ledger with its categories, and
/// a notification for each invitation already waiting for their email. A
/// member who signs up with a social provider has no password and its
/// identity instead.
pub(crate) async fn create_member(
    services: &Services,
    email: Email,
    user_name: UserName,
    nick_name: NickName,
    password_hash: Option<String>,
    identity: Option<(LoginType, String)>,
) -> AppResult<crate::ids::MemberId> {
    let now = services.clock.now_naive();
    services
        .db
        .transaction(move |conn| {
            async move {
                let member_id = member_queries::insert(
                    conn,
                    NewMember {
                        email: email.as_str(),
                        nick_name: nick_name.as_str(),
                        user_name: user_name.as_str(),
                        password_hash: password_hash.as_deref(),
                        login_type: identity
                            .as_ref()
                            .map_or(LoginType::Email, |(provider, _)| *provider)
                            .as_db(),
                        created_at: now,
                        updated_at: now,
                    },
                )
                .await?;
                if let Some((provider, subject)) = &identity {
                    crate::auth::social::identities::insert(
                        conn, member_id, *provider, subject, now,
                    )
                    .await?;
                }
                create_private_ledger(conn, member_id, user_name.as_str(), now).await?;
                let waiting = pending_for_email(conn, &email.normalized(), now).await?;
                let notifications: Vec<NewNotification> = waiting
                    .into_iter()
                    .map(|invitation| {
                        let mut row = NewNotification::new(
                            member_id.0,
                            NotificationKind::InvitationReceived,
                            invitation_received_message(
                                &invitation.inviter_nick_name,
                                &invitation.ledger_name,
                            ),
                            now,
                        );
                        row.actor_id = Some(invitation.inviter_id);
                        row.ledger_id = Some(invitation.ledger_id);
                        row.invitation_id = Some(invitation.id);
                        row
                    })
                    .collect();
                insert_all(conn, &notifications).await?;
                Ok(member_id)
            }
            .boxed()
        })
        .await
}
