//! The one place that decides where a statement runs. Mutations take
//! `Database::transaction` (the primary, one transaction, in a spawned
//! task); queries take `Database::read` (a replica in rotation that has
//! applied what the member wrote, else the primary).

use std::{
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use diesel::{
    QueryableByName,
    sql_types::{BigInt, Double, Nullable, Text},
};
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
use futures_util::future::BoxFuture;
use mysql_async::prelude::Queryable;
use tokio::sync::mpsc;

use super::{
    gtid::{Flavor, Position},
    node::{DbConn, Health, Node, NodeError, NodeOptions, Role},
    probe::{self, ProbeSettings},
    read_your_writes::{self, FloorStore, ReadScope},
};
use crate::{
    config::DatabaseConfig,
    error::{AppError, AppResult},
    ids::MemberId,
    notify::after_commit,
    redis_store::Redis,
};

#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
}

struct Inner {
    /// The primary first, then the replicas.
    nodes: Vec<Arc<Node>>,
    next_replica: AtomicUsize,
    /// Every SQL statement sent through the pools, on any node: the test of
    /// "constant SQL per request" reads it, and `/metrics` exports it.
    statements: Arc<AtomicU64>,
    /// Where committed transactions send the members they notified.
    committed: OnceLock<mpsc::UnboundedSender<Vec<i64>>>,
    flavor: Flavor,
    /// Members' recent write positions; `None` without replicas (every
    /// read is on the primary) or with read-your-writes turned off.
    floors: Option<FloorStore>,
    gtid_wait_timeout: Duration,
    probe_timeout: Duration,
}

/// What a pool reports for `/metrics` and `/health/ready`.
pub struct NodeReport {
    pub name: String,
    pub role: Role,
    pub health: Health,
    pub connections: u32,
    pub idle: u32,
    pub statements: u64,
}

#[derive(QueryableByName)]
struct Waited {
    #[diesel(sql_type = Nullable<BigInt>)]
    waited: Option<i64>,
}

#[derive(QueryableByName)]
struct LastGtid {
    #[diesel(sql_type = Nullable<Text>)]
    gtid: Option<String>,
}

impl Database {
    pub async fn connect(config: &DatabaseConfig, redis: &Redis) -> anyhow::Result<Self> {
        let flavor = server_flavor(&config.primary_url).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let options = NodeOptions {
            pool_size: config.pool_size,
            pool_timeout: config.pool_timeout,
        };
        let mut nodes = vec![Node::new(
            "primary".into(),
            Role::Primary,
            0,
            config.primary_url.clone(),
            &options,
            statements.clone(),
        )];
        for (offset, url) in config.replica_urls.iter().enumerate() {
            nodes.push(Node::new(
                format!("replica{}", offset + 1),
                Role::Replica,
                offset + 1,
                url.clone(),
                &options,
                statements.clone(),
            ));
        }
        let settings = ProbeSettings {
            interval: config.probe_interval,
            timeout: config.probe_timeout,
            max_lag: config.replica_max_lag,
        };
        probe::start(&nodes, flavor, settings).await;
        let floors = (!config.replica_urls.is_empty() && config.read_your_writes)
            .then(|| FloorStore::new(redis.clone(), config.read_your_writes_ttl));
        Ok(Self {
            inner: Arc::new(Inner {
                nodes,
                next_replica: AtomicUsize::new(0),
                statements,
                committed: OnceLock::new(),
                flavor,
                floors,
                gtid_wait_timeout: config.gtid_wait_timeout,
                probe_timeout: config.probe_timeout,
            }),
        })
    }

    /// How many SQL statements this process has sent so far.
    pub fn statement_count(&self) -> u64 {
        AtomicU64::load(&self.inner.statements, Ordering::Relaxed)
    }

    fn primary_node(&self) -> &Arc<Node> {
        &self.inner.nodes[0]
    }

    fn replicas(&self) -> &[Arc<Node>] {
        &self.inner.nodes[1..]
    }

    /// A connection to the primary, for reads that must see the latest
    /// writes. UNAVAILABLE at once while the probe finds the primary down.
    pub async fn primary(&self) -> AppResult<DbConn> {
        self.primary_node().get().await.map_err(unavailable)
    }

    /// A connection for a query: the next replica in rotation that has
    /// applied the request's floor (see `read_your_writes`), else the
    /// primary. Once a replica failed under the request, the primary.
    pub async fn read(&self) -> AppResult<DbConn> {
        if self.replicas().is_empty() {
            return self.primary().await;
        }
        let scope = read_your_writes::current();
        let primary = self.primary_node().index;
        if scope
            .as_ref()
            .is_some_and(|scope| scope.saw_failure() && !scope.has_failed(primary))
        {
            // A replica failed under this request, and the replicas may have
            // gone down together (one host, one network) before the probe
            // could tell which are left: the rest of the request, and its
            // second run, read from the primary.
            return self.read_from_primary("replica_failed").await;
        }
        let floor = match (&self.inner.floors, &scope) {
            (Some(store), Some(scope)) => match scope.floor(store).await {
                Ok(floor) => floor.map(|floor| (scope, floor)),
                Err(error) => {
                    tracing::warn!(%error, "member's write position unknown; reading from the primary");
                    return self.read_from_primary("floor_unknown").await;
                }
            },
            _ => None,
        };
        let replicas = self.replicas();
        let start = self.inner.next_replica.fetch_add(1, Ordering::Relaxed);
        for offset in 0..replicas.len() {
            let replica = &replicas[(start + offset) % replicas.len()];
            let failed_here = scope.as_ref().is_some_and(|s| s.has_failed(replica.index));
            if failed_here || !replica.in_rotation() {
                continue;
            }
            let mut conn = match replica.get().await {
                Ok(conn) => conn,
                Err(error) => {
                    tracing::warn!(%error, "replica unavailable for a read");
                    continue;
                }
            };
            let Some((scope, floor)) = &floor else {
                return Ok(conn);
            };
            match self.reached(replica, &mut conn, scope, floor).await {
                Reached::Yes => return Ok(conn),
                Reached::TimedOut => return self.read_from_primary("gtid_wait_timeout").await,
                Reached::Failed => continue,
            }
        }
        self.read_from_primary("no_replica_in_rotation").await
    }

    /// Whether `replica` has applied `floor`: known from this request or the
    /// last probe, else asked (waiting at most the configured timeout).
    async fn reached(
        &self,
        replica: &Node,
        conn: &mut AsyncMysqlConnection,
        scope: &ReadScope,
        floor: &Position,
    ) -> Reached {
        let already = scope.is_confirmed(replica.index) || replica.has_applied(floor);
        if already {
            metrics::counter!("uliga_gtid_waits_total", "outcome" => "already_applied")
                .increment(1);
            return Reached::Yes;
        }
        // A replica that was applying events older than the wait's timeout
        // at its last probe cannot apply a write made since in time: waiting
        // on it would only add the timeout. Another replica may do better.
        if replica
            .lag()
            .is_some_and(|lag| lag > self.inner.gtid_wait_timeout)
        {
            metrics::counter!("uliga_gtid_waits_total", "outcome" => "skipped_lagging")
                .increment(1);
            return Reached::Failed;
        }
        let started = Instant::now();
        let waited = diesel::sql_query(self.inner.flavor.wait_sql())
            .bind::<Text, _>(floor.to_string())
            .bind::<Double, _>(self.inner.gtid_wait_timeout.as_secs_f64())
            .get_result::<Waited>(conn)
            .await;
        let (outcome, reached) = match waited {
            Ok(Waited { waited: Some(0) }) => ("applied", Reached::Yes),
            Ok(_) => ("timeout", Reached::TimedOut),
            Err(error) => {
                tracing::warn!(node = %replica.name, %error, "GTID wait failed");
                ("error", Reached::Failed)
            }
        };
        metrics::counter!("uliga_gtid_waits_total", "outcome" => outcome).increment(1);
        metrics::histogram!("uliga_gtid_wait_seconds", "outcome" => outcome)
            .record(started.elapsed().as_secs_f64());
        if matches!(reached, Reached::Yes) {
            scope.confirm(replica.index);
        }
        reached
    }

    async fn read_from_primary(&self, reason: &'static str) -> AppResult<DbConn> {
        metrics::counter!("uliga_replica_fallbacks_total", "reason" => reason).increment(1);
        self.primary().await
    }

    /// Runs `work` in one transaction on the primary. The work runs in its own
    /// task, so a client that disconnects cannot drop the future half-way and
    /// return a connection with an open transaction to the pool.
    ///
    /// With replicas, the commit's GTID is recorded for the member (and for
    /// the members it notified) before this returns, so their next query on
    /// any instance sees it.
    pub async fn transaction<R, F>(&self, work: F) -> AppResult<R>
    where
        R: Send + 'static,
        F: for<'c> FnOnce(&'c mut AsyncMysqlConnection) -> BoxFuture<'c, AppResult<R>>
            + Send
            + 'static,
    {
        let primary = self.primary_node().clone();
        let capture = self.inner.floors.as_ref().map(|_| self.inner.flavor);
        let task = tokio::spawn(after_commit::collect(async move {
            let mut conn = primary.get().await.map_err(unavailable)?;
            let value = conn.transaction(async move |conn| work(conn).await).await?;
            let position = match capture {
                Some(flavor) => last_commit(&mut conn, flavor).await,
                None => None,
            };
            Ok((value, position))
        }));
        let (result, notified) = task.await.map_err(AppError::internal)?;
        let (value, position) = match result {
            Ok(done) => done,
            Err(error) => return Err(self.explain_write_failure(error).await),
        };
        if let (Some(store), Some(position)) = (&self.inner.floors, &position) {
            read_your_writes::committed(store, position, &notified).await;
        }
        if !notified.is_empty()
            && let Some(committed) = self.inner.committed.get()
        {
            let _ = committed.send(notified);
        }
        Ok(value)
    }

    /// A write that failed for no domain reason may have met a primary that
    /// just went away: ask the probe at once, and say UNAVAILABLE if so.
    async fn explain_write_failure(&self, error: AppError) -> AppError {
        if !matches!(error, AppError::Internal(_)) {
            return error;
        }
        let within = probe::verdict_within(self.inner.probe_timeout);
        if self.primary_node().recheck(within).await {
            error
        } else {
            AppError::Unavailable(format!("primary went away during a write: {error}"))
        }
    }

    /// The current request signed `member` in: its writes count as theirs.
    pub async fn signed_in(&self, member: MemberId) {
        if let Some(store) = &self.inner.floors {
            read_your_writes::signed_in(store, member).await;
        }
    }

    /// Routes the members notified by each committed transaction to `sink`.
    pub fn on_commit(&self, sink: mpsc::UnboundedSender<Vec<i64>>) {
        let _ = self.inner.committed.set(sink);
    }

    pub fn nodes(&self) -> Vec<NodeReport> {
        self.inner
            .nodes
            .iter()
            .map(|node| {
                let (connections, idle) = node.usage();
                NodeReport {
                    name: node.name.clone(),
                    role: node.role,
                    health: node.health(),
                    connections,
                    idle,
                    statements: node.statement_count(),
                }
            })
            .collect()
    }
}

enum Reached {
    Yes,
    /// Waited the whole timeout: read from the primary.
    TimedOut,
    /// Not this replica (it failed, or lags too far): try the next one.
    Failed,
}

/// The position that covers what this connection just committed; `None` for
/// a transaction that wrote nothing (it has no GTID).
async fn last_commit(conn: &mut AsyncMysqlConnection, flavor: Flavor) -> Option<Position> {
    match diesel::sql_query(flavor.last_commit_sql())
        .get_result::<LastGtid>(conn)
        .await
    {
        Ok(LastGtid { gtid }) => gtid
            .map(|text| Position::parse(&text))
            .filter(|position| !position.is_empty()),
        Err(error) => {
            tracing::warn!(%error, "committed, but cannot read the commit's GTID");
            None
        }
    }
}

async fn server_flavor(url: &str) -> anyhow::Result<Flavor> {
    let mut conn = mysql_async::Conn::new(mysql_async::Opts::from_url(url)?).await?;
    let version: Option<String> = conn.query_first("SELECT VERSION()").await?;
    conn.disconnect().await?;
    Ok(Flavor::from_version(&version.unwrap_or_default()))
}

fn unavailable(error: NodeError) -> AppError {
    AppError::Unavailable(format!("database: {error}"))
}
