use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::{db::schema::members, ids::MemberId};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = members, check_for_backend(diesel::mysql::Mysql))]
pub struct MemberRow {
    pub id: i64,
    pub email: String,
    pub nick_name: String,
    pub user_name: String,
    pub password_hash: Option<String>,
    pub login_type: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl MemberRow {
    pub fn member_id(&self) -> MemberId {
        MemberId(self.id)
    }
}

/// A member as other members see them: the public profile's columns only,
/// so that lists (each entry's creator) do not load emails and password
/// hashes, nor decode columns nobody shows.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = members, check_for_backend(diesel::mysql::Mysql))]
pub struct MemberProfile {
    pub id: i64,
    pub nick_name: String,
    pub user_name: String,
}

impl From<MemberRow> for MemberProfile {
    fn from(row: MemberRow) -> Self {
        Self {
            id: row.id,
            nick_name: row.nick_name,
            user_name: row.user_name,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = members)]
pub struct NewMember<'a> {
    pub email: &'a str,
    pub nick_name: &'a str,
    pub user_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub login_type: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}
