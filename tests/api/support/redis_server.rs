//! A Redis server of a test's own, for tests that stop it or count what it
//! was sent, which would disturb the Redis the other tests share.

use std::{net::TcpListener, process::Stdio, time::Duration};

use tokio::process::{Child, Command};

use uliga::config::Config;

use super::TestApp;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct RedisServer {
    process: Child,
    pub url: String,
}

impl RedisServer {
    /// Starts it on `port` and waits until it accepts connections. It keeps
    /// an append-only file, synced every second as a production Redis would,
    /// so sessions survive a restart on the same port (`stop` lets it write
    /// the file out). Not synced on every write: each command would wait on
    /// the disk, which the whole suite keeps busy, and the client gives up on
    /// an answer after 500 ms.
    pub async fn start(port: u16) -> Self {
        let dir = std::env::temp_dir().join(format!("uliga-redis-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let process = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
            ])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server runs");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Self {
                    process,
                    url: format!("redis://127.0.0.1:{port}"),
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis on {port} did not start");
    }

    /// An instance whose Redis is this one.
    pub async fn app(&self) -> TestApp {
        self.app_with(|_| {}).await
    }

    /// An instance whose Redis is this one, with its config adjusted.
    pub async fn app_with(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::spawn_with(|config| {
            config.redis.url = self.url.clone();
            adjust(config);
        })
        .await
    }

    /// An instance whose Redis is this one, and that reads the session from
    /// it on every request instead of remembering it: for tests of what a
    /// request asks of Redis.
    pub async fn app_reading_every_session(&self) -> TestApp {
        self.app_with(|config| config.auth.session_cache_ttl = Duration::ZERO)
            .await
    }

    /// Shuts it down as a service manager would (SIGTERM): its clients'
    /// connections close, and it writes out its append-only file first.
    pub async fn stop(&mut self) {
        self.signal("-TERM");
        self.process.wait().await.unwrap();
    }

    /// SIGSTOP: connections stay open and commands get no answer.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.process.id().expect("redis-server is running");
        let status = std::process::Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill {signal} {pid}");
    }

    /// How many times each command was called, from `INFO commandstats`.
    pub async fn calls(&self, command: &str) -> u64 {
        let info = self.info("commandstats").await;
        let prefix = format!("cmdstat_{command}:calls=");
        info.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|rest| rest.split(',').next())
            .map_or(0, |calls| calls.parse().unwrap())
    }

    /// Open client connections, not counting the one asking.
    pub async fn connected_clients(&self) -> u64 {
        let info = self.info("clients").await;
        let count: u64 = info
            .lines()
            .find_map(|line| line.strip_prefix("connected_clients:"))
            .map(|count| count.trim().parse().unwrap())
            .unwrap();
        count - 1
    }

    /// The pub/sub connections open on this server: how many channels each
    /// is subscribed to, from `CLIENT LIST TYPE pubsub`.
    pub async fn pubsub_clients(&self) -> Vec<u32> {
        let client = redis::Client::open(self.url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let list: String = redis::cmd("CLIENT")
            .arg("LIST")
            .arg("TYPE")
            .arg("pubsub")
            .query_async(&mut conn)
            .await
            .unwrap();
        list.lines()
            .map(|line| {
                line.split(' ')
                    .find_map(|field| field.strip_prefix("sub="))
                    .expect("CLIENT LIST gives sub=")
                    .parse()
                    .unwrap()
            })
            .collect()
    }

    async fn info(&self, section: &str) -> String {
        let client = redis::Client::open(self.url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        redis::cmd("INFO")
            .arg(section)
            .query_async(&mut conn)
            .await
            .unwrap()
    }
}
