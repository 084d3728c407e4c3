//! Group commit on SQLite's one writer connection.
//!
//! Every commit on SQLite (WAL, `synchronous=FULL`) waits for one fsync of the log, about a
//! millisecond and a half on this project's machines: more than the statements of a whole
//! acceptance. Writes already queue for the one writer connection; here the writes that queue
//! share one transaction and its one commit. Each write runs in its own savepoint inside the
//! shared transaction, so a write that fails rolls back alone, and each is answered only after
//! the commit that holds it has reached the disk (R4.2): none is acknowledged early, and if the
//! commit fails every write in it gets the error.
//!
//! A write joins the open transaction only while another write is waiting for its turn, and at
//! most [`BATCH`] share one commit: a write with nobody behind it commits at once, as before.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use crate::{StoreError, outage};

/// The most writes one commit holds, so that the first of them does not wait behind a queue
/// without end.
const BATCH: usize = 32;

/// How long a write waits for its turn before it gives up.
const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// How a shared commit ended: `None` until it has; the error as the store reports it.
type Outcome = Option<Result<(), Failed>>;

/// A failed commit, as each write of it reports it (a database error cannot be cloned).
#[derive(Clone, Debug)]
struct Failed {
    outage: bool,
    message: String,
}

impl From<Failed> for StoreError {
    fn from(f: Failed) -> Self {
        if f.outage {
            StoreError::Unavailable(f.message)
        } else {
            StoreError::Db(DbErr::Custom(f.message))
        }
    }
}

/// The transaction open on the writer connection and the writes it holds.
pub(crate) struct Open {
    outer: DatabaseTransaction,
    writes: usize,
    done: watch::Sender<Outcome>,
}

pub(crate) type Turn = OwnedMutexGuard<Option<Open>>;

/// The one writer connection and the transaction its writes share.
#[derive(Clone)]
pub(crate) struct Writer {
    conn: DatabaseConnection,
    open: Arc<Mutex<Option<Open>>>,
    /// Writes waiting for their turn: while there are any, a write leaves the transaction open
    /// for them instead of committing.
    waiting: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    pub(crate) fn new(conn: DatabaseConnection) -> Writer {
        Writer {
            conn,
            open: Arc::new(Mutex::new(None)),
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub(crate) fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Waits for the writer (in the order asked), with no shared transaction open: for work
    /// that needs the connection's own transaction (migrations).
    pub(crate) async fn alone(&self) -> Result<Turn, StoreError> {
        let mut turn = self.turn().await?;
        if let Some(open) = turn.take() {
            commit(open).await;
        }
        Ok(turn)
    }

    /// Waits for the writer's turn, as long as a pool waits for a connection: a write that
    /// cannot have it answers "unavailable" (a 503) rather than holding its request (R4.2).
    /// Waits until every write that began before is committed or rolled back.
    pub(crate) async fn settle(&self) -> Result<(), StoreError> {
        self.alone().await.map(drop)
    }

    async fn turn(&self) -> Result<Turn, StoreError> {
        let queued = Queued::new(self);
        let turn = tokio::time::timeout(WAIT, self.open.clone().lock_owned())
            .await
            .map_err(|_| StoreError::Unavailable("the writer was busy for 10 s".into()))?;
        queued.served();
        Ok(turn)
    }

    /// A write in a savepoint of the shared transaction, which is begun `IMMEDIATE` when none
    /// is open, so that a read inside it cannot fail when it turns into a write.
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        let mut turn = self.turn().await?;
        if turn.is_none() {
            let opts = TransactionOptions {
                sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                ..Default::default()
            };
            let outer = self.conn.begin_with_options(opts).await?;
            *turn = Some(Open {
                outer,
                writes: 0,
                done: watch::channel(None).0,
            });
        }
        let open = turn.as_mut().expect("opened above");
        let inner = match open.outer.begin().await {
            Ok(inner) => inner,
            Err(e) => {
                spawn_commit(turn);
                return Err(e.into());
            }
        };
        open.writes += 1;
        let done = open.done.subscribe();
        Ok(Tx {
            inner: Some(inner),
            shared: Some(Shared {
                turn,
                done,
                waiting: self.waiting.clone(),
            }),
        })
    }
}

/// A write waiting for its turn. If it is given up before its turn comes (its request was
/// cancelled), the write before it may have left the transaction open for it: a task then
/// takes the turn and commits, so that the writes in that transaction are not left waiting.
struct Queued {
    writer: Option<Writer>,
}

impl Queued {
    fn new(w: &Writer) -> Queued {
        w.waiting.fetch_add(1, Ordering::AcqRel);
        Queued {
            writer: Some(w.clone()),
        }
    }

    fn served(mut self) {
        if let Some(w) = self.writer.take() {
            w.waiting.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        let Some(w) = self.writer.take() else { return };
        w.waiting.fetch_sub(1, Ordering::AcqRel);
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let mut turn = w.open.clone().lock_owned().await;
                if w.waiting.load(Ordering::Acquire) == 0
                    && let Some(open) = turn.take()
                {
                    commit(open).await;
                }
            });
        }
    }
}

/// Commits the shared transaction and tells each of its writes how it went.
async fn commit(open: Open) {
    let outcome = open.outer.commit().await.map_err(|e| Failed {
        outage: outage(&e),
        message: e.to_string(),
    });
    open.done.send_replace(Some(outcome));
}

/// Commits the shared transaction in a task of its own, holding the turn until it is done: a
/// request cancelled meanwhile cannot stop a commit that other writes wait for.
fn spawn_commit(mut turn: Turn) {
    let Some(open) = turn.take() else { return };
    let commit = async move {
        commit(open).await;
        drop(turn);
    };
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => {
            rt.spawn(commit);
        }
        // No runtime (the process is ending): the transaction rolls back when dropped, and its
        // writes, none of them acknowledged, are told it failed.
        Err(_) => drop(commit),
    }
}

/// A write's share of the writer: its turn, and how it learns the shared commit's outcome.
struct Shared {
    turn: Turn,
    done: watch::Receiver<Outcome>,
    waiting: Arc<AtomicUsize>,
}

impl Shared {
    /// Leaves the transaction open for the next write if one is waiting and there is room,
    /// or commits it. A write that did not end well (`clean` false) always ends the
    /// transaction: after a failed statement the connection's state is the engine's to say.
    fn hand_on(self, clean: bool) -> watch::Receiver<Outcome> {
        let room = self.turn.as_ref().is_some_and(|o| o.writes < BATCH);
        if clean && room && self.waiting.load(Ordering::Acquire) > 0 {
            drop(self.turn);
        } else {
            spawn_commit(self.turn);
        }
        self.done
    }
}

/// A write transaction (see [`crate::Db::write`]). On SQLite it is a savepoint of the writer's
/// shared transaction; on PostgreSQL a transaction of its own.
pub struct Tx {
    inner: Option<DatabaseTransaction>,
    shared: Option<Shared>,
}

impl Tx {
    pub(crate) fn alone(inner: DatabaseTransaction) -> Tx {
        Tx {
            inner: Some(inner),
            shared: None,
        }
    }

    fn inner(&self) -> &DatabaseTransaction {
        self.inner.as_ref().expect("a transaction until committed")
    }

    /// Commits the write; returns once it is on disk.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let inner = self.inner.take().expect("a transaction until committed");
        let Some(shared) = self.shared.take() else {
            return Ok(inner.commit().await?);
        };
        let released = inner.commit().await;
        let mut done = shared.hand_on(released.is_ok());
        released?;
        let outcome = done.wait_for(Option::is_some).await.map_err(|_| {
            StoreError::Unavailable("the commit of this write did not finish".into())
        })?;
        Ok(outcome.clone().expect("waited for")?)
    }

    /// Rolls the write back.
    pub async fn rollback(mut self) -> Result<(), StoreError> {
        let inner = self.inner.take().expect("a transaction until committed");
        let rolled = inner.rollback().await;
        if let Some(shared) = self.shared.take() {
            shared.hand_on(rolled.is_ok());
        }
        Ok(rolled?)
    }
}

impl Drop for Tx {
    /// A write dropped before its commit (an error returned early, or its request cancelled)
    /// rolls back its savepoint and ends the shared transaction.
    fn drop(&mut self) {
        drop(self.inner.take());
        if let Some(shared) = self.shared.take() {
            shared.hand_on(false);
        }
    }
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tx")
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Tx {
    fn get_database_backend(&self) -> DbBackend {
        self.inner().get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.inner().execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.inner().execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.inner().query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.inner().query_all_raw(stmt).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "current_thread")]
    async fn a_write_given_up_in_the_queue_does_not_strand_the_writes_before_it() {
        let dir = std::env::temp_dir().join(format!("motcua-writer-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = crate::Db::connect(dir.join("t.db").to_str().unwrap())
            .await
            .unwrap();
        let w = db.writer.clone().unwrap();
        let a = w.begin().await.unwrap();
        a.execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await
            .unwrap();
        // A write counted as waiting for its turn, as `turn` counts it.
        let queued = Queued::new(&w);
        let a_done = tokio::spawn(a.commit());
        // The first write leaves the transaction open for it and waits for the commit.
        let left_open = async {
            loop {
                if let Ok(turn) = w.open.try_lock()
                    && turn.is_some()
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), left_open)
            .await
            .expect("the first write hands the transaction on");
        assert!(!a_done.is_finished());
        // The waiting write's request is cancelled before its turn comes.
        drop(queued);
        tokio::time::timeout(Duration::from_secs(10), a_done)
            .await
            .expect("the first write is not left waiting")
            .unwrap()
            .unwrap();
        db.conn()
            .execute_unprepared("SELECT x FROM t")
            .await
            .expect("committed");
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
