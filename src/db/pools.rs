//! The primary pool and the replica pools, and the one place that decides
//! where a statement runs. Mutations take `Database::transaction` (primary,
//! one transaction, in a spawned task); queries take `Database::read`.
//! Read-your-writes and replica health plug in here, in `read`.

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicU64, AtomicUsize, Ordering},
};

use tokio::sync::mpsc;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::{
    AsyncConnection, AsyncMysqlConnection,
    pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, PoolError},
};
use futures_util::{FutureExt, future::BoxFuture};

use crate::{
    config::DatabaseConfig,
    error::{AppError, AppResult},
    notify::after_commit,
};

type Manager = AsyncDieselConnectionManager<AsyncMysqlConnection>;
type Pool = bb8::Pool<Manager>;
pub type DbConn = bb8::PooledConnection<'static, Manager>;

#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
}

struct Inner {
    primary: Pool,
    replicas: Vec<Pool>,
    next_replica: AtomicUsize,
    /// Every SQL statement sent, on any pool: the test of "constant SQL per
    /// request" reads it, and `/metrics` exports it.
    statements: Arc<AtomicU64>,
    /// Where committed transactions send the members they notified.
    committed: OnceLock<mpsc::UnboundedSender<Vec<i64>>>,
}

/// What a pool reports for `/metrics`.
pub struct PoolUsage {
    pub name: String,
    pub connections: u32,
    pub idle: u32,
}

impl Database {
    pub async fn connect(config: &DatabaseConfig) -> anyhow::Result<Self> {
        let statements = Arc::new(AtomicU64::new(0));
        let primary = build_pool(&config.primary_url, config.pool_size, &statements).await?;
        let mut replicas = Vec::with_capacity(config.replica_urls.len());
        for url in &config.replica_urls {
            replicas.push(build_pool(url, config.pool_size, &statements).await?);
        }
        Ok(Self {
            inner: Arc::new(Inner {
                primary,
                replicas,
                next_replica: AtomicUsize::new(0),
                statements,
                committed: OnceLock::new(),
            }),
        })
    }

    /// How many SQL statements this process has sent so far.
    pub fn statement_count(&self) -> u64 {
        self.inner.statements.load(Ordering::Relaxed)
    }

    /// A connection to the primary, for reads that must see the latest writes.
    pub async fn primary(&self) -> AppResult<DbConn> {
        self.inner.primary.get_owned().await.map_err(pool_error)
    }

    /// A connection for a query: the next replica, round-robin, or the
    /// primary when no replica is configured.
    pub async fn read(&self) -> AppResult<DbConn> {
        let replicas = &self.inner.replicas;
        if replicas.is_empty() {
            return self.primary().await;
        }
        let index = self.inner.next_replica.fetch_add(1, Ordering::Relaxed) % replicas.len();
        match replicas[index].get_owned().await {
            Ok(conn) => Ok(conn),
            Err(error) => {
                tracing::warn!(replica = index, %error, "replica unavailable, reading from the primary");
                metrics::counter!("uliga_replica_fallbacks_total").increment(1);
                self.primary().await
            }
        }
    }

    /// Runs `work` in one transaction on the primary. The work runs in its own
    /// task, so a client that disconnects cannot drop the future half-way and
    /// return a connection with an open transaction to the pool.
    pub async fn transaction<R, F>(&self, work: F) -> AppResult<R>
    where
        R: Send + 'static,
        F: for<'c> FnOnce(&'c mut AsyncMysqlConnection) -> BoxFuture<'c, AppResult<R>>
            + Send
            + 'static,
    {
        let pool = self.inner.primary.clone();
        let task = tokio::spawn(after_commit::collect(async move {
            let mut conn = pool.get_owned().await.map_err(pool_error)?;
            conn.transaction(async move |conn| work(conn).await).await
        }));
        let (result, notified) = task.await.map_err(AppError::internal)?;
        if result.is_ok()
            && !notified.is_empty()
            && let Some(committed) = self.inner.committed.get()
        {
            let _ = committed.send(notified);
        }
        result
    }

    /// Routes the members notified by each committed transaction to `sink`.
    pub fn on_commit(&self, sink: mpsc::UnboundedSender<Vec<i64>>) {
        let _ = self.inner.committed.set(sink);
    }

    pub fn usage(&self) -> Vec<PoolUsage> {
        let usage = |name: String, pool: &Pool| {
            let state = pool.state();
            PoolUsage {
                name,
                connections: state.connections,
                idle: state.idle_connections,
            }
        };
        let mut all = vec![usage("primary".into(), &self.inner.primary)];
        for (index, pool) in self.inner.replicas.iter().enumerate() {
            all.push(usage(format!("replica{}", index + 1), pool));
        }
        all
    }
}

/// Counts each statement a connection starts.
fn statement_counter(statements: Arc<AtomicU64>) -> impl Instrumentation {
    move |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            statements.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn build_pool(url: &str, size: u32, statements: &Arc<AtomicU64>) -> anyhow::Result<Pool> {
    let statements = statements.clone();
    let mut config = ManagerConfig::<AsyncMysqlConnection>::default();
    config.custom_setup = Box::new(move |url| {
        let statements = statements.clone();
        async move {
            let mut conn = AsyncMysqlConnection::establish(url).await?;
            conn.set_instrumentation(statement_counter(statements));
            Ok(conn)
        }
        .boxed()
    });
    let pool = bb8::Pool::builder()
        .max_size(size)
        .connection_timeout(std::time::Duration::from_secs(5))
        .test_on_check_out(false)
        .build(Manager::new_with_config(url, config))
        .await?;
    Ok(pool)
}

fn pool_error(error: bb8::RunError<PoolError>) -> AppError {
    AppError::Unavailable(format!("database pool: {error}"))
}
