//! The signed-in member's own view (`Me`) and the public `Member` profile.

use async_graphql::{Context, Enum, ID, Object};
use tokio::sync::OnceCell;

use crate::{
    error::{AppError, AppResult},
    graphql::{context::ContextExt, scalars::DateTime},
    ids::MemberId,
    invitation::{
        resolvers as invitation_resolvers,
        types::{Invitation, InvitationStatus},
    },
    ledger::{queries as ledger_queries, types::Ledger},
    member::{
        model::{MemberProfile, MemberRow},
        queries as member_queries,
    },
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

/// The signed-in member. Built from the session alone, the member's row is
/// read only when a field needs it: `me { id }` and the lists under `me`
/// cost no statement for the profile. A live session already proves the
/// account is active (deleting an account ends its sessions).
pub struct Me {
    id: MemberId,
    row: OnceCell<MemberRow>,
}

impl Me {
    /// A member whose row the caller already holds.
    pub fn loaded(row: MemberRow) -> Self {
        Self {
            id: row.member_id(),
            row: OnceCell::new_with(Some(row)),
        }
    }

    /// The viewer of this request; the row is read on first use.
    pub fn viewer(id: MemberId) -> Self {
        Self {
            id,
            row: OnceCell::new(),
        }
    }

    async fn row(&self, ctx: &Context<'_>) -> AppResult<&MemberRow> {
        self.row
            .get_or_try_init(|| async {
                let mut conn = ctx.services().db.read().await?;
                member_queries::find_active(&mut conn, self.id)
                    .await?
                    .ok_or_else(AppError::unauthenticated)
            })
            .await
    }
}

#[Object]
impl Me {
    async fn id(&self) -> ID {
        self.id.into()
    }

    async fn email(&self, ctx: &Context<'_>) -> AppResult<&str> {
        Ok(&self.row(ctx).await?.email)
    }

    async fn user_name(&self, ctx: &Context<'_>) -> AppResult<&str> {
        Ok(&self.row(ctx).await?.user_name)
    }

    async fn nick_name(&self, ctx: &Context<'_>) -> AppResult<&str> {
        Ok(&self.row(ctx).await?.nick_name)
    }

    async fn login_type(&self, ctx: &Context<'_>) -> AppResult<LoginType> {
        Ok(LoginType::from_db(&self.row(ctx).await?.login_type))
    }

    async fn created_at(&self, ctx: &Context<'_>) -> AppResult<DateTime> {
        Ok(DateTime(self.row(ctx).await?.created_at))
    }

    /// The social providers (GOOGLE, KAKAO) linked to this account, in the
    /// order they were linked.
    async fn social_accounts(&self, ctx: &Context<'_>) -> AppResult<Vec<LoginType>> {
        let mut conn = ctx.services().db.read().await?;
        crate::auth::social::identities::providers_of(&mut conn, self.id).await
    }

    /// Whether the account has a password (an account made with a social
    /// provider has none until one is set).
    async fn has_password(&self, ctx: &Context<'_>) -> AppResult<bool> {
        Ok(self.row(ctx).await?.password_hash.is_some())
    }

    async fn private_ledger(&self, ctx: &Context<'_>) -> AppResult<Ledger> {
        let mut conn = ctx.services().db.read().await?;
        ledger_queries::private_ledger_of(&mut conn, self.id)
            .await?
            .map(Ledger::from)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("member without a private ledger")))
    }

    /// Every ledger the viewer belongs to: the private one first, then shared
    /// ones in the order the viewer joined them.
    async fn ledgers(&self, ctx: &Context<'_>) -> AppResult<Vec<Ledger>> {
        let rows = {
            let mut conn = ctx.services().db.read().await?;
            ledger_queries::list_for_member(&mut conn, self.id).await?
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
        notification_views::page(ctx, self.id, unread_only, first, after).await
    }

    async fn unread_notification_count(&self, ctx: &Context<'_>) -> AppResult<i32> {
        let mut conn = ctx.services().db.read().await?;
        let count = notification_views::unread_count(&mut conn, self.id).await?;
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
        invitation_resolvers::for_viewer(ctx, self.id, status).await
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
        upcoming_schedules(ctx, self.id, limit).await
    }
}

/// Public profile of a member, as other members of a shared ledger see it.
pub struct Member(pub MemberProfile);

impl From<MemberRow> for Member {
    fn from(row: MemberRow) -> Self {
        Self(row.into())
    }
}

#[Object]
impl Member {
    async fn id(&self) -> ID {
        MemberId(self.0.id).into()
    }

    async fn nick_name(&self) -> &str {
        &self.0.nick_name
    }

    async fn user_name(&self) -> &str {
        &self.0.user_name
    }
}
