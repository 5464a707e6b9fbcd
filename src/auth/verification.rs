//! Email verification for sign-up: six-digit codes (5 minutes, 5 wrong tries)
//! and the single-use verification tokens they are exchanged for (30 minutes,
//! bound to the email). Password-reset tokens live here too: the same kind of
//! short-lived, single-use secret.

use std::{sync::LazyLock, time::Duration};

use redis::{AsyncCommands, Script};

use crate::{
    auth::secrets::{random_code, random_token, sha256_hex},
    error::{AppError, AppResult},
    ids::MemberId,
    redis_store::Redis,
};

/// KEYS: the code hash. ARGV: presented code, max tries.
/// Returns 1 accepted (and deleted), 0 none or expired, -1 wrong, -2 dead.
static CHECK_CODE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local code = redis.call('HGET', KEYS[1], 'code')
        if not code then return {0, 0} end
        local tries = tonumber(redis.call('HGET', KEYS[1], 'tries') or '0')
        local max = tonumber(ARGV[2])
        if tries >= max then return {-2, 0} end
        if code == ARGV[1] then
            redis.call('DEL', KEYS[1])
            return {1, 0}
        end
        tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
        return {-1, max - tries}
        ",
    )
});

pub enum CodeCheck {
    Accepted,
    Missing,
    Wrong { tries_left: i64 },
    Dead,
}

pub struct Verification<'a> {
    pub redis: &'a Redis,
}

impl Verification<'_> {
    fn code_key(&self, email: &str) -> String {
        self.redis.key(&["verify-code", email])
    }

    fn cooldown_key(&self, email: &str) -> String {
        self.redis.key(&["verify-code-cooldown", email])
    }

    fn token_key(&self, token: &str) -> String {
        self.redis.key(&["verify-token", &sha256_hex(token)])
    }

    fn reset_key(&self, token: &str) -> String {
        self.redis.key(&["reset-token", &sha256_hex(token)])
    }

    /// Claims the resend window for `email`; RATE_LIMITED while the last code
    /// is younger than `cooldown`.
    pub async fn claim_cooldown(&self, email: &str, cooldown: Duration) -> AppResult<()> {
        let mut conn = self.redis.conn().await?;
        let claimed: bool = redis::cmd("SET")
            .arg(self.cooldown_key(email))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(cooldown.as_millis() as u64)
            .query_async::<Option<String>>(&mut *conn)
            .await?
            .is_some();
        if claimed {
            return Ok(());
        }
        let ttl_ms: i64 = conn.pttl(self.cooldown_key(email)).await?;
        Err(AppError::RateLimited {
            retry_after_secs: u64::try_from(ttl_ms.max(1)).unwrap_or(1).div_ceil(1000),
        })
    }

    pub async fn release_cooldown(&self, email: &str) -> AppResult<()> {
        let mut conn = self.redis.conn().await?;
        let _: () = conn.del(self.cooldown_key(email)).await?;
        Ok(())
    }

    /// Issues a fresh code for `email`, replacing any earlier one.
    pub async fn issue_code(&self, email: &str, ttl: Duration) -> AppResult<String> {
        let code = random_code();
        let mut conn = self.redis.conn().await?;
        let key = self.code_key(email);
        let _: () = redis::pipe()
            .atomic()
            .del(&key)
            .hset_multiple(&key, &[("code", code.as_str()), ("tries", "0")])
            .pexpire(&key, ttl.as_millis() as i64)
            .query_async(&mut *conn)
            .await?;
        Ok(code)
    }

    pub async fn check_code(
        &self,
        email: &str,
        code: &str,
        max_tries: u32,
    ) -> AppResult<CodeCheck> {
        let mut conn = self.redis.conn().await?;
        let (status, tries_left): (i64, i64) = CHECK_CODE
            .key(self.code_key(email))
            .arg(code)
            .arg(max_tries)
            .invoke_async(&mut *conn)
            .await?;
        Ok(match status {
            1 => CodeCheck::Accepted,
            -1 => CodeCheck::Wrong { tries_left },
            -2 => CodeCheck::Dead,
            _ => CodeCheck::Missing,
        })
    }

    pub async fn issue_token(&self, email: &str, ttl: Duration) -> AppResult<String> {
        let token = random_token();
        let mut conn = self.redis.conn().await?;
        let _: () = conn
            .pset_ex(self.token_key(&token), email, ttl.as_millis() as u64)
            .await?;
        Ok(token)
    }

    /// The (normalized) email a verification token was issued for, if live.
    pub async fn token_email(&self, token: &str) -> AppResult<Option<String>> {
        let mut conn = self.redis.conn().await?;
        Ok(conn.get(self.token_key(token)).await?)
    }

    pub async fn use_up_token(&self, token: &str) -> AppResult<()> {
        let mut conn = self.redis.conn().await?;
        let _: () = conn.del(self.token_key(token)).await?;
        Ok(())
    }

    pub async fn issue_reset_token(&self, member_id: MemberId, ttl: Duration) -> AppResult<String> {
        let token = random_token();
        let mut conn = self.redis.conn().await?;
        let _: () = conn
            .pset_ex(self.reset_key(&token), member_id.0, ttl.as_millis() as u64)
            .await?;
        Ok(token)
    }

    /// Takes a reset token: it works once.
    pub async fn take_reset_token(&self, token: &str) -> AppResult<Option<MemberId>> {
        let mut conn = self.redis.conn().await?;
        let member: Option<i64> = conn.get_del(self.reset_key(token)).await?;
        Ok(member.map(MemberId))
    }
}
