//! Online backups of the database and their restore (R3.5; security.md §4.1, §4.7): a
//! consistent copy taken while the server runs, with the list of attachments the copy refers to,
//! so that the attachments saved beside it are exactly the copy's.
//!
//! SQLite is copied with `VACUUM INTO` (never the live file); PostgreSQL with `pg_dump` reading
//! the snapshot of a transaction that also lists the attachments.
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use sea_orm::{ConnectionTrait, Statement, TransactionTrait};

use crate::{Db, Engine, Result, StoreError};

/// The database file a backup folder holds, per engine.
pub fn database_file(dir: &Path, engine: Engine) -> PathBuf {
    match engine {
        Engine::Sqlite => dir.join("motcua.db"),
        Engine::Postgres => dir.join("motcua.pgdump"),
    }
}

/// Which engine a backup folder was taken from, from the file it holds.
pub fn engine_of(dir: &Path) -> Option<Engine> {
    [Engine::Sqlite, Engine::Postgres]
        .into_iter()
        .find(|e| database_file(dir, *e).exists())
}

fn failed(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backup(format!("{what}: {e}"))
}

/// Runs a PostgreSQL client program (pg_dump, pg_restore) to its end; its error output in the
/// refusal when it fails.
fn run(program: &str, args: &[&str]) -> Result<()> {
    let out = Command::new(program).args(args).output().map_err(|e| {
        failed(
            &format!("cannot run {program} (PostgreSQL's client programs)"),
            e,
        )
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(failed(program, err.trim()));
    }
    Ok(())
}

/// `url` for PostgreSQL's client programs: the parameters libpq knows, without the ones only
/// sqlx reads (libpq refuses a URL with a parameter it does not know).
fn libpq_url(url: &str) -> String {
    const LIBPQ: [&str; 7] = [
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "application_name",
        "options",
        "connect_timeout",
    ];
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| LIBPQ.contains(&p.split('=').next().unwrap_or_default()))
        .collect();
    if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

impl Db {
    /// Writes a consistent copy of the database into `dir` (which must not hold one) and answers
    /// the attachments (SHA-256) that copy refers to. The server may go on writing meanwhile.
    pub async fn backup_into(&self, dir: &Path, url: &str) -> Result<HashSet<String>> {
        let file = database_file(dir, self.engine);
        if file.exists() {
            return Err(failed("the folder already holds a backup", file.display()));
        }
        let path = file
            .to_str()
            .ok_or_else(|| failed("the folder's path is not UTF-8", dir.display()))?
            .to_string();
        match self.engine {
            Engine::Sqlite => {
                let sql = Statement::from_sql_and_values(
                    sea_orm::DatabaseBackend::Sqlite,
                    "VACUUM INTO ?",
                    [path.clone().into()],
                );
                self.conn.execute_raw(sql).await?;
                let copy = Db::connect(&format!("sqlite://{path}?mode=rw")).await?;
                let integrity = copy.integrity_check().await?;
                let files = crate::dossiers::referenced_blobs(copy.conn()).await?;
                copy.close().await?;
                if integrity != "ok" {
                    return Err(failed("the copy's integrity check", integrity));
                }
                Ok(files)
            }
            Engine::Postgres => {
                // One snapshot for the dump and the list of attachments: pg_dump reads the
                // transaction's exported snapshot while the transaction stays open.
                let tx = self
                    .conn
                    .begin_with_options(sea_orm::TransactionOptions {
                        isolation_level: Some(sea_orm::IsolationLevel::RepeatableRead),
                        access_mode: Some(sea_orm::AccessMode::ReadOnly),
                        ..Default::default()
                    })
                    .await?;
                let snapshot: String = tx
                    .query_one_raw(Statement::from_string(
                        sea_orm::DatabaseBackend::Postgres,
                        "SELECT pg_export_snapshot()",
                    ))
                    .await?
                    .ok_or(StoreError::NotFound)?
                    .try_get_by_index(0)?;
                let files = crate::dossiers::referenced_blobs(&tx).await?;
                let url = libpq_url(url);
                tokio::task::spawn_blocking(move || {
                    run(
                        "pg_dump",
                        &[
                            "--format=custom",
                            "--no-owner",
                            "--no-privileges",
                            &format!("--snapshot={snapshot}"),
                            &format!("--file={path}"),
                            &url,
                        ],
                    )
                })
                .await
                .map_err(|e| failed("pg_dump", e))??;
                tx.commit().await?;
                Ok(files)
            }
        }
    }
}

/// Puts the database of the backup in `dir` in place at `url`, which must be empty: a new
/// SQLite file, or a PostgreSQL database without tables. The schema then is the backup's; the
/// server's start brings it up to date.
pub async fn restore_database(dir: &Path, url: &str) -> Result<()> {
    let engine = engine_of(dir).ok_or_else(|| failed("no backup in", dir.display()))?;
    let file = database_file(dir, engine);
    let wanted = if url.starts_with("postgres") {
        Engine::Postgres
    } else {
        Engine::Sqlite
    };
    if wanted != engine {
        return Err(failed(
            "the backup's engine is not the configured database's",
            format!("{engine:?} backup, {wanted:?} database"),
        ));
    }
    match engine {
        Engine::Sqlite => {
            let target = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            let target = Path::new(target.split('?').next().unwrap_or(target));
            if target.exists() {
                return Err(failed(
                    "the database file already exists (restore into a new one)",
                    target.display(),
                ));
            }
            if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| failed("creating the folder", e))?;
            }
            let tmp = target.with_extension("restoring");
            std::fs::copy(&file, &tmp).map_err(|e| failed("copying the database", e))?;
            std::fs::File::open(&tmp)
                .and_then(|f| f.sync_all())
                .map_err(|e| failed("syncing the copy", e))?;
            std::fs::rename(&tmp, target).map_err(|e| failed("putting the copy in place", e))?;
            if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::File::open(parent)
                    .and_then(|f| f.sync_all())
                    .map_err(|e| failed("syncing the folder", e))?;
            }
            Ok(())
        }
        Engine::Postgres => {
            let db = Db::connect(url).await?;
            let tables: i64 = db
                .conn
                .query_one_raw(Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
                ))
                .await?
                .ok_or(StoreError::NotFound)?
                .try_get_by_index(0)?;
            db.close().await?;
            if tables > 0 {
                return Err(failed(
                    "the database is not empty (restore into a new one)",
                    format!("{tables} tables"),
                ));
            }
            let (url, file) = (libpq_url(url), file.display().to_string());
            tokio::task::spawn_blocking(move || {
                run(
                    "pg_restore",
                    &[
                        "--no-owner",
                        "--no-privileges",
                        "--exit-on-error",
                        "--single-transaction",
                        &format!("--dbname={url}"),
                        &file,
                    ],
                )
            })
            .await
            .map_err(|e| failed("pg_restore", e))?
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn client_programs_get_the_parameters_libpq_knows() {
        assert_eq!(
            super::libpq_url("postgres://u@h:5432/d?statement-cache-capacity=100&sslmode=disable"),
            "postgres://u@h:5432/d?sslmode=disable"
        );
        assert_eq!(
            super::libpq_url("postgres://u@h/d?statement-cache-capacity=1"),
            "postgres://u@h/d"
        );
        assert_eq!(super::libpq_url("postgres://u@h/d"), "postgres://u@h/d");
    }
}
