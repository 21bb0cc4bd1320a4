//! Keeping this server's book in step with the office's Open Dental: a pass reads what changed
//! there and takes it in through the same rules an import follows (a booking over an open
//! opening closes it), never half a page at a time.
//!
//! What is read, and how often (the routes and fields are those of Open Dental's API pages):
//! - every pass: appointments, patients (`/patients/Simple`) and providers changed since the
//!   last read (`DateTStamp`, from the `serverDateTime` Open Dental returned, so the two servers'
//!   clocks never need to agree), and the schedules of the next `NEAR_DAYS` days;
//! - on the first pass and every `FULL_EVERY`: clinics, operatories, blockout types
//!   (definitions, category 25), recall types, recalls, the preferences the rules read, the
//!   schedules of the next `FAR_DAYS` days, and that window's appointments, so an appointment
//!   deleted in Open Dental (which no change feed reports) goes here too.
//!
//! Schedules, recalls and the rest have no `DateTStamp` filter in the API, hence the windows.
//! Open Dental has no CommOptOuts route: a patient's texting consent is their `TxtMsgOk`.

use super::closeout::close_booked_openings;
use super::{ServiceError, Services};
use crate::opendental::client::PAGE_SIZE;
use crate::opendental::wire::{
    self, OdAppointment, OdClinic, OdDefinition, OdOperatory, OdPatient, OdPreference, OdProvider, OdRecall, OdRecallType, OdSchedule,
};
use crate::opendental::{OdError, OpenDental};
use crate::store::table::{self, Table};
use crate::store::{StoreError, WriteTx, book, office, opendental};
use app::model::{Appointment, OdDate, OdDateTime, Preferences};
use app::view::sync::SyncStatus;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

/// Days of schedules every pass reads: the days staff offer openings on.
pub const NEAR_DAYS: i64 = 14;
/// Days of schedules and appointments a full read covers.
pub const FAR_DAYS: i64 = 90;
/// How often the slow-changing data is read in full.
pub const FULL_EVERY: Duration = Duration::from_secs(30 * 60);
/// Rows each page reads again of the one before (see `read_pages`).
const PAGE_OVERLAP: usize = 10;
/// How long a pass may run before another process takes it to have died.
const PASS_LEASE: Duration = Duration::from_secs(30 * 60);
/// Incremental reads start this much before the last `serverDateTime`: a change in the same
/// second as the last read is read again rather than missed (taking it in twice changes nothing).
const OVERLAP_SECONDS: i64 = 2;

/// Why a pass stopped. Nothing it had not finished reading was taken in.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Open Dental is not set up: set ASAP_OPENDENTAL_URL and ASAP_OPENDENTAL_KEY")]
    NotConfigured,
    #[error("another server process is reading Open Dental right now")]
    Running,
    #[error("{0}")]
    OpenDental(#[from] OdError),
    #[error("{0}")]
    Service(#[from] ServiceError),
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        SyncError::Service(ServiceError::Store(e))
    }
}

impl From<sqlx::Error> for SyncError {
    fn from(e: sqlx::Error) -> Self {
        SyncError::from(StoreError::Database(e))
    }
}

/// What one pass did.
#[derive(Clone, Debug, Default)]
pub struct SyncReport {
    /// Whether the slow-changing data was read too.
    pub full: bool,
    /// Requests made to Open Dental.
    pub requests: usize,
    /// Rows taken in, by resource.
    pub rows: BTreeMap<&'static str, usize>,
    /// Rows Open Dental sent that could not be read, with why (the first few).
    pub skipped: Vec<String>,
    /// Openings closed because their time was booked in Open Dental.
    pub closed_openings: usize,
    /// Rows removed here because Open Dental no longer has them.
    pub removed: usize,
    pub elapsed: Duration,
}

impl std::fmt::Display for SyncReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rows: Vec<String> = self.rows.iter().map(|(k, n)| format!("{n} {k}")).collect();
        write!(
            f,
            "{} pass in {:.1} s, {} requests to Open Dental: {}; {} openings closed as booked there; {} rows removed",
            if self.full { "Full" } else { "Incremental" },
            self.elapsed.as_secs_f64(),
            self.requests,
            if rows.is_empty() { "nothing changed".to_string() } else { rows.join(", ") },
            self.closed_openings,
            self.removed
        )?;
        if !self.skipped.is_empty() {
            write!(f, "; {} rows left out: {}", self.skipped.len(), self.skipped.join("; "))?;
        }
        Ok(())
    }
}

/// How up to date the copy is, for the pages' badge.
pub async fn status(services: &Services) -> Result<SyncStatus, ServiceError> {
    if services.opendental.is_none() {
        return Ok(SyncStatus::default());
    }
    let mut conn = services.store.pool().acquire().await.map_err(StoreError::from)?;
    let last = opendental::last_pass(&mut conn).await?;
    let (waiting_writes, refused_writes) = opendental::write_counts(&mut conn).await?;
    Ok(SyncStatus {
        configured: true,
        last_success: last.succeeded_at,
        now: services.clock.unix_now(),
        interval: services.sync.interval.as_secs() as i64,
        error: if last.failed_at > last.succeeded_at { last.error } else { String::new() },
        waiting_writes,
        refused_writes,
    })
}

/// One pass: reads, takes in, records how it went. Several processes may run passes at once;
/// each page taken in is idempotent.
pub async fn pass(services: &Services) -> Result<SyncReport, SyncError> {
    let od = services.opendental.clone().ok_or(SyncError::NotConfigured)?;
    let begun = Instant::now();
    {
        // One pass at a time across every process on the database; a pass left by a process
        // that died counts as finished after `PASS_LEASE`.
        let now = services.clock.unix_now();
        let mut tx = services.store.begin_write().await?;
        let started = opendental::pass_started(&mut tx, now, now - PASS_LEASE.as_secs() as i64).await?;
        tx.commit().await?;
        if !started {
            return Err(SyncError::Running);
        }
    }
    let mut report = SyncReport::default();
    let outcome = run(services, &od, &mut report).await;
    report.elapsed = begun.elapsed();
    let mut tx = services.store.begin_write().await?;
    match &outcome {
        Ok(()) => opendental::pass_succeeded(&mut tx, services.clock.unix_now(), &report.skipped.join("; ")).await?,
        Err(e) => opendental::pass_failed(&mut tx, services.clock.unix_now(), &e.to_string()).await?,
    }
    tx.commit().await?;
    outcome.map(|()| report)
}

async fn run(services: &Services, od: &OpenDental, report: &mut SyncReport) -> Result<(), SyncError> {
    let (prefs, full_read_at) = {
        let mut conn = services.store.pool().acquire().await.map_err(StoreError::from)?;
        (office::preferences(&mut conn).await?, opendental::cursor(&mut conn, "full").await?.map(|(_, at)| at))
    };
    {
        // New openings' blockouts keep out of the way of Open Dental's schedule keys.
        let mut tx = services.store.begin_write().await?;
        opendental::lift_schedule_keys(&mut tx, services.store.backend()).await?;
        tx.commit().await?;
    }
    let now_unix = services.clock.unix_now();
    let full = full_read_at.is_none_or(|at| now_unix - at >= FULL_EVERY.as_secs() as i64);
    report.full = full;
    let today = services.clock.today(&prefs);

    if full {
        read_reference(services, od, report).await?;
    }
    let (providers, next) = read_changed::<OdProvider>(services, od, report, "providers", "/providers", &[]).await?;
    take_in_rows(services, report, "providers", providers.into_iter().map(OdProvider::into_model).collect()).await?;
    commit_cursor(services, "providers", next).await?;

    let (patients, next) = read_changed::<OdPatient>(services, od, report, "patients", "/patients/Simple", &[]).await?;
    take_in_rows(services, report, "patients", patients.into_iter().map(OdPatient::into_model).collect()).await?;
    commit_cursor(services, "patients", next).await?;

    let (appointments, next) = read_changed::<OdAppointment>(services, od, report, "appointments", "/appointments", &[]).await?;
    let appointments = models(appointments, OdAppointment::into_model, report);
    take_in_appointment_pages(services, report, &appointments).await?;
    commit_cursor(services, "appointments", next).await?;

    let last = today.add_days(if full { FAR_DAYS } else { NEAR_DAYS });
    read_schedules(services, od, report, today, last).await?;
    if full {
        reconcile_appointments(services, od, report, today, last).await?;
        let mut tx = services.store.begin_write().await?;
        opendental::set_cursor(&mut tx, "full", "", now_unix).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The slow-changing data, read in full.
async fn read_reference(services: &Services, od: &OpenDental, report: &mut SyncReport) -> Result<(), SyncError> {
    let clinics: Vec<OdClinic> = read_all(od, report, "/clinics", &[]).await?;
    take_in_rows(services, report, "clinics", clinics.into_iter().map(OdClinic::into_model).collect()).await?;
    let operatories: Vec<OdOperatory> = read_all(od, report, "/operatories", &[]).await?;
    take_in_rows(services, report, "operatories", operatories.into_iter().map(OdOperatory::into_model).collect()).await?;
    let definitions: Vec<OdDefinition> =
        read_all(od, report, "/definitions", &[("Category", "25".into()), ("includeHidden", "true".into())]).await?;
    take_in_rows(services, report, "blockout types", definitions.into_iter().map(OdDefinition::into_model).collect()).await?;
    let recall_types: Vec<OdRecallType> = read_all(od, report, "/recalltypes", &[]).await?;
    let recall_types = models(recall_types, OdRecallType::into_model, report);
    take_in_rows(services, report, "recall types", recall_types).await?;

    let mut values = Vec::new();
    // The preferences the rules read, as Open Dental names them (TimeZone is this server's own).
    for name in Preferences::NAMES.iter().filter(|n| **n != "TimeZone") {
        let found: Vec<OdPreference> = read_all(od, report, "/preferences", &[("PrefName", (*name).to_string())]).await?;
        values.extend(found.into_iter().filter(|p| p.pref_name == *name).map(|p| (p.pref_name, p.value_string)));
    }
    // A value the rules cannot read stays as it was here, and says why.
    let mut checked = HashMap::new();
    for (name, value) in values {
        let one = HashMap::from([(name.clone(), value.clone())]);
        match office::preferences_from(&one) {
            Ok(_) => {
                checked.insert(name, value);
            }
            Err(why) => report.skipped.push(format!("preference {why}")),
        }
    }
    {
        let mut tx = services.store.begin_write().await?;
        for (name, value) in &checked {
            office::upsert_preference(&mut tx, name, value).await?;
        }
        tx.commit().await?;
        report.rows.insert("preferences", checked.len());
    }

    let recalls: Vec<OdRecall> = read_all(od, report, "/recalls", &[]).await?;
    let recalls: Vec<_> = recalls.into_iter().map(OdRecall::into_model).collect();
    let kept: HashSet<i64> = recalls.iter().map(|r| r.recall_num).collect();
    take_in_rows(services, report, "recalls", recalls).await?;
    let mut tx = services.store.begin_write().await?;
    let gone: Vec<i64> = office::recall_keys(&mut tx).await?.into_iter().filter(|k| !kept.contains(k)).collect();
    office::delete_recalls(&mut tx, &gone).await?;
    tx.commit().await?;
    report.removed += gone.len();
    Ok(())
}

/// The schedules of `[first, last]`, replacing the office's schedules of those days here (an
/// opening's blockout made here is this server's and stays).
async fn read_schedules(services: &Services, od: &OpenDental, report: &mut SyncReport, first: OdDate, last: OdDate) -> Result<(), SyncError> {
    let query = [("dateStart", first.to_string()), ("dateEnd", last.to_string())];
    let rows: Vec<OdSchedule> = read_all(od, report, "/schedules", &query).await?;
    let schedules = models(rows, OdSchedule::into_model, report);
    let fetched: HashSet<i64> = schedules.iter().map(|s| s.schedule_num).collect();
    let mut taken = 0;
    for page in schedules.chunks(PAGE_SIZE) {
        let mut tx = services.store.begin_write().await?;
        lock_operatories(services, &mut tx, page.iter().flat_map(|s| s.operatories.0.iter().copied())).await?;
        for s in page {
            // Office keys and this server's openings share the table; an office row whose key an
            // opening here holds (possible only for openings made before sync was on) is left out.
            if crate::store::opening::opening(&mut tx, s.schedule_num).await?.is_some() {
                report.skipped.push(format!("schedule {}: its key belongs to an opening made here", s.schedule_num));
                continue;
            }
            book::upsert_schedule(&mut tx, s).await?;
            taken += 1;
        }
        let at = now(services, &mut tx).await?;
        report.closed_openings += close_booked_openings(&mut tx, at).await?;
        tx.commit().await?;
    }
    let mut tx = services.store.begin_write().await?;
    let gone: Vec<i64> = book::schedule_keys_on_days(&mut tx, first, last)
        .await?
        .into_iter()
        .filter(|(key, ours)| !ours && !fetched.contains(key))
        .map(|(key, _)| key)
        .collect();
    book::delete_schedules(&mut tx, &gone).await?;
    tx.commit().await?;
    report.removed += gone.len();
    report.rows.insert("schedules", taken);
    Ok(())
}

/// Appointments of `[first, last]` that Open Dental no longer has go here too, but for those a
/// claim made here that Open Dental has not heard of yet.
async fn reconcile_appointments(services: &Services, od: &OpenDental, report: &mut SyncReport, first: OdDate, last: OdDate) -> Result<(), SyncError> {
    let query = [("dateStart", first.to_string()), ("dateEnd", last.to_string())];
    let rows: Vec<OdAppointment> = read_all(od, report, "/appointments", &query).await?;
    let appointments = models(rows, OdAppointment::into_model, report);
    let fetched: HashSet<i64> = appointments.iter().map(|a| a.apt_num).collect();
    take_in_appointment_pages(services, report, &appointments).await?;
    let mut tx = services.store.begin_write().await?;
    let waiting: HashSet<i64> = opendental::appointments_awaiting_write(&mut tx).await?.into_iter().collect();
    let gone: Vec<i64> = book::appointment_keys_between(&mut tx, first.start(), last.add_days(1).start())
        .await?
        .into_iter()
        .filter(|k| *k < opendental::LOCAL_KEY_FLOOR && !fetched.contains(k) && !waiting.contains(k))
        .collect();
    book::delete_appointments(&mut tx, &gone).await?;
    tx.commit().await?;
    report.removed += gone.len();
    Ok(())
}

/// Takes in appointments a page at a time, each page in one transaction under its operatories'
/// locks, closing the openings whose time they book.
async fn take_in_appointment_pages(services: &Services, report: &mut SyncReport, appointments: &[Appointment]) -> Result<(), SyncError> {
    for page in appointments.chunks(PAGE_SIZE) {
        let mut tx = services.store.begin_write().await?;
        lock_operatories(services, &mut tx, page.iter().map(|a| a.op)).await?;
        take_in_appointments(&mut tx, page).await?;
        let at = now(services, &mut tx).await?;
        report.closed_openings += close_booked_openings(&mut tx, at).await?;
        tx.commit().await?;
        *report.rows.entry("appointments").or_default() += page.len();
    }
    Ok(())
}

/// Open Dental's version of these appointments, taken in. An appointment whose latest change
/// here Open Dental has not heard of yet keeps this server's version until it has; one placed by
/// a claim and since moved in Open Dental gives its chair time back.
pub(super) async fn take_in_appointments(tx: &mut WriteTx, appointments: &[Appointment]) -> Result<(), StoreError> {
    let waiting: HashSet<i64> = opendental::appointments_awaiting_write(tx).await?.into_iter().collect();
    for a in appointments.iter().filter(|a| !waiting.contains(&a.apt_num)) {
        table::upsert(tx, a).await?;
        book::release_placement_unless_at(tx, a).await?;
    }
    Ok(())
}

/// Rows of one kind, written a page per transaction.
async fn take_in_rows<T: Table>(services: &Services, report: &mut SyncReport, what: &'static str, rows: Vec<T>) -> Result<(), SyncError> {
    for page in rows.chunks(PAGE_SIZE) {
        let mut tx = services.store.begin_write().await?;
        for row in page {
            table::upsert(&mut tx, row).await?;
        }
        tx.commit().await?;
    }
    if !rows.is_empty() {
        *report.rows.entry(what).or_default() += rows.len();
    }
    Ok(())
}

/// The claim's re-check: Open Dental's appointments in one operatory on one day, or None when
/// Open Dental does not answer within `within` (the claim then goes ahead on the local copy).
pub(super) async fn operatory_day(od: &OpenDental, operatory: i64, day: OdDate, within: Duration) -> Option<Vec<Appointment>> {
    let query = [("date", day.to_string()), ("Op", operatory.to_string())];
    let read = async {
        let mut all = Vec::new();
        let mut offset = 0;
        loop {
            let mut q = query.to_vec();
            if offset > 0 {
                q.push(("Offset", offset.to_string()));
            }
            let body = od.get_quick("/appointments", &q, within).await?.body;
            let (rows, _) = wire::rows::<OdAppointment>(&body).map_err(|reason| OdError::Unreadable { url: "/appointments".into(), reason })?;
            let n = rows.len();
            all.extend(rows.into_iter().filter_map(|r| r.into_model().ok()).filter(|a| a.op == operatory));
            if n < PAGE_SIZE {
                return Ok::<_, OdError>(all);
            }
            offset += n;
        }
    };
    match tokio::time::timeout(within, read).await {
        Ok(Ok(appointments)) => Some(appointments),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the claim could not re-check its time with Open Dental; going ahead on the local copy");
            None
        }
        Err(_) => {
            tracing::warn!(within_ms = within.as_millis() as u64, "Open Dental did not answer the claim's re-check in time; going ahead on the local copy");
            None
        }
    }
}

/// Every page of a list.
async fn read_all<T: DeserializeOwned>(od: &OpenDental, report: &mut SyncReport, path: &str, query: &[(&str, String)]) -> Result<Vec<T>, SyncError> {
    Ok(read_pages(od, report, path, query).await?.0)
}

/// Every page of a list, with the newest `serverDateTime` of its first page (the moment the
/// read began on Open Dental's clock).
async fn read_pages<T: DeserializeOwned>(
    od: &OpenDental,
    report: &mut SyncReport,
    path: &str,
    query: &[(&str, String)],
) -> Result<(Vec<T>, Option<OdDateTime>), SyncError> {
    let mut all = Vec::new();
    let mut first_stamp = None;
    let mut offset = 0;
    loop {
        let body = od.page(path, query, offset).await?;
        report.requests += 1;
        let stamps: Vec<String> = serde_json::from_slice::<Vec<Stamp>>(&body).unwrap_or_default().into_iter().map(|s| s.stamp).collect();
        if offset == 0 {
            first_stamp = wire::server_date_time(stamps.iter().map(String::as_str));
        }
        let (rows, bad) = wire::rows::<T>(&body).map_err(|reason| OdError::Unreadable { url: path.to_string(), reason })?;
        let n = rows.len() + bad.len();
        report.skipped.extend(bad.into_iter().take(20).map(|b| format!("{path} {b}")));
        all.extend(rows);
        if n < PAGE_SIZE {
            return Ok((all, first_stamp));
        }
        // The next page starts a little before this one ended: a row removed meanwhile shifts the
        // list back, and without the overlap the row after the page would never be read.
        offset += n - PAGE_OVERLAP;
    }
}

#[derive(serde::Deserialize)]
struct Stamp {
    #[serde(rename = "serverDateTime", default)]
    stamp: String,
}

/// What changed since the last complete read of `resource` (everything, the first time), and the
/// cursor for the next read. The caller moves the cursor on (`commit_cursor`) only once the rows
/// are taken in, so a pass cut short reads the same again.
async fn read_changed<T: DeserializeOwned + Keyed>(
    services: &Services,
    od: &OpenDental,
    report: &mut SyncReport,
    resource: &str,
    path: &str,
    extra: &[(&str, String)],
) -> Result<(Vec<T>, Option<String>), SyncError> {
    let since = {
        let mut conn = services.store.pool().acquire().await.map_err(StoreError::from)?;
        opendental::cursor(&mut conn, resource).await?.map(|(stamp, _)| stamp).filter(|s| !s.is_empty())
    };
    let since = since.unwrap_or_else(|| OdDateTime::never().to_string());
    let mut query = extra.to_vec();
    query.push(("DateTStamp", since));
    let (rows, stamp) = read_pages::<T>(od, report, path, &query).await?;
    // The next read starts a little before this one began on Open Dental's clock.
    let next = stamp.map(|s| OdDateTime::new(s.get() - chrono::Duration::seconds(OVERLAP_SECONDS)).to_string());
    // A row read twice (the list shifted between pages) is taken once, as last read.
    let mut by_key: HashMap<i64, usize> = HashMap::new();
    let mut unique: Vec<T> = Vec::with_capacity(rows.len());
    for row in rows {
        match by_key.get(&row.key()) {
            Some(&i) => unique[i] = row,
            None => {
                by_key.insert(row.key(), unique.len());
                unique.push(row);
            }
        }
    }
    Ok((unique, next))
}

/// Moves a resource's cursor on, once what was read is taken in. No stamp (nothing changed, so
/// Open Dental sent no row to carry one) leaves it where it was.
async fn commit_cursor(services: &Services, resource: &str, next: Option<String>) -> Result<(), SyncError> {
    if let Some(stamp) = next {
        let mut tx = services.store.begin_write().await?;
        opendental::set_cursor(&mut tx, resource, &stamp, services.clock.unix_now()).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Rows that carry a key.
trait Keyed {
    fn key(&self) -> i64;
}

impl Keyed for OdAppointment {
    fn key(&self) -> i64 {
        self.apt_num
    }
}

impl Keyed for OdPatient {
    fn key(&self) -> i64 {
        self.pat_num
    }
}

impl Keyed for OdProvider {
    fn key(&self) -> i64 {
        self.prov_num
    }
}

/// Rows into office data; those that do not translate are reported and left out.
fn models<W, M>(rows: Vec<W>, into: fn(W) -> Result<M, String>, report: &mut SyncReport) -> Vec<M> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        match into(row) {
            Ok(m) => out.push(m),
            Err(why) => report.skipped.push(why),
        }
    }
    out
}

async fn lock_operatories(services: &Services, tx: &mut WriteTx, ops: impl Iterator<Item = i64>) -> Result<(), StoreError> {
    let mut ops: Vec<i64> = ops.filter(|o| *o != 0).collect();
    ops.sort_unstable();
    ops.dedup();
    for op in ops {
        services.store.lock_operatory(tx, op).await?;
    }
    Ok(())
}

async fn now(services: &Services, tx: &mut WriteTx) -> Result<OdDateTime, StoreError> {
    let prefs: Preferences = office::preferences(tx).await?;
    Ok(services.clock.now(&prefs))
}
