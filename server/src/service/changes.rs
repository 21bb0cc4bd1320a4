//! What changed, pushed to the pages. One poller per process reads the change feed the
//! database triggers write (so changes made by any process, an import included, are seen) and
//! hands each batch to every open page of this process; a page costs nothing while nothing changes.

use super::{ServiceResult, Services};
use crate::store;
use crate::store::changes::ChangeRow;
use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

pub use app::view::changes::{Change, ChangeBatch};

fn batch_of(rows: &[ChangeRow]) -> ChangeBatch {
    ChangeBatch {
        last: rows.iter().map(|r| r.change_num).max().unwrap_or(0),
        changes: rows.iter().map(|r| Change { kind: r.kind, clinic: r.clinic_num, day: r.day.clone(), slot_day: r.slot_day.clone() }).collect(),
    }
}

/// Change numbers can become visible out of order on PostgreSQL (a transaction that took a
/// lower number commits later), so the poller looks back a little and remembers what it passed on.
const LOOK_BACK: i64 = 200;

/// This process's view of the feed.
#[derive(Clone)]
pub struct ChangeFeed {
    sender: broadcast::Sender<Arc<ChangeBatch>>,
    state: Arc<Mutex<FeedState>>,
}

struct FeedState {
    last: Option<i64>,
    seen: BTreeSet<i64>,
    order: VecDeque<i64>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(256);
        ChangeFeed { sender, state: Arc::new(Mutex::new(FeedState { last: None, seen: BTreeSet::new(), order: VecDeque::new() })) }
    }
}

impl ChangeFeed {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ChangeBatch>> {
        self.sender.subscribe()
    }

    /// Keeps the numbers not passed on yet, remembering the rest.
    fn fresh(&self, rows: Vec<ChangeRow>) -> Vec<ChangeRow> {
        let Ok(mut state) = self.state.lock() else { return rows };
        let mut out = Vec::new();
        for r in rows {
            if state.seen.insert(r.change_num) {
                state.order.push_back(r.change_num);
                state.last = Some(state.last.map_or(r.change_num, |l| l.max(r.change_num)));
                out.push(r);
            }
        }
        while state.order.len() > 4 * LOOK_BACK as usize {
            if let Some(old) = state.order.pop_front() {
                state.seen.remove(&old);
            }
        }
        out
    }

    fn last(&self) -> Option<i64> {
        self.state.lock().ok().and_then(|s| s.last)
    }
}

impl Services {
    /// One look at the feed: passes new changes to the open pages; true when office settings
    /// changed (cached settings must be read again).
    pub async fn poll_changes(&self) -> ServiceResult<bool> {
        let mut conn = self.store.pool().acquire().await?;
        let Some(last) = self.changes.last() else {
            // First look: start from now; pages read their data afresh when they open.
            let newest = store::changes::last_change(&mut conn).await?;
            if let Ok(mut s) = self.changes.state.lock() {
                s.last = Some(newest);
            }
            return Ok(false);
        };
        let rows = store::changes::changes_after(&mut conn, (last - LOOK_BACK).max(0), 2000).await?;
        let fresh = self.changes.fresh(rows);
        if fresh.is_empty() {
            return Ok(false);
        }
        let office = fresh.iter().any(|r| r.kind == store::changes::CHANGE_OFFICE);
        let _ = self.changes.sender.send(Arc::new(batch_of(&fresh)));
        Ok(office)
    }

    /// The changes after `after`, for a page that reconnects; None when some are no longer kept
    /// (the page then reads everything again).
    pub async fn changes_since(&self, after: i64) -> ServiceResult<Option<ChangeBatch>> {
        let mut conn = self.store.pool().acquire().await?;
        let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(changenum) FROM asapchange").fetch_one(&mut *conn).await?;
        if oldest.is_some_and(|o| o > after + 1) {
            return Ok(None);
        }
        let rows = store::changes::changes_after(&mut conn, after, 1001).await?;
        if rows.len() > 1000 {
            return Ok(None);
        }
        let mut batch = batch_of(&rows);
        batch.last = batch.last.max(after);
        Ok(Some(batch))
    }
}
