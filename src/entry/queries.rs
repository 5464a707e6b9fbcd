//! Entry queries. Lists load each entry with its category, creator and the
//! creator's color in one statement, so a page costs the same whatever its
//! size.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::{dsl::case_when, mysql::Mysql, prelude::*};
use diesel_async::RunQueryDsl;

use crate::{
    category::model::CategoryLabel,
    db::{
        Conn,
        keys::load_by_keys,
        last_insert_id,
        money::sum_money,
        schema::{categories, entries, ledger_members, members},
    },
    entry::{
        kind::EntryType,
        model::{EntryRow, EntryView, NewEntry},
    },
    error::AppResult,
    ids::{CategoryId, MemberId},
    member::model::MemberProfile,
};

/// The filters of `Ledger.entries`, already parsed.
#[derive(Clone, Debug, Default)]
pub struct EntryQuery {
    pub entry_type: Option<EntryType>,
    pub category: Option<CategoryId>,
    pub categories_not_in: Option<Vec<i64>>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub creator: Option<MemberId>,
    pub search: Option<String>,
}

type ViewColumns = (
    diesel::helper_types::AsSelect<EntryRow, Mysql>,
    diesel::helper_types::AsSelect<CategoryLabel, Mysql>,
    diesel::helper_types::AsSelect<MemberProfile, Mysql>,
    diesel::dsl::Nullable<ledger_members::color>,
);

fn view_columns() -> ViewColumns {
    (
        EntryRow::as_select(),
        CategoryLabel::as_select(),
        MemberProfile::as_select(),
        ledger_members::color.nullable(),
    )
}

macro_rules! joined_entries {
    () => {
        entries::table
            .inner_join(categories::table.on(categories::id.eq(entries::category_id)))
            .inner_join(members::table.on(members::id.eq(entries::creator_id)))
            .left_join(
                ledger_members::table.on(ledger_members::ledger_id
                    .eq(entries::ledger_id)
                    .and(ledger_members::member_id.eq(entries::creator_id))),
            )
    };
}

fn into_view(
    (entry, category, creator, creator_color): (
        EntryRow,
        CategoryLabel,
        MemberProfile,
        Option<String>,
    ),
) -> EntryView {
    EntryView {
        entry,
        category,
        creator,
        creator_color,
    }
}

/// `%` and `_` in a search are literal characters, not wildcards.
fn like_pattern(search: &str) -> String {
    let escaped = search
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Narrows a boxed query over entries (alone, or joined with what they
/// show) to one ledger's entries matching `filter`.
macro_rules! filter_entries {
    ($query:expr, $ledger:expr, $filter:expr) => {{
        let filter: &EntryQuery = $filter;
        let mut query = $query.filter(entries::ledger_id.eq($ledger));
        if let Some(entry_type) = filter.entry_type {
            query = query.filter(entries::entry_type.eq(entry_type.as_str()));
        }
        if let Some(category) = filter.category {
            query = query.filter(entries::category_id.eq(category.0));
        }
        if let Some(excluded) = &filter.categories_not_in {
            query = query.filter(entries::category_id.ne_all(excluded.clone()));
        }
        if let Some(from) = filter.from {
            query = query.filter(entries::entry_date.ge(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(entries::entry_date.le(to));
        }
        if let Some(creator) = filter.creator {
            query = query.filter(entries::creator_id.eq(creator.0));
        }
        if let Some(search) = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let pattern = like_pattern(search);
            let lower = diesel::dsl::sql::<diesel::sql_types::Text>("LOWER(entries.counterparty)");
            let memo =
                diesel::dsl::sql::<diesel::sql_types::Text>("LOWER(COALESCE(entries.memo, ''))");
            query = query.filter(lower.like(pattern.clone()).or(memo.like(pattern)));
        }
        query
    }};
}

/// One page of matching entries, newest date first, and the total count.
///
/// The page is one statement, with what each entry shows joined in: with
/// `ORDER BY` on the ledger-and-date index, the server stops after
/// `offset + size` rows. (Ids first, then rows by id, would be one round
/// trip more, and an `IN` list of ids cannot stay prepared.)
pub async fn page(
    conn: &mut Conn,
    ledger: i64,
    filter: &EntryQuery,
    page: i64,
    size: i64,
) -> AppResult<(Vec<EntryView>, i64)> {
    let total: i64 = filter_entries!(entries::table.into_boxed::<Mysql>(), ledger, filter)
        .count()
        .get_result(conn)
        .await?;
    let rows = filter_entries!(
        joined_entries!()
            .select(view_columns())
            .into_boxed::<Mysql>(),
        ledger,
        filter
    )
    .order((entries::entry_date.desc(), entries::id.desc()))
    .offset(page * size)
    .limit(size)
    .load(conn)
    .await?;
    Ok((rows.into_iter().map(into_view).collect(), total))
}

/// Entries by id, with their category, creator and color.
pub async fn by_ids(conn: &mut Conn, ids: &[i64]) -> AppResult<Vec<EntryView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = joined_entries!().select(view_columns());
    let rows: Vec<_> = load_by_keys!(query, entries::id, ids, conn)?;
    Ok(rows.into_iter().map(into_view).collect())
}

/// The entries of one day, largest amount first.
pub async fn on_day(conn: &mut Conn, ledger: i64, date: NaiveDate) -> AppResult<Vec<EntryView>> {
    let rows = joined_entries!()
        .filter(entries::ledger_id.eq(ledger))
        .filter(entries::entry_date.eq(date))
        .order((entries::amount.desc(), entries::id))
        .select(view_columns())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(into_view).collect())
}

/// Inserts `rows` in one statement and returns their ids in order.
pub async fn insert_many(conn: &mut Conn, rows: &[NewEntry]) -> AppResult<Vec<i64>> {
    let insert = diesel::insert_into(entries::table);
    match rows {
        [] => return Ok(Vec::new()),
        // One row (the usual case) stays prepared only written as column
        // assignments: diesel never caches an `Insertable` struct's insert
        // on MySQL (it may write `DEFAULT` for a `None`), nor a multi-row
        // insert (its SQL depends on its length).
        [one] => {
            insert
                .values((
                    entries::ledger_id.eq(one.ledger_id),
                    entries::entry_type.eq(one.entry_type),
                    entries::amount.eq(one.amount),
                    entries::entry_date.eq(one.entry_date),
                    entries::category_id.eq(one.category_id),
                    entries::payment.eq(&one.payment),
                    entries::counterparty.eq(&one.counterparty),
                    entries::memo.eq(&one.memo),
                    entries::creator_id.eq(one.creator_id),
                    entries::created_at.eq(one.created_at),
                    entries::updated_at.eq(one.updated_at),
                ))
                .execute(conn)
                .await?
        }
        many => insert.values(many).execute(conn).await?,
    };
    // LAST_INSERT_ID() is the first id of the statement: for one row, its
    // id. For more, read the ids back rather than assume they are
    // consecutive (MySQL 8's interleaved auto-increment mode does not
    // promise it).
    let first = last_insert_id::fetch(conn).await?;
    if rows.len() == 1 {
        return Ok(vec![first]);
    }
    let sample = &rows[0];
    let ids: Vec<i64> = entries::table
        .filter(entries::id.ge(first))
        .filter(entries::creator_id.eq(sample.creator_id))
        .filter(entries::created_at.eq(sample.created_at))
        .order(entries::id)
        .select(entries::id)
        .limit(i64::try_from(rows.len()).unwrap_or(i64::MAX))
        .load(conn)
        .await?;
    Ok(ids)
}

/// Entries the viewer may see, by id: those of ledgers they belong to, with
/// whether the viewer is the ADMIN there.
pub async fn visible(
    conn: &mut Conn,
    ids: &[i64],
    viewer: MemberId,
) -> AppResult<Vec<(EntryRow, String)>> {
    Ok(entries::table
        .inner_join(
            ledger_members::table.on(ledger_members::ledger_id
                .eq(entries::ledger_id)
                .and(ledger_members::member_id.eq(viewer.0))),
        )
        .filter(entries::id.eq_any(ids))
        .select((EntryRow::as_select(), ledger_members::role))
        .for_update()
        .load(conn)
        .await?)
}

pub async fn delete(conn: &mut Conn, ids: &[i64]) -> AppResult<()> {
    diesel::delete(entries::table.filter(entries::id.eq_any(ids)))
        .execute(conn)
        .await?;
    Ok(())
}

/// One day's income and expense totals.
pub struct DayTotals {
    pub day: NaiveDate,
    pub income: i64,
    pub expense: i64,
}

/// The total of one entry type, over rows of both types. Built with the
/// query builder rather than as SQL text, so that the statements using it
/// stay prepared on their connection (diesel prepares and closes raw SQL
/// text on every call).
#[diesel::dsl::auto_type]
fn sum_of_type(kind: &'static str) -> _ {
    sum_money(case_when(entries::entry_type.eq(kind), entries::amount).otherwise(0_i64))
}

/// Per-day income and expense totals between two dates (inclusive), for the
/// days that have entries.
pub async fn day_totals(
    conn: &mut Conn,
    ledger: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<DayTotals>> {
    let rows: Vec<(NaiveDate, Option<i64>, Option<i64>)> = entries::table
        .filter(entries::ledger_id.eq(ledger))
        .filter(entries::entry_date.between(from, to))
        .group_by(entries::entry_date)
        .select((
            entries::entry_date,
            sum_of_type(EntryType::Income.as_str()),
            sum_of_type(EntryType::Expense.as_str()),
        ))
        .order(entries::entry_date)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(day, income, expense)| DayTotals {
            day,
            income: income.unwrap_or(0),
            expense: expense.unwrap_or(0),
        })
        .collect())
}

/// Income and expense totals of a span of days.
#[derive(Clone, Copy, Debug)]
pub struct Totals {
    pub income: i64,
    pub expense: i64,
}

/// Income and expense totals between two dates (inclusive).
pub async fn totals(
    conn: &mut Conn,
    ledger: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Totals> {
    let (income, expense): (Option<i64>, Option<i64>) = entries::table
        .filter(entries::ledger_id.eq(ledger))
        .filter(entries::entry_date.between(from, to))
        .select((
            sum_of_type(EntryType::Income.as_str()),
            sum_of_type(EntryType::Expense.as_str()),
        ))
        .get_result(conn)
        .await?;
    Ok(Totals {
        income: income.unwrap_or(0),
        expense: expense.unwrap_or(0),
    })
}

/// Applies a change to one entry.
pub async fn update(conn: &mut Conn, id: i64, row: &EntryRow, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(entries::table.filter(entries::id.eq(id)))
        .set((
            entries::entry_type.eq(&row.entry_type),
            entries::amount.eq(row.amount),
            entries::entry_date.eq(row.entry_date),
            entries::category_id.eq(row.category_id),
            entries::payment.eq(&row.payment),
            entries::counterparty.eq(&row.counterparty),
            entries::memo.eq(&row.memo),
            entries::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_lists_load_only_what_an_entry_shows_of_its_creator_and_category() {
        let query = joined_entries!().select(view_columns());
        let sql = diesel::debug_query::<Mysql, _>(&query).to_string();
        for shown in [
            "`members`.`id`",
            "`members`.`nick_name`",
            "`members`.`user_name`",
            "`categories`.`id`",
            "`categories`.`name`",
            "`categories`.`is_fallback`",
        ] {
            assert!(sql.contains(shown), "{shown} missing from {sql}");
        }
        for unshown in [
            "`members`.`email`",
            "`members`.`password_hash`",
            "`members`.`login_type`",
            "`members`.`deleted_at`",
            "`categories`.`ledger_id`",
            "`categories`.`created_at`",
        ] {
            assert!(!sql.contains(unshown), "{unshown} loaded by {sql}");
        }
    }
}
