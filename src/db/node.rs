//! One database server (the primary or a replica): its connection pool, its
//! health as the probe last saw it, and its own statement counter.

use std::{
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use diesel_async::pooled_connection::PoolError;
use tokio::sync::{Notify, watch};

use super::{
    gtid::Position,
    tracked::{Counters, Manager},
};
pub type Pool = bb8::Pool<Manager>;
pub type DbConn = bb8::PooledConnection<'static, Manager>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Primary,
    Replica,
}

/// What the probe last saw of a node.
#[derive(Clone, Debug)]
pub struct Health {
    /// It answered the last probe.
    pub up: bool,
    /// A replica that may serve reads: up, applying, and not too far behind.
    pub in_rotation: bool,
    /// How far a replica's applied data is behind the primary's, when known.
    pub lag: Option<Duration>,
    /// What a replica has applied, so a read can skip the GTID wait.
    pub applied: Option<Position>,
    /// Why it is down or out of rotation.
    pub problem: Option<String>,
}

impl Health {
    fn assumed_up() -> Self {
        Self {
            up: true,
            in_rotation: true,
            lag: None,
            applied: None,
            problem: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("{0} is down")]
    Down(String),
    #[error("{node}: {error}")]
    Pool {
        node: String,
        error: bb8::RunError<PoolError>,
    },
}

pub struct Node {
    pub name: String,
    pub role: Role,
    /// Position in `Database::nodes`; the primary is 0.
    pub index: usize,
    pub url: String,
    pool_size: u32,
    pool_timeout: Duration,
    pool: RwLock<Pool>,
    health: watch::Sender<Health>,
    /// Statements sent to this node, and to all nodes together.
    statements: Arc<AtomicU64>,
    all_statements: Arc<AtomicU64>,
    /// Wakes the probe early: a statement on this node just failed.
    pub suspect: Arc<Notify>,
}

pub struct NodeOptions {
    pub pool_size: u32,
    pub pool_timeout: Duration,
}

impl Node {
    pub fn new(
        name: String,
        role: Role,
        index: usize,
        url: String,
        options: &NodeOptions,
        all_statements: Arc<AtomicU64>,
    ) -> Arc<Self> {
        Arc::new({
            let statements = Arc::new(AtomicU64::new(0));
            let suspect = Arc::new(Notify::new());
            let pool = build_pool(
                &url,
                options,
                Counters {
                    index,
                    node: statements.clone(),
                    all: all_statements.clone(),
                    suspect: suspect.clone(),
                },
            );
            Self {
                name,
                role,
                index,
                url,
                pool_size: options.pool_size,
                pool_timeout: options.pool_timeout,
                pool: RwLock::new(pool),
                health: watch::Sender::new(Health::assumed_up()),
                statements,
                all_statements,
                suspect,
            }
        })
    }

    pub fn health(&self) -> Health {
        self.health.borrow().clone()
    }

    pub fn is_up(&self) -> bool {
        self.health.borrow().up
    }

    pub fn in_rotation(&self) -> bool {
        self.health.borrow().in_rotation
    }

    /// Whether the last probe saw this node past `position` (read in place:
    /// this is on every read's path).
    pub fn has_applied(&self, position: &Position) -> bool {
        self.health
            .borrow()
            .applied
            .as_ref()
            .is_some_and(|applied| applied.covers(position))
    }

    /// The lag the last probe saw, when known.
    pub fn lag(&self) -> Option<Duration> {
        self.health.borrow().lag
    }

    pub fn watch(&self) -> watch::Receiver<Health> {
        self.health.subscribe()
    }

    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Records a probe's finding. A node that comes back gets a fresh pool:
    /// the old one holds connections that died with the server.
    pub fn set_health(&self, health: Health) {
        let was_up = self.is_up();
        if health.up && !was_up {
            let fresh = build_pool(
                &self.url,
                &NodeOptions {
                    pool_size: self.pool_size,
                    pool_timeout: self.pool_timeout,
                },
                Counters {
                    index: self.index,
                    node: self.statements.clone(),
                    all: self.all_statements.clone(),
                    suspect: self.suspect.clone(),
                },
            );
            *self.pool.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        }
        self.health.send_replace(health);
    }

    /// A connection, or an error as soon as the probe declares the node down
    /// (instead of waiting out the pool's timeout on a dead server).
    pub async fn get(&self) -> Result<DbConn, NodeError> {
        let mut health = self.watch();
        if !health.borrow().up {
            return Err(NodeError::Down(self.name.clone()));
        }
        let pool = self.pool.read().unwrap_or_else(|e| e.into_inner()).clone();
        tokio::select! {
            conn = pool.get_owned() => conn.map_err(|error| NodeError::Pool {
                node: self.name.clone(),
                error,
            }),
            _ = health.wait_for(|health| !health.up) => Err(NodeError::Down(self.name.clone())),
        }
    }

    /// Asks the probe to look now, and waits (at most `within`) for its
    /// verdict: whether the node is up.
    pub async fn recheck(&self, within: Duration) -> bool {
        let mut health = self.watch();
        health.borrow_and_update();
        self.suspect.notify_one();
        let _ = tokio::time::timeout(within, health.changed()).await;
        health.borrow().up
    }

    pub fn usage(&self) -> (u32, u32) {
        let state = self.pool.read().unwrap_or_else(|e| e.into_inner()).state();
        (state.connections, state.idle_connections)
    }
}

/// Connections are made on demand: a replica that is down at start-up must
/// not stop the service from starting.
fn build_pool(url: &str, options: &NodeOptions, counters: Counters) -> Pool {
    // No test on check-out: a connection the pool lends is one that came
    // back whole (see `tracked`); a server that went away since is found by
    // the first statement, which marks the connection and wakes the probe.
    bb8::Pool::builder()
        .max_size(options.pool_size)
        .connection_timeout(options.pool_timeout)
        .test_on_check_out(false)
        .build_unchecked(Manager::new(url, counters))
}
