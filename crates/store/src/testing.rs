//! Fresh databases for tests on either engine (used by the conformance suite and the test kit).
//! PostgreSQL: a new database on the server named by `MOTCUA_TEST_POSTGRES_URL`, dropped when
//! the guard is dropped. SQLite: a file in a temporary folder.
use std::str::FromStr;

use sqlx::ConnectOptions;

use crate::Engine;

/// Whether the PostgreSQL variant of a test should run. Under CI (`CI` set) a missing server
/// URL is an error, never a silent skip.
pub fn postgres_enabled() -> bool {
    if std::env::var("MOTCUA_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!("CI must run the PostgreSQL suite: set MOTCUA_TEST_POSTGRES_URL");
    }
    eprintln!("skipped: PostgreSQL variant (set MOTCUA_TEST_POSTGRES_URL to run it)");
    false
}

/// The personal-data keys of every test (fixed, so that every database a test process opens,
/// and every app in it, shares them; a process holds one installation's keys).
pub const TEST_KEYS: &str = "index ERERERERERERERERERERERERERERERERERERERERERE=\nkey 1 IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=\n";

/// Installs [`TEST_KEYS`].
pub fn install_test_keys() {
    crate::seal::install(crate::seal::Keyring::parse(TEST_KEYS).expect("test keys"))
        .expect("test keys install");
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(engine: Engine) -> TestDb {
        install_test_keys();
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
            Engine::Postgres => {
                let admin =
                    std::env::var("MOTCUA_TEST_POSTGRES_URL").expect("MOTCUA_TEST_POSTGRES_URL");
                let name = format!("motcua_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::postgres::PgConnectOptions::from_str(&admin)
                    .expect("postgres url")
                    .connect()
                    .await
                    .expect("connect to PostgreSQL");
                let sql = format!("CREATE DATABASE \"{name}\"");
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let opts = sqlx::postgres::PgConnectOptions::from_str(&admin)
                    .expect("postgres url")
                    .database(&name);
                let url = opts.to_url_lossy().to_string();
                TestDb {
                    url,
                    _dir: None,
                    pg: Some((admin, name)),
                }
            }
        }
    }

    /// A data folder next to the database (SQLite) or a fresh temporary one.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(|d| d.path())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            // Drop the database from a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(mut c) = sqlx::postgres::PgConnectOptions::from_str(&admin)
                        .expect("url")
                        .connect()
                        .await
                    {
                        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                            .execute(&mut c)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}
