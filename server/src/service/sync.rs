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
//! Nothing is removed here on a read that left a row out (one Open Dental sent that could not be
//! read); an appointment is removed only once Open Dental answers 404 for it. A booking a claim
//! made here and Open Dental has not heard of yet (or heard of after this pass began reading)
//! keeps this server's version until the next pass reads Open Dental's.
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
use crate::progress::Progress;
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
/// How long a pass may go without reading a page before another process takes it to have died.
const PASS_LEASE: Duration = Duration::from_secs(5 * 60);
/// At most this many appointments a full pass removes after asking Open Dental for each.
const REMOVALS_CHECKED: usize = 200;
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

/// One pass: reads, takes in, records how it went. One pass runs at a time across every process
/// on the database.
pub async fn pass(services: &Services) -> Result<SyncReport, SyncError> {
    pass_with_progress(services, &Progress::hidden()).await
}

/// As `pass`, counting the rows read from Open Dental in `progress` (`server sync`, and the
/// running server's first pass, which may read a whole office).
pub async fn pass_with_progress(services: &Services, progress: &Progress) -> Result<SyncReport, SyncError> {
    let od = services.opendental.clone().ok_or(SyncError::NotConfigured)?;
    let begun = Instant::now();
    let started_at = services.clock.unix_now();
    {
        // A pass left by a process that died counts as finished `PASS_LEASE` after its last page.
        let mut tx = services.store.begin_write().await?;
        let started = opendental::pass_started(&mut tx, started_at, started_at - PASS_LEASE.as_secs() as i64).await?;
        tx.commit().await?;
        if !started {
            return Err(SyncError::Running);
        }
    }
    let mut pass = Pass { services, od: &od, report: SyncReport::default(), started_at, progress };
    let outcome = pass.run().await;
    let mut report = pass.report;
    report.elapsed = begun.elapsed();
    let mut tx = services.store.begin_write().await?;
    match &outcome {
        Ok(()) => opendental::pass_succeeded(&mut tx, services.clock.unix_now(), &report.skipped.join("; ")).await?,
        Err(e) => opendental::pass_failed(&mut tx, services.clock.unix_now(), &e.to_string()).await?,
    }
    tx.commit().await?;
    outcome.map(|()| report)
}

/// One pass under way.
struct Pass<'a> {
    services: &'a Services,
    od: &'a OpenDental,
    report: SyncReport,
    /// When this pass began (Unix seconds, this server's clock): writes Open Dental heard of
    /// after it may be missing from what this pass reads.
    started_at: i64,
    progress: &'a Progress,
}

/// One list read whole.
struct Read<T> {
    rows: Vec<T>,
    /// The newest `serverDateTime` of the first page: the moment the read began there.
    stamp: Option<OdDateTime>,
    /// Every row Open Dental sent was read: only then may what is missing be removed here.
    complete: bool,
}

impl Pass<'_> {
    async fn run(&mut self) -> Result<(), SyncError> {
        let services = self.services;
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
        let full = full_read_at.is_none_or(|at| self.started_at - at >= FULL_EVERY.as_secs() as i64);
        self.report.full = full;
        let today = services.clock.today(&prefs);

        if full {
            self.read_reference().await?;
        }
        let (providers, next) = self.read_changed::<OdProvider>("providers", "/providers").await?;
        self.take_in_rows("providers", providers.into_iter().map(OdProvider::into_model).collect()).await?;
        self.commit_cursor("providers", next).await?;

        let (patients, next) = self.read_changed::<OdPatient>("patients", "/patients/Simple").await?;
        self.take_in_rows("patients", patients.into_iter().map(OdPatient::into_model).collect()).await?;
        self.commit_cursor("patients", next).await?;

        let (appointments, next) = self.read_changed::<OdAppointment>("appointments", "/appointments").await?;
        let appointments = self.models(appointments, OdAppointment::into_model);
        self.take_in_appointments(&appointments).await?;
        self.commit_cursor("appointments", next).await?;

        let last = today.add_days(if full { FAR_DAYS } else { NEAR_DAYS });
        self.read_schedules(today, last).await?;
        if full {
            self.reconcile_appointments(today, last).await?;
            self.reconcile_asap_list().await?;
            let mut tx = services.store.begin_write().await?;
            opendental::set_cursor(&mut tx, "full", "", self.started_at).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// The slow-changing data, read in full. A route this office's Open Dental does not have
    /// (an older version) is reported and passed over; the rest of the pass goes on.
    async fn read_reference(&mut self) -> Result<(), SyncError> {
        if let Some(clinics) = self.read_optional::<OdClinic>("/clinics", &[]).await? {
            self.take_in_rows("clinics", clinics.rows.into_iter().map(OdClinic::into_model).collect()).await?;
        }
        if let Some(ops) = self.read_optional::<OdOperatory>("/operatories", &[]).await? {
            self.take_in_rows("operatories", ops.rows.into_iter().map(OdOperatory::into_model).collect()).await?;
        }
        let query = [("Category", "25".to_string()), ("includeHidden", "true".to_string())];
        if let Some(defs) = self.read_optional::<OdDefinition>("/definitions", &query).await? {
            self.take_in_rows("blockout types", defs.rows.into_iter().map(OdDefinition::into_model).collect()).await?;
        }
        if let Some(types) = self.read_optional::<OdRecallType>("/recalltypes", &[]).await? {
            let types = self.models(types.rows, OdRecallType::into_model);
            self.take_in_rows("recall types", types).await?;
        }
        self.read_preferences().await?;
        if let Some(recalls) = self.read_optional::<OdRecall>("/recalls", &[]).await? {
            self.take_in_recalls(recalls).await?;
        }
        Ok(())
    }

    async fn read_preferences(&mut self) -> Result<(), SyncError> {
        let mut values = Vec::new();
        // The preferences the rules read, as Open Dental names them. TimeZone is this server's
        // own; so are the email's subject and body, which staff edit here (Open Dental's API
        // cannot write them back, and a pass must not undo an edit).
        let own = ["TimeZone", "WebSchedAsapEmailSubj", "WebSchedAsapEmailTemplate", "AsapConfirmBooking"];
        for name in Preferences::NAMES.iter().filter(|n| !own.contains(n)) {
            let Some(found) = self.read_optional::<OdPreference>("/preferences", &[("PrefName", (*name).to_string())]).await? else {
                return Ok(());
            };
            values.extend(found.rows.into_iter().filter(|p| p.pref_name == *name).map(|p| (p.pref_name, p.value_string)));
        }
        // A value the rules cannot read stays as it was here, and says why.
        let mut checked = HashMap::new();
        for (name, value) in values {
            let one = HashMap::from([(name.clone(), value.clone())]);
            match office::preferences_from(&one) {
                Ok(_) => {
                    checked.insert(name, value);
                }
                Err(why) => self.report.skipped.push(format!("preference {why}")),
            }
        }
        let mut tx = self.services.store.begin_write().await?;
        for (name, value) in &checked {
            office::upsert_preference(&mut tx, name, value).await?;
        }
        tx.commit().await?;
        self.report.rows.insert("preferences", checked.len());
        Ok(())
    }

    /// Recalls, but those a claim here changed that Open Dental has not heard of yet; a recall
    /// gone from a complete read goes here too.
    async fn take_in_recalls(&mut self, read: Read<OdRecall>) -> Result<(), SyncError> {
        let recalls: Vec<_> = read.rows.into_iter().map(OdRecall::into_model).collect();
        let kept: HashSet<i64> = recalls.iter().map(|r| r.recall_num).collect();
        let mut tx = self.services.store.begin_write().await?;
        let waiting: HashSet<i64> = opendental::recalls_awaiting_write(&mut tx, self.started_at).await?.into_iter().collect();
        let mut taken = 0;
        for r in recalls.iter().filter(|r| !waiting.contains(&r.recall_num)) {
            table::upsert(&mut tx, r).await?;
            taken += 1;
        }
        if read.complete {
            let gone: Vec<i64> = office::recall_keys(&mut tx).await?.into_iter().filter(|k| !kept.contains(k) && !waiting.contains(k)).collect();
            office::delete_recalls(&mut tx, &gone).await?;
            self.report.removed += gone.len();
        }
        tx.commit().await?;
        self.report.rows.insert("recalls", taken);
        Ok(())
    }

    /// The schedules of `[first, last]`, replacing the office's schedules of those days here (an
    /// opening's blockout made here is this server's and stays).
    async fn read_schedules(&mut self, first: OdDate, last: OdDate) -> Result<(), SyncError> {
        let (schedules, complete) = self.read_days("/schedules", first, last, OdSchedule::into_model).await?;
        let fetched: HashSet<i64> = schedules.iter().map(|s| s.schedule_num).collect();
        let mut taken = 0;
        for page in schedules.chunks(PAGE_SIZE) {
            let mut tx = self.services.store.begin_write().await?;
            lock_operatories(self.services, &mut tx, page.iter().flat_map(|s| s.operatories.0.iter().copied())).await?;
            for s in page {
                // Office keys and this server's openings share the table; an office row whose key
                // an opening here holds (possible only for openings made before sync was on) is
                // left out.
                if crate::store::opening::opening(&mut tx, s.schedule_num).await?.is_some() {
                    self.report.skipped.push(format!("schedule {}: its key belongs to an opening made here", s.schedule_num));
                    continue;
                }
                book::upsert_schedule(&mut tx, s).await?;
                taken += 1;
            }
            let at = now(self.services, &mut tx).await?;
            self.report.closed_openings += close_booked_openings(&mut tx, at).await?;
            tx.commit().await?;
        }
        if complete {
            let mut tx = self.services.store.begin_write().await?;
            let gone: Vec<i64> = book::schedule_keys_on_days(&mut tx, first, last)
                .await?
                .into_iter()
                .filter(|(key, ours)| !ours && !fetched.contains(key))
                .map(|(key, _)| key)
                .collect();
            book::delete_schedules(&mut tx, &gone).await?;
            tx.commit().await?;
            self.report.removed += gone.len();
        }
        self.report.rows.insert("schedules", taken);
        Ok(())
    }

    /// Appointments of `[first, last]` read in full: those here that Open Dental did not list are
    /// asked for one by one, and removed here only when it answers that it has none.
    async fn reconcile_appointments(&mut self, first: OdDate, last: OdDate) -> Result<(), SyncError> {
        let (appointments, complete) = self.read_days("/appointments", first, last, OdAppointment::into_model).await?;
        let fetched: HashSet<i64> = appointments.iter().map(|a| a.apt_num).collect();
        self.take_in_appointments(&appointments).await?;
        if !complete {
            return Ok(());
        }
        let candidates: Vec<i64> = {
            let mut conn = self.services.store.pool().acquire().await.map_err(StoreError::from)?;
            book::appointment_keys_between(&mut conn, first.start(), last.add_days(1).start())
                .await?
                .into_iter()
                .filter(|k| *k < opendental::LOCAL_KEY_FLOOR && !fetched.contains(k))
                .collect()
        };
        self.remove_if_gone(candidates).await
    }

    /// The ASAP list here against Open Dental's (`GET /appointments/ASAP`, per clinic when the
    /// office has clinics): an appointment here that is no longer on it there is read again, or
    /// removed when Open Dental has none, so nobody is offered an appointment that is gone.
    async fn reconcile_asap_list(&mut self) -> Result<(), SyncError> {
        let (clinics, local) = {
            let mut conn = self.services.store.pool().acquire().await.map_err(StoreError::from)?;
            let clinics: Vec<i64> = office::clinics(&mut conn).await?.into_iter().map(|c| c.clinic_num).collect();
            (clinics, book::asap_priority_keys(&mut conn).await?)
        };
        let mut listed = HashSet::new();
        let queries: Vec<Vec<(&str, String)>> = if clinics.is_empty() {
            vec![Vec::new()]
        } else {
            std::iter::once(0).chain(clinics).map(|c| vec![("ClinicNum", c.to_string())]).collect()
        };
        for query in queries {
            let Some(read) = self.read_optional::<OdAppointment>("/appointments/ASAP", &query).await? else { return Ok(()) };
            if !read.complete {
                return Ok(());
            }
            listed.extend(read.rows.iter().map(|a| a.apt_num));
        }
        let candidates: Vec<i64> = local.into_iter().filter(|k| *k < opendental::LOCAL_KEY_FLOOR && !listed.contains(k)).collect();
        self.remove_if_gone(candidates).await
    }

    /// Asks Open Dental for each of these appointments: what it has is taken in, what it has
    /// not (404) is removed here. At most `REMOVALS_CHECKED` a pass; the rest wait for the next.
    async fn remove_if_gone(&mut self, candidates: Vec<i64>) -> Result<(), SyncError> {
        let mut gone = Vec::new();
        let mut found = Vec::new();
        for num in candidates.into_iter().take(REMOVALS_CHECKED) {
            self.heartbeat().await?;
            self.report.requests += 1;
            match self.od.get(&format!("/appointments/{num}"), &[]).await {
                Ok(answer) => {
                    if let Some(a) = serde_json::from_slice::<OdAppointment>(&answer.body).ok().and_then(|a| a.into_model().ok()) {
                        found.push(a);
                    }
                }
                Err(OdError::NotFound { .. }) => gone.push(num),
                Err(e) => return Err(e.into()),
            }
        }
        self.take_in_appointments(&found).await?;
        let mut tx = self.services.store.begin_write().await?;
        let waiting: HashSet<i64> = opendental::appointments_awaiting_write(&mut tx, self.started_at).await?.into_iter().collect();
        let gone: Vec<i64> = gone.into_iter().filter(|k| !waiting.contains(k)).collect();
        book::delete_appointments(&mut tx, &gone).await?;
        tx.commit().await?;
        self.report.removed += gone.len();
        Ok(())
    }

    /// Takes in appointments a page at a time, each page in one transaction under the locks of
    /// the operatories they leave and enter, closing the openings whose time they book.
    async fn take_in_appointments(&mut self, appointments: &[Appointment]) -> Result<(), SyncError> {
        for page in appointments.chunks(PAGE_SIZE) {
            let keys: Vec<i64> = page.iter().map(|a| a.apt_num).collect();
            let here = {
                let mut conn = self.services.store.pool().acquire().await.map_err(StoreError::from)?;
                book::operatories_of(&mut conn, &keys).await?
            };
            let mut tx = self.services.store.begin_write().await?;
            lock_operatories(self.services, &mut tx, page.iter().map(|a| a.op).chain(here)).await?;
            // The rows themselves next: a claim moving one has committed (and queued its write)
            // or waits until this page is in.
            book::lock_appointments(&mut tx, self.services.store.backend(), &keys).await?;
            let waiting: HashSet<i64> = opendental::appointments_awaiting_write(&mut tx, self.started_at).await?.into_iter().collect();
            let mut taken = 0;
            for a in page.iter().filter(|a| !waiting.contains(&a.apt_num)) {
                table::upsert(&mut tx, a).await?;
                book::release_placement_unless_at(&mut tx, a).await?;
                taken += 1;
            }
            let at = now(self.services, &mut tx).await?;
            self.report.closed_openings += close_booked_openings(&mut tx, at).await?;
            tx.commit().await?;
            *self.report.rows.entry("appointments").or_default() += taken;
        }
        Ok(())
    }

    /// Rows of one kind, written a page per transaction.
    async fn take_in_rows<T: Table>(&mut self, what: &'static str, rows: Vec<T>) -> Result<(), SyncError> {
        for page in rows.chunks(PAGE_SIZE) {
            let mut tx = self.services.store.begin_write().await?;
            for row in page {
                table::upsert(&mut tx, row).await?;
            }
            tx.commit().await?;
        }
        if !rows.is_empty() {
            *self.report.rows.entry(what).or_default() += rows.len();
        }
        Ok(())
    }

    /// A read that an older Open Dental may not offer: its refusal is reported, not fatal.
    async fn read_optional<T: DeserializeOwned>(&mut self, path: &str, query: &[(&str, String)]) -> Result<Option<Read<T>>, SyncError> {
        match self.read_pages::<T>(path, query).await {
            Ok(read) => Ok(Some(read)),
            Err(SyncError::OpenDental(e @ (OdError::NotFound { .. } | OdError::Refused { .. }))) => {
                self.report.skipped.push(format!("{path} was not read ({e}); this Open Dental may be a version without it"));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Every page of a list.
    async fn read_pages<T: DeserializeOwned>(&mut self, path: &str, query: &[(&str, String)]) -> Result<Read<T>, SyncError> {
        let mut all = Vec::new();
        let mut stamp = None;
        let mut complete = true;
        let mut offset = 0;
        loop {
            self.heartbeat().await?;
            self.progress.stage(path);
            let body = self.od.page(path, query, offset).await?;
            self.report.requests += 1;
            if offset == 0 {
                let stamps: Vec<Stamp> = serde_json::from_slice(&body).unwrap_or_default();
                stamp = wire::server_date_time(stamps.iter().map(|s| s.stamp.as_str()));
            }
            let (rows, bad) = wire::rows::<T>(&body).map_err(|reason| OdError::Unreadable { url: path.to_string(), reason })?;
            let n = rows.len() + bad.len();
            self.progress.advance(n as u64);
            complete &= bad.is_empty();
            self.report.skipped.extend(bad.into_iter().take(20).map(|b| format!("{path} {b}")));
            all.extend(rows);
            if n < PAGE_SIZE {
                return Ok(Read { rows: all, stamp, complete });
            }
            // The next page starts a little before this one ended: a row removed meanwhile shifts
            // the list back, and without the overlap the row after the page would never be read.
            offset += n - PAGE_OVERLAP;
        }
    }

    /// What changed since the last complete read of `resource` (everything, the first time), and
    /// the cursor for the next read. The caller moves the cursor on (`commit_cursor`) only once
    /// the rows are taken in, so a pass cut short reads the same again.
    async fn read_changed<T: DeserializeOwned + Keyed>(&mut self, resource: &str, path: &str) -> Result<(Vec<T>, Option<String>), SyncError> {
        let since = {
            let mut conn = self.services.store.pool().acquire().await.map_err(StoreError::from)?;
            opendental::cursor(&mut conn, resource).await?.map(|(stamp, _)| stamp).filter(|s| !s.is_empty())
        };
        let since = since.unwrap_or_else(|| OdDateTime::never().to_string());
        let read = self.read_pages::<T>(path, &[("DateTStamp", since)]).await?;
        // The next read starts a little before this one began on Open Dental's clock.
        let next = read.stamp.map(|s| OdDateTime::new(s.get() - chrono::Duration::seconds(OVERLAP_SECONDS)).to_string());
        // A row read twice (the pages overlap) is taken once, as last read.
        let mut by_key: HashMap<i64, usize> = HashMap::new();
        let mut unique: Vec<T> = Vec::with_capacity(read.rows.len());
        for row in read.rows {
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

    /// Moves a resource's cursor on, once what was read is taken in. No stamp (nothing changed,
    /// so Open Dental sent no row to carry one) leaves it where it was.
    async fn commit_cursor(&mut self, resource: &str, next: Option<String>) -> Result<(), SyncError> {
        if let Some(stamp) = next {
            let mut tx = self.services.store.begin_write().await?;
            opendental::set_cursor(&mut tx, resource, &stamp, self.services.clock.unix_now()).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Tells other processes this pass is alive.
    async fn heartbeat(&mut self) -> Result<(), SyncError> {
        let mut tx = self.services.store.begin_write().await?;
        opendental::pass_heartbeat(&mut tx, self.services.clock.unix_now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A list of the days `[first, last]` read whole, as office data, and whether every row was
    /// read and translated (only then may what is missing be removed here).
    async fn read_days<W: DeserializeOwned, M>(
        &mut self,
        path: &str,
        first: OdDate,
        last: OdDate,
        into: fn(W) -> Result<M, String>,
    ) -> Result<(Vec<M>, bool), SyncError> {
        let query = [("dateStart", first.to_string()), ("dateEnd", last.to_string())];
        let read = self.read_pages::<W>(path, &query).await?;
        let before = self.report.skipped.len();
        let models = self.models(read.rows, into);
        Ok((models, read.complete && self.report.skipped.len() == before))
    }

    /// Rows into office data; those that do not translate are reported and left out.
    fn models<W, M>(&mut self, rows: Vec<W>, into: fn(W) -> Result<M, String>) -> Vec<M> {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            match into(row) {
                Ok(m) => out.push(m),
                Err(why) => self.report.skipped.push(why),
            }
        }
        out
    }
}

/// Open Dental's day in the operatory a claim holds, taken into the local copy: appointments new
/// here or already in that operatory (the claim's lock covers them). Those whose copy here sits
/// in another operatory are returned instead, for the claim to count against the time (moving
/// them here would need that operatory's lock); so are none a claim here is still writing.
pub(super) async fn take_in_operatory_day(tx: &mut WriteTx, operatory: i64, appointments: &[Appointment]) -> Result<Vec<Appointment>, StoreError> {
    let waiting: HashSet<i64> = opendental::appointments_awaiting_write(tx, i64::MAX).await?.into_iter().collect();
    let mut elsewhere = Vec::new();
    for a in appointments.iter().filter(|a| !waiting.contains(&a.apt_num)) {
        let here = book::appointment(tx, a.apt_num).await?;
        if here.as_ref().is_none_or(|h| h.op == operatory || h.op == 0) {
            table::upsert(tx, a).await?;
            book::release_placement_unless_at(tx, a).await?;
        } else {
            elsewhere.push(a.clone());
        }
    }
    Ok(elsewhere)
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

#[derive(serde::Deserialize)]
struct Stamp {
    #[serde(rename = "serverDateTime", default)]
    stamp: String,
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
