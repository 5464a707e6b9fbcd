//! Refresh-token sessions in Redis, one per device.
//!
//! A refresh token is `<session id>.<256 random bits>`; only a hash of the
//! random part is stored. Every use rotates it. The hashes it replaced are
//! remembered, so presenting one again (a stolen copy being replayed, or the
//! thief racing the owner) revokes the whole session.

use std::{sync::LazyLock, time::Duration};

use chrono::{DateTime, Utc};
use redis::{AsyncCommands, Script};

use crate::{
    auth::{
        live_sessions::{LiveSessions, ended_channel},
        secrets::{random_token, sha256_hex},
    },
    error::{AppError, AppResult},
    ids::MemberId,
    redis_store::Redis,
};

pub struct IssuedRefreshToken {
    pub session_id: String,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// What presenting a refresh token led to.
pub enum Rotation {
    Rotated {
        member_id: MemberId,
        refresh: IssuedRefreshToken,
    },
    /// Unknown, expired or revoked session, or a token that never belonged to it.
    Invalid,
    /// An already-used token: the session is now revoked.
    Reused,
}

/// KEYS: session hash, used-hash set. ARGV: presented hash, new hash, now
/// (s), refresh ttl (s), max session age (s), ended-sessions channel, the
/// announcement of this session's ending. Returns {status, ttl, member,
/// listeners}: 1 rotated, 0 invalid, 2 reused (session ended), 3 past its
/// maximum age (session ended). An ending is announced on the channel, and
/// `listeners` is how many instances heard it.
static ROTATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local current = redis.call('HGET', KEYS[1], 'hash')
        if not current then return {0, 0, '', 0} end
        if current ~= ARGV[1] then
            if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
                local member = redis.call('HGET', KEYS[1], 'member') or ''
                redis.call('DEL', KEYS[1], KEYS[2])
                return {2, 0, member, redis.call('PUBLISH', ARGV[6], ARGV[7])}
            end
            return {0, 0, '', 0}
        end
        local now = tonumber(ARGV[3])
        local login_at = tonumber(redis.call('HGET', KEYS[1], 'login_at'))
        local ttl = math.min(tonumber(ARGV[4]), login_at + tonumber(ARGV[5]) - now)
        if ttl <= 0 then
            redis.call('DEL', KEYS[1], KEYS[2])
            return {3, 0, '', redis.call('PUBLISH', ARGV[6], ARGV[7])}
        end
        redis.call('HSET', KEYS[1], 'hash', ARGV[2])
        redis.call('SADD', KEYS[2], ARGV[1])
        redis.call('EXPIRE', KEYS[1], ttl)
        redis.call('EXPIRE', KEYS[2], ttl)
        return {1, ttl, redis.call('HGET', KEYS[1], 'member'), 0}
        ",
    )
});

pub struct Sessions<'a> {
    pub redis: &'a Redis,
    /// Every session ended here is announced to every instance, and the
    /// ending waits until they have all forgotten it.
    pub live: &'a LiveSessions,
    pub refresh_ttl: Duration,
    pub max_age: Duration,
}

impl Sessions<'_> {
    fn session_key(&self, session_id: &str) -> String {
        self.redis.key(&["session", session_id])
    }

    fn used_key(&self, session_id: &str) -> String {
        self.redis.key(&["session", session_id, "used"])
    }

    fn member_key(&self, member_id: MemberId) -> String {
        self.redis.key(&["member-sessions", &member_id.to_string()])
    }

    /// Starts a new session (a sign-in on one device).
    pub async fn create(
        &self,
        member_id: MemberId,
        now: DateTime<Utc>,
    ) -> AppResult<IssuedRefreshToken> {
        let session_id = uuid::Uuid::new_v4().simple().to_string();
        let secret = random_token();
        let ttl = self.refresh_ttl.as_secs();
        let mut conn = self.redis.conn().await?;
        let member = member_id.to_string();
        let _: () = redis::pipe()
            .atomic()
            .hset_multiple(
                self.session_key(&session_id),
                &[
                    ("member", member.as_str()),
                    ("hash", sha256_hex(&secret).as_str()),
                    ("login_at", now.timestamp().to_string().as_str()),
                ],
            )
            .expire(self.session_key(&session_id), ttl as i64)
            .sadd(self.member_key(member_id), &session_id)
            .expire(self.member_key(member_id), self.max_age.as_secs() as i64)
            .query_async(&mut *conn)
            .await?;
        Ok(IssuedRefreshToken {
            token: format!("{session_id}.{secret}"),
            expires_at: now + chrono::Duration::seconds(ttl as i64),
            session_id,
        })
    }

    pub async fn rotate(&self, refresh_token: &str, now: DateTime<Utc>) -> AppResult<Rotation> {
        let Some((session_id, secret)) = split_token(refresh_token) else {
            return Ok(Rotation::Invalid);
        };
        let new_secret = random_token();
        let announcement = self.live.announce([session_id]);
        let mut conn = self.redis.conn().await?;
        let (status, ttl, member, listeners): (i64, i64, String, u64) = ROTATE
            .key(self.session_key(session_id))
            .key(self.used_key(session_id))
            .arg(sha256_hex(secret))
            .arg(sha256_hex(&new_secret))
            .arg(now.timestamp())
            .arg(self.refresh_ttl.as_secs())
            .arg(self.max_age.as_secs())
            .arg(ended_channel(self.redis))
            .arg(&announcement.message)
            .invoke_async(&mut *conn)
            .await?;
        if status == 2 || status == 3 {
            // Back to the pool before waiting for the other instances.
            drop(conn);
            self.live.forget([session_id]);
            self.live.heard_by(announcement, listeners).await;
        }
        Ok(match status {
            1 => Rotation::Rotated {
                member_id: MemberId(member.parse().map_err(AppError::internal)?),
                refresh: IssuedRefreshToken {
                    session_id: session_id.to_owned(),
                    token: format!("{session_id}.{new_secret}"),
                    expires_at: now + chrono::Duration::seconds(ttl),
                },
            },
            2 => {
                tracing::warn!(session_id, "refresh token reused: session revoked");
                Rotation::Reused
            }
            _ => Rotation::Invalid,
        })
    }

    /// The member whose live session this is, if it is live: remembered
    /// from a recent request (`LiveSessions`), or read from Redis.
    pub async fn owner(&self, session_id: &str) -> AppResult<Option<MemberId>> {
        if let Some(owner) = self.live.owner(session_id) {
            return Ok(Some(owner));
        }
        let lookup = self.live.begin_lookup();
        let mut conn = self.redis.conn().await?;
        let member: Option<String> = conn.hget(self.session_key(session_id), "member").await?;
        let owner = member.and_then(|id| id.parse().ok()).map(MemberId);
        if let Some(owner) = owner {
            self.live.remember(lookup, session_id, owner);
        }
        Ok(owner)
    }

    /// Whether `refresh_token` is the current token of a session of `member_id`.
    pub async fn session_of(
        &self,
        refresh_token: &str,
        member_id: MemberId,
    ) -> AppResult<Option<String>> {
        let Some((session_id, secret)) = split_token(refresh_token) else {
            return Ok(None);
        };
        let mut conn = self.redis.conn().await?;
        let (member, hash): (Option<String>, Option<String>) = redis::pipe()
            .hget(self.session_key(session_id), "member")
            .hget(self.session_key(session_id), "hash")
            .query_async(&mut *conn)
            .await?;
        let belongs = member == Some(member_id.to_string()) && hash == Some(sha256_hex(secret));
        Ok(belongs.then(|| session_id.to_owned()))
    }

    pub async fn end(&self, member_id: MemberId, session_id: &str) -> AppResult<()> {
        let announcement = self.live.announce([session_id]);
        let mut conn = self.redis.conn().await?;
        let (listeners,): (u64,) = redis::pipe()
            .del(&[self.session_key(session_id), self.used_key(session_id)])
            .ignore()
            .srem(self.member_key(member_id), session_id)
            .ignore()
            .publish(ended_channel(self.redis), &announcement.message)
            .query_async(&mut *conn)
            .await?;
        drop(conn);
        self.live.forget([session_id]);
        self.live.heard_by(announcement, listeners).await;
        Ok(())
    }

    /// Ends every session of the member except `keep` (e.g. the one that
    /// changed the password).
    pub async fn end_all(&self, member_id: MemberId, keep: Option<&str>) -> AppResult<()> {
        let mut conn = self.redis.conn().await?;
        let session_ids: Vec<String> = conn.smembers(self.member_key(member_id)).await?;
        let ending: Vec<&String> = session_ids
            .iter()
            .filter(|id| Some(id.as_str()) != keep)
            .collect();
        // Redis refuses an empty pipeline.
        if ending.is_empty() {
            return Ok(());
        }
        let announcement = self.live.announce(ending.iter().map(|id| id.as_str()));
        let mut pipe = redis::pipe();
        for session_id in &ending {
            pipe.del(&[self.session_key(session_id), self.used_key(session_id)])
                .ignore()
                .srem(self.member_key(member_id), session_id.as_str())
                .ignore();
        }
        pipe.publish(ended_channel(self.redis), &announcement.message);
        let (listeners,): (u64,) = pipe.query_async(&mut *conn).await?;
        drop(conn);
        self.live.forget(ending.iter().map(|id| id.as_str()));
        self.live.heard_by(announcement, listeners).await;
        Ok(())
    }
}

fn split_token(refresh_token: &str) -> Option<(&str, &str)> {
    let (session_id, secret) = refresh_token.split_once('.')?;
    let well_formed = session_id.len() == 32
        && session_id.bytes().all(|b| b.is_ascii_hexdigit())
        && !secret.is_empty();
    well_formed.then_some((session_id, secret))
}
