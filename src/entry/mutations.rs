//! Creating, changing and deleting entries. Each mutation is one
//! transaction: a batch is all or nothing.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::FutureExt;

use crate::{
    category::queries as category_queries,
    db::{
        Conn,
        schema::{categories, ledger_members, ledgers},
    },
    entry::{
        input::{
            EntryInput, EntryPatch, FieldError, ValidEntry, check_amount, check_counterparty,
            check_memo, check_payment, no_null,
        },
        kind::EntryType,
        model::{EntryRow, NewEntry},
        queries,
        types::{Entry, entries_of},
    },
    error::{AppError, AppResult, RowError},
    graphql::context::ContextExt,
    ids::{CategoryId, EntryId, LedgerId, MemberId},
    ledger::{
        access::member_of,
        tombstones::{self, RowKind},
        types::Ledger,
    },
    notify::{LedgerChange, LedgerEventKind},
};

const NOT_THIS_LEDGERS_CATEGORY: &str = "이 가계부의 카테고리가 아닙니다.";

/// Batches hold at most this many entries.
pub const MAX_BATCH: usize = 500;

#[derive(SimpleObject)]
pub struct CreateEntriesPayload {
    entries: Vec<Entry>,
    income_count: i32,
    expense_count: i32,
}

/// What a create wrote, per ledger, for the events after commit.
struct Created {
    ledger: (
        crate::ledger::model::LedgerRow,
        crate::ledger::model::MembershipRow,
    ),
    views: Vec<crate::entry::model::EntryView>,
    changes: Vec<LedgerChange>,
}

#[derive(Default)]
pub struct EntryMutation;

#[Object]
impl EntryMutation {
    async fn create_entry(
        &self,
        ctx: &Context<'_>,
        ledger_id: ID,
        input: EntryInput,
    ) -> AppResult<Entry> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&ledger_id)?;
        let valid = input
            .validate()
            .map_err(|error| error.into_app_error("input."))?;
        let created = create(ctx, ledger, viewer, vec![Ok(valid)])
            .await
            .map_err(|error| match error {
                AppError::InvalidRows(mut rows) if rows.len() == 1 => {
                    let row = rows.remove(0);
                    AppError::bad_input(format!("input.{}", row.field), row.message)
                }
                other => other,
            })?;
        let ledger = Arc::new(Ledger::from(created.ledger));
        entries_of(&ledger, created.views)
            .pop()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("created entry missing")))
    }

    /// Up to 500 entries, all or nothing; every bad row is reported with its
    /// index in one BAD_USER_INPUT error (`extensions.rows`).
    async fn create_entries(
        &self,
        ctx: &Context<'_>,
        ledger_id: ID,
        inputs: Vec<EntryInput>,
    ) -> AppResult<CreateEntriesPayload> {
        let viewer = ctx.viewer()?.member_id;
        let ledger = LedgerId::parse(&ledger_id)?;
        if inputs.is_empty() || inputs.len() > MAX_BATCH {
            return Err(AppError::bad_input(
                "inputs",
                "한 번에 1~500건까지 기록할 수 있습니다.",
            ));
        }
        // Rows with bad fields go on to the category checks with the rest,
        // so that one answer reports every bad row.
        let rows = inputs
            .iter()
            .enumerate()
            .map(|(index, input)| input.validate().map_err(|error| row_error(index, error)))
            .collect();
        let created = create(ctx, ledger, viewer, rows).await?;
        let income_count = created
            .views
            .iter()
            .filter(|view| EntryType::from_db(&view.entry.entry_type) == EntryType::Income)
            .count();
        let expense_count = created.views.len() - income_count;
        let ledger = Arc::new(Ledger::from(created.ledger));
        Ok(CreateEntriesPayload {
            entries: entries_of(&ledger, created.views),
            income_count: i32::try_from(income_count).unwrap_or(i32::MAX),
            expense_count: i32::try_from(expense_count).unwrap_or(i32::MAX),
        })
    }

    /// The creator or the ledger's ADMIN; any field, including the type.
    async fn update_entry(&self, ctx: &Context<'_>, id: ID, input: EntryPatch) -> AppResult<Entry> {
        let viewer = ctx.viewer()?.member_id;
        let id = EntryId::parse(&id)?;
        // Only the memo may be cleared with an explicit null.
        no_null("type", &input.entry_type)?;
        no_null("amount", &input.amount)?;
        no_null("date", &input.date)?;
        no_null("categoryId", &input.category_id)?;
        no_null("payment", &input.payment)?;
        no_null("counterparty", &input.counterparty)?;
        let field = |error: FieldError| error.into_app_error("input.");
        let amount = input
            .amount
            .value()
            .map(|a| check_amount(*a))
            .transpose()
            .map_err(field)?;
        let payment = input
            .payment
            .value()
            .map(|p| check_payment(p))
            .transpose()
            .map_err(field)?;
        let counterparty = input
            .counterparty
            .value()
            .map(|c| check_counterparty(c))
            .transpose()
            .map_err(field)?;
        let memo = match &input.memo {
            async_graphql::MaybeUndefined::Undefined => None,
            async_graphql::MaybeUndefined::Null => Some(None),
            async_graphql::MaybeUndefined::Value(memo) => {
                Some(check_memo(Some(memo)).map_err(field)?)
            }
        };
        let category = input
            .category_id
            .value()
            .map(|id| {
                CategoryId::parse(id).map_err(|_| {
                    AppError::bad_input("input.categoryId", "이 가계부의 카테고리가 아닙니다.")
                })
            })
            .transpose()?;
        let entry_type = input.entry_type.value().copied();
        let date = input.date.value().map(|date| date.0);
        let services = ctx.services();
        let now = services.clock.now_naive();
        let (ledger, view, old_date) = services
            .db
            .transaction(move |conn| {
                async move {
                    let Some((mut row, role)) =
                        queries::visible(conn, &[id.0], viewer).await?.pop()
                    else {
                        return Err(tombstones::absent(conn, RowKind::Entry, &[id.0], viewer).await);
                    };
                    if row.creator_id != viewer.0 && role != crate::ledger::model::ROLE_ADMIN {
                        return Err(AppError::Forbidden);
                    }
                    let old_date = row.entry_date;
                    if let Some(category) = category {
                        let in_ledger: i64 = categories::table
                            .filter(categories::id.eq(category.0))
                            .filter(categories::ledger_id.eq(row.ledger_id))
                            .count()
                            .get_result(conn)
                            .await?;
                        if in_ledger == 0 {
                            category_queries::check_seen_elsewhere(conn, &[category.0], viewer)
                                .await?;
                            return Err(AppError::bad_input(
                                "input.categoryId",
                                NOT_THIS_LEDGERS_CATEGORY,
                            ));
                        }
                        row.category_id = category.0;
                    }
                    if let Some(entry_type) = entry_type {
                        row.entry_type = entry_type.as_str().into();
                    }
                    if let Some(amount) = amount {
                        row.amount = amount;
                    }
                    if let Some(date) = date {
                        row.entry_date = date;
                    }
                    if let Some(payment) = payment {
                        row.payment = payment;
                    }
                    if let Some(counterparty) = counterparty {
                        row.counterparty = counterparty;
                    }
                    if let Some(memo) = memo {
                        row.memo = memo;
                    }
                    queries::update(conn, row.id, &row, now).await?;
                    let ledger = member_of(conn, LedgerId(row.ledger_id), viewer).await?;
                    let view = queries::by_ids(conn, &[row.id])
                        .await?
                        .pop()
                        .ok_or_else(|| {
                            AppError::internal(anyhow::anyhow!("updated entry missing"))
                        })?;
                    Ok((ledger, view, old_date))
                }
                .boxed()
            })
            .await?;
        let change = LedgerChange::new(LedgerEventKind::EntryUpdated, ledger.0.ledger_id(), viewer)
            .with_entries(vec![view.entry.id], vec![old_date, view.entry.entry_date]);
        services.notify(change).await;
        Ok(Entry {
            view,
            ledger: Arc::new(Ledger::from(ledger)),
        })
    }

    /// Deletes up to 500 entries the viewer may delete (their own, or any in
    /// a ledger they are the ADMIN of). If any id is not deletable, nothing is.
    async fn delete_entries(&self, ctx: &Context<'_>, ids: Vec<ID>) -> AppResult<Vec<ID>> {
        let viewer = ctx.viewer()?.member_id;
        if ids.len() > MAX_BATCH {
            return Err(AppError::bad_input(
                "ids",
                "한 번에 500건까지 삭제할 수 있습니다.",
            ));
        }
        let mut wanted = ids
            .iter()
            .map(EntryId::parse)
            .collect::<AppResult<Vec<_>>>()?;
        wanted.sort_unstable();
        wanted.dedup();
        let wanted: Vec<i64> = wanted.into_iter().map(|id| id.0).collect();
        let services = ctx.services();
        let now = services.clock.now_naive();
        let deleted = services
            .db
            .transaction(move |conn| {
                async move {
                    let rows = queries::visible(conn, &wanted, viewer).await?;
                    let allowed = rows.iter().all(|(row, role)| {
                        row.creator_id == viewer.0 || role == crate::ledger::model::ROLE_ADMIN
                    });
                    if !allowed {
                        return Err(AppError::Forbidden);
                    }
                    if rows.len() < wanted.len() {
                        let missing: Vec<i64> = wanted
                            .iter()
                            .copied()
                            .filter(|id| !rows.iter().any(|(row, _)| row.id == *id))
                            .collect();
                        return Err(
                            tombstones::absent(conn, RowKind::Entry, &missing, viewer).await
                        );
                    }
                    queries::delete(conn, &wanted).await?;
                    let mut by_ledger: HashMap<i64, Vec<EntryRow>> = HashMap::new();
                    for (row, _) in rows {
                        by_ledger.entry(row.ledger_id).or_default().push(row);
                    }
                    for (ledger, rows) in &by_ledger {
                        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
                        tombstones::record(conn, RowKind::Entry, LedgerId(*ledger), &ids, now)
                            .await?;
                    }
                    Ok(by_ledger)
                }
                .boxed()
            })
            .await?;
        for (ledger, rows) in deleted {
            let change = LedgerChange::new(LedgerEventKind::EntryDeleted, LedgerId(ledger), viewer)
                .with_entries(
                    rows.iter().map(|row| row.id).collect(),
                    rows.iter().map(|row| row.entry_date).collect(),
                );
            services.notify(change).await;
        }
        Ok(ids)
    }
}

fn row_error(index: usize, error: FieldError) -> RowError {
    RowError {
        index,
        field: error.field.into(),
        message: error.message.into(),
    }
}

/// Writes `entries` into `ledger` (and their copies into `alsoAddTo`
/// ledgers) in one transaction, then publishes the changes. A row given as
/// an error already failed its own checks: nothing is written then, and the
/// error comes back with those of the other bad rows.
async fn create(
    ctx: &Context<'_>,
    ledger: LedgerId,
    viewer: MemberId,
    entries: Vec<Result<ValidEntry, RowError>>,
) -> AppResult<Created> {
    let services = ctx.services();
    let now = services.clock.now_naive();
    let created = services
        .db
        .transaction(move |conn| {
            async move { write_entries(conn, ledger, viewer, entries, now).await }.boxed()
        })
        .await?;
    for change in &created.changes {
        services.notify(change.clone()).await;
    }
    Ok(created)
}

async fn write_entries(
    conn: &mut Conn,
    ledger: LedgerId,
    viewer: MemberId,
    entries: Vec<Result<ValidEntry, RowError>>,
    now: NaiveDateTime,
) -> AppResult<Created> {
    let membership = member_of(conn, ledger, viewer).await?;
    let mut bad = Vec::new();
    let mut valid = Vec::with_capacity(entries.len());
    for (index, entry) in entries.into_iter().enumerate() {
        match entry {
            Ok(entry) => valid.push((index, entry)),
            Err(row) => bad.push(row),
        }
    }

    // Copies go only to ledgers the viewer belongs to.
    let mut targets: Vec<i64> = valid
        .iter()
        .flat_map(|(_, entry)| entry.also_add_to.iter().map(|id| id.0))
        .filter(|id| *id != ledger.0)
        .collect();
    targets.sort_unstable();
    targets.dedup();
    if !targets.is_empty() {
        let mine: i64 = ledger_members::table
            .inner_join(ledgers::table)
            .filter(ledger_members::member_id.eq(viewer.0))
            .filter(ledger_members::ledger_id.eq_any(&targets))
            .filter(ledgers::deleted_at.is_null())
            .count()
            .get_result(conn)
            .await?;
        if usize::try_from(mine).unwrap_or_default() != targets.len() {
            return Err(AppError::Forbidden);
        }
    }

    let mut ledger_ids = targets.clone();
    ledger_ids.push(ledger.0);
    let all_categories = category_queries::for_ledgers(conn, &ledger_ids).await?;
    let by_id: HashMap<i64, &crate::category::model::CategoryRow> = all_categories
        .iter()
        .map(|category| (category.id, category))
        .collect();

    let mut rows = Vec::with_capacity(valid.len());
    let mut copies: HashMap<i64, Vec<NewEntry>> = HashMap::new();
    // Categories that are not this ledger's, by row: a wrong choice if the
    // viewer sees them in another ledger, an id they may not see otherwise.
    let mut elsewhere: Vec<(usize, i64)> = Vec::new();
    for (index, entry) in &valid {
        let Some(category) = by_id
            .get(&entry.category.0)
            .filter(|c| c.ledger_id == ledger.0)
        else {
            elsewhere.push((*index, entry.category.0));
            continue;
        };
        let row = NewEntry {
            ledger_id: ledger.0,
            entry_type: entry.entry_type.as_str(),
            amount: entry.amount,
            entry_date: entry.date,
            category_id: category.id,
            payment: entry.payment.clone(),
            counterparty: entry.counterparty.clone(),
            memo: entry.memo.clone(),
            creator_id: viewer.0,
            created_at: now,
            updated_at: now,
        };
        for target in entry.also_add_to.iter().filter(|id| id.0 != ledger.0) {
            let in_target = |c: &&crate::category::model::CategoryRow| c.ledger_id == target.0;
            let same_name = all_categories
                .iter()
                .filter(in_target)
                .find(|c| c.name == category.name);
            let fallback = all_categories
                .iter()
                .filter(in_target)
                .find(|c| c.is_fallback);
            let Some(target_category) = same_name.or(fallback) else {
                return Err(AppError::internal(anyhow::anyhow!(
                    "ledger {} has no fallback",
                    target.0
                )));
            };
            copies.entry(target.0).or_default().push(NewEntry {
                ledger_id: target.0,
                category_id: target_category.id,
                ..row.clone()
            });
        }
        rows.push(row);
    }
    if !elsewhere.is_empty() {
        let mut ids: Vec<i64> = elsewhere.iter().map(|(_, id)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        category_queries::check_seen_elsewhere(conn, &ids, viewer).await?;
        bad.extend(elsewhere.into_iter().map(|(index, _)| RowError {
            index,
            field: "categoryId".into(),
            message: NOT_THIS_LEDGERS_CATEGORY.into(),
        }));
    }
    if !bad.is_empty() {
        bad.sort_by_key(|row| row.index);
        return Err(AppError::InvalidRows(bad));
    }

    let ids = queries::insert_many(conn, &rows).await?;
    let mut changes = vec![
        LedgerChange::new(LedgerEventKind::EntryCreated, ledger, viewer)
            .with_entries(ids.clone(), rows.iter().map(|row| row.entry_date).collect()),
    ];
    for (target, copy_rows) in &copies {
        let copy_ids = queries::insert_many(conn, copy_rows).await?;
        changes.push(
            LedgerChange::new(LedgerEventKind::EntryCreated, LedgerId(*target), viewer)
                .with_entries(
                    copy_ids,
                    copy_rows.iter().map(|row| row.entry_date).collect(),
                ),
        );
    }
    let mut views = queries::by_ids(conn, &ids).await?;
    views.sort_by_key(|view| ids.iter().position(|id| *id == view.entry.id));
    Ok(Created {
        ledger: membership,
        views,
        changes,
    })
}
