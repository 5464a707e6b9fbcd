//! The viewer's notifications: pages, unread counts, marking and deleting.
//! Every statement is scoped to the viewer: a notification of someone else
//! is FORBIDDEN, and then nothing changes.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::FutureExt;

use crate::{
    db::{
        Conn,
        schema::{members, notifications},
    },
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        scalars::{Date, DateTime, Money},
    },
    ids::{InvitationId, LedgerId, MemberId, NotificationId, ScheduleId},
    member::{model::MemberRow, types::Member},
    notification::NotificationKind,
};

/// Pages hold at most this many notifications; ids lists too.
pub const MAX_PAGE: i32 = 100;
const MAX_IDS: usize = 500;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = notifications, check_for_backend(diesel::mysql::Mysql))]
pub struct NotificationRow {
    pub id: i64,
    pub recipient_id: i64,
    pub kind: String,
    pub message: String,
    pub actor_id: Option<i64>,
    pub ledger_id: Option<i64>,
    pub schedule_id: Option<i64>,
    pub invitation_id: Option<i64>,
    pub amount: Option<i64>,
    pub due_date: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

pub struct Notification {
    pub row: NotificationRow,
    pub actor: Option<MemberRow>,
}

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        NotificationId(self.row.id).into()
    }

    async fn kind(&self) -> NotificationKind {
        NotificationKind::from_db(&self.row.kind)
    }

    /// Ready to show, in Korean.
    async fn message(&self) -> &str {
        &self.row.message
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.row.created_at)
    }

    async fn read_at(&self) -> Option<DateTime> {
        self.row.read_at.map(DateTime)
    }

    async fn actor(&self) -> Option<Member> {
        self.actor.clone().map(Member::from)
    }

    async fn ledger_id(&self) -> Option<ID> {
        self.row.ledger_id.map(|id| LedgerId(id).into())
    }

    async fn schedule_id(&self) -> Option<ID> {
        self.row.schedule_id.map(|id| ScheduleId(id).into())
    }

    async fn invitation_id(&self) -> Option<ID> {
        self.row.invitation_id.map(|id| InvitationId(id).into())
    }

    async fn amount(&self) -> Option<Money> {
        self.row.amount.map(Money)
    }

    async fn due_date(&self) -> Option<Date> {
        self.row.due_date.map(Date)
    }
}

#[derive(SimpleObject)]
pub struct NotificationConnection {
    nodes: Vec<Notification>,
    total_count: i32,
    unread_count: i32,
    has_more: bool,
}

fn count(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

pub async fn unread_count(conn: &mut Conn, viewer: MemberId) -> AppResult<i64> {
    Ok(notifications::table
        .filter(notifications::recipient_id.eq(viewer.0))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)
        .await?)
}

/// Newest first; `after` is the id of the last notification already seen.
pub async fn page(
    ctx: &Context<'_>,
    viewer: MemberId,
    unread_only: bool,
    first: i32,
    after: Option<ID>,
) -> AppResult<NotificationConnection> {
    if !(1..=MAX_PAGE).contains(&first) {
        return Err(AppError::bad_input(
            "first",
            "한 번에 1~100개까지 볼 수 있습니다.",
        ));
    }
    let after = after.as_ref().map(NotificationId::parse).transpose()?;
    let mut conn = ctx.services().db.read().await?;
    let mine = || {
        let mut query = notifications::table
            .filter(notifications::recipient_id.eq(viewer.0))
            .into_boxed();
        if unread_only {
            query = query.filter(notifications::read_at.is_null());
        }
        query
    };
    let total: i64 = mine().count().get_result(&mut conn).await?;
    let mut query = mine()
        .left_join(members::table.on(notifications::actor_id.eq(members::id.nullable())))
        .order(notifications::id.desc())
        .limit(i64::from(first) + 1);
    if let Some(after) = after {
        query = query.filter(notifications::id.lt(after.0));
    }
    let mut rows: Vec<(NotificationRow, Option<MemberRow>)> = query
        .select((
            NotificationRow::as_select(),
            Option::<MemberRow>::as_select(),
        ))
        .load(&mut conn)
        .await?;
    let has_more = rows.len() > usize::try_from(first).unwrap_or_default();
    rows.truncate(usize::try_from(first).unwrap_or_default());
    let unread = unread_count(&mut conn, viewer).await?;
    Ok(NotificationConnection {
        nodes: rows
            .into_iter()
            .map(|(row, actor)| Notification { row, actor })
            .collect(),
        total_count: count(total),
        unread_count: count(unread),
        has_more,
    })
}

/// The viewer's notifications among `ids` (all of them for None); FORBIDDEN
/// when any id is not the viewer's.
async fn own_ids(
    conn: &mut Conn,
    viewer: MemberId,
    ids: Option<Vec<ID>>,
) -> AppResult<Option<Vec<i64>>> {
    let Some(ids) = ids else {
        return Ok(None);
    };
    if ids.len() > MAX_IDS {
        return Err(AppError::bad_input(
            "ids",
            "한 번에 500개까지 처리할 수 있습니다.",
        ));
    }
    let mut wanted = ids
        .iter()
        .map(|id| NotificationId::parse(id).map(|id| id.0))
        .collect::<AppResult<Vec<_>>>()?;
    wanted.sort_unstable();
    wanted.dedup();
    let owned: i64 = notifications::table
        .filter(notifications::recipient_id.eq(viewer.0))
        .filter(notifications::id.eq_any(&wanted))
        .count()
        .get_result(conn)
        .await?;
    if usize::try_from(owned).unwrap_or_default() != wanted.len() {
        return Err(AppError::Forbidden);
    }
    Ok(Some(wanted))
}

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Null ids: all of the viewer's notifications. Returns how many changed.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        ids: Option<Vec<ID>>,
    ) -> AppResult<i32> {
        let viewer = ctx.viewer()?.member_id;
        let now = ctx.services().clock.now_naive();
        let changed = ctx
            .services()
            .db
            .transaction(move |conn| {
                async move {
                    let mine = notifications::table
                        .filter(notifications::recipient_id.eq(viewer.0))
                        .filter(notifications::read_at.is_null());
                    let set_read = notifications::read_at.eq(now);
                    let changed = match own_ids(conn, viewer, ids).await? {
                        Some(ids) => {
                            let target = mine.filter(notifications::id.eq_any(ids));
                            diesel::update(target).set(set_read).execute(conn).await?
                        }
                        None => diesel::update(mine).set(set_read).execute(conn).await?,
                    };
                    Ok(changed)
                }
                .boxed()
            })
            .await?;
        Ok(i32::try_from(changed).unwrap_or(i32::MAX))
    }

    /// Null ids: all of the viewer's notifications. Returns how many went.
    async fn delete_notifications(
        &self,
        ctx: &Context<'_>,
        ids: Option<Vec<ID>>,
    ) -> AppResult<i32> {
        let viewer = ctx.viewer()?.member_id;
        let deleted = ctx
            .services()
            .db
            .transaction(move |conn| {
                async move {
                    let mine =
                        notifications::table.filter(notifications::recipient_id.eq(viewer.0));
                    let deleted = match own_ids(conn, viewer, ids).await? {
                        Some(ids) => {
                            let target = mine.filter(notifications::id.eq_any(ids));
                            diesel::delete(target).execute(conn).await?
                        }
                        None => diesel::delete(mine).execute(conn).await?,
                    };
                    Ok(deleted)
                }
                .boxed()
            })
            .await?;
        Ok(i32::try_from(deleted).unwrap_or(i32::MAX))
    }
}

/// The viewer's notifications newer than `after`, oldest first.
pub async fn newer_than(
    conn: &mut Conn,
    viewer: MemberId,
    after: i64,
) -> AppResult<Vec<Notification>> {
    let rows: Vec<(NotificationRow, Option<MemberRow>)> = notifications::table
        .left_join(members::table.on(notifications::actor_id.eq(members::id.nullable())))
        .filter(notifications::recipient_id.eq(viewer.0))
        .filter(notifications::id.gt(after))
        .order(notifications::id)
        .limit(i64::from(MAX_PAGE))
        .select((
            NotificationRow::as_select(),
            Option::<MemberRow>::as_select(),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(row, actor)| Notification { row, actor })
        .collect())
}

/// The id of the viewer's newest notification (0 when none).
pub async fn newest_id(conn: &mut Conn, viewer: MemberId) -> AppResult<i64> {
    let newest: Option<i64> = notifications::table
        .filter(notifications::recipient_id.eq(viewer.0))
        .select(diesel::dsl::max(notifications::id))
        .first(conn)
        .await?;
    Ok(newest.unwrap_or(0))
}
