//! Background work in the server process: the sender (due texts, woken when new ones are
//! queued), the sweeper (openings that started, offers that expired, sends interrupted by a
//! crash), and with Open Dental set up, the sync and the write-back. Both stop cleanly when the server shuts down, and both are safe to run in several
//! processes on one PostgreSQL.

use crate::service::Services;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The longest the sender sleeps without looking for due texts.
const SENDER_IDLE: Duration = Duration::from_secs(5);
const SWEEP_EVERY: Duration = Duration::from_secs(20);

pub struct Workers {
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    pub fn start(services: Services, stop: watch::Receiver<bool>) -> Workers {
        let mut tasks = vec![tokio::spawn(run_sender(services.clone(), stop.clone()))];
        if services.opendental.is_some() {
            tasks.push(tokio::spawn(run_sync(services.clone(), stop.clone())));
            tasks.push(tokio::spawn(run_writeback(services.clone(), stop.clone())));
        }
        tasks.push(tokio::spawn(run_sweeper(services, stop)));
        Workers { tasks }
    }

    /// The change feed's poller, which every serving process runs (pages live on it).
    pub fn start_feed(services: Services, stop: watch::Receiver<bool>) -> Workers {
        Workers { tasks: vec![tokio::spawn(run_feed(services, stop))] }
    }

    /// Waits for the workers to finish what they are doing after the stop signal.
    pub async fn join(self) {
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn run_sender(services: Services, mut stop: watch::Receiver<bool>) {
    // Anything a previous run left half-way is settled before new texts go out.
    if let Err(e) = services.recover_interrupted_sends().await {
        tracing::error!(error = %e, "could not recover interrupted sends");
    }
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = services.send_due_texts().await {
            tracing::error!(error = %e, "sending due texts failed; trying again shortly");
        } else {
            crate::telemetry::sender_heartbeat(services.clock.unix_now());
        }
        let nap = match services.next_text_due().await {
            Ok(Some(due)) => {
                let prefs = services.prefs().await.unwrap_or_default();
                let now = services.clock.now(&prefs);
                Duration::from_secs(now.seconds_until(due).clamp(0, SENDER_IDLE.as_secs() as i64) as u64)
            }
            _ => SENDER_IDLE,
        }
        .max(Duration::from_millis(200));
        tokio::select! {
            _ = stop.changed() => return,
            _ = services.sender_wake.notified() => {}
            _ = tokio::time::sleep(nap) => {}
        }
    }
}

async fn run_sweeper(services: Services, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let started = std::time::Instant::now();
        match services.sweep().await {
            Ok(_) => crate::telemetry::sweep(started.elapsed(), services.clock.unix_now()),
            Err(e) => tracing::error!(error = %e, "closing out openings failed; trying again shortly"),
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(SWEEP_EVERY) => {}
        }
    }
}

/// The longest a failing sync waits before trying again.
const SYNC_BACKOFF_MAX: Duration = Duration::from_secs(15 * 60);
const WRITEBACK_IDLE: Duration = Duration::from_secs(5);

/// A sync pass every interval; after a failure the pause doubles (to at most 15 minutes), so
/// an Open Dental that is down is not pressed, and the first success brings the pace back.
async fn run_sync(services: Services, mut stop: watch::Receiver<bool>) {
    let mut failures: u32 = 0;
    // The first pass after a start may read a whole office: it says how far it is in the log.
    let mut first = true;
    loop {
        if *stop.borrow() {
            return;
        }
        let started = tokio::time::Instant::now();
        let progress = if first { crate::progress::Progress::start_on(false, "first sync pass", "rows", None) } else { crate::progress::Progress::hidden() };
        first = false;
        match crate::service::sync::pass_with_progress(&services, &progress).await {
            Ok(report) => {
                failures = 0;
                crate::telemetry::sync_pass(true, started.elapsed());
                if report.full || !report.rows.is_empty() || report.closed_openings > 0 {
                    tracing::info!(%report, "Open Dental sync");
                }
            }
            Err(crate::service::sync::SyncError::Running) => {}
            Err(e) => {
                failures = failures.saturating_add(1);
                crate::telemetry::sync_pass(false, started.elapsed());
                tracing::warn!(error = %e, failures, "Open Dental sync failed; trying again later");
            }
        }
        let pause = if failures == 0 {
            services.sync.interval.saturating_sub(started.elapsed())
        } else {
            (services.sync.interval * 2u32.saturating_pow(failures.min(10))).min(SYNC_BACKOFF_MAX)
        };
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(pause.max(Duration::from_millis(200))) => {}
        }
    }
}

/// Delivers the writes claims queued for Open Dental, woken when one is queued.
async fn run_writeback(services: Services, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = crate::service::writeback::deliver_due(&services).await {
            tracing::error!(error = %e, "writing to Open Dental failed; trying again shortly");
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = services.writeback_wake.notified() => {}
            _ = tokio::time::sleep(WRITEBACK_IDLE) => {}
        }
    }
}

/// How often this process looks for changes to push to its pages.
const FEED_EVERY: Duration = Duration::from_millis(500);

async fn run_feed(services: Services, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = services.poll_changes().await {
            tracing::warn!(error = %e, "reading the change feed failed; trying again shortly");
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(FEED_EVERY) => {}
        }
    }
}
