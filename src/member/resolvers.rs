//! `me` and the member's own profile: names, password, account deletion.

use async_graphql::{Context, InputObject, Object};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::FutureExt;

use crate::{
    auth::password,
    db::schema::{ledger_members, ledgers},
    error::{AppError, AppResult},
    graphql::context::{ContextExt, Viewer},
    ids::{LedgerId, MemberId},
    ledger::lifecycle::{Departure, delete_private, leave_shared},
    member::{
        model::MemberRow,
        queries as member_queries,
        types::Me,
        values::{NickName, Password, UserName},
    },
    notify::LedgerChange,
};

#[derive(InputObject)]
pub struct UpdateProfileInput {
    user_name: Option<String>,
    nick_name: Option<String>,
}

#[derive(Default)]
pub struct MeQuery;

#[Object]
impl MeQuery {
    /// The signed-in member. UNAUTHENTICATED without a valid access token.
    async fn me(&self, ctx: &Context<'_>) -> AppResult<Me> {
        Ok(Me::viewer(ctx.viewer()?.member_id))
    }
}

async fn load_viewer(conn: &mut crate::db::Conn, viewer: &Viewer) -> AppResult<MemberRow> {
    member_queries::find_active(conn, viewer.member_id)
        .await?
        .ok_or_else(AppError::unauthenticated)
}

/// Checks the member's current password; a wrong one is BAD_USER_INPUT on
/// the named field (the member is signed in, so this is a form error).
async fn confirm_password(member: &MemberRow, given: String, field: &'static str) -> AppResult<()> {
    if password::verify(member.password_hash.clone(), given).await? {
        Ok(())
    } else {
        Err(AppError::bad_input(field, "비밀번호가 올바르지 않습니다."))
    }
}

#[derive(Default)]
pub struct ProfileMutation;

#[Object]
impl ProfileMutation {
    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> AppResult<Me> {
        let viewer = ctx.viewer()?;
        let services = ctx.services();
        let user_name = input
            .user_name
            .as_deref()
            .map(|name| UserName::parse("input.userName", name))
            .transpose()?;
        let nick_name = input
            .nick_name
            .as_deref()
            .map(|name| NickName::parse("input.nickName", name))
            .transpose()?;
        let now = services.clock.now_naive();
        let member_id = viewer.member_id;
        services
            .db
            .transaction(move |conn| {
                async move {
                    member_queries::update_names(
                        conn,
                        member_id,
                        user_name.as_ref().map(UserName::as_str),
                        nick_name.as_ref().map(NickName::as_str),
                        now,
                    )
                    .await?;
                    member_queries::find_active(conn, member_id)
                        .await?
                        .ok_or_else(AppError::unauthenticated)
                }
                .boxed()
            })
            .await
            .map(Me::loaded)
    }

    /// Needs the current password; ends the member's other sessions.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> AppResult<bool> {
        let viewer = ctx.viewer()?;
        let services = ctx.services();
        let new_password = Password::parse("newPassword", &new_password)?;
        let member = {
            let mut conn = services.db.primary().await?;
            load_viewer(&mut conn, viewer).await?
        };
        confirm_password(&member, current_password, "currentPassword").await?;
        let hash = password::hash(new_password.expose().to_owned()).await?;
        let (member_id, now) = (viewer.member_id, services.clock.now_naive());
        services
            .db
            .transaction(move |conn| {
                async move { member_queries::update_password(conn, member_id, &hash, now).await }
                    .boxed()
            })
            .await?;
        services
            .sessions()
            .end_all(viewer.member_id, Some(&viewer.session_id))
            .await?;
        Ok(true)
    }

    /// Needs the password. The member is soft-deleted: their private ledger
    /// goes, they leave every shared ledger (their entries there stay, under
    /// their nickname), and their email and nickname become free again.
    async fn delete_account(&self, ctx: &Context<'_>, password: String) -> AppResult<bool> {
        let viewer = ctx.viewer()?;
        let services = ctx.services();
        let member = {
            let mut conn = services.db.primary().await?;
            load_viewer(&mut conn, viewer).await?
        };
        confirm_password(&member, password, "password").await?;
        let member_id = viewer.member_id;
        let now = services.clock.now_naive();
        let departures = services
            .db
            .transaction(move |conn| {
                async move { delete_member(conn, member_id, now).await }.boxed()
            })
            .await?;
        // The shared ledgers hear of it as of any member leaving.
        for (ledger, deleted) in departures {
            services
                .notify(LedgerChange::departure(ledger, member_id, deleted))
                .await;
        }
        services.sessions().end_all(member_id, None).await?;
        Ok(true)
    }
}

/// Deletes the member's private ledger, takes them out of each shared one
/// and soft-deletes them. Returns each shared ledger left, and whether it was
/// deleted with them (they were its last member).
async fn delete_member(
    conn: &mut crate::db::Conn,
    member: MemberId,
    now: chrono::NaiveDateTime,
) -> AppResult<Vec<(LedgerId, bool)>> {
    let memberships: Vec<(i64, Option<i64>)> = ledger_members::table
        .inner_join(ledgers::table)
        .filter(ledger_members::member_id.eq(member.0))
        .select((ledgers::id, ledgers::private_owner_id))
        .load(conn)
        .await?;
    let mut departures = Vec::new();
    for (ledger_id, private_owner) in memberships {
        let ledger = LedgerId(ledger_id);
        if private_owner == Some(member.0) {
            delete_private(conn, ledger).await?;
        } else {
            let deleted = leave_shared(conn, ledger, member, Departure::Left, now).await?;
            departures.push((ledger, deleted));
        }
    }
    member_queries::soft_delete(conn, member, now).await?;
    Ok(departures)
}
