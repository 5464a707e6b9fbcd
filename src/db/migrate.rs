//! Embedded migrations, run through diesel-async (no libmysqlclient).

use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncMysqlConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Creates the database named in `url` when it does not exist yet.
pub async fn create_database_if_missing(url: &str) -> anyhow::Result<()> {
    let mut parsed = url::Url::parse(url)?;
    let name = parsed.path().trim_start_matches('/').to_owned();
    if name.is_empty() {
        anyhow::bail!("DATABASE_URL names no database: {url}");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        anyhow::bail!("database name {name:?} must be letters, digits and _");
    }
    parsed.set_path("");
    let mut conn = AsyncMysqlConnection::establish(parsed.as_str()).await?;
    diesel::sql_query(format!(
        "CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    ))
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// Runs the pending migrations. Needs a multi-threaded tokio runtime: the
/// harness blocks in place while diesel's synchronous runner works.
pub async fn run_pending(url: &str) -> anyhow::Result<()> {
    let conn = AsyncMysqlConnection::establish(url).await?;
    let mut harness = AsyncMigrationHarness::new(conn);
    let applied = harness
        .run_pending_migrations(MIGRATIONS)
        .map_err(|error| anyhow::anyhow!("migrations failed: {error}"))?;
    for version in applied {
        tracing::info!(%version, "applied migration");
    }
    Ok(())
}
