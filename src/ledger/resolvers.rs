use async_graphql::{Context, ID, Object};

use crate::{
    error::{AppError, AppResult},
    graphql::context::ContextExt,
    ids::LedgerId,
    ledger::{queries, types::Ledger},
};

#[derive(Default)]
pub struct LedgerQuery;

#[Object]
impl LedgerQuery {
    /// FORBIDDEN unless the viewer is a member of the ledger.
    async fn ledger(&self, ctx: &Context<'_>, id: ID) -> AppResult<Ledger> {
        let viewer = ctx.viewer()?;
        let ledger = LedgerId::parse(&id)?;
        let mut conn = ctx.services().db.read().await?;
        queries::find_for_member(&mut conn, ledger, viewer.member_id)
            .await?
            .map(Ledger::from)
            .ok_or(AppError::Forbidden)
    }
}
