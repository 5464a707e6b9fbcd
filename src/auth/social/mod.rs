//! Social sign-in with Google and Kakao (OpenID Connect ID tokens).
//!
//! `socialSignIn` answers with either a session (the identity is known) or a
//! pending sign-up: a short-lived token of our own carrying the verified
//! email, name and identity, which `completeSocialSignUp` turns into a member
//! once they choose a nickname. An identity whose email belongs to an
//! existing password account is never merged silently: the member signs in
//! with the password and links it with `linkSocialAccount`.

pub mod identities;
pub mod oidc;
pub mod pending;

use async_graphql::{Context, Object, SimpleObject};

use crate::{
    auth::{
        payload::{AuthPayload, start_session},
        signin,
        signup::create_member,
    },
    error::{AppError, AppResult},
    graphql::{context::ContextExt, scalars::DateTime},
    member::{
        queries as member_queries,
        types::{LoginType, Me},
        values::{Email, NickName, UserName},
    },
};

const EMAIL_ACCOUNT_EXISTS: &str = "이미 이 이메일로 가입된 계정이 있습니다. 비밀번호로 로그인한 뒤 내 정보에서 소셜 계정을 연결해 주세요.";

/// A new person: what `completeSocialSignUp` needs, and what the provider
/// told us, to prefill the form.
#[derive(SimpleObject)]
pub struct PendingSocialSignUp {
    /// Pass to `completeSocialSignUp`; valid for 10 minutes.
    token: String,
    expires_at: DateTime,
    provider: LoginType,
    email: String,
    name: Option<String>,
}

/// Exactly one field is set: `auth` when the identity is linked to a member,
/// `pendingSignUp` when the person is new.
#[derive(SimpleObject)]
pub struct SocialSignInResult {
    auth: Option<AuthPayload>,
    pending_sign_up: Option<PendingSocialSignUp>,
}

#[derive(Default)]
pub struct SocialMutation;

#[Object]
impl SocialMutation {
    /// Signs in with a Google or Kakao OpenID Connect ID token.
    async fn social_sign_in(
        &self,
        ctx: &Context<'_>,
        provider: LoginType,
        id_token: String,
        nonce: Option<String>,
    ) -> AppResult<SocialSignInResult> {
        let services = ctx.services();
        // Social sign-ins count in the same budget as logins.
        signin::hit_login_address_limit(ctx).await?;
        let identity = services
            .oidc
            .verify(provider, &id_token, nonce.as_deref())
            .await?;
        let (known, by_email) = {
            let mut conn = services.db.primary().await?;
            let known =
                identities::find_member(&mut conn, identity.provider, &identity.subject).await?;
            let by_email = match (&known, &identity.email) {
                (None, Some(email)) => {
                    member_queries::find_active_by_email(&mut conn, &email.to_lowercase()).await?
                }
                _ => None,
            };
            (known, by_email)
        };
        if let Some(member) = known {
            let auth = start_session(services, member).await?;
            return Ok(SocialSignInResult {
                auth: Some(auth),
                pending_sign_up: None,
            });
        }
        if by_email.is_some() {
            return Err(AppError::conflict("idToken", EMAIL_ACCOUNT_EXISTS));
        }
        let Some(email) = identity.email.clone() else {
            return Err(AppError::bad_input(
                "idToken",
                "이메일 제공에 동의해야 가입할 수 있습니다.",
            ));
        };
        let issued = pending::issue(services, &identity, &email)?;
        Ok(SocialSignInResult {
            auth: None,
            pending_sign_up: Some(PendingSocialSignUp {
                token: issued.token,
                expires_at: issued.expires_at.into(),
                provider: identity.provider,
                email,
                name: identity.name,
            }),
        })
    }

    /// Creates the member of a pending social sign-up, with their private
    /// ledger, and signs them in.
    async fn complete_social_sign_up(
        &self,
        ctx: &Context<'_>,
        pending_token: String,
        nick_name: String,
    ) -> AppResult<AuthPayload> {
        let services = ctx.services();
        let claims = pending::verify(services, &pending_token).ok_or_else(|| {
            AppError::bad_input(
                "pendingToken",
                "가입 정보가 만료되었습니다. 소셜 로그인을 다시 해 주세요.",
            )
        })?;
        let nick_name = NickName::parse("nickName", &nick_name)?;
        let email = Email::parse("pendingToken", &claims.email)?;
        let user_name = claims
            .name
            .as_deref()
            .and_then(|name| UserName::parse("userName", name).ok())
            .map_or_else(|| UserName::parse("nickName", nick_name.as_str()), Ok)?;
        let provider = LoginType::from_db(&claims.provider);
        let member_id = create_member(
            services,
            email,
            user_name,
            nick_name,
            None,
            Some((provider, claims.sub.clone())),
        )
        .await?;
        let mut conn = services.db.primary().await?;
        let member = member_queries::find_active(&mut conn, member_id)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("new member vanished")))?;
        drop(conn);
        start_session(services, member).await
    }

    /// Links a Google or Kakao account to the signed-in member.
    async fn link_social_account(
        &self,
        ctx: &Context<'_>,
        provider: LoginType,
        id_token: String,
        nonce: Option<String>,
    ) -> AppResult<Me> {
        let viewer = ctx.viewer()?;
        let services = ctx.services();
        let identity = services
            .oidc
            .verify(provider, &id_token, nonce.as_deref())
            .await?;
        let member_id = viewer.member_id;
        let now = services.clock.now_naive();
        services
            .db
            .transaction(move |conn| {
                Box::pin(async move {
                    identities::insert(conn, member_id, identity.provider, &identity.subject, now)
                        .await
                })
            })
            .await?;
        let mut conn = services.db.primary().await?;
        let member = member_queries::find_active(&mut conn, member_id)
            .await?
            .ok_or_else(AppError::unauthenticated)?;
        Ok(Me::loaded(member))
    }

    /// Unlinks the member's account of `provider`; refused when it is their
    /// last way to sign in (no password and no other linked account).
    async fn unlink_social_account(&self, ctx: &Context<'_>, provider: LoginType) -> AppResult<Me> {
        let viewer = ctx.viewer()?;
        let services = ctx.services();
        let member_id = viewer.member_id;
        let outcome = services
            .db
            .transaction(move |conn| {
                Box::pin(async move {
                    let member = member_queries::find_active(conn, member_id)
                        .await?
                        .ok_or_else(AppError::unauthenticated)?;
                    let linked = identities::providers_of(conn, member_id).await?;
                    if !linked.contains(&provider) {
                        return Err(AppError::bad_input(
                            "provider",
                            "연결되지 않은 소셜 계정입니다.",
                        ));
                    }
                    if member.password_hash.is_none() && linked.len() <= 1 {
                        return Err(AppError::bad_input(
                            "provider",
                            "로그인할 방법이 남지 않아 연결을 해제할 수 없습니다. 비밀번호를 설정하거나 다른 소셜 계정을 먼저 연결해 주세요.",
                        ));
                    }
                    identities::delete(conn, member_id, provider).await?;
                    Ok(member)
                })
            })
            .await?;
        Ok(Me::loaded(outcome))
    }
}
