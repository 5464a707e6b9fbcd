//! The `member_identities` table: which (provider, subject) signs in as whom.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::{
    db::{
        Conn,
        schema::{member_identities, members},
        unique_violation_key,
    },
    error::{AppError, AppResult},
    ids::MemberId,
    member::{model::MemberRow, types::LoginType},
};

/// The active member signing in with (`provider`, `subject`).
pub async fn find_member(
    conn: &mut Conn,
    provider: LoginType,
    subject: &str,
) -> AppResult<Option<MemberRow>> {
    Ok(member_identities::table
        .inner_join(members::table)
        .filter(member_identities::provider.eq(provider.as_db()))
        .filter(member_identities::subject.eq(subject))
        .filter(members::deleted_at.is_null())
        .select(MemberRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn providers_of(conn: &mut Conn, member_id: MemberId) -> AppResult<Vec<LoginType>> {
    let rows: Vec<String> = member_identities::table
        .filter(member_identities::member_id.eq(member_id.0))
        .order(member_identities::id.asc())
        .select(member_identities::provider)
        .load(conn)
        .await?;
    Ok(rows.iter().map(|row| LoginType::from_db(row)).collect())
}

/// Links (`provider`, `subject`) to `member_id`. An identity left behind by a
/// deleted member is freed first.
pub async fn insert(
    conn: &mut Conn,
    member_id: MemberId,
    provider: LoginType,
    subject: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let deleted_members = members::table
        .filter(members::deleted_at.is_not_null())
        .select(members::id);
    diesel::delete(
        member_identities::table
            .filter(member_identities::provider.eq(provider.as_db()))
            .filter(member_identities::subject.eq(subject))
            .filter(member_identities::member_id.eq_any(deleted_members)),
    )
    .execute(conn)
    .await?;
    diesel::insert_into(member_identities::table)
        .values((
            member_identities::member_id.eq(member_id.0),
            member_identities::provider.eq(provider.as_db()),
            member_identities::subject.eq(subject),
            member_identities::created_at.eq(now),
        ))
        .execute(conn)
        .await
        .map_err(|error| match unique_violation_key(&error) {
            Some("uq_member_identities_subject") => AppError::conflict(
                "idToken",
                "이 소셜 계정은 이미 다른 회원에게 연결되어 있습니다.",
            ),
            Some("uq_member_identities_member_provider") => {
                AppError::conflict("provider", "이미 이 제공자의 계정이 연결되어 있습니다.")
            }
            _ => error.into(),
        })?;
    Ok(())
}

/// Removes the member's identity with `provider`; false when there was none.
pub async fn delete(conn: &mut Conn, member_id: MemberId, provider: LoginType) -> AppResult<bool> {
    let removed = diesel::delete(
        member_identities::table
            .filter(member_identities::member_id.eq(member_id.0))
            .filter(member_identities::provider.eq(provider.as_db())),
    )
    .execute(conn)
    .await?;
    Ok(removed > 0)
}
