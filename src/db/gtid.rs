//! GTIDs: what the primary reports after a commit, and how a replica is asked
//! whether (or told to wait until) it has applied it. MariaDB and MySQL spell
//! both differently; the rest of the code sees one `Flavor` and one `Position`.

use std::{collections::BTreeMap, fmt};

/// Which server family the pools talk to, read from `VERSION()` at start-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    MariaDb,
    MySql,
}

impl Flavor {
    pub fn from_version(version: &str) -> Self {
        if version.to_ascii_lowercase().contains("mariadb") {
            Self::MariaDb
        } else {
            Self::MySql
        }
    }

    /// Run on the connection that just committed: a position that covers
    /// the commit. MariaDB knows the session's own last GTID; MySQL's
    /// executed set is a superset of it, which is just as safe to wait for.
    pub fn last_commit_sql(self) -> &'static str {
        match self {
            Self::MariaDb => "SELECT @@last_gtid AS gtid",
            Self::MySql => "SELECT @@GLOBAL.gtid_executed AS gtid",
        }
    }

    /// Blocks on a replica until it has applied `?` (a position) or `?`
    /// seconds pass. Both return 0 when applied; on timeout MariaDB returns
    /// -1 and MySQL 1.
    pub fn wait_sql(self) -> &'static str {
        match self {
            Self::MariaDb => "SELECT MASTER_GTID_WAIT(?, ?) AS waited",
            Self::MySql => "SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS waited",
        }
    }

    /// What a replica has applied, for the probe's cache.
    pub fn applied_sql(self) -> &'static str {
        match self {
            Self::MariaDb => "SELECT @@GLOBAL.gtid_slave_pos",
            Self::MySql => "SELECT @@GLOBAL.gtid_executed",
        }
    }
}

/// A replication position: MariaDB's highest `domain-server-sequence` per
/// domain, and MySQL's `uuid:intervals` items kept as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Position {
    domains: BTreeMap<u32, (u32, u64)>,
    mysql: Vec<String>,
}

impl Position {
    /// Parses a comma-separated position; empty text is an empty position.
    pub fn parse(text: &str) -> Self {
        let mut position = Self::default();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match parse_mariadb(item) {
                Some((domain, server, sequence)) => position.raise(domain, server, sequence),
                None => {
                    if !position.mysql.iter().any(|known| known == item) {
                        position.mysql.push(item.to_owned());
                    }
                }
            }
        }
        position
    }

    pub fn is_empty(&self) -> bool {
        self.domains.is_empty() && self.mysql.is_empty()
    }

    fn raise(&mut self, domain: u32, server: u32, sequence: u64) {
        let entry = self.domains.entry(domain).or_insert((server, sequence));
        if sequence > entry.1 {
            *entry = (server, sequence);
        }
    }

    /// Both positions' transactions.
    pub fn merge(&mut self, other: &Position) {
        for (&domain, &(server, sequence)) in &other.domains {
            self.raise(domain, server, sequence);
        }
        for item in &other.mysql {
            if !self.mysql.contains(item) {
                self.mysql.push(item.clone());
            }
        }
    }

    /// Whether a server at `self` has surely applied `wanted`. Only MariaDB
    /// positions can be compared here (sequences grow within a domain);
    /// MySQL sets always go to the server to ask.
    pub fn covers(&self, wanted: &Position) -> bool {
        wanted.mysql.is_empty()
            && wanted.domains.iter().all(|(domain, &(_, sequence))| {
                self.domains
                    .get(domain)
                    .is_some_and(|&(_, applied)| applied >= sequence)
            })
    }

    /// `(key, order, text)` per item, for a store that keeps the newest item
    /// per key: the domain (or the MySQL server uuid), the sequence number
    /// that orders items of one key, and the item itself.
    pub fn items(&self) -> Vec<(String, u64, String)> {
        let mut items: Vec<_> = self
            .domains
            .iter()
            .map(|(domain, (server, sequence))| {
                (
                    domain.to_string(),
                    *sequence,
                    format!("{domain}-{server}-{sequence}"),
                )
            })
            .collect();
        for item in &self.mysql {
            let (uuid, intervals) = item.split_once(':').unwrap_or((item, ""));
            let last = intervals
                .rsplit(|c: char| !c.is_ascii_digit())
                .find_map(|n| n.parse().ok())
                .unwrap_or(0);
            items.push((format!("mysql:{uuid}"), last, item.clone()));
        }
        items
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut separator = |f: &mut fmt::Formatter<'_>| {
            let result = if first { Ok(()) } else { f.write_str(",") };
            first = false;
            result
        };
        for (domain, (server, sequence)) in &self.domains {
            separator(f)?;
            write!(f, "{domain}-{server}-{sequence}")?;
        }
        for item in &self.mysql {
            separator(f)?;
            f.write_str(item)?;
        }
        Ok(())
    }
}

fn parse_mariadb(item: &str) -> Option<(u32, u32, u64)> {
    let mut parts = item.split('-');
    let domain = parts.next()?.parse().ok()?;
    let server = parts.next()?.parse().ok()?;
    let sequence = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((domain, server, sequence))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mariadb_positions_merge_to_the_highest_sequence_per_domain() {
        let mut position = Position::parse("0-1-5, 1-2-9");
        position.merge(&Position::parse("0-1-7,1-2-3,2-3-1"));
        assert_eq!(position.to_string(), "0-1-7,1-2-9,2-3-1");
    }

    #[test]
    fn a_position_covers_only_what_it_has_applied() {
        let applied = Position::parse("0-1-10,1-1-4");
        assert!(applied.covers(&Position::parse("0-1-10")));
        assert!(applied.covers(&Position::parse("0-2-3,1-1-4")));
        assert!(!applied.covers(&Position::parse("0-1-11")));
        assert!(!applied.covers(&Position::parse("5-1-1")));
        assert!(applied.covers(&Position::default()));
    }

    #[test]
    fn mysql_sets_are_kept_verbatim_and_never_assumed_applied() {
        let set = Position::parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77");
        assert_eq!(set.to_string(), "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77");
        assert!(!Position::parse("0-1-100").covers(&set));
        assert_eq!(
            set.items(),
            vec![(
                "mysql:3e11fa47-71ca-11e1-9e33-c80aa9429562".into(),
                77,
                "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77".into()
            )]
        );
    }

    #[test]
    fn empty_and_malformed_text() {
        assert!(Position::parse("").is_empty());
        assert!(Position::parse(" , ").is_empty());
        assert_eq!(Position::parse("0-1").to_string(), "0-1");
        assert_eq!(
            Flavor::from_version("10.11.19-MariaDB-0+deb12u1-log"),
            Flavor::MariaDb
        );
        assert_eq!(Flavor::from_version("8.0.40"), Flavor::MySql);
    }
}
