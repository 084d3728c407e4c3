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

/// Creates the full-text index of the catalogue: an FTS5 table on SQLite (its rowid is the
/// `catalogue_index.seq`), a weighted `tsvector` column with a GIN index on PostgreSQL. Both
/// index text already folded by the application (đ → d, no diacritics), so both engines find
/// the same procedures.
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

/// Puts (or replaces) one procedure's folded text in the full-text index.
pub async fn index_text(c: &impl ConnectionTrait, seq: i64, name: &str, body: &str) -> Result<()> {
    let backend = c.get_database_backend();
    match engine_of(c) {
        Engine::Sqlite => {
            c.execute_raw(Statement::from_sql_and_values(
                backend,
                "DELETE FROM procedure_fts WHERE rowid = ?",
                [seq.into()],
            ))
            .await?;
            c.execute_raw(Statement::from_sql_and_values(
                backend,
                "INSERT INTO procedure_fts(rowid, name, body) VALUES (?, ?, ?)",
                [seq.into(), name.into(), body.into()],
            ))
            .await?;
        }
        Engine::Postgres => {
            c.execute_raw(Statement::from_sql_and_values(
                backend,
                "UPDATE catalogue_index SET tsv = setweight(to_tsvector('simple', $1), 'A') || setweight(to_tsvector('simple', $2), 'B') WHERE seq = $3",
                [name.into(), body.into(), seq.into()],
            ))
            .await?;
        }
    }
    Ok(())
}

/// Filters of a catalogue search (all optional; they narrow, never widen).
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub sector_id: Option<uuid::Uuid>,
    pub field_id: Option<uuid::Uuid>,
    /// Agency code.
    pub agency: Option<String>,
    pub level: Option<u8>,
    /// Folded subject words.
    pub subject: Option<String>,
}

/// Searches the catalogue: `tokens` are folded words (alphanumeric only); every token must
/// match, the last one as a prefix. Answers procedure ids, best match first (name matches weigh more).
/// Without tokens, answers the filtered procedures by code.
pub async fn search(
    c: &impl ConnectionTrait,
    tokens: &[String],
    f: &SearchFilter,
    limit: u64,
) -> Result<Vec<uuid::Uuid>> {
    let backend = c.get_database_backend();
    let pg = engine_of(c) == Engine::Postgres;
    let mut values: Vec<sea_orm::Value> = Vec::new();
    let ph = |v: sea_orm::Value, values: &mut Vec<sea_orm::Value>| {
        values.push(v);
        if pg {
            format!("${}", values.len())
        } else {
            "?".to_string()
        }
    };
    let tokens: Vec<&String> = tokens
        .iter()
        .filter(|t| !t.is_empty() && t.chars().all(char::is_alphanumeric))
        .collect();
    let mut sql = String::from("SELECT ci.procedure_id FROM catalogue_index ci");
    let mut conds: Vec<String> = Vec::new();
    let order;
    if tokens.is_empty() {
        order = " ORDER BY ci.code".to_string();
    } else if pg {
        // Whole words, the last one as a prefix (people type it as they search).
        let last = tokens.len() - 1;
        let q = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if i == last {
                    format!("{t}:*")
                } else {
                    t.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" & ");
        let p = ph(q.into(), &mut values);
        conds.push(format!("ci.tsv @@ to_tsquery('simple', {p})"));
        order = format!(" ORDER BY ts_rank(ci.tsv, to_tsquery('simple', {p})) DESC, ci.code");
    } else {
        let last = tokens.len() - 1;
        let q = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if i == last {
                    format!("\"{t}\"*")
                } else {
                    format!("\"{t}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        sql.push_str(" JOIN procedure_fts ON procedure_fts.rowid = ci.seq");
        let p = ph(q.into(), &mut values);
        conds.push(format!("procedure_fts MATCH {p}"));
        order = " ORDER BY bm25(procedure_fts, 10.0, 1.0), ci.code".to_string();
    }
    if let Some(s) = f.sector_id {
        let p = ph(s.into(), &mut values);
        conds.push(format!("ci.sector_id = {p}"));
    }
    if let Some(s) = f.field_id {
        let p = ph(s.into(), &mut values);
        conds.push(format!("ci.field_id = {p}"));
    }
    if let Some(a) = &f.agency {
        let p = ph(format!("%,{a},%").into(), &mut values);
        conds.push(format!("ci.agencies LIKE {p}"));
    }
    if let Some(l) = f.level {
        let p = ph(format!("%,{l},%").into(), &mut values);
        conds.push(format!("ci.levels LIKE {p}"));
    }
    if let Some(s) = &f.subject {
        let p = ph(format!("%{s}%").into(), &mut values);
        conds.push(format!("ci.subjects LIKE {p}"));
    }
    if !conds.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conds.join(" AND "));
    }
    sql.push_str(&order);
    sql.push_str(&format!(" LIMIT {}", limit.min(10_000)));
    let rows = c
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    rows.into_iter()
        .map(|r| {
            r.try_get_by_index::<uuid::Uuid>(0)
                .map_err(crate::StoreError::Db)
        })
        .collect()
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
