//! SQLite's single write turn, shared out in order to this process's writers, with their commits
//! grouped.
//!
//! SQLite lets one transaction write at a time, so writers queue for the turn. A writer that
//! finishes while others are queued does not commit: it hands its open transaction to the next
//! writer and waits. The writer that ends the batch (nobody queued, or the batch is full or old)
//! commits once for all of them, and each is answered only then. A writer that fails inside a
//! batch is undone to its savepoint, and the others' work still commits. Nobody is answered
//! before the commit that holds their work, so an answered write survives a crash exactly as
//! before; a batch's writers are answered together, having paid for one commit instead of one
//! each.

use super::{StoreError, StoreResult};
use sqlx::{Any, Executor, Transaction};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

/// At most this many writers share one commit, so the first is not kept waiting long.
const MOST_WRITERS_PER_COMMIT: usize = 16;
/// A batch older than this commits, whoever is queued.
const OLDEST_BATCH: Duration = Duration::from_millis(8);
/// How long a writer waiting for its batch's commit waits before checking that someone will
/// commit it (the writer it was handed to may have gone away before taking it).
const HANDOVER_CHECK: Duration = Duration::from_millis(20);
const SAVEPOINT: &str = "SAVEPOINT write_turn_member";

/// What a writer waiting for its batch's commit is told: nothing, or why the batch was lost.
type CommitOutcome = Result<(), String>;

/// A transaction left open for the next writer, and the writers whose work it holds.
struct Batch {
    tx: Transaction<'static, Any>,
    waiting_for_commit: Vec<oneshot::Sender<CommitOutcome>>,
    started: Instant,
}

/// The turn itself: at most one writer holds it; between writers it may hold an open batch.
#[derive(Clone, Debug, Default)]
pub struct WriteTurn {
    slot: Arc<Mutex<Option<BatchSlot>>>,
    queued: Arc<AtomicUsize>,
    commits: Arc<AtomicUsize>,
}

/// `Batch` behind a Debug the pool's types do not give.
struct BatchSlot(Batch);

impl std::fmt::Debug for BatchSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Batch({} writers waiting for its commit)", self.0.waiting_for_commit.len())
    }
}

/// Counts a writer as queued until it has the turn, or until it stops waiting (its request
/// went away): a count left behind would make every lone writer wait for a successor.
struct InQueue<'a>(&'a AtomicUsize);

impl<'a> InQueue<'a> {
    fn join(queued: &'a AtomicUsize) -> Self {
        queued.fetch_add(1, Ordering::SeqCst);
        InQueue(queued)
    }
}

impl Drop for InQueue<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// This writer's hold on the turn, with the transaction it writes in.
pub struct TurnHeld {
    slot: OwnedMutexGuard<Option<BatchSlot>>,
    turn: WriteTurn,
    /// Earlier writers whose work is in the transaction; empty when this writer began it.
    waiting_for_commit: Vec<oneshot::Sender<CommitOutcome>>,
    started: Instant,
}

impl WriteTurn {
    /// Commits made through the turn since the server started.
    pub fn commits(&self) -> usize {
        self.commits.load(Ordering::Relaxed)
    }

    /// Waits for the turn. Returns the batch's open transaction, or None when this writer is to
    /// begin one (`begin` below).
    pub async fn take(&self) -> (TurnHeld, Option<Transaction<'static, Any>>) {
        let in_queue = InQueue::join(&self.queued);
        let mut slot = self.slot.clone().lock_owned().await;
        drop(in_queue);
        match slot.take() {
            Some(BatchSlot(batch)) => (
                TurnHeld { slot, turn: self.clone(), waiting_for_commit: batch.waiting_for_commit, started: batch.started },
                Some(batch.tx),
            ),
            None => (TurnHeld { slot, turn: self.clone(), waiting_for_commit: Vec::new(), started: Instant::now() }, None),
        }
    }
}

impl TurnHeld {
    /// Whether others' work is in this transaction: this writer's own is then in a savepoint.
    pub fn joined_a_batch(&self) -> bool {
        !self.waiting_for_commit.is_empty()
    }

    /// Marks where this writer's work starts in a batch's transaction. If that fails, the batch
    /// is committed for the writers before, and this writer is told to begin afresh.
    pub async fn enter(mut self, mut tx: Transaction<'static, Any>) -> (TurnHeld, Option<Transaction<'static, Any>>) {
        match run(&mut tx, SAVEPOINT).await {
            Ok(_) => (self, Some(tx)),
            Err(e) => {
                tracing::warn!(error = %e, "could not join the open write batch; committing it first");
                let waiting = std::mem::take(&mut self.waiting_for_commit);
                finish(&self.turn, tx, waiting).await.ok();
                self.started = Instant::now();
                (self, None)
            }
        }
    }

    /// This writer's work is done. Hands the transaction on when others are queued and the
    /// batch has room, and waits for the commit; otherwise commits for everyone in it.
    pub async fn commit(mut self, mut tx: Transaction<'static, Any>) -> StoreResult<()> {
        if self.joined_a_batch() {
            if let Err(e) = run(&mut tx, "RELEASE write_turn_member").await {
                // The transaction is in a state nobody can trust: nobody's work is kept.
                let waiting = std::mem::take(&mut self.waiting_for_commit);
                let message = format!("the write was not saved: {e}");
                tx.rollback().await.ok();
                tell(waiting, Err(message));
                return Err(StoreError::Database(e));
            }
        }
        let others_queued = self.turn.queued.load(Ordering::SeqCst) > 0;
        let room = self.waiting_for_commit.len() + 1 < MOST_WRITERS_PER_COMMIT;
        if others_queued && room && self.started.elapsed() < OLDEST_BATCH {
            let (told, outcome) = oneshot::channel();
            let mut waiting = std::mem::take(&mut self.waiting_for_commit);
            waiting.push(told);
            *self.slot = Some(BatchSlot(Batch { tx, waiting_for_commit: waiting, started: self.started }));
            let turn = self.turn.clone();
            drop(self);
            return wait_for_commit(turn, outcome).await;
        }
        let waiting = std::mem::take(&mut self.waiting_for_commit);
        finish(&self.turn, tx, waiting).await
    }

    /// This writer gave up (an error, or its request went away): undo its own work. Its
    /// transaction alone is rolled back by dropping it; in a batch only its savepoint is, and
    /// the earlier writers' work is committed, on a task, since a drop cannot wait.
    pub fn abandon(mut self, tx: Transaction<'static, Any>) {
        if !self.joined_a_batch() {
            drop(tx);
            return;
        }
        let waiting = std::mem::take(&mut self.waiting_for_commit);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tell(waiting, Err("the write was not saved: the server is stopping".into()));
            return;
        };
        runtime.spawn(async move {
            let mut tx = tx;
            let undone = async {
                run(&mut tx, "ROLLBACK TO write_turn_member").await?;
                run(&mut tx, "RELEASE write_turn_member").await
            }
            .await;
            match undone {
                Ok(_) => {
                    finish(&self.turn, tx, waiting).await.ok();
                }
                Err(e) => {
                    tx.rollback().await.ok();
                    tell(waiting, Err(format!("the write was not saved: {e}")));
                }
            }
            // The turn is held until the batch is settled.
            drop(self);
        });
    }
}

async fn run(tx: &mut Transaction<'static, Any>, sql: &str) -> Result<(), sqlx::Error> {
    (&mut **tx).execute(sql).await.map(|_| ())
}

/// Commits a batch and tells each writer in it.
async fn finish(turn: &WriteTurn, tx: Transaction<'static, Any>, waiting: Vec<oneshot::Sender<CommitOutcome>>) -> StoreResult<()> {
    turn.commits.fetch_add(1, Ordering::Relaxed);
    let committed = tx.commit().await;
    tell(waiting, committed.as_ref().map(|_| ()).map_err(|e| format!("the write was not saved: {e}")));
    Ok(committed?)
}

fn tell(waiting: Vec<oneshot::Sender<CommitOutcome>>, outcome: CommitOutcome) {
    for writer in waiting {
        // A writer whose request went away no longer listens; its work is committed all the same.
        let _ = writer.send(outcome.clone());
    }
}

/// Waits for the batch this writer handed on to be committed. If the writer it was handed to
/// went away before taking it and nobody else is queued, the batch would sit in the slot: so
/// every so often, a writer still waiting commits it itself if it is still there.
async fn wait_for_commit(turn: WriteTurn, mut outcome: oneshot::Receiver<CommitOutcome>) -> StoreResult<()> {
    loop {
        match tokio::time::timeout(HANDOVER_CHECK, &mut outcome).await {
            Ok(Ok(told)) => return told.map_err(StoreError::NotSaved),
            Ok(Err(_)) => return Err(StoreError::NotSaved("the write was not saved: its batch was dropped".into())),
            Err(_) => {
                if let Ok(mut slot) = turn.slot.clone().try_lock_owned() {
                    if let Some(BatchSlot(batch)) = slot.take() {
                        finish(&turn, batch.tx, batch.waiting_for_commit).await.ok();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{Store, StoreError};

    /// Writers that give up (an error, a refused statement, a dropped request) inside a batch
    /// lose their own work only; everyone answered is in the database, and commits were shared.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_writer_that_gives_up_in_a_batch_loses_only_its_own_work() {
        let dir = std::env::temp_dir().join(format!("asap-turn-{}", uuid::Uuid::new_v4().simple()));
        let store = Store::connect(&format!("sqlite://{}", dir.join("turn.db").display())).await.expect("store");
        sqlx::query("CREATE TABLE turntest (n INTEGER PRIMARY KEY)").execute(store.pool()).await.expect("table");
        let commits_before = store.write_turn.commits();
        let writers: Vec<_> = (0..96_i64)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut tx = store.begin_write().await?;
                    sqlx::query("INSERT INTO turntest (n) VALUES ($1)").bind(n).execute(&mut **tx).await?;
                    tokio::task::yield_now().await;
                    match n % 4 {
                        // Refused by the database (the key is taken), so the writer gives up.
                        1 => {
                            sqlx::query("INSERT INTO turntest (n) VALUES ($1)").bind(n).execute(&mut **tx).await?;
                            Ok(false)
                        }
                        // Gives up for a reason of its own.
                        2 => Ok(false),
                        _ => {
                            tx.commit().await?;
                            Ok::<bool, StoreError>(true)
                        }
                    }
                })
            })
            .collect();
        let mut answered = Vec::new();
        for (n, writer) in writers.into_iter().enumerate() {
            if matches!(writer.await.expect("writer ran"), Ok(true)) {
                answered.push(n as i64);
            }
        }
        // Settled batches: a writer given up is undone on a task.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let stored: Vec<i64> = sqlx::query_scalar("SELECT n FROM turntest ORDER BY n").fetch_all(store.pool()).await.expect("rows");
        assert_eq!(stored, answered, "exactly the writes answered as committed are stored");
        assert_eq!(answered.len(), 48);
        let commits = store.write_turn.commits() - commits_before;
        assert!(commits < answered.len(), "{commits} commits for {} writers: commits were shared", answered.len());
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
