//! Persistence for motcua behind repository functions that return domain types.
//!
//! sea-orm on sqlx: one entity set and one migration set for SQLite (the embedded default) and
//! PostgreSQL, chosen at run time from the database URL. Per-engine SQL lives only in
//! [`dialect`]. Entities never leave this crate.

pub mod agencies;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod catalogue;
pub mod consents;
pub mod dialect;
pub mod dossiers;
mod entities;
pub mod factors;
pub mod feedback;
pub mod identities;
mod migration;
pub mod national;
pub mod notices;
pub mod payments;
pub mod privacy;
pub mod ratings;
pub mod reports;
pub mod results;
pub mod scanning;
pub mod seal;
pub mod settings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;
mod writer;
pub mod yearly;

use std::str::FromStr;
use std::time::Duration;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, SqlErr, SqlxPostgresConnector, SqlxSqliteConnector,
    TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

pub use sea_orm::ConnectionTrait as Conn;
pub use sea_orm::DbErr;
pub use writer::Tx;

/// Which engine a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write: the thing already exists.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("unsupported database URL (use sqlite:// or postgres://)")]
    BadUrl,
    #[error("database URL: {0}")]
    BadParameter(String),
    /// The database cannot be reached (stopped, unreachable, pool exhausted): a 503, retried.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Db(#[source] DbErr),
    /// A backup or restore could not be made (the cause in words).
    #[error("backup: {0}")]
    Backup(String),
}

/// Whether an error means the database is out of reach, rather than a fault of the statement.
fn outage(e: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let sqlx_outage = |r: &RuntimeErr| match r {
        RuntimeErr::SqlxError(e) => {
            matches!(
                **e,
                sqlx::Error::Io(_)
                    | sqlx::Error::Tls(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::WorkerCrashed
            ) || outage_code(e)
        }
        _ => false,
    };
    match e {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => sqlx_outage(r),
        _ => false,
    }
}

/// Codes the engines answer when they, not the statement, are the trouble: PostgreSQL's classes
/// 08 (connection exception), 53 (insufficient resources: disk full, out of memory, too many
/// connections) and 57P (shut down, restarting, not yet accepting); SQLite's SQLITE_BUSY after
/// the busy timeout and SQLITE_FULL (the disk is full; the transaction was rolled back).
fn outage_code(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(d) = e else {
        return false;
    };
    d.code().is_some_and(|c| {
        c.starts_with("08") || c.starts_with("53") || c.starts_with("57P") || c == "5" || c == "13"
    })
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(c)) => StoreError::Conflict(c),
            _ if outage(&e) => StoreError::Unavailable(e.to_string()),
            _ => StoreError::Db(e),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if matches!(
            e,
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
        ) || outage_code(&e)
        {
            return StoreError::Unavailable(e.to_string());
        }
        StoreError::Db(DbErr::Conn(sea_orm::RuntimeErr::Internal(e.to_string())))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database: a pool for either engine.
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
    /// SQLite's one writer connection: write transactions queue for it in the process (in the
    /// order they asked) instead of sleeping and retrying in SQLite's busy handler, which made
    /// the tail of concurrent writes long, and those that queue share one commit
    /// ([`writer`]). PostgreSQL writes through the pool: one writer connection per copy with
    /// the same shared commit was measured slower there (accept 321 → 215 requests/s at 16
    /// clients), each statement being a round trip to the server on the one connection.
    writer: Option<writer::Writer>,
    engine: Engine,
}

impl Db {
    /// Connects to `url`: `sqlite://path` (created if missing; WAL, synchronous=FULL, foreign
    /// keys on, busy timeout) or `postgres://…`. A bare path is taken as an SQLite file.
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = sqlx::postgres::PgConnectOptions::from_str(url)?;
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(16)
                // An outage answers 503 within seconds rather than holding requests (R4.2).
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts)
                .await?;
            return Ok(Db {
                conn: SqlxPostgresConnector::from_sqlx_postgres_pool(pool),
                writer: None,
                engine: Engine::Postgres,
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || url.contains("://") && !url.starts_with("sqlite:") {
            return Err(StoreError::BadUrl);
        }
        // `sqlite://file?mode=rwc` (as sqlx and most tools write it): the query's parameters are
        // sqlx's (mode, cache, immutable, vfs); an unknown one is refused with its name.
        let opts = match path.split_once('?') {
            Some((file, query)) => {
                let o = sqlx::sqlite::SqliteConnectOptions::from_str(&format!(
                    "sqlite://{file}?{query}"
                ))
                .map_err(|e| StoreError::BadParameter(e.to_string()))?;
                if query.contains("mode=") {
                    o
                } else {
                    o.create_if_missing(true)
                }
            }
            None => sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true),
        };
        let opts = opts
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
            .foreign_keys(true)
            // Reports group a year of dossiers: their sorts stay in memory, not temporary files.
            .pragma("temp_store", "MEMORY")
            .busy_timeout(Duration::from_secs(10));
        // The writer first: it creates the file and switches it to WAL before readers open it.
        // Neither pool pings a connection before lending it, as sqlx does by default: an
        // SQLite connection is a file in this process and cannot have hung up (its ping never
        // reaches the file), and each ping was one more round trip to the connection's thread
        // on every statement. sqlx still pings a connection when it is given back.
        let writer = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts.clone())
            .await?;
        // Eight readers: four (twice the cores here) measured no faster for reads and slower for
        // the reads before each write (acceptance 112/s against 194/s at 16 clients).
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Db {
            conn: SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
            writer: Some(writer::Writer::new(
                SqlxSqliteConnector::from_sqlx_sqlite_pool(writer),
            )),
            engine: Engine::Sqlite,
        })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The pool, for reads and single-statement writes.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Refreshes the planner's statistics (and, on PostgreSQL, the visibility map that
    /// index-only counts rely on), as an operator does after a bulk load.
    pub async fn analyze(&self) -> Result<()> {
        use sea_orm::ConnectionTrait;
        let sql = match self.engine {
            Engine::Sqlite => "ANALYZE",
            Engine::Postgres => "VACUUM ANALYZE",
        };
        self.conn.execute_unprepared(sql).await?;
        Ok(())
    }

    /// Starts a write transaction. On SQLite it waits for the one writer connection and joins
    /// the transaction the writes queued for it share ([`writer`]); its commit returns once
    /// that transaction is on disk.
    pub async fn write(&self) -> Result<Tx> {
        match &self.writer {
            Some(w) => w.begin().await,
            None => Ok(Tx::alone(self.conn.begin().await?)),
        }
    }

    /// Waits until the writes that began before are on disk (or failed). A write refused
    /// because another write of its shared commit took the row first (the same idempotency
    /// key, say) calls this before it reads the other's result through the pool, which sees
    /// it only once that commit is done.
    pub async fn settle(&self) -> Result<()> {
        match &self.writer {
            Some(w) => w.settle().await,
            None => Ok(()),
        }
    }

    /// Brings the schema up to date, in a transaction of its own. On PostgreSQL an advisory
    /// lock held for the transaction keeps several server copies from racing; on SQLite the
    /// immediate transaction does.
    pub async fn migrate(&self) -> Result<()> {
        let (_turn, tx) = match &self.writer {
            Some(w) => {
                let turn = w.alone().await?;
                let opts = TransactionOptions {
                    sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                    ..Default::default()
                };
                (Some(turn), w.conn().begin_with_options(opts).await?)
            }
            None => (None, self.conn.begin().await?),
        };
        dialect::migration_lock(&tx, self.engine).await?;
        migration::Migrator::up(&tx, None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the database answers (readiness), within two seconds.
    pub async fn ping(&self) -> Result<()> {
        match tokio::time::timeout(
            Duration::from_secs(2),
            self.conn.execute_unprepared("SELECT 1"),
        )
        .await
        {
            Ok(r) => r.map(|_| ()).map_err(StoreError::from),
            Err(_) => Err(StoreError::Unavailable("no answer within 2 s".into())),
        }
    }

    /// SQLite's `PRAGMA integrity_check` ("ok" when sound); "ok" on PostgreSQL.
    pub async fn integrity_check(&self) -> Result<String> {
        if self.engine == Engine::Postgres {
            return Ok("ok".into());
        }
        let row = self
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await?
            .ok_or(StoreError::NotFound)?;
        row.try_get_by_index::<String>(0).map_err(StoreError::Db)
    }

    /// The applied migrations, newest last.
    pub async fn applied_migrations(&self) -> Result<Vec<String>> {
        let rows = migration::Migrator::get_applied_migrations(&self.conn).await?;
        Ok(rows.into_iter().map(|m| m.name().to_string()).collect())
    }

    /// Engine settings that durability depends on, as `(name, value)` (for checks and tests).
    pub async fn durability_settings(&self) -> Result<Vec<(String, String)>> {
        dialect::durability_settings(&self.conn, self.engine).await
    }

    pub async fn close(self) -> Result<()> {
        if let Some(w) = self.writer {
            w.conn().clone().close().await?;
        }
        self.conn.close().await?;
        Ok(())
    }
}

/// Conversions between domain time (jiff) and stored time (chrono, UTC).
pub(crate) mod time {
    use chrono::{DateTime, NaiveDate, Utc};

    pub fn to_db(t: jiff::Timestamp) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(t.as_microsecond()).expect("timestamp in range")
    }
    pub fn from_db(t: DateTime<Utc>) -> jiff::Timestamp {
        jiff::Timestamp::from_microsecond(t.timestamp_micros()).expect("timestamp in range")
    }
    pub fn date_to_db(d: jiff::civil::Date) -> NaiveDate {
        NaiveDate::from_ymd_opt(i32::from(d.year()), d.month() as u32, d.day() as u32)
            .expect("date in range")
    }
    pub fn date_from_db(d: NaiveDate) -> jiff::civil::Date {
        use chrono::Datelike;
        jiff::civil::date(d.year() as i16, d.month() as i8, d.day() as i8)
    }
}
