//! Live delivery: events published on Redis after a transaction commits,
//! one pub/sub connection per instance that fans them out in process, and
//! the GraphQL subscriptions that stream them.

pub mod after_commit;
pub mod hub;
pub mod reminders;
pub mod subscriptions;

use async_graphql::Enum;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::{
    app::Services,
    ids::{LedgerId, MemberId},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LedgerEventKind {
    EntryCreated,
    EntryUpdated,
    EntryDeleted,
    BudgetChanged,
    ScheduleChanged,
    CategoryChanged,
    MemberJoined,
    MemberLeft,
    LedgerUpdated,
    LedgerDeleted,
}

/// A change to one ledger, as `ledgerChanged` subscribers receive it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LedgerChange {
    pub kind: LedgerEventKind,
    pub ledger_id: i64,
    pub actor_id: Option<i64>,
    pub entry_ids: Vec<i64>,
    /// Days whose totals changed, so a calendar can refetch just those.
    pub dates: Vec<NaiveDate>,
    pub at: Option<NaiveDateTime>,
}

impl LedgerChange {
    pub fn new(kind: LedgerEventKind, ledger: LedgerId, actor: MemberId) -> Self {
        Self {
            kind,
            ledger_id: ledger.0,
            actor_id: Some(actor.0),
            entry_ids: Vec::new(),
            dates: Vec::new(),
            at: None,
        }
    }

    /// A member leaving a shared ledger, by their own choice or by deleting
    /// their account: the ledger went with them if they were its last member.
    pub fn departure(ledger: LedgerId, member: MemberId, ledger_deleted: bool) -> Self {
        let kind = if ledger_deleted {
            LedgerEventKind::LedgerDeleted
        } else {
            LedgerEventKind::MemberLeft
        };
        Self::new(kind, ledger, member)
    }

    pub fn categories(ledger: LedgerId, actor: MemberId) -> Self {
        Self::new(LedgerEventKind::CategoryChanged, ledger, actor)
    }

    pub fn with_entries(mut self, entry_ids: Vec<i64>, mut dates: Vec<NaiveDate>) -> Self {
        dates.sort_unstable();
        dates.dedup();
        self.entry_ids = entry_ids;
        self.dates = dates;
        self
    }
}

impl Services {
    /// Publishes a committed change. Best effort: the change is already in
    /// MySQL, and clients that miss the event refetch what they show.
    pub async fn notify(&self, mut change: LedgerChange) {
        change.at.get_or_insert_with(|| self.clock.now_naive());
        let payload = match serde_json::to_string(&change) {
            Ok(payload) => payload,
            Err(error) => return tracing::error!(%error, "cannot encode a ledger event"),
        };
        let channel = hub::ledger_channel(&self.redis);
        let published = async {
            let mut conn = self.redis.conn().await?;
            let _: i64 = redis::cmd("PUBLISH")
                .arg(&channel)
                .arg(&payload)
                .query_async(&mut *conn)
                .await?;
            Ok::<_, crate::error::AppError>(())
        };
        if let Err(error) = published.await {
            tracing::warn!(%error, "ledger event not published");
        }
    }
}
