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

/// Creates the full-text index of the catalogue as the second migration made it: an FTS5 table
/// on SQLite, a `tsvector` column on PostgreSQL. A later migration drops both: the catalogue is
/// now searched in memory (`motcua_domain::search::WordIndex`).
pub async fn create_search(m: &sea_orm_migration::SchemaManager<'_>) -> Result<(), sea_orm::DbErr> {
    let c = m.get_connection();
    match m.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            c.execute_unprepared("CREATE VIRTUAL TABLE procedure_fts USING fts5(name, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')").await?;
        }
        _ => {
            c.execute_unprepared("ALTER TABLE catalogue_index ADD COLUMN tsv tsvector")
                .await?;
            c.execute_unprepared(
                "CREATE INDEX catalogue_index_tsv ON catalogue_index USING GIN (tsv)",
            )
            .await?;
        }
    }
    Ok(())
}

/// Placeholders for raw SQL in the engine's style, binding values in order.
#[derive(Clone)]
pub struct Binds {
    pg: bool,
    pub values: Vec<sea_orm::Value>,
}

impl Binds {
    pub fn new(c: &impl ConnectionTrait) -> Self {
        Self {
            pg: engine_of(c) == Engine::Postgres,
            values: vec![],
        }
    }
    /// Runs `sql` with the values bound, answering its rows.
    pub async fn all(
        self,
        c: &impl ConnectionTrait,
        sql: String,
    ) -> Result<Vec<sea_orm::QueryResult>> {
        let st = Statement::from_sql_and_values(c.get_database_backend(), sql, self.values);
        Ok(c.query_all_raw(st).await?)
    }

    /// Runs `sql` with the values bound, answering its one row.
    pub async fn one(self, c: &impl ConnectionTrait, sql: String) -> Result<sea_orm::QueryResult> {
        let st = Statement::from_sql_and_values(c.get_database_backend(), sql, self.values);
        c.query_one_raw(st)
            .await?
            .ok_or(crate::StoreError::NotFound)
    }

    /// Runs a statement with the values bound, answering the rows it changed.
    pub async fn exec(self, c: &impl ConnectionTrait, sql: String) -> Result<u64> {
        let st = Statement::from_sql_and_values(c.get_database_backend(), sql, self.values);
        Ok(c.execute_raw(st).await?.rows_affected())
    }

    /// Binds a value and answers its placeholder.
    pub fn push(&mut self, v: impl Into<sea_orm::Value>) -> String {
        self.values.push(v.into());
        if self.pg {
            format!("${}", self.values.len())
        } else {
            "?".to_string()
        }
    }
}

pub(crate) fn engine_of(c: &impl ConnectionTrait) -> Engine {
    match c.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => Engine::Postgres,
        _ => Engine::Sqlite,
    }
}

/// Orders audit records by commit (R4.3): PostgreSQL takes a transaction-scoped advisory lock
/// before the next place in the log is read, so that two transactions never take the same one
/// and places follow commits; SQLite's `BEGIN IMMEDIATE` already holds the write lock.
pub async fn audit_lock(tx: &impl ConnectionTrait) -> Result<()> {
    if engine_of(tx) == Engine::Postgres {
        // 0x61756474 = "audt"
        tx.execute_unprepared("SELECT pg_advisory_xact_lock(1635083380)")
            .await?;
    }
    Ok(())
}

/// Makes the audit table append-only in the database itself: updates, deletes and (PostgreSQL)
/// truncation are refused by triggers, whoever sends them (R4.3).
pub async fn create_audit_guards(
    m: &sea_orm_migration::SchemaManager<'_>,
) -> Result<(), sea_orm::DbErr> {
    refuse(
        m,
        "audit_log",
        &["UPDATE", "DELETE"],
        "audit_log is append-only",
    )
    .await
}

/// Keeps incident records (Decree 356/2025 Art. 29: at least five years): deletes and
/// truncation are refused; only the time the authority was notified is written later.
pub async fn create_incident_guard(
    m: &sea_orm_migration::SchemaManager<'_>,
) -> Result<(), sea_orm::DbErr> {
    refuse(m, "incidents", &["DELETE"], "incidents are kept").await
}

/// Triggers that refuse `ops` on `table` with `message`: `<table>_no_<op>` on SQLite;
/// `<table>_no_change` (per row) and `<table>_no_truncate` on PostgreSQL.
async fn refuse(
    m: &sea_orm_migration::SchemaManager<'_>,
    table: &str,
    ops: &[&str],
    message: &str,
) -> Result<(), sea_orm::DbErr> {
    let c = m.get_connection();
    if m.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        for op in ops {
            let name = format!("{table}_no_{}", op.to_lowercase());
            c.execute_unprepared(&format!(
                "CREATE TRIGGER {name} BEFORE {op} ON {table} \
                 BEGIN SELECT RAISE(ABORT, '{message}'); END"
            ))
            .await?;
        }
        return Ok(());
    }
    c.execute_unprepared(&format!(
        "CREATE FUNCTION {table}_refuse() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION '{message}'; END $$"
    ))
    .await?;
    c.execute_unprepared(&format!(
        "CREATE TRIGGER {table}_no_change BEFORE {} ON {table} \
         FOR EACH ROW EXECUTE FUNCTION {table}_refuse()",
        ops.join(" OR ")
    ))
    .await?;
    c.execute_unprepared(&format!(
        "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} \
         FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse()"
    ))
    .await?;
    Ok(())
}
