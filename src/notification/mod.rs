//! Notifications: rows in MySQL, written in the same transaction as their
//! cause, with a ready Korean message.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

pub mod views;

use crate::{
    db::{Conn, schema::notifications},
    error::AppResult,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum NotificationKind {
    InvitationReceived,
    InvitationAccepted,
    ScheduleAssigned,
    ScheduleDue,
    MemberLeft,
}

impl NotificationKind {
    pub fn from_db(kind: &str) -> Self {
        match kind {
            "INVITATION_RECEIVED" => Self::InvitationReceived,
            "INVITATION_ACCEPTED" => Self::InvitationAccepted,
            "SCHEDULE_ASSIGNED" => Self::ScheduleAssigned,
            "SCHEDULE_DUE" => Self::ScheduleDue,
            _ => Self::MemberLeft,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvitationReceived => "INVITATION_RECEIVED",
            Self::InvitationAccepted => "INVITATION_ACCEPTED",
            Self::ScheduleAssigned => "SCHEDULE_ASSIGNED",
            Self::ScheduleDue => "SCHEDULE_DUE",
            Self::MemberLeft => "MEMBER_LEFT",
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = notifications)]
pub struct NewNotification {
    pub recipient_id: i64,
    pub kind: &'static str,
    pub message: String,
    pub actor_id: Option<i64>,
    pub ledger_id: Option<i64>,
    pub schedule_id: Option<i64>,
    pub invitation_id: Option<i64>,
    pub amount: Option<i64>,
    pub due_date: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
}

impl NewNotification {
    pub fn new(
        recipient_id: i64,
        kind: NotificationKind,
        message: String,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            recipient_id,
            kind: kind.as_str(),
            message,
            actor_id: None,
            ledger_id: None,
            schedule_id: None,
            invitation_id: None,
            amount: None,
            due_date: None,
            created_at: now,
        }
    }
}

pub async fn insert_all(conn: &mut Conn, rows: &[NewNotification]) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(notifications::table)
        .values(rows)
        .execute(conn)
        .await?;
    for row in rows {
        crate::notify::after_commit::notification_for(row.recipient_id);
    }
    Ok(())
}

pub fn invitation_received_message(inviter: &str, ledger: &str) -> String {
    format!("{inviter}님이 '{ledger}' 가계부에 초대했습니다.")
}

pub fn member_left_message(member: &str, ledger: &str) -> String {
    format!("{member}님이 '{ledger}' 가계부에서 나갔습니다.")
}

pub fn invitation_accepted_message(member: &str, ledger: &str) -> String {
    format!("{member}님이 '{ledger}' 가계부 초대를 수락했습니다.")
}

pub fn member_removed_message(ledger: &str) -> String {
    format!("'{ledger}' 가계부에서 내보내졌습니다.")
}
