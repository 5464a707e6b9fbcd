//! Member queries. Each takes a connection: the caller picks primary or
//! replica and the transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::{
    db::{Conn, last_insert_id, schema::members, unique_violation_key},
    error::{AppError, AppResult},
    ids::MemberId,
    member::model::{MemberRow, NewMember},
};

pub async fn find_active(conn: &mut Conn, id: MemberId) -> AppResult<Option<MemberRow>> {
    Ok(members::table
        .filter(members::id.eq(id.0))
        .filter(members::deleted_at.is_null())
        .select(MemberRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The active member with this email; `normalized` is the lower-cased email.
pub async fn find_active_by_email(
    conn: &mut Conn,
    normalized: &str,
) -> AppResult<Option<MemberRow>> {
    Ok(members::table
        .filter(members::active_email.eq(normalized))
        .select(MemberRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn nickname_taken(conn: &mut Conn, nick_name: &str) -> AppResult<bool> {
    let count: i64 = members::table
        .filter(members::active_nick_name.eq(nick_name.to_lowercase()))
        .count()
        .get_result(conn)
        .await?;
    Ok(count > 0)
}

pub async fn insert(conn: &mut Conn, member: NewMember<'_>) -> AppResult<MemberId> {
    diesel::insert_into(members::table)
        .values(&member)
        .execute(conn)
        .await
        .map_err(map_unique_violation)?;
    Ok(MemberId(last_insert_id::fetch(conn).await?))
}

pub async fn update_names(
    conn: &mut Conn,
    id: MemberId,
    user_name: Option<&str>,
    nick_name: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let target = members::table
        .filter(members::id.eq(id.0))
        .filter(members::deleted_at.is_null());
    diesel::update(target)
        .set((
            user_name.map(|name| members::user_name.eq(name)),
            nick_name.map(|name| members::nick_name.eq(name)),
            members::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map_err(map_unique_violation)?;
    Ok(())
}

pub async fn update_password(
    conn: &mut Conn,
    id: MemberId,
    password_hash: &str,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let target = members::table
        .filter(members::id.eq(id.0))
        .filter(members::deleted_at.is_null());
    let changed = diesel::update(target)
        .set((
            members::password_hash.eq(password_hash),
            members::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(changed == 1)
}

/// Marks the member deleted; their email and nickname become free again.
pub async fn soft_delete(conn: &mut Conn, id: MemberId, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(members::table.filter(members::id.eq(id.0)))
        .set((members::deleted_at.eq(now), members::updated_at.eq(now)))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_many(conn: &mut Conn, ids: &[i64]) -> AppResult<Vec<MemberRow>> {
    Ok(members::table
        .filter(members::id.eq_any(ids))
        .select(MemberRow::as_select())
        .load(conn)
        .await?)
}

fn map_unique_violation(error: diesel::result::Error) -> AppError {
    match unique_violation_key(&error) {
        Some("uq_members_active_email") => AppError::conflict("email", "이미 가입된 이메일입니다."),
        Some("uq_members_active_nick_name") => {
            AppError::conflict("nickName", "이미 사용 중인 닉네임입니다.")
        }
        _ => error.into(),
    }
}
