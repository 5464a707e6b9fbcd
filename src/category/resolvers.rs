use async_graphql::{Context, ID, Object};
use futures_util::FutureExt;

use crate::{
    category::{
        model::{CategoryRow, NewCategory, parse_name},
        queries,
        types::Category,
    },
    error::{AppError, AppResult},
    graphql::context::ContextExt,
    ids::{CategoryId, LedgerId},
    ledger::{
        access::member_of,
        tombstones::{self, RowKind},
    },
    notify::LedgerChange,
};

/// At most this many names in one `addCategories`.
const MAX_NAMES: usize = 50;

#[derive(Default)]
pub struct CategoryMutation;

#[Object]
impl CategoryMutation {
    async fn add_categories(
        &self,
        ctx: &Context<'_>,
        ledger_id: ID,
        names: Vec<String>,
    ) -> AppResult<Vec<Category>> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&ledger_id)?;
        if names.is_empty() || names.len() > MAX_NAMES {
            return Err(AppError::bad_input(
                "names",
                format!("카테고리는 한 번에 1~{MAX_NAMES}개까지 추가할 수 있습니다."),
            ));
        }
        let names = names
            .iter()
            .map(|name| parse_name("names", name))
            .collect::<AppResult<Vec<_>>>()?;
        let services = ctx.services();
        let now = services.clock.now_naive();
        let rows = services
            .db
            .transaction(move |conn| {
                async move {
                    member_of(conn, ledger, viewer).await?;
                    let mut rows = Vec::with_capacity(names.len());
                    for name in &names {
                        let id = queries::insert(
                            conn,
                            NewCategory {
                                ledger_id: ledger.0,
                                name,
                                is_fallback: false,
                                created_at: now,
                            },
                        )
                        .await
                        .map_err(|error| match error {
                            // The input here is the list `names`.
                            AppError::Conflict { message, .. } => {
                                AppError::conflict("names", message)
                            }
                            other => other,
                        })?;
                        rows.push(CategoryRow {
                            id,
                            ledger_id: ledger.0,
                            name: name.clone(),
                            is_fallback: false,
                            created_at: now,
                        });
                    }
                    Ok(rows)
                }
                .boxed()
            })
            .await?;
        services
            .notify(LedgerChange::categories(ledger, viewer))
            .await;
        Ok(rows.into_iter().map(Category::from).collect())
    }

    async fn rename_category(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: String,
    ) -> AppResult<Category> {
        let viewer = ctx.viewer()?.member_id;
        let id = CategoryId::parse(&id)?;
        let name = parse_name("name", &name)?;
        let services = ctx.services();
        let row = services
            .db
            .transaction(move |conn| {
                async move {
                    let mut row = queries::visible_to(conn, id, viewer).await?;
                    if row.is_fallback {
                        return Err(AppError::bad_input(
                            "id",
                            "기본 카테고리(기타)는 이름을 바꿀 수 없습니다.",
                        ));
                    }
                    queries::rename(conn, row.id, &name).await?;
                    row.name = name;
                    Ok(row)
                }
                .boxed()
            })
            .await?;
        services
            .notify(LedgerChange::categories(LedgerId(row.ledger_id), viewer))
            .await;
        Ok(Category::from(row))
    }

    /// Entries of the category move to the fallback category.
    async fn delete_category(&self, ctx: &Context<'_>, id: ID) -> AppResult<bool> {
        let viewer = ctx.viewer()?.member_id;
        let id = CategoryId::parse(&id)?;
        let services = ctx.services();
        let now = services.clock.now_naive();
        let ledger = services
            .db
            .transaction(move |conn| {
                async move {
                    let row = queries::visible_to(conn, id, viewer).await?;
                    if row.is_fallback {
                        return Err(AppError::bad_input(
                            "id",
                            "기본 카테고리(기타)는 삭제할 수 없습니다.",
                        ));
                    }
                    let ledger = LedgerId(row.ledger_id);
                    queries::delete_moving_entries(conn, &row).await?;
                    tombstones::record(conn, RowKind::Category, ledger, &[row.id], now).await?;
                    Ok(ledger)
                }
                .boxed()
            })
            .await?;
        services
            .notify(LedgerChange::categories(ledger, viewer))
            .await;
        Ok(true)
    }
}
