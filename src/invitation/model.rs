use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::invitations;

pub const PENDING: &str = "PENDING";
pub const ACCEPTED: &str = "ACCEPTED";
pub const DECLINED: &str = "DECLINED";
pub const CANCELED: &str = "CANCELED";
pub const EXPIRED: &str = "EXPIRED";

/// Pending invitations expire after this many days.
pub const VALID_DAYS: i64 = 30;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = invitations, check_for_backend(diesel::mysql::Mysql))]
pub struct InvitationRow {
    pub id: i64,
    pub ledger_id: i64,
    pub inviter_id: i64,
    pub invitee_email: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
}

impl InvitationRow {
    /// The status as of `now`: a pending invitation past its expiry is EXPIRED
    /// even before anything rewrites the row.
    pub fn status_at(&self, now: NaiveDateTime) -> &str {
        if self.status == PENDING && self.expires_at <= now {
            EXPIRED
        } else {
            &self.status
        }
    }

    pub fn is_pending_at(&self, now: NaiveDateTime) -> bool {
        self.status_at(now) == PENDING
    }
}

#[derive(Insertable)]
#[diesel(table_name = invitations)]
pub struct NewInvitation<'a> {
    pub ledger_id: i64,
    pub inviter_id: i64,
    pub invitee_email: &'a str,
    pub status: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}
