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
    /// A write's savepoint may be open: set before `SAVEPOINT`, cleared once it is released.
    inside: bool,
    done: watch::Sender<Outcome>,
}

pub(crate) type Guard = OwnedMutexGuard<Option<Open>>;

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
    pub(crate) async fn alone(&self) -> Result<Guard, StoreError> {
        loop {
            let guard = self.turn().await?;
            if guard.is_none() {
                return Ok(guard);
            }
            // The transaction was left open for this turn: commit it in a task of its own,
            // then wait for the turn again.
            let _ = Turn(Some(guard)).end().await;
        }
    }

    /// Waits until every write that began before is committed or rolled back.
    pub(crate) async fn settle(&self) -> Result<(), StoreError> {
        self.alone().await.map(drop)
    }

    /// Waits for the writer's turn, as long as a pool waits for a connection: a write that
    /// cannot have it answers "unavailable" (a 503) rather than holding its request (R4.2).
    async fn turn(&self) -> Result<Guard, StoreError> {
        let queued = Queued::new(self);
        let guard = tokio::time::timeout(WAIT, self.open.clone().lock_owned())
            .await
            .map_err(|e| StoreError::Unavailable(format!("the writer was busy for 10 s ({e})")))?;
        queued.served();
        Ok(guard)
    }

    /// A write in a savepoint of the shared transaction, which is begun `IMMEDIATE` when none
    /// is open, so that a read inside it cannot fail when it turns into a write.
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        let mut turn = Turn(Some(self.turn().await?));
        if turn.open().is_none() {
            let opts = TransactionOptions {
                sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                ..Default::default()
            };
            let outer = self.conn.begin_with_options(opts).await?;
            *turn.open() = Some(Open {
                outer,
                writes: 0,
                inside: false,
                done: watch::channel(None).0,
            });
        }
        let open = turn.open().as_mut().expect("opened above");
        // The savepoints are written here rather than through sea-orm's nested transactions:
        // the turn then knows what is open whatever point a cancelled request stopped at.
        open.inside = true;
        open.writes += 1;
        let done = open.done.subscribe();
        open.outer.execute_unprepared("SAVEPOINT w").await?;
        Ok(Tx(Kind::Shared {
            turn,
            done,
            waiting: self.waiting.clone(),
        }))
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
                let guard = w.open.clone().lock_owned().await;
                if w.waiting.load(Ordering::Acquire) == 0 {
                    Turn(Some(guard)).finish();
                }
            });
        }
    }
}

/// The writer's turn, held while a write uses the shared transaction. Dropped without being
/// handed on (the write's error, its request cancelled at any point, a panic), it ends the
/// shared transaction in a task of its own: see [`end`].
struct Turn(Option<Guard>);

impl Turn {
    fn open(&mut self) -> &mut Option<Open> {
        self.0.as_mut().expect("the turn is held")
    }

    fn outer(&self) -> &DatabaseTransaction {
        let open = self.0.as_ref().expect("the turn is held");
        &open.as_ref().expect("a transaction is open").outer
    }

    /// Leaves the shared transaction open for the write waiting for the next turn.
    fn hand_on(mut self) {
        self.0.take();
    }

    /// Ends the shared transaction in a task of its own; a request cancelled meanwhile cannot
    /// stop an end that other writes wait for.
    fn finish(mut self) -> Option<tokio::task::JoinHandle<()>> {
        let mut guard = self.0.take()?;
        guard.as_ref()?;
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => Some(rt.spawn(end(guard))),
            // No runtime (the process is ending): the transaction rolls back when dropped, and
            // its writes, none of them acknowledged, are told it did not finish.
            Err(_) => {
                guard.take();
                None
            }
        }
    }

    async fn end(self) {
        if let Some(task) = self.finish() {
            let _ = task.await;
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if self.0.is_some() {
            Turn(self.0.take()).finish();
        }
    }
}

/// Ends the shared transaction and tells each of its writes how. A write's savepoint still
/// open (it failed, or its request was cancelled) is rolled back first and the writes before
/// it are committed. If it cannot be rolled back (it was never made, or the engine already
/// undid the whole transaction), the transaction is rolled back and every write in it fails:
/// none of them was acknowledged.
async fn end(mut guard: Guard) {
    let Some(open) = guard.take() else { return };
    let unwound = match open.inside {
        true => rollback_savepoint(&open.outer).await,
        false => Ok(()),
    };
    let outcome = match unwound {
        Ok(()) => open.outer.commit().await,
        Err(e) => {
            let _ = open.outer.rollback().await;
            Err(e)
        }
    };
    let outcome = outcome.map_err(|e| Failed {
        outage: outage(&e),
        message: e.to_string(),
    });
    open.done.send_replace(Some(outcome));
}

async fn rollback_savepoint(outer: &DatabaseTransaction) -> Result<(), DbErr> {
    outer.execute_unprepared("ROLLBACK TO w").await?;
    outer.execute_unprepared("RELEASE w").await?;
    Ok(())
}

/// A write transaction (see [`crate::Db::write`]). On SQLite it is a savepoint of the writer's
/// shared transaction; on PostgreSQL a transaction of its own.
pub struct Tx(Kind);

enum Kind {
    Alone(DatabaseTransaction),
    Shared {
        turn: Turn,
        done: watch::Receiver<Outcome>,
        waiting: Arc<AtomicUsize>,
    },
    Ended,
}

impl Tx {
    pub(crate) fn alone(inner: DatabaseTransaction) -> Tx {
        Tx(Kind::Alone(inner))
    }

    fn conn(&self) -> &DatabaseTransaction {
        match &self.0 {
            Kind::Alone(t) => t,
            Kind::Shared { turn, .. } => turn.outer(),
            Kind::Ended => unreachable!("a transaction is used only until it ends"),
        }
    }

    /// Commits the write; returns once it is on disk.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let (mut turn, mut done, waiting) = match std::mem::replace(&mut self.0, Kind::Ended) {
            Kind::Alone(t) => return Ok(t.commit().await?),
            Kind::Shared {
                turn,
                done,
                waiting,
            } => (turn, done, waiting),
            Kind::Ended => unreachable!("a transaction ends once"),
        };
        // A failure here drops the turn, which rolls the savepoint back.
        turn.outer().execute_unprepared("RELEASE w").await?;
        let open = turn.open().as_mut().expect("a transaction is open");
        open.inside = false;
        if open.writes < BATCH && waiting.load(Ordering::Acquire) > 0 {
            turn.hand_on();
        } else {
            turn.finish();
        }
        let outcome = done.wait_for(Option::is_some).await.map_err(|e| {
            StoreError::Unavailable(format!("the commit of this write did not finish ({e})"))
        })?;
        Ok(outcome.clone().expect("waited for")?)
    }

    /// Rolls the write back. A shared transaction is ended by a task of its own (see
    /// [`end`]); the next write waits for it.
    pub async fn rollback(self) -> Result<(), StoreError> {
        if let Kind::Alone(t) = self.0 {
            return Ok(t.rollback().await?);
        }
        Ok(())
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
        self.conn().get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.conn().execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.conn().execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.conn().query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.conn().query_all_raw(stmt).await
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
