use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::{
    db::schema::{ledger_members, ledgers},
    ids::LedgerId,
};

pub const ROLE_ADMIN: &str = "ADMIN";
pub const ROLE_MEMBER: &str = "MEMBER";
pub const DEFAULT_COLOR: &str = "gray";
pub const PRIVATE_RELATIONSHIP: &str = "개인";

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = ledgers, check_for_backend(diesel::mysql::Mysql))]
pub struct LedgerRow {
    pub id: i64,
    pub name: String,
    pub relationship: String,
    pub private_owner_id: Option<i64>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl LedgerRow {
    pub fn ledger_id(&self) -> LedgerId {
        LedgerId(self.id)
    }

    pub fn is_private(&self) -> bool {
        self.private_owner_id.is_some()
    }
}

#[derive(Insertable)]
#[diesel(table_name = ledgers)]
pub struct NewLedger<'a> {
    pub name: &'a str,
    pub relationship: &'a str,
    pub private_owner_id: Option<i64>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = ledger_members, check_for_backend(diesel::mysql::Mysql))]
pub struct MembershipRow {
    pub id: i64,
    pub ledger_id: i64,
    pub member_id: i64,
    pub role: String,
    pub color: String,
    pub joined_at: NaiveDateTime,
}

impl MembershipRow {
    pub fn is_admin(&self) -> bool {
        self.role == ROLE_ADMIN
    }
}

#[derive(Insertable)]
#[diesel(table_name = ledger_members)]
pub struct NewMembership<'a> {
    pub ledger_id: i64,
    pub member_id: i64,
    pub role: &'a str,
    pub color: &'a str,
    pub joined_at: NaiveDateTime,
}
