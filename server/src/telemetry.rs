//! What the server counts for the people who run it: every metric's name, labels and unit, and
//! the helpers that record them, in one place so a dashboard and the alerts can trust them.
//!
//! Recording goes through the `metrics` facade. Until [`install`] is called (the server does so
//! only when `ASAP_METRICS_ADDR` is set) every helper here is a no-op that costs a branch.
//!
//! Label values are bounded: a route template, a method, a status class, a channel, an outcome,
//! a clinic number. A patient, a link code, a phone number or a key never becomes a label.

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

pub const HTTP_REQUESTS: &str = "http_requests_total";
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
pub const MESSAGES: &str = "asap_messages_total";
pub const MESSAGES_AWAITING_RECEIPT: &str = "asap_messages_awaiting_receipt";
pub const QUEUE_DEPTH: &str = "asap_send_queue_depth";
pub const QUEUE_OLDEST_DUE: &str = "asap_send_queue_oldest_due_seconds";
pub const SENDER_HEARTBEAT: &str = "asap_sender_heartbeat_timestamp_seconds";
pub const OPENINGS: &str = "asap_openings_total";
pub const OFFERS_MADE: &str = "asap_offers_made_total";
pub const CLAIM_DURATION: &str = "asap_claim_duration_seconds";
pub const SWEEP_DURATION: &str = "asap_sweep_duration_seconds";
pub const SWEEP_HEARTBEAT: &str = "asap_sweep_heartbeat_timestamp_seconds";
pub const SYNC_PASSES: &str = "asap_opendental_sync_passes_total";
pub const SYNC_DURATION: &str = "asap_opendental_sync_pass_duration_seconds";
pub const SYNC_LAST_SUCCESS: &str = "asap_opendental_sync_last_success_timestamp_seconds";
pub const SYNC_LAG: &str = "asap_opendental_sync_lag_seconds";
pub const SYNC_INTERVAL: &str = "asap_opendental_sync_interval_seconds";
pub const SYNC_WRITES: &str = "asap_opendental_writes";
pub const DB_CONNECTIONS: &str = "asap_db_pool_connections";
pub const DB_MAX_CONNECTIONS: &str = "asap_db_pool_max_connections";
pub const DB_WRITE_WAIT: &str = "asap_db_write_wait_seconds";
pub const DB_SIZE: &str = "asap_database_size_bytes";
pub const DB_FS_FREE: &str = "asap_database_filesystem_free_bytes";
pub const DB_FS_SIZE: &str = "asap_database_filesystem_size_bytes";
pub const BUILD_INFO: &str = "asap_build_info";
pub const SCRAPE_DURATION: &str = "asap_metrics_scrape_duration_seconds";

/// Request and claim latencies: a page or API call is expected well under a second.
const LATENCY_BUCKETS: &[f64] = &[0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Waiting for the database's write turn: usually microseconds, seconds when something is wrong.
const WAIT_BUCKETS: &[f64] = &[0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0];
/// Background passes (sweep, sync): up to minutes for a first sync of a large office.
const PASS_BUCKETS: &[f64] = &[0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder, once; later calls return the same handle. `None` when
/// another recorder was installed first (then this process's figures go there).
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), LATENCY_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(CLAIM_DURATION.into()), LATENCY_BUCKETS))
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(DB_WRITE_WAIT.into()), WAIT_BUCKETS))
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(SWEEP_DURATION.into()), PASS_BUCKETS))
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(SYNC_DURATION.into()), PASS_BUCKETS));
            let recorder = match builder {
                Ok(b) => b.build_recorder(),
                Err(e) => {
                    tracing::error!(error = %e, "metrics are off: the histogram buckets were refused");
                    return None;
                }
            };
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("metrics are off: another recorder was installed first");
                return None;
            }
            describe();
            gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            Some(handle)
        })
        .clone()
}

/// The HELP lines a scraper shows beside each metric.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by route template, method and status class.");
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "Time to answer an HTTP request, by route template, method and status class.");
    describe_counter!(MESSAGES, "Texts and emails handed to the provider, by channel, purpose, outcome and clinic.");
    describe_gauge!(MESSAGES_AWAITING_RECEIPT, "Texts and emails the provider took but has not yet reported delivered, by channel and clinic.");
    describe_gauge!(QUEUE_DEPTH, "Texts and emails due now and not yet handed to the provider, by channel.");
    describe_gauge!(QUEUE_OLDEST_DUE, Unit::Seconds, "How long the oldest due text or email has waited past its time, by channel.");
    describe_gauge!(SENDER_HEARTBEAT, Unit::Seconds, "When this process's sender last looked for due messages (Unix time).");
    describe_counter!(OPENINGS, "Openings by what happened to them: offered (a new opening), filled (claimed), lapsed (started unfilled).");
    describe_counter!(OFFERS_MADE, "Offers made to patients (one per patient per opening), by clinic.");
    describe_histogram!(CLAIM_DURATION, Unit::Seconds, "Time from a patient's 'book me' to the page that answers it, by result.");
    describe_histogram!(SWEEP_DURATION, Unit::Seconds, "Time one close-out sweep took.");
    describe_gauge!(SWEEP_HEARTBEAT, Unit::Seconds, "When this process's close-out sweep last finished (Unix time).");
    describe_counter!(SYNC_PASSES, "Open Dental sync passes, by result.");
    describe_histogram!(SYNC_DURATION, Unit::Seconds, "Time one Open Dental sync pass took.");
    describe_gauge!(SYNC_LAST_SUCCESS, Unit::Seconds, "When the last Open Dental sync pass succeeded (Unix time; 0: never).");
    describe_gauge!(SYNC_LAG, Unit::Seconds, "Seconds since the last successful Open Dental sync pass.");
    describe_gauge!(SYNC_INTERVAL, Unit::Seconds, "The configured time between Open Dental sync passes.");
    describe_gauge!(SYNC_WRITES, "Writes for Open Dental, by state (waiting, refused).");
    describe_gauge!(DB_CONNECTIONS, "Database connections in this process's pool, by state (in_use, idle).");
    describe_gauge!(DB_MAX_CONNECTIONS, "The most connections this process's pool opens.");
    describe_histogram!(DB_WRITE_WAIT, Unit::Seconds, "Time a writer waited for its turn to write (pool and write lock).");
    describe_gauge!(DB_SIZE, Unit::Bytes, "Size of the SQLite database file with its write-ahead log.");
    describe_gauge!(DB_FS_FREE, Unit::Bytes, "Free space on the file system holding the SQLite database.");
    describe_gauge!(DB_FS_SIZE, Unit::Bytes, "Size of the file system holding the SQLite database.");
    describe_gauge!(BUILD_INFO, "Always 1; the version label says which build is running.");
    describe_gauge!(SCRAPE_DURATION, Unit::Seconds, "Time the last scrape spent reading the queue and sync figures.");
}

/// A status code's class, "2xx" … "5xx".
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The standard methods by name; anything else is "other", so a client cannot mint labels.
pub fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

pub fn http_request(route: String, method: &str, status: u16, took: Duration) {
    let labels = [("route", route), ("method", method_label(method).to_string()), ("status", status_class(status).to_string())];
    counter!(HTTP_REQUESTS, &labels).increment(1);
    histogram!(HTTP_DURATION, &labels).record(took.as_secs_f64());
}

/// One text or email handed over (or not): `outcome` is sent, failed, unknown, retry,
/// cancelled or waiting.
pub fn message(text: bool, confirmation: bool, outcome: &'static str, clinic_num: i64) {
    counter!(
        MESSAGES,
        "channel" => if text { "text" } else { "email" },
        "purpose" => if confirmation { "confirmation" } else { "offer" },
        "outcome" => outcome,
        "clinic" => clinic_num.to_string()
    )
    .increment(1);
}

pub fn opening_offered(new_opening: bool, clinic_num: i64, offers: usize) {
    if new_opening {
        counter!(OPENINGS, "event" => "offered").increment(1);
    }
    counter!(OFFERS_MADE, "clinic" => clinic_num.to_string()).increment(offers as u64);
}

pub fn opening_filled() {
    counter!(OPENINGS, "event" => "filled").increment(1);
}

pub fn openings_lapsed(count: usize) {
    if count > 0 {
        counter!(OPENINGS, "event" => "lapsed").increment(count as u64);
    }
}

/// `result`: booked, taken (someone else was first), or other (declined, ended, failed).
pub fn claim(result: &'static str, took: Duration) {
    histogram!(CLAIM_DURATION, "result" => result).record(took.as_secs_f64());
}

pub fn sender_heartbeat(unix_now: i64) {
    gauge!(SENDER_HEARTBEAT).set(unix_now as f64);
}

pub fn sweep(took: Duration, unix_now: i64) {
    histogram!(SWEEP_DURATION).record(took.as_secs_f64());
    gauge!(SWEEP_HEARTBEAT).set(unix_now as f64);
}

pub fn sync_pass(ok: bool, took: Duration) {
    counter!(SYNC_PASSES, "result" => if ok { "ok" } else { "failed" }).increment(1);
    histogram!(SYNC_DURATION).record(took.as_secs_f64());
}

pub fn write_wait(took: Duration) {
    histogram!(DB_WRITE_WAIT).record(took.as_secs_f64());
}

/// The figures read fresh at each scrape, set as gauges.
pub fn scrape_figures(figures: &OperatingFigures, took: Duration) {
    for q in &figures.queues {
        gauge!(QUEUE_DEPTH, "channel" => q.channel).set(q.due as f64);
        gauge!(QUEUE_OLDEST_DUE, "channel" => q.channel).set(q.oldest_due_seconds as f64);
    }
    for a in &figures.awaiting_receipt {
        gauge!(MESSAGES_AWAITING_RECEIPT, "channel" => a.channel, "clinic" => a.clinic_num.to_string()).set(a.count as f64);
    }
    if let Some(sync) = &figures.sync {
        gauge!(SYNC_LAST_SUCCESS).set(sync.last_success as f64);
        gauge!(SYNC_LAG).set(sync.lag_seconds as f64);
        gauge!(SYNC_INTERVAL).set(sync.interval_seconds as f64);
        gauge!(SYNC_WRITES, "state" => "waiting").set(sync.waiting_writes as f64);
        gauge!(SYNC_WRITES, "state" => "refused").set(sync.refused_writes as f64);
    }
    gauge!(DB_CONNECTIONS, "state" => "in_use").set(figures.pool.in_use as f64);
    gauge!(DB_CONNECTIONS, "state" => "idle").set(figures.pool.idle as f64);
    gauge!(DB_MAX_CONNECTIONS).set(figures.pool.max as f64);
    if let Some(disk) = &figures.disk {
        gauge!(DB_SIZE).set(disk.database_bytes as f64);
        gauge!(DB_FS_FREE).set(disk.free_bytes as f64);
        gauge!(DB_FS_SIZE).set(disk.total_bytes as f64);
    }
    gauge!(SCRAPE_DURATION).set(took.as_secs_f64());
}

/// What the queue, the sync and the database look like now; read at each scrape.
#[derive(Clone, Debug, Default)]
pub struct OperatingFigures {
    pub queues: Vec<QueueFigure>,
    pub awaiting_receipt: Vec<AwaitingReceipt>,
    pub sync: Option<SyncFigure>,
    pub pool: PoolFigure,
    pub disk: Option<DiskFigure>,
}

#[derive(Clone, Debug, Default)]
pub struct QueueFigure {
    /// text, email, confirmation_text, confirmation_email
    pub channel: &'static str,
    pub due: i64,
    pub oldest_due_seconds: i64,
}

#[derive(Clone, Debug, Default)]
pub struct AwaitingReceipt {
    pub channel: &'static str,
    pub clinic_num: i64,
    pub count: i64,
}

#[derive(Clone, Debug, Default)]
pub struct SyncFigure {
    pub last_success: i64,
    pub lag_seconds: i64,
    pub interval_seconds: i64,
    pub waiting_writes: i64,
    pub refused_writes: i64,
}

#[derive(Clone, Debug, Default)]
pub struct PoolFigure {
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
}

#[derive(Clone, Debug, Default)]
pub struct DiskFigure {
    pub database_bytes: u64,
    pub free_bytes: u64,
    pub total_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_bounded() {
        assert_eq!(status_class(204), "2xx");
        assert_eq!(status_class(404), "4xx");
        assert_eq!(status_class(503), "5xx");
        assert_eq!(status_class(999), "5xx");
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(method_label("BREW"), "other");
    }
}
