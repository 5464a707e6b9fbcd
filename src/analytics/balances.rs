//! `Ledger.balances`: settle-up between the ledger's current members.

use async_graphql::Context;

use crate::{
    analytics::{queries, resolvers::scope_of, settle, types::MemberBalance},
    error::{AppError, AppResult},
    graphql::{context::ContextExt, scalars::Money},
    ledger::{queries::members_of, types::Ledger},
    member::{model::MemberRow, types::Member},
};

/// `Ledger.balances`: what each current member paid in expenses minus an
/// equal share of all of them, in join order; they add up to exactly 0. In a
/// private ledger the owner alone owes nothing.
pub async fn ledger_balances(ctx: &Context<'_>, ledger: &Ledger) -> AppResult<Vec<MemberBalance>> {
    let scope = scope_of(ledger);
    let mut conn = ctx.services().db.read().await?;
    let members: Vec<MemberRow> = members_of(&mut conn, &[scope.ledger.0])
        .await?
        .into_iter()
        .map(|(_, member)| member)
        .collect();
    // The membership is checked in the result: the viewer must be one of
    // the members read.
    if !members.iter().any(|member| member.id == scope.viewer.0) {
        return Err(AppError::Forbidden);
    }
    if ledger.row.is_private() {
        return Ok(members
            .into_iter()
            .map(|member| MemberBalance {
                member: Member::from(member),
                balance: Money(0),
            })
            .collect());
    }
    let paid = queries::expenses_paid_by_members(&mut conn, scope).await?;
    let paid_in_order: Vec<i64> = members
        .iter()
        .map(|member| {
            paid.iter()
                .find(|(payer, _)| payer.0 == member.id)
                .map_or(0, |(_, amount)| *amount)
        })
        .collect();
    let balances = settle::balances(&paid_in_order)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("balances overflow")))?;
    Ok(members
        .into_iter()
        .zip(balances)
        .map(|(member, balance)| MemberBalance {
            member: Member::from(member),
            balance: Money(balance),
        })
        .collect())
}
