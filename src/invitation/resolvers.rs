use async_graphql::{Context, ID, Object};
use futures_util::FutureExt;

use crate::{
    error::{AppError, AppResult},
    graphql::context::ContextExt,
    ids::{InvitationId, LedgerId, MemberId},
    invitation::{
        create::{invite, mail_invitees, parse_emails},
        model::{ACCEPTED, CANCELED, DECLINED},
        queries,
        types::{Invitation, hydrate},
    },
    ledger::{
        access::member_of,
        model::{DEFAULT_COLOR, MembershipRow, NewMembership, ROLE_MEMBER},
        queries::{find_for_member, insert_membership},
    },
    member::queries as member_queries,
    notification::{NewNotification, NotificationKind, insert_all, invitation_accepted_message},
    notify::{LedgerChange, LedgerEventKind},
};

#[derive(Default)]
pub struct InvitationMutation;

#[Object]
impl InvitationMutation {
    /// Any member may invite, by email, also people without an account yet.
    async fn invite_members(
        &self,
        ctx: &Context<'_>,
        ledger_id: ID,
        emails: Vec<String>,
    ) -> AppResult<Vec<Invitation>> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&ledger_id)?;
        let emails = parse_emails("emails", &emails)?;
        if emails.is_empty() {
            return Err(AppError::bad_input(
                "emails",
                "초대할 이메일을 입력해 주세요.",
            ));
        }
        let services = ctx.services();
        let now = services.clock.now_naive();
        let (invitations, inviter, ledger_name) = services
            .db
            .transaction(move |conn| {
                async move {
                    let (ledger_row, _) = member_of(conn, ledger, viewer).await?;
                    let inviter = member_queries::find_active(conn, viewer)
                        .await?
                        .ok_or_else(AppError::unauthenticated)?;
                    let rows = invite(conn, &ledger_row, &inviter, &emails, now).await?;
                    let invitations = hydrate(conn, rows).await?;
                    Ok((invitations, inviter.nick_name, ledger_row.name))
                }
                .boxed()
            })
            .await?;
        let rows: Vec<_> = invitations
            .iter()
            .map(|invitation| invitation.row.clone())
            .collect();
        mail_invitees(services, &inviter, &ledger_name, &rows);
        Ok(invitations)
    }

    /// The inviter or the ledger's ADMIN may cancel a pending invitation.
    async fn cancel_invitation(&self, ctx: &Context<'_>, id: ID) -> AppResult<Invitation> {
        let viewer = ctx.viewer()?.member_id;
        let id = InvitationId::parse(&id)?;
        let now = ctx.services().clock.now_naive();
        ctx.services()
            .db
            .transaction(move |conn| {
                async move {
                    let mut row = queries::find_for_update(conn, id)
                        .await?
                        .ok_or(AppError::Forbidden)?;
                    // The inviter may still see their invitation once the
                    // ledger is gone (deleting it canceled the invitation):
                    // CONFLICT then, like any invitation no longer pending.
                    let membership = find_for_member(conn, LedgerId(row.ledger_id), viewer)
                        .await?
                        .map(|(_, membership)| membership);
                    let is_admin = membership.as_ref().is_some_and(MembershipRow::is_admin);
                    if row.inviter_id != viewer.0 && !is_admin {
                        return Err(AppError::Forbidden);
                    }
                    if !row.is_pending_at(now) {
                        return Err(AppError::conflict("id", "이미 처리된 초대입니다."));
                    }
                    if membership.is_none() {
                        return Err(AppError::Forbidden);
                    }
                    queries::set_status(conn, row.id, CANCELED, now).await?;
                    row.status = CANCELED.into();
                    row.responded_at = Some(now);
                    let mut hydrated = hydrate(conn, vec![row]).await?;
                    hydrated
                        .pop()
                        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no invitation")))
                }
                .boxed()
            })
            .await
    }

    /// The invitee accepts (joins as MEMBER) or declines.
    async fn respond_to_invitation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        accept: bool,
    ) -> AppResult<Invitation> {
        let viewer = ctx.viewer()?.member_id;
        let id = InvitationId::parse(&id)?;
        let services = ctx.services();
        let now = services.clock.now_naive();
        let invitation = services
            .db
            .transaction(move |conn| {
                async move {
                    let mut row = queries::find_for_update(conn, id)
                        .await?
                        .ok_or(AppError::Forbidden)?;
                    let me = member_queries::find_active(conn, viewer)
                        .await?
                        .ok_or_else(AppError::unauthenticated)?;
                    if row.invitee_email.to_lowercase() != me.email.to_lowercase() {
                        return Err(AppError::Forbidden);
                    }
                    if !row.is_pending_at(now) {
                        return Err(AppError::conflict(
                            "id",
                            "이미 처리되었거나 만료된 초대입니다.",
                        ));
                    }
                    let status = if accept { ACCEPTED } else { DECLINED };
                    queries::set_status(conn, row.id, status, now).await?;
                    row.status = status.into();
                    row.responded_at = Some(now);
                    if accept {
                        join_as_member(conn, row.ledger_id, viewer, now).await?;
                    }
                    // Loaded after joining, so that the ledger's member count
                    // includes the new member.
                    let invitation = hydrate(conn, vec![row])
                        .await?
                        .pop()
                        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no invitation")))?;
                    if accept {
                        tell_inviter(conn, &invitation, viewer, &me.nick_name, now).await?;
                    }
                    Ok(invitation)
                }
                .boxed()
            })
            .await?;
        if accept {
            let change = LedgerChange::new(
                LedgerEventKind::MemberJoined,
                LedgerId(invitation.row.ledger_id),
                viewer,
            );
            services.notify(change).await;
        }
        Ok(invitation)
    }
}

/// The viewer's invitations with `status` (PENDING excludes expired ones).
pub async fn for_viewer(
    ctx: &Context<'_>,
    viewer: MemberId,
    status: crate::invitation::types::InvitationStatus,
) -> AppResult<Vec<Invitation>> {
    let services = ctx.services();
    let now = services.clock.now_naive();
    let mut conn = services.db.read().await?;
    let me = member_queries::find_active(&mut conn, viewer)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let rows: Vec<_> = queries::for_invitee(&mut conn, &me.email.to_lowercase())
        .await?
        .into_iter()
        .filter(|row| {
            crate::invitation::types::InvitationStatus::from_db(row.status_at(now)) == status
        })
        .collect();
    hydrate(&mut conn, rows).await
}

/// Adds the invitee to the ledger.
async fn join_as_member(
    conn: &mut crate::db::Conn,
    ledger_id: i64,
    member: MemberId,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    insert_membership(
        conn,
        NewMembership {
            ledger_id,
            member_id: member.0,
            role: ROLE_MEMBER,
            color: DEFAULT_COLOR,
            joined_at: now,
        },
    )
    .await
    .map_err(|error| match error {
        AppError::Conflict { .. } => AppError::conflict("id", "이미 이 가계부의 멤버입니다."),
        other => other,
    })
}

/// Tells the inviter that `member` accepted.
async fn tell_inviter(
    conn: &mut crate::db::Conn,
    invitation: &Invitation,
    member: MemberId,
    nick_name: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    let mut notification = NewNotification::new(
        invitation.row.inviter_id,
        NotificationKind::InvitationAccepted,
        invitation_accepted_message(nick_name, &invitation.ledger.name),
        now,
    );
    notification.actor_id = Some(member.0);
    notification.ledger_id = Some(invitation.row.ledger_id);
    notification.invitation_id = Some(invitation.row.id);
    insert_all(conn, &[notification]).await
}
