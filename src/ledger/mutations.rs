//! Creating, changing, leaving and deleting ledgers.

use async_graphql::{Context, ID, InputObject, Object};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::FutureExt;

use crate::{
    category::{
        defaults::{DEFAULT_CATEGORIES, FALLBACK_CATEGORY, insert_defaults},
        model::parse_name,
    },
    db::schema::{ledger_members, ledgers},
    error::{AppError, AppResult},
    graphql::context::ContextExt,
    ids::{LedgerId, MemberId},
    invitation::create::{invite, mail_invitees, parse_emails},
    ledger::{
        access::{admin_of, member_of},
        lifecycle::{Departure, delete_shared, leave_shared},
        model::{DEFAULT_COLOR, NewLedger, NewMembership, ROLE_ADMIN},
        queries::{find_for_member, insert_ledger, insert_membership, members_of},
        types::{Ledger, LedgerMember},
    },
    member::queries as member_queries,
    notify::{LedgerChange, LedgerEventKind},
};

/// The colors a member may pick for their entries in a ledger.
pub const COLORS: [&str; 8] = [
    "red", "orange", "yellow", "green", "blue", "purple", "pink", "gray",
];

#[derive(InputObject)]
pub struct CreateLedgerInput {
    name: String,
    relationship: String,
    /// Extra categories besides the defaults.
    #[graphql(default)]
    categories: Option<Vec<String>>,
    #[graphql(default)]
    invite_emails: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct UpdateLedgerInput {
    name: Option<String>,
    relationship: Option<String>,
}

fn parse_ledger_name(field: &'static str, raw: &str) -> AppResult<String> {
    let name = crate::text::name(raw);
    if !(1..=50).contains(&name.chars().count()) || name.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            field,
            "가계부 이름은 1~50자로 입력해 주세요.",
        ));
    }
    Ok(name)
}

fn parse_relationship(field: &'static str, raw: &str) -> AppResult<String> {
    let relationship = crate::text::name(raw);
    if !(1..=30).contains(&relationship.chars().count())
        || relationship.chars().any(char::is_control)
    {
        return Err(AppError::bad_input(field, "관계는 1~30자로 입력해 주세요."));
    }
    Ok(relationship)
}

/// Extra categories: valid names, none repeated or equal to a default.
fn parse_extra_categories(raw: &[String]) -> AppResult<Vec<String>> {
    if raw.len() > 50 {
        return Err(AppError::bad_input(
            "input.categories",
            "카테고리는 50개까지 추가할 수 있습니다.",
        ));
    }
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    for value in raw {
        let name = parse_name("input.categories", value)?;
        let taken = names.contains(&name)
            || DEFAULT_CATEGORIES.contains(&name.as_str())
            || name == FALLBACK_CATEGORY;
        if taken {
            return Err(AppError::conflict(
                "input.categories",
                format!("'{name}' 카테고리가 이미 있습니다."),
            ));
        }
        names.push(name);
    }
    Ok(names)
}

#[derive(Default)]
pub struct LedgerMutation;

#[Object]
impl LedgerMutation {
    /// A shared ledger; its creator is its ADMIN.
    async fn create_ledger(
        &self,
        ctx: &Context<'_>,
        input: CreateLedgerInput,
    ) -> AppResult<Ledger> {
        let viewer = ctx.viewer()?.member_id;
        let name = parse_ledger_name("input.name", &input.name)?;
        let relationship = parse_relationship("input.relationship", &input.relationship)?;
        let extra = parse_extra_categories(&input.categories.unwrap_or_default())?;
        let emails = parse_emails(
            "input.inviteEmails",
            &input.invite_emails.unwrap_or_default(),
        )?;
        let services = ctx.services();
        let now = services.clock.now_naive();
        let (ledger, invitations, inviter) = services
            .db
            .transaction(move |conn| {
                async move {
                    let creator = member_queries::find_active(conn, viewer)
                        .await?
                        .ok_or_else(AppError::unauthenticated)?;
                    let id = insert_ledger(
                        conn,
                        NewLedger {
                            name: &name,
                            relationship: &relationship,
                            private_owner_id: None,
                            created_by: viewer.0,
                            created_at: now,
                            updated_at: now,
                        },
                    )
                    .await?;
                    insert_membership(
                        conn,
                        NewMembership {
                            ledger_id: id.0,
                            member_id: viewer.0,
                            role: ROLE_ADMIN,
                            color: DEFAULT_COLOR,
                            joined_at: now,
                        },
                    )
                    .await?;
                    insert_defaults(conn, id, &extra, now).await?;
                    let ledger = member_of(conn, id, viewer).await?;
                    let invitations = if emails.is_empty() {
                        Vec::new()
                    } else {
                        invite(conn, &ledger.0, &creator, &emails, now)
                            .await
                            .map_err(|error| rename_field(error, "input.inviteEmails"))?
                    };
                    Ok((ledger, invitations, creator.nick_name))
                }
                .boxed()
            })
            .await?;
        mail_invitees(services, &inviter, &ledger.0.name, &invitations);
        Ok(Ledger::from(ledger))
    }

    /// ADMIN only.
    async fn update_ledger(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateLedgerInput,
    ) -> AppResult<Ledger> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&id)?;
        let name = input
            .name
            .as_deref()
            .map(|n| parse_ledger_name("input.name", n))
            .transpose()?;
        let relationship = input
            .relationship
            .as_deref()
            .map(|r| parse_relationship("input.relationship", r))
            .transpose()?;
        let services = ctx.services();
        let now = services.clock.now_naive();
        let updated = services
            .db
            .transaction(move |conn| {
                async move {
                    admin_of(conn, ledger, viewer).await?;
                    diesel::update(ledgers::table.filter(ledgers::id.eq(ledger.0)))
                        .set((
                            name.as_deref().map(|name| ledgers::name.eq(name)),
                            relationship.as_deref().map(|r| ledgers::relationship.eq(r)),
                            ledgers::updated_at.eq(now),
                        ))
                        .execute(conn)
                        .await?;
                    member_of(conn, ledger, viewer).await
                }
                .boxed()
            })
            .await?;
        services
            .notify(LedgerChange::new(
                LedgerEventKind::LedgerUpdated,
                ledger,
                viewer,
            ))
            .await;
        Ok(Ledger::from(updated))
    }

    /// The viewer's color in one ledger, shown on their entries.
    async fn set_my_ledger_color(
        &self,
        ctx: &Context<'_>,
        ledger_id: ID,
        color: String,
    ) -> AppResult<LedgerMember> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&ledger_id)?;
        let color = color.trim().to_ascii_lowercase();
        if !COLORS.contains(&color.as_str()) {
            return Err(AppError::bad_input(
                "color",
                format!("색은 {} 중 하나여야 합니다.", COLORS.join(", ")),
            ));
        }
        let services = ctx.services();
        let member = services
            .db
            .transaction(move |conn| {
                async move {
                    member_of(conn, ledger, viewer).await?;
                    diesel::update(
                        ledger_members::table
                            .filter(ledger_members::ledger_id.eq(ledger.0))
                            .filter(ledger_members::member_id.eq(viewer.0)),
                    )
                    .set(ledger_members::color.eq(&color))
                    .execute(conn)
                    .await?;
                    members_of(conn, &[ledger.0])
                        .await?
                        .into_iter()
                        .find(|(membership, _)| membership.member_id == viewer.0)
                        .ok_or(AppError::Forbidden)
                }
                .boxed()
            })
            .await?;
        services
            .notify(LedgerChange::new(
                LedgerEventKind::LedgerUpdated,
                ledger,
                viewer,
            ))
            .await;
        Ok(LedgerMember {
            membership: member.0,
            member: member.1,
        })
    }

    /// ADMIN only; the private ledger cannot be deleted.
    async fn delete_ledger(&self, ctx: &Context<'_>, id: ID) -> AppResult<bool> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&id)?;
        let services = ctx.services();
        let now = services.clock.now_naive();
        services
            .db
            .transaction(move |conn| {
                async move {
                    let (row, membership) = member_of(conn, ledger, viewer).await?;
                    if row.is_private() {
                        return Err(AppError::bad_input(
                            "id",
                            "개인 가계부는 삭제할 수 없습니다.",
                        ));
                    }
                    if !membership.is_admin() {
                        return Err(AppError::Forbidden);
                    }
                    delete_shared(conn, ledger, now).await
                }
                .boxed()
            })
            .await?;
        services
            .notify(LedgerChange::new(
                LedgerEventKind::LedgerDeleted,
                ledger,
                viewer,
            ))
            .await;
        Ok(true)
    }

    /// Leaves a shared ledger: the last member out deletes it, and an ADMIN
    /// leaving hands the role to the longest-standing member.
    async fn leave_ledger(&self, ctx: &Context<'_>, id: ID) -> AppResult<bool> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&id)?;
        let services = ctx.services();
        let now = services.clock.now_naive();
        let deleted = services
            .db
            .transaction(move |conn| {
                async move {
                    let (row, _) = member_of(conn, ledger, viewer).await?;
                    if row.is_private() {
                        return Err(AppError::bad_input(
                            "id",
                            "개인 가계부에서는 나갈 수 없습니다.",
                        ));
                    }
                    leave_shared(conn, ledger, viewer, Departure::Left, now).await
                }
                .boxed()
            })
            .await?;
        services
            .notify(LedgerChange::departure(ledger, viewer, deleted))
            .await;
        Ok(true)
    }

    /// ADMIN only; an ADMIN leaves with `leaveLedger` instead.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        ledger_id: ID,
        member_id: ID,
    ) -> AppResult<bool> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&ledger_id)?;
        let member = MemberId::parse(&member_id)
            .map_err(|_| AppError::bad_input("memberId", "이 가계부의 멤버가 아닙니다."))?;
        let services = ctx.services();
        let now = services.clock.now_naive();
        services
            .db
            .transaction(move |conn| {
                async move {
                    let (row, membership) = member_of(conn, ledger, viewer).await?;
                    if !membership.is_admin() {
                        return Err(AppError::Forbidden);
                    }
                    if member == viewer {
                        return Err(AppError::bad_input(
                            "memberId",
                            "관리자는 자신을 내보낼 수 없습니다. 가계부 나가기를 이용해 주세요.",
                        ));
                    }
                    if row.is_private() || find_for_member(conn, ledger, member).await?.is_none() {
                        return Err(AppError::bad_input(
                            "memberId",
                            "이 가계부의 멤버가 아닙니다.",
                        ));
                    }
                    leave_shared(conn, ledger, member, Departure::Removed, now).await
                }
                .boxed()
            })
            .await?;
        services
            .notify(LedgerChange::new(
                LedgerEventKind::MemberLeft,
                ledger,
                viewer,
            ))
            .await;
        Ok(true)
    }
}

/// Errors of the shared invitation code name `emails`; here the input is
/// `input.inviteEmails`.
fn rename_field(error: AppError, field: &'static str) -> AppError {
    match error {
        AppError::BadInput { message, .. } => AppError::bad_input(field, message),
        AppError::Conflict { message, .. } => AppError::conflict(field, message),
        other => other,
    }
}
