use async_graphql::{Context, Enum, ID, Object, SimpleObject};

use crate::{
    error::{AppError, AppResult},
    graphql::{context::ContextExt, scalars::DateTime},
    ids::{InvitationId, LedgerId},
    invitation::model::InvitationRow,
    ledger::model::LedgerRow,
    member::{model::MemberRow, types::Member},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
    Canceled,
    Expired,
}

impl InvitationStatus {
    pub fn from_db(status: &str) -> Self {
        match status {
            "ACCEPTED" => Self::Accepted,
            "DECLINED" => Self::Declined,
            "CANCELED" => Self::Canceled,
            "EXPIRED" => Self::Expired,
            _ => Self::Pending,
        }
    }
}

/// What an invitee may see of a ledger before joining it.
#[derive(SimpleObject)]
pub struct InvitedLedger {
    id: ID,
    name: String,
    member_count: i32,
}

/// An invitation with what it shows loaded alongside (one statement for a
/// whole list).
pub struct Invitation {
    pub row: InvitationRow,
    pub ledger: LedgerRow,
    pub member_count: i64,
    pub inviter: MemberRow,
}

#[Object]
impl Invitation {
    async fn id(&self) -> ID {
        InvitationId(self.row.id).into()
    }

    async fn ledger(&self) -> InvitedLedger {
        InvitedLedger {
            id: LedgerId(self.ledger.id).into(),
            name: self.ledger.name.clone(),
            member_count: i32::try_from(self.member_count).unwrap_or(i32::MAX),
        }
    }

    async fn inviter(&self) -> Member {
        Member::from(self.inviter.clone())
    }

    async fn invitee_email(&self) -> &str {
        &self.row.invitee_email
    }

    async fn status(&self, ctx: &Context<'_>) -> InvitationStatus {
        InvitationStatus::from_db(self.row.status_at(ctx.services().clock.now_naive()))
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.row.created_at)
    }
}

/// Loads ledgers, member counts and inviters for `rows` in one statement.
pub async fn hydrate(
    conn: &mut crate::db::Conn,
    rows: Vec<InvitationRow>,
) -> AppResult<Vec<Invitation>> {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;

    use crate::db::schema::{invitations, ledgers, members};

    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let member_count = diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT COUNT(*) FROM ledger_members lm WHERE lm.ledger_id = ledgers.id)",
    );
    let details: Vec<(i64, LedgerRow, i64, MemberRow)> = invitations::table
        .inner_join(ledgers::table)
        .inner_join(members::table.on(members::id.eq(invitations::inviter_id)))
        .filter(invitations::id.eq_any(&ids))
        .select((
            invitations::id,
            LedgerRow::as_select(),
            member_count,
            MemberRow::as_select(),
        ))
        .load(conn)
        .await?;
    rows.into_iter()
        .map(|row| {
            let (_, ledger, member_count, inviter) = details
                .iter()
                .find(|(id, ..)| *id == row.id)
                .cloned()
                .ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("invitation {} lost its ledger", row.id))
                })?;
            Ok(Invitation {
                row,
                ledger,
                member_count,
                inviter,
            })
        })
        .collect()
}
