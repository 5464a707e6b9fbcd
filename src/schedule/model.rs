//! Rows of `schedules` and `schedule_assignments`, and their insert forms.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::{
    db::schema::{schedule_assignments, schedules},
    entry::kind::EntryType,
    ids::{LedgerId, MemberId, ScheduleId},
};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = schedules, check_for_backend(diesel::mysql::Mysql))]
pub struct ScheduleRow {
    pub id: i64,
    pub ledger_id: i64,
    pub name: String,
    pub entry_type: String,
    pub day_of_month: i8,
    /// None: a variable amount.
    pub amount: Option<i64>,
    pub creator_id: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ScheduleRow {
    pub fn schedule_id(&self) -> ScheduleId {
        ScheduleId(self.id)
    }

    pub fn ledger_id(&self) -> LedgerId {
        LedgerId(self.ledger_id)
    }

    pub fn creator(&self) -> MemberId {
        MemberId(self.creator_id)
    }

    pub fn entry_type(&self) -> EntryType {
        EntryType::from_db(&self.entry_type)
    }

    /// The column is checked to 1-31 by the database.
    pub fn day_of_month(&self) -> u32 {
        u32::try_from(self.day_of_month).unwrap_or(1)
    }
}

#[derive(Insertable)]
#[diesel(table_name = schedules)]
pub struct NewSchedule<'a> {
    pub ledger_id: i64,
    pub name: &'a str,
    pub entry_type: &'static str,
    pub day_of_month: i8,
    pub amount: Option<i64>,
    pub creator_id: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = schedule_assignments)]
pub struct NewAssignment {
    pub schedule_id: i64,
    pub member_id: i64,
    pub amount: Option<i64>,
}
