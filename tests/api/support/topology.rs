//! A real primary and two GTID replicas for one test, started with
//! `scripts/topology.sh` in a directory and on ports of its own, and
//! destroyed when the test ends.

use std::{collections::HashMap, path::PathBuf, process::Stdio};

use mysql_async::{Conn, Opts, prelude::Queryable};

pub const REPLICAS: [&str; 2] = ["replica1", "replica2"];

pub struct Topology {
    dir: PathBuf,
    env: HashMap<String, String>,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/topology.sh")
}

async fn run_script(args: &[&str]) -> String {
    let output = tokio::process::Command::new("bash")
        .arg(script())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .await
        .expect("topology.sh runs");
    assert!(
        output.status.success(),
        "topology.sh {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

impl Topology {
    pub async fn start() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("uliga-topology-{}", &id[..12]));
        let printed = run_script(&["up", dir.to_str().expect("UTF-8 path"), "auto"]).await;
        let env = printed
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        Self { dir, env }
    }

    fn port(&self, node: &str) -> &str {
        let key = format!("{}_PORT", node.to_ascii_uppercase());
        self.env
            .get(&key)
            .unwrap_or_else(|| panic!("{key} in topology.env"))
    }

    /// The service's account on `node`, for `database`.
    pub fn app_url(&self, node: &str, database: &str) -> String {
        format!(
            "mysql://uliga@127.0.0.1:{}/{database}?prefer_socket=false",
            self.port(node)
        )
    }

    /// The administrator's account on `node`, with no database.
    pub fn admin_url(&self, node: &str) -> String {
        format!(
            "mysql://root@127.0.0.1:{}/?prefer_socket=false",
            self.port(node)
        )
    }

    async fn admin(&self, node: &str) -> Conn {
        let opts = Opts::from_url(&self.admin_url(node)).expect("admin URL");
        Conn::new(opts)
            .await
            .unwrap_or_else(|error| panic!("admin login on {node}: {error}"))
    }

    /// Runs administrative statements on `node`, one by one (text protocol:
    /// replication statements cannot be prepared).
    pub async fn admin_sql(&self, node: &str, statements: &[&str]) {
        let mut conn = self.admin(node).await;
        for statement in statements {
            conn.query_drop(*statement)
                .await
                .unwrap_or_else(|error| panic!("{statement} on {node}: {error}"));
        }
        let _ = conn.disconnect().await;
    }

    /// A server status counter of `node` (e.g. `Com_select`), as the server
    /// itself counts it.
    pub async fn status_counter(&self, node: &str, name: &str) -> u64 {
        let mut conn = self.admin(node).await;
        let row: Option<(String, u64)> = conn
            .query_first(format!("SHOW GLOBAL STATUS LIKE '{name}'"))
            .await
            .expect("SHOW GLOBAL STATUS");
        let _ = conn.disconnect().await;
        row.expect("a status counter").1
    }

    /// `Seconds_Behind_Master` of `replica`, as the replica reports it.
    pub async fn seconds_behind(&self, replica: &str) -> Option<u64> {
        let mut conn = self.admin(replica).await;
        let row: Option<mysql_async::Row> = conn
            .query_first("SHOW REPLICA STATUS")
            .await
            .expect("SHOW REPLICA STATUS");
        let _ = conn.disconnect().await;
        row?.get_opt::<Option<u64>, _>("Seconds_Behind_Master")?
            .ok()
            .flatten()
    }

    /// Delays `replica`'s applying by `seconds` behind the primary.
    pub async fn delay(&self, replica: &str, seconds: u32) {
        let change = format!("CHANGE MASTER TO MASTER_DELAY = {seconds}");
        self.admin_sql(replica, &["STOP SLAVE", &change, "START SLAVE"])
            .await;
    }

    pub async fn stop(&self, node: &str) {
        run_script(&["stop", node, self.dir()]).await;
    }

    pub async fn kill(&self, node: &str) {
        run_script(&["kill", node, self.dir()]).await;
    }

    pub async fn start_node(&self, node: &str) {
        run_script(&["start", node, self.dir()]).await;
    }

    fn dir(&self) -> &str {
        self.dir.to_str().expect("UTF-8 path")
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg(script())
            .args(["destroy", self.dir()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
