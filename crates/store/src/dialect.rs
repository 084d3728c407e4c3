//! The only place with per-engine SQL.
use sea_orm::{ConnectionTrait, Statement};

use crate::{Engine, Result};

/// Serialises migrations across server copies. PostgreSQL: a transaction-scoped advisory lock.
/// SQLite: the caller's `BEGIN IMMEDIATE` transaction already holds the write lock.
pub async fn migration_lock(tx: &impl ConnectionTrait, engine: Engine) -> Result<()> {
    if engine == Engine::Postgres {
        // 0x6d6f7463 = "motc"
        tx.execute_unprepared("SELECT pg_advisory_xact_lock(1836020835)")
            .await?;
    }
    Ok(())
}

/// The settings durability depends on, read back from the engine.
pub async fn durability_settings(
    conn: &impl ConnectionTrait,
    engine: Engine,
) -> Result<Vec<(String, String)>> {
    let queries: &[(&str, &str)] = match engine {
        Engine::Sqlite => &[
            ("journal_mode", "PRAGMA journal_mode"),
            ("synchronous", "PRAGMA synchronous"),
            ("foreign_keys", "PRAGMA foreign_keys"),
            ("busy_timeout", "PRAGMA busy_timeout"),
        ],
        Engine::Postgres => &[
            ("fsync", "SHOW fsync"),
            ("synchronous_commit", "SHOW synchronous_commit"),
        ],
    };
    let backend = conn.get_database_backend();
    let mut out = Vec::new();
    for (name, sql) in queries {
        let row = conn
            .query_one_raw(Statement::from_string(backend, sql.to_string()))
            .await?
            .ok_or(crate::StoreError::NotFound)?;
        let value = row
            .try_get_by_index::<String>(0)
            .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))
            .or_else(|_| row.try_get_by_index::<i32>(0).map(|v| v.to_string()))
            .map_err(crate::StoreError::Db)?;
        out.push((name.to_string(), value));
    }
    Ok(out)
}
