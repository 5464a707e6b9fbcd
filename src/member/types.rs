//! The signed-in member's own view (`Me`) and the public `Member` profile.

use async_graphql::{Context, Enum, ID, Object};

use crate::{
    error::{AppError, AppResult},
    graphql::{context::ContextExt, scalars::DateTime},
    invitation::{
        resolvers as invitation_resolvers,
        types::{Invitation, InvitationStatus},
    },
    ledger::{queries as ledger_queries, types::Ledger},
    member::model::MemberRow,
    notification::views::{self as notification_views, NotificationConnection},
    schedule::{resolvers::upcoming_schedules, types::ScheduleShare},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum LoginType {
    Email,
    Google,
    Kakao,
}

impl LoginType {
    pub fn from_db(value: &str) -> Self {
        match value {
            "GOOGLE" => Self::Google,
            "KAKAO" => Self::Kakao,
            _ => Self::Email,
        }
    }

    pub fn as_db(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Google => "GOOGLE",
            Self::Kakao => "KAKAO",
        }
    }
}

pub struct Me(pub MemberRow);

#[Object]
impl Me {
    async fn id(&self) -> ID {
        self.0.member_id().into()
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    async fn user_name(&self) -> &str {
        &self.0.user_name
    }

    async fn nick_name(&self) -> &str {
        &self.0.nick_name
    }

    async fn login_type(&self) -> LoginType {
        LoginType::from_db(&self.0.login_type)
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// The social providers (GOOGLE, KAKAO) linked to this account, in the
    /// order they were linked.
    async fn social_accounts(&self, ctx: &Context<'_>) -> AppResult<Vec<LoginType>> {
        let mut conn = ctx.services().db.read().await?;
        crate::auth::social::identities::providers_of(&mut conn, self.0.member_id()).await
    }

    /// Whether the account has a password (an account made with a social
    /// provider has none until one is set).
    async fn has_password(&self) -> bool {
        self.0.password_hash.is_some()
    }

    async fn private_ledger(&self, ctx: &Context<'_>) -> AppResult<Ledger> {
        let mut conn = ctx.services().db.read().await?;
        ledger_queries::private_ledger_of(&mut conn, self.0.member_id())
            .await?
            .map(Ledger::from)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("member without a private ledger")))
    }

    /// Every ledger the viewer belongs to: the private one first, then shared
    /// ones in the order the viewer joined them.
    async fn ledgers(&self, ctx: &Context<'_>) -> AppResult<Vec<Ledger>> {
        let rows = {
            let mut conn = ctx.services().db.read().await?;
            ledger_queries::list_for_member(&mut conn, self.0.member_id()).await?
        };
        Ledger::list(ctx, rows).await
    }

    /// Newest first; `after` is the id of the last notification already seen.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, 20, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(false)")] unread_only: Option<bool>,
        #[graphql(default_with = "Some(20)")] first: Option<i32>,
        after: Option<async_graphql::ID>,
    ) -> AppResult<NotificationConnection> {
        let unread_only = unread_only.unwrap_or(false);
        let first = first.unwrap_or(20);
        notification_views::page(ctx, self.0.member_id(), unread_only, first, after).await
    }

    async fn unread_notification_count(&self, ctx: &Context<'_>) -> AppResult<i32> {
        let mut conn = ctx.services().db.read().await?;
        let count = notification_views::unread_count(&mut conn, self.0.member_id()).await?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }

    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(InvitationStatus::Pending)")] status: Option<
            InvitationStatus,
        >,
    ) -> AppResult<Vec<Invitation>> {
        let status = status.unwrap_or(InvitationStatus::Pending);
        invitation_resolvers::for_viewer(ctx, self.0.member_id(), status).await
    }

    /// The viewer's shares of schedules across all ledgers, soonest due
    /// first; at most 100.
    #[graphql(
        complexity = "crate::graphql::limits::capped_page_cost(limit, crate::schedule::resolvers::MAX_UPCOMING, child_complexity)"
    )]
    async fn upcoming_schedules(
        &self,
        ctx: &Context<'_>,
        limit: Option<i32>,
    ) -> AppResult<Vec<ScheduleShare>> {
        upcoming_schedules(ctx, self.0.member_id(), limit).await
    }
}

/// Public profile of a member, as other members of a shared ledger see it.
pub struct Member(pub MemberRow);

#[Object]
impl Member {
    async fn id(&self) -> ID {
        self.0.member_id().into()
    }

    async fn nick_name(&self) -> &str {
        &self.0.nick_name
    }

    async fn user_name(&self) -> &str {
        &self.0.user_name
    }
}
