use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::{category::model::CategoryLabel, db::schema::entries, member::model::MemberProfile};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = entries, check_for_backend(diesel::mysql::Mysql))]
pub struct EntryRow {
    pub id: i64,
    pub ledger_id: i64,
    pub entry_type: String,
    pub amount: i64,
    pub entry_date: NaiveDate,
    pub category_id: i64,
    pub payment: String,
    pub counterparty: String,
    pub memo: Option<String>,
    pub creator_id: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Insertable)]
#[diesel(table_name = entries)]
pub struct NewEntry {
    pub ledger_id: i64,
    pub entry_type: &'static str,
    pub amount: i64,
    pub entry_date: NaiveDate,
    pub category_id: i64,
    pub payment: String,
    pub counterparty: String,
    pub memo: Option<String>,
    pub creator_id: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An entry with what it shows, loaded in the same statement: its category,
/// its creator, and the creator's color in the ledger (gray once they left).
#[derive(Clone, Debug)]
pub struct EntryView {
    pub entry: EntryRow,
    pub category: CategoryLabel,
    pub creator: MemberProfile,
    pub creator_color: Option<String>,
}
