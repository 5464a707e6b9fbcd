//! Read-your-writes across replicas and instances.
//!
//! After a transaction commits, its GTID is recorded in Redis for the member
//! who made it (and for the members it notified), with a short TTL. Each
//! request runs inside a `ReadScope`: the first read loads the member's
//! recorded position, and `Database::read` then uses a replica only once
//! that replica has applied it. The scope is task-local, like the
//! after-commit notes, so resolvers keep asking `db.read()` and nothing else.

use std::{
    collections::HashSet,
    sync::{Arc, LazyLock, Mutex},
    time::Duration,
};

use redis::Script;
use tokio::sync::OnceCell;

use super::gtid::Position;
use crate::{error::AppResult, ids::MemberId, redis_store::Redis};

tokio::task_local! {
    static SCOPE: Arc<ReadScope>;
}

/// One request's view of consistency.
#[derive(Default)]
pub struct ReadScope {
    member: Mutex<Option<MemberId>>,
    /// The member's position as recorded in Redis, loaded on first use.
    recorded: OnceCell<Option<Position>>,
    /// Positions this request committed itself.
    committed: Mutex<Option<Position>>,
    /// Replicas known to have applied the current floor; cleared when the
    /// floor rises.
    confirmed: Mutex<HashSet<usize>>,
    /// Nodes a statement failed on during this request.
    failed: Mutex<HashSet<usize>>,
}

impl ReadScope {
    pub fn new(member: Option<MemberId>) -> Arc<Self> {
        Arc::new(Self {
            member: Mutex::new(member),
            ..Self::default()
        })
    }

    pub fn member(&self) -> Option<MemberId> {
        *lock(&self.member)
    }

    /// The oldest position a replica must have applied to serve this
    /// request: what the member wrote recently, here or on another instance.
    /// `None` when nothing is recorded.
    pub async fn floor(&self, store: &FloorStore) -> AppResult<Option<Position>> {
        let recorded = match self.member() {
            Some(member) => self.recorded.get_or_try_init(|| store.load(member)).await?,
            None => &None,
        };
        let mut floor = recorded.clone();
        if let Some(committed) = lock(&self.committed).as_ref() {
            floor.get_or_insert_with(Position::default).merge(committed);
        }
        Ok(floor.filter(|floor| !floor.is_empty()))
    }

    pub fn is_confirmed(&self, node: usize) -> bool {
        lock(&self.confirmed).contains(&node)
    }

    pub fn confirm(&self, node: usize) {
        lock(&self.confirmed).insert(node);
    }

    pub fn has_failed(&self, node: usize) -> bool {
        lock(&self.failed).contains(&node)
    }

    /// Whether a statement failed on some node: a query that saw this is
    /// worth one more try on the nodes that are left.
    pub fn saw_failure(&self) -> bool {
        !lock(&self.failed).is_empty()
    }

    fn raise(&self, position: &Position) {
        lock(&self.committed)
            .get_or_insert_with(Position::default)
            .merge(position);
        lock(&self.confirmed).clear();
    }

    fn committed(&self) -> Option<Position> {
        lock(&self.committed).clone()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `work` (one request, or one WebSocket operation) in `scope`.
pub async fn scope<F: Future>(scope: Arc<ReadScope>, work: F) -> F::Output {
    SCOPE.scope(scope, work).await
}

pub fn current() -> Option<Arc<ReadScope>> {
    SCOPE.try_with(Arc::clone).ok()
}

/// Called by a connection whose statement failed; the current request (if
/// any) then avoids that node.
pub fn note_failure(node: usize) {
    let _ = SCOPE.try_with(|scope| lock(&scope.failed).insert(node));
}

/// A transaction committed at `position`: later reads of the current request
/// must see it, and so must the next reads of its member and of the members
/// it notified (they are told to look, so they must find it).
pub async fn committed(store: &FloorStore, position: &Position, notified: &[i64]) {
    let mut members = notified.to_vec();
    if let Some(scope) = current() {
        scope.raise(position);
        members.extend(scope.member().map(|member| member.0));
    }
    store.record(&members, position).await;
}

/// The request signed `member` in (sign-up, sign-in): what it committed so
/// far counts as theirs, so their first query sees their new account.
pub async fn signed_in(store: &FloorStore, member: MemberId) {
    let Some(scope) = current() else { return };
    *lock(&scope.member) = Some(member);
    if let Some(committed) = scope.committed() {
        store.record(&[member.0], &committed).await;
    }
}

/// KEYS: one hash per member. ARGV: ttl (s), then (key, order, item) triples
/// from `Position::items`. Keeps, per key, the item with the highest order,
/// so a slow instance cannot lower a member's floor.
static RECORD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        for k = 1, #KEYS do
            for i = 2, #ARGV, 3 do
                local current = redis.call('HGET', KEYS[k], ARGV[i])
                local order = current and tonumber(string.match(current, '(%d+)$')) or -1
                if order < tonumber(ARGV[i + 1]) then
                    redis.call('HSET', KEYS[k], ARGV[i], ARGV[i + 2])
                end
            end
            redis.call('EXPIRE', KEYS[k], ARGV[1])
        end
        return 1
        ",
    )
});

/// Members' recent write positions in Redis.
#[derive(Clone)]
pub struct FloorStore {
    redis: Redis,
    ttl: Duration,
}

impl FloorStore {
    pub fn new(redis: Redis, ttl: Duration) -> Self {
        Self { redis, ttl }
    }

    fn key(&self, member: i64) -> String {
        self.redis.key(&["gtid", &member.to_string()])
    }

    async fn load(&self, member: MemberId) -> AppResult<Option<Position>> {
        let mut conn = self.redis.conn().await?;
        let items: Vec<String> = redis::cmd("HVALS")
            .arg(self.key(member.0))
            .query_async(&mut *conn)
            .await?;
        Ok((!items.is_empty()).then(|| Position::parse(&items.join(","))))
    }

    /// Records `position` for each member. A failure is logged, not raised:
    /// the write itself has committed, and the TTL bounds what is at stake.
    pub async fn record(&self, members: &[i64], position: &Position) {
        if members.is_empty() || position.is_empty() {
            return;
        }
        let recorded = async {
            let mut invocation = RECORD.prepare_invoke();
            for member in members {
                invocation.key(self.key(*member));
            }
            invocation.arg(self.ttl.as_secs().max(1));
            for (key, order, item) in position.items() {
                invocation.arg(key).arg(order).arg(item);
            }
            let mut conn = self.redis.conn().await?;
            let _: i64 = invocation.invoke_async(&mut *conn).await?;
            Ok::<_, crate::error::AppError>(())
        };
        if let Err(error) = recorded.await {
            tracing::warn!(%error, "cannot record a write's GTID; the member may read older data");
        }
    }
}
