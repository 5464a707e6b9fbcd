//! The health probe: every few hundred milliseconds each node is asked
//! whether it answers and, for a replica, whether it applies the primary's
//! changes and how far behind it is. Reads and writes route on what it saw.
//!
//! The probe has its own connection per node (outside the pools and their
//! statement counters), and a time limit, so a hung server counts as down.
//! A server that refuses or drops the connection is down at the first probe
//! that finds it so; one that is only slow is down when it misses the time
//! limit twice in a row, so that one stall of a busy machine does not fail
//! every mutation until the next probe.

use std::{
    sync::{Arc, Weak},
    time::{Duration, Instant},
};

use mysql_async::{Conn, Opts, Row, prelude::Queryable};

use super::{
    gtid::{Flavor, Position},
    node::{Health, Node, Role},
};

#[derive(Clone, Copy, Debug)]
pub struct ProbeSettings {
    pub interval: Duration,
    /// A node that takes longer than this to answer is down.
    pub timeout: Duration,
    /// A replica further behind than this leaves the read rotation.
    pub max_lag: Duration,
}

/// Probes in a row that must get no answer in time before the node counts
/// as down.
const SLOW_PROBES_BEFORE_DOWN: u32 = 2;

/// How long the probe may take to find a node down that stopped answering
/// (the slow probes in a row), with one more time limit as a margin.
pub fn verdict_within(timeout: Duration) -> Duration {
    timeout * (SLOW_PROBES_BEFORE_DOWN + 1)
}

/// Probes every node once (so routing starts from facts), then keeps
/// probing in the background until the nodes are dropped.
pub async fn start(nodes: &[Arc<Node>], flavor: Flavor, settings: ProbeSettings) {
    let primary = Arc::downgrade(&nodes[0]);
    let mut probes = Vec::new();
    for node in nodes {
        let mut probe = Probe::new(node, primary.clone(), flavor, settings);
        probe.tick().await;
        probes.push(probe);
    }
    for probe in probes {
        tokio::spawn(probe.run());
    }
}

struct Probe {
    node: Weak<Node>,
    primary: Weak<Node>,
    flavor: Flavor,
    settings: ProbeSettings,
    conn: Option<Conn>,
    /// When a replica was first seen without a working connection to the
    /// primary.
    disconnected_since: Option<Instant>,
    /// Probes in a row that got no answer within the time limit.
    slow_in_a_row: u32,
}

impl Probe {
    fn new(node: &Arc<Node>, primary: Weak<Node>, flavor: Flavor, settings: ProbeSettings) -> Self {
        Self {
            node: Arc::downgrade(node),
            primary,
            flavor,
            settings,
            conn: None,
            disconnected_since: None,
            slow_in_a_row: 0,
        }
    }

    async fn run(mut self) {
        loop {
            let Some(suspect) = self.node.upgrade().map(|node| node.suspect.clone()) else {
                return;
            };
            tokio::select! {
                _ = tokio::time::sleep(self.settings.interval) => {}
                _ = suspect.notified() => {}
            }
            if !self.tick().await {
                return;
            }
        }
    }

    /// One probe; false once the node no longer exists.
    async fn tick(&mut self) -> bool {
        let Some(node) = self.node.upgrade() else {
            return false;
        };
        let health = match tokio::time::timeout(self.settings.timeout, self.check(&node)).await {
            Ok(answer) => {
                self.slow_in_a_row = 0;
                answer.unwrap_or_else(|error| down(format!("{error}")))
            }
            Err(_) => {
                self.slow_in_a_row += 1;
                if self.slow_in_a_row < SLOW_PROBES_BEFORE_DOWN {
                    // Its verdict stands until the next probe, which comes
                    // at once and on a new connection.
                    self.conn = None;
                    tracing::info!(node = %node.name, "database node slow to answer the probe");
                    node.suspect.notify_one();
                    return true;
                }
                down(format!(
                    "no answer within {} ms, {} probes in a row",
                    self.settings.timeout.as_millis(),
                    self.slow_in_a_row
                ))
            }
        };
        if !health.up {
            // The connection may be half-dead; the next probe makes a new one.
            self.conn = None;
        }
        report(&node, &health);
        node.set_health(health);
        true
    }

    async fn check(&mut self, node: &Node) -> Result<Health, mysql_async::Error> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self
                .conn
                .insert(Conn::new(Opts::from_url(&node.url)?).await?),
        };
        match node.role {
            Role::Primary => {
                conn.ping().await?;
                Ok(Health {
                    up: true,
                    in_rotation: false,
                    lag: None,
                    applied: None,
                    problem: None,
                })
            }
            Role::Replica => {
                let status: Option<Row> = conn.query_first("SHOW REPLICA STATUS").await?;
                let applied: Option<String> = conn.query_first(self.flavor.applied_sql()).await?;
                let primary_up = self.primary.upgrade().is_some_and(|p| p.is_up());
                let status = status.as_ref().map(ReplicaStatus::read);
                let connected = status
                    .as_ref()
                    .is_some_and(|s| s.io_running && s.seconds_behind.is_some());
                if connected {
                    self.disconnected_since = None;
                } else {
                    self.disconnected_since.get_or_insert_with(Instant::now);
                }
                Ok(replica_health(
                    status,
                    applied.map(|text| Position::parse(&text)),
                    primary_up,
                    self.disconnected_since.map(|since| since.elapsed()),
                    self.settings.max_lag,
                ))
            }
        }
    }
}

fn down(problem: String) -> Health {
    Health {
        up: false,
        in_rotation: false,
        lag: None,
        applied: None,
        problem: Some(problem),
    }
}

/// The columns of `SHOW REPLICA STATUS` that matter, under MariaDB's and
/// MySQL's names.
#[derive(Debug, Default)]
pub struct ReplicaStatus {
    pub io_running: bool,
    pub sql_running: bool,
    pub seconds_behind: Option<u64>,
}

impl ReplicaStatus {
    fn read(row: &Row) -> Self {
        let text = |names: [&str; 2]| -> Option<String> {
            names
                .iter()
                .find_map(|name| row.get_opt::<Option<String>, _>(*name)?.ok().flatten())
        };
        Self {
            io_running: text(["Slave_IO_Running", "Replica_IO_Running"]).as_deref() == Some("Yes"),
            sql_running: text(["Slave_SQL_Running", "Replica_SQL_Running"]).as_deref()
                == Some("Yes"),
            seconds_behind: text(["Seconds_Behind_Master", "Seconds_Behind_Source"])
                .and_then(|seconds| seconds.parse().ok()),
        }
    }
}

/// Whether a replica that answered may serve reads.
pub fn replica_health(
    status: Option<ReplicaStatus>,
    applied: Option<Position>,
    primary_up: bool,
    disconnected_for: Option<Duration>,
    max_lag: Duration,
) -> Health {
    let lag = status
        .as_ref()
        .and_then(|s| s.seconds_behind)
        .map(Duration::from_secs);
    let problem = match &status {
        None => Some("not replicating from anything".to_owned()),
        Some(status) if !status.sql_running => {
            Some("its replication SQL thread is stopped".to_owned())
        }
        Some(_) if lag.is_some_and(|lag| lag > max_lag) => Some(format!(
            "{} s behind the primary (limit {} ms)",
            lag.unwrap_or_default().as_secs(),
            max_lag.as_millis()
        )),
        // Without a connection to the primary the lag is unknown, but it
        // grows no faster than time since the connection dropped. While the
        // primary is down, the replica holds the newest data there is.
        Some(_) if disconnected_for.is_some_and(|d| d > max_lag) && primary_up => {
            Some("not connected to the primary".to_owned())
        }
        Some(_) => None,
    };
    Health {
        up: true,
        in_rotation: problem.is_none(),
        lag,
        applied,
        problem,
    }
}

/// Logs a change of state, and updates the node's gauges.
fn report(node: &Node, health: &Health) {
    let before = node.health();
    if before.up != health.up || before.in_rotation != health.in_rotation {
        match &health.problem {
            Some(problem) => {
                tracing::warn!(node = %node.name, %problem, up = health.up, "database node out of service")
            }
            None => tracing::info!(node = %node.name, "database node in service"),
        }
    }
    let labels = [("node", node.name.clone())];
    metrics::gauge!("uliga_db_node_up", &labels).set(if health.up { 1.0 } else { 0.0 });
    if node.role == Role::Replica {
        metrics::gauge!("uliga_db_replica_in_rotation", &labels).set(if health.in_rotation {
            1.0
        } else {
            0.0
        });
        metrics::gauge!("uliga_db_replica_lag_seconds", &labels)
            .set(health.lag.map_or(f64::NAN, |lag| lag.as_secs_f64()));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;

    use tokio::net::TcpListener;

    use super::*;
    use crate::db::node::NodeOptions;

    const LIMIT: Duration = Duration::from_secs(1);

    fn primary_at(address: std::net::SocketAddr) -> (Arc<Node>, Probe) {
        let options = NodeOptions {
            pool_size: 1,
            pool_timeout: Duration::from_secs(1),
        };
        let url = format!("mysql://root@{address}/uliga?prefer_socket=false");
        let node = Node::new(
            "primary".into(),
            Role::Primary,
            0,
            url,
            &options,
            Arc::new(AtomicU64::new(0)),
        );
        let settings = ProbeSettings {
            interval: Duration::from_millis(250),
            timeout: Duration::from_millis(100),
            max_lag: LIMIT,
        };
        let probe = Probe::new(&node, Arc::downgrade(&node), Flavor::MariaDb, settings);
        (node, probe)
    }

    #[tokio::test]
    async fn a_node_slow_to_answer_is_down_only_at_the_second_slow_probe_in_a_row() {
        // Accepts connections and never says a word, as a stalled server.
        let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (node, mut probe) = primary_at(silent.local_addr().unwrap());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                held.push(socket);
            }
        });
        assert!(probe.tick().await);
        assert!(node.is_up(), "one slow probe is not an outage");
        assert!(probe.tick().await);
        let health = node.health();
        assert!(!health.up, "two slow probes in a row are");
        assert!(health.problem.unwrap().contains("2 probes in a row"));
    }

    #[tokio::test]
    async fn a_node_that_refuses_connections_is_down_at_the_first_probe() {
        let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = closed.local_addr().unwrap();
        drop(closed);
        let (node, mut probe) = primary_at(address);
        assert!(probe.tick().await);
        assert!(!node.is_up());
    }

    fn status(io: bool, sql: bool, behind: Option<u64>) -> Option<ReplicaStatus> {
        Some(ReplicaStatus {
            io_running: io,
            sql_running: sql,
            seconds_behind: behind,
        })
    }

    #[test]
    fn a_current_replica_serves_reads() {
        let health = replica_health(status(true, true, Some(0)), None, true, None, LIMIT);
        assert!(health.in_rotation && health.up);
        assert!(replica_health(status(true, true, Some(1)), None, true, None, LIMIT).in_rotation);
    }

    #[test]
    fn a_lagging_or_stalled_replica_leaves_the_rotation() {
        let lagging = replica_health(status(true, true, Some(2)), None, true, None, LIMIT);
        assert!(lagging.up && !lagging.in_rotation);
        assert!(!replica_health(status(true, false, None), None, true, None, LIMIT).in_rotation);
        assert!(!replica_health(None, None, true, None, LIMIT).in_rotation);
    }

    #[test]
    fn a_replica_cut_off_from_a_live_primary_serves_only_until_it_may_lag_too_far() {
        let cut_off = |for_ms, primary_up| {
            let disconnected = Some(Duration::from_millis(for_ms));
            replica_health(
                status(false, true, None),
                None,
                primary_up,
                disconnected,
                LIMIT,
            )
            .in_rotation
        };
        assert!(cut_off(500, true));
        assert!(!cut_off(1500, true));
        assert!(cut_off(60_000, false));
    }
}
