//! `server import FILE`: office data from a JSON file, in one transaction. Rows are inserted or
//! updated by primary key; the first invalid row stops everything and nothing is changed. Errors
//! name the table, the row index and the field.

use crate::clock::OfficeClock;
use crate::progress::Progress;
use crate::store::table;
use crate::store::{self, Store, StoreError};
use crate::store::asapcomm::NewAsapCommRow;
use app::model::{
    Appointment, AsapComm, Clinic, CommOptOut, Definition, Operatory, Patient, Recall, RecallType, SchedType, Schedule,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("could not read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the import file is not valid JSON: {0}")]
    Json(String),
    #[error("{0}")]
    Invalid(RowError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where in the file a value was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub table: String,
    pub row: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.table)?;
        if let Some(row) = self.row {
            write!(f, "[{row}]")?;
        }
        if let Some(field) = &self.field {
            write!(f, ".{field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

fn invalid(table: &str, row: Option<usize>, field: Option<&str>, message: impl Into<String>) -> ImportError {
    ImportError::Invalid(RowError {
        table: table.to_string(),
        row,
        field: field.map(str::to_string),
        message: message.into(),
    })
}

const TABLES: &[&str] = &[
    "preferences",
    "clinics",
    "operatories",
    "providers",
    "patients",
    "commoptouts",
    "appointments",
    "recalltypes",
    "recalls",
    "definitions",
    "schedules",
    "asapcomms",
];

/// The parsed file, every row already of its model type.
#[derive(Debug, Default)]
pub struct ImportData {
    pub preferences: Vec<(String, String)>,
    pub clinics: Vec<Clinic>,
    pub providers: Vec<app::model::Provider>,
    pub operatories: Vec<Operatory>,
    pub patients: Vec<Patient>,
    pub commoptouts: Vec<CommOptOut>,
    pub definitions: Vec<Definition>,
    pub recalltypes: Vec<RecallType>,
    pub recalls: Vec<Recall>,
    pub appointments: Vec<Appointment>,
    pub schedules: Vec<Schedule>,
    pub asapcomms: Vec<AsapComm>,
}

impl ImportData {
    /// Every row in the file, preferences included.
    pub fn row_count(&self) -> usize {
        self.preferences.len()
            + self.clinics.len()
            + self.providers.len()
            + self.operatories.len()
            + self.patients.len()
            + self.commoptouts.len()
            + self.definitions.len()
            + self.recalltypes.len()
            + self.recalls.len()
            + self.appointments.len()
            + self.schedules.len()
            + self.asapcomms.len()
    }
}

/// How many rows of each table were written, and how many ASAP openings the file's bookings closed.
#[derive(Debug, Default)]
pub struct ImportSummary {
    rows: BTreeMap<&'static str, usize>,
    pub closed_openings: usize,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.rows.iter().filter(|(_, n)| **n > 0).map(|(t, n)| format!("{n} {t}")).collect();
        if parts.is_empty() {
            write!(f, "Imported nothing: the file has no rows.")?;
        } else {
            write!(f, "Imported {}.", parts.join(", "))?;
        }
        match self.closed_openings {
            0 => Ok(()),
            1 => write!(f, " 1 ASAP opening is closed: its time is now booked."),
            n => write!(f, " {n} ASAP openings are closed: their time is now booked."),
        }
    }
}

/// `server import FILE`, with progress at the terminal (or in the log): the rows read from the
/// file, then the rows written, their rate and the time left.
pub async fn import_file(store: &Store, clock: &OfficeClock, path: &Path) -> Result<ImportSummary, ImportError> {
    let reading = std::time::Instant::now();
    let text = std::fs::read_to_string(path)
        .map_err(|source| ImportError::Read { path: path.display().to_string(), source })?;
    let data = parse(&text)?;
    tracing::info!(
        "import: read {} rows ({} bytes) from {} in {:.1} s; writing them in one transaction",
        data.row_count(),
        text.len(),
        path.display(),
        reading.elapsed().as_secs_f64()
    );
    drop(text);
    let progress = Progress::start("import", "rows", Some(data.row_count() as u64));
    let result = import_with_progress(store, clock, &data, &progress).await;
    match &result {
        Ok(_) => progress.finish("written and committed"),
        Err(_) => progress.finish("stopped; nothing was changed"),
    }
    result
}

/// Reads and type-checks the whole file before anything touches the database.
pub fn parse(text: &str) -> Result<ImportData, ImportError> {
    let root: Value = serde_json::from_str(text).map_err(|e| ImportError::Json(e.to_string()))?;
    let Value::Object(root) = root else {
        return Err(ImportError::Json("the file must hold one JSON object with a key per table".into()));
    };
    if let Some(unknown) = root.keys().find(|k| !TABLES.contains(&k.as_str())) {
        return Err(invalid(unknown, None, None, format!("unknown table; the tables are {}", TABLES.join(", "))));
    }
    Ok(ImportData {
        preferences: parse_preferences(root.get("preferences"))?,
        clinics: rows(&root, "clinics")?,
        providers: rows(&root, "providers")?,
        operatories: rows(&root, "operatories")?,
        patients: rows(&root, "patients")?,
        commoptouts: rows(&root, "commoptouts")?,
        definitions: rows(&root, "definitions")?,
        recalltypes: rows(&root, "recalltypes")?,
        recalls: rows(&root, "recalls")?,
        appointments: rows(&root, "appointments")?,
        schedules: rows(&root, "schedules")?,
        asapcomms: rows(&root, "asapcomms")?,
    })
}

fn rows<T: DeserializeOwned>(root: &Map<String, Value>, table: &str) -> Result<Vec<T>, ImportError> {
    let Some(value) = root.get(table) else { return Ok(Vec::new()) };
    let Value::Array(items) = value else {
        return Err(invalid(table, None, None, "must be an array of rows"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            if !item.is_object() {
                return Err(invalid(table, Some(i), None, "each row must be a JSON object"));
            }
            serde_path_to_error::deserialize::<_, T>(item).map_err(|e| {
                let path = e.path().to_string();
                let field = (path != "." && !path.is_empty()).then_some(path);
                invalid(table, Some(i), field.as_deref(), e.into_inner().to_string())
            })
        })
        .collect()
}

fn parse_preferences(value: Option<&Value>) -> Result<Vec<(String, String)>, ImportError> {
    const TABLE: &str = "preferences";
    let Some(value) = value else { return Ok(Vec::new()) };
    let Value::Object(map) = value else {
        return Err(invalid(TABLE, None, None, "must be an object of preference names and values"));
    };
    let mut prefs = Vec::new();
    for (name, v) in map {
        if !app::model::Preferences::NAMES.contains(&name.as_str()) {
            return Err(invalid(
                TABLE,
                None,
                Some(name),
                format!("unknown preference; known ones are {}", app::model::Preferences::NAMES.join(", ")),
            ));
        }
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(invalid(TABLE, None, Some(name), "must be a string or a number")),
        };
        prefs.push((name.clone(), text));
    }
    // Check every value now, including the ones only meaningful together.
    let map: HashMap<String, String> = prefs.iter().cloned().collect();
    if let Err(message) = store::office::preferences_from(&map) {
        let field = message.split([' ', ':']).next().unwrap_or_default().to_string();
        return Err(invalid(TABLE, None, Some(&field), message));
    }
    if let Some(zone) = map.get("TimeZone").filter(|z| !z.trim().is_empty()) {
        crate::clock::parse_zone(zone).map_err(|m| invalid(TABLE, None, Some("TimeZone"), m))?;
    }
    Ok(prefs)
}

/// Writes everything in one transaction, parents before children, checking each reference.
/// Openings whose time the file books are closed in the same transaction.
pub async fn import(store: &Store, clock: &OfficeClock, data: &ImportData) -> Result<ImportSummary, ImportError> {
    import_with_progress(store, clock, data, &Progress::hidden()).await
}

pub async fn import_with_progress(store: &Store, clock: &OfficeClock, data: &ImportData, progress: &Progress) -> Result<ImportSummary, ImportError> {
    let mut tx = store.begin_write().await?;
    // The operatories whose time this file may book, locked in key order (as claims lock them),
    // so a patient's claim and an import of the same time cannot both win.
    let mut ops: Vec<i64> = data.appointments.iter().map(|a| a.op).chain(data.schedules.iter().flat_map(|s| s.operatories.0.iter().copied())).collect();
    ops.sort_unstable();
    ops.dedup();
    for op in ops {
        store.lock_operatory(&mut tx, op).await?;
    }
    let mut summary = write_all(&mut tx, data, progress).await?;
    store.sync_identity_counters(&mut tx).await?;
    let prefs = store::office::preferences(&mut tx).await?;
    let now = clock.now(&prefs);
    summary.closed_openings = crate::service::close_booked_openings(&mut tx, now).await.map_err(|e| match e {
        crate::service::ServiceError::Store(e) => ImportError::Store(e),
        other => ImportError::Json(other.to_string()),
    })?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(summary)
}

/// A reference from one row to another table must point at a row that exists (0 means none).
fn must_exist(found: bool, table: &str, row: usize, field: &str, value: i64, target: &str) -> Result<(), ImportError> {
    if found {
        Ok(())
    } else {
        Err(invalid(table, Some(row), Some(field), format!("{value} does not match any {target}")))
    }
}

pub async fn write_all(conn: &mut AnyConnection, d: &ImportData, progress: &Progress) -> Result<ImportSummary, ImportError> {
    let mut summary = ImportSummary::default();

    progress.stage("preferences");
    for (name, value) in &d.preferences {
        progress.advance(1);
        store::office::upsert_preference(conn, name, value).await?;
    }
    summary.rows.insert("preferences", d.preferences.len());

    progress.stage("clinics");
    for c in &d.clinics {
        progress.advance(1);
        table::upsert(conn, c).await?;
    }
    summary.rows.insert("clinics", d.clinics.len());

    progress.stage("providers");
    for p in &d.providers {
        progress.advance(1);
        table::upsert(conn, p).await?;
    }
    summary.rows.insert("providers", d.providers.len());

    progress.stage("operatories");
    for (i, o) in d.operatories.iter().enumerate() {
        progress.advance(1);
        const T: &str = "operatories";
        if o.clinic_num != 0 {
            let ok = table::exists::<app::model::Clinic>(conn, o.clinic_num).await?;
            must_exist(ok, T, i, "ClinicNum", o.clinic_num, "clinic")?;
        }
        for (field, prov) in [("ProvDentist", o.prov_dentist), ("ProvHygienist", o.prov_hygienist)] {
            if prov != 0 {
                let ok = table::exists::<app::model::Provider>(conn, prov).await?;
                must_exist(ok, T, i, field, prov, "provider")?;
            }
        }
        table::upsert(conn, o).await?;
    }
    summary.rows.insert("operatories", d.operatories.len());

    progress.stage("patients");
    for (i, p) in d.patients.iter().enumerate() {
        progress.advance(1);
        if p.clinic_num != 0 {
            let ok = table::exists::<app::model::Clinic>(conn, p.clinic_num).await?;
            must_exist(ok, "patients", i, "ClinicNum", p.clinic_num, "clinic")?;
        }
        table::upsert(conn, p).await?;
    }
    summary.rows.insert("patients", d.patients.len());

    progress.stage("commoptouts");
    for (i, o) in d.commoptouts.iter().enumerate() {
        progress.advance(1);
        let ok = table::exists::<Patient>(conn, o.pat_num).await?;
        must_exist(ok, "commoptouts", i, "PatNum", o.pat_num, "patient")?;
        table::upsert(conn, o).await?;
    }
    summary.rows.insert("commoptouts", d.commoptouts.len());

    progress.stage("definitions");
    for def in &d.definitions {
        progress.advance(1);
        table::upsert(conn, def).await?;
    }
    summary.rows.insert("definitions", d.definitions.len());

    progress.stage("recalltypes");
    for t in &d.recalltypes {
        progress.advance(1);
        table::upsert(conn, t).await?;
    }
    summary.rows.insert("recalltypes", d.recalltypes.len());

    progress.stage("recalls");
    for (i, r) in d.recalls.iter().enumerate() {
        progress.advance(1);
        const T: &str = "recalls";
        let ok = table::exists::<Patient>(conn, r.pat_num).await?;
        must_exist(ok, T, i, "PatNum", r.pat_num, "patient")?;
        let ok = table::exists::<RecallType>(conn, r.recall_type_num).await?;
        must_exist(ok, T, i, "RecallTypeNum", r.recall_type_num, "recall type")?;
        table::upsert(conn, r).await?;
    }
    summary.rows.insert("recalls", d.recalls.len());

    progress.stage("appointments");
    for (i, a) in d.appointments.iter().enumerate() {
        progress.advance(1);
        const T: &str = "appointments";
        let ok = table::exists::<Patient>(conn, a.pat_num).await?;
        must_exist(ok, T, i, "PatNum", a.pat_num, "patient")?;
        if a.op != 0 {
            let ok = table::exists::<Operatory>(conn, a.op).await?;
            must_exist(ok, T, i, "Op", a.op, "operatory")?;
        }
        if a.prov_num != 0 {
            let ok = table::exists::<app::model::Provider>(conn, a.prov_num).await?;
            must_exist(ok, T, i, "ProvNum", a.prov_num, "provider")?;
        }
        if a.clinic_num != 0 {
            let ok = table::exists::<app::model::Clinic>(conn, a.clinic_num).await?;
            must_exist(ok, T, i, "ClinicNum", a.clinic_num, "clinic")?;
        }
        table::upsert(conn, a).await?;
        store::book::release_placement_unless_at(conn, a).await?;
    }
    summary.rows.insert("appointments", d.appointments.len());

    progress.stage("schedules");
    for (i, s) in d.schedules.iter().enumerate() {
        progress.advance(1);
        const T: &str = "schedules";
        if s.stop_time <= s.start_time {
            return Err(invalid(T, Some(i), Some("StopTime"), "must be later than StartTime"));
        }
        if s.prov_num != 0 {
            let ok = table::exists::<app::model::Provider>(conn, s.prov_num).await?;
            must_exist(ok, T, i, "ProvNum", s.prov_num, "provider")?;
        }
        if s.blockout_type != 0 {
            let ok = table::exists::<Definition>(conn, s.blockout_type).await?;
            must_exist(ok, T, i, "BlockoutType", s.blockout_type, "definition")?;
        }
        for op in &s.operatories.0 {
            let ok = table::exists::<Operatory>(conn, *op).await?;
            must_exist(ok, T, i, "operatories", *op, "operatory")?;
        }
        // Office schedules and the openings offered here share one key space; overwriting an
        // opening's blockout with other hours would leave its offers pointing at nothing.
        if s.sched_type != SchedType::WebSchedASAP && store::opening::opening(conn, s.schedule_num).await?.is_some() {
            return Err(invalid(
                T,
                Some(i),
                Some("ScheduleNum"),
                format!("{} is a Web Sched ASAP opening offered on this server; give the office's schedules keys of their own", s.schedule_num),
            ));
        }
        store::book::upsert_schedule(conn, s).await?;
    }
    summary.rows.insert("schedules", d.schedules.len());

    progress.stage("asapcomms");
    for (i, c) in d.asapcomms.iter().enumerate() {
        progress.advance(1);
        const T: &str = "asapcomms";
        let ok = table::exists::<Patient>(conn, c.pat_num).await?;
        must_exist(ok, T, i, "PatNum", c.pat_num, "patient")?;
        // The opening is remembered on the row; take it from the blockout if it is known.
        let opening = store::book::schedule(conn, c.schedule_num).await?;
        let (op, start, stop) = match &opening {
            Some(s) => (
                s.operatories.0.first().copied().unwrap_or(0),
                app::model::OdDateTime::from_parts(s.sched_date, s.start_time),
                app::model::OdDateTime::from_parts(s.sched_date, s.stop_time),
            ),
            None => (0, app::model::OdDateTime::never(), app::model::OdDateTime::never()),
        };
        let row = NewAsapCommRow {
            comm: c.clone(),
            short_guid: crate::service::new_short_guid(),
            operatory_num: op,
            slot_start: start,
            slot_stop: stop,
            wave: 0,
            own_opening: 0,
        };
        table::upsert(conn, &row).await?;
    }
    summary.rows.insert("asapcomms", d.asapcomms.len());

    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names_table_row_and_field() {
        let err = parse(r#"{"patients": [{"PatNum": 1, "LName": "A", "FName": "B"}, {"PatNum": 2, "LName": "C", "FName": "D", "TxtMsgOk": "Maybe"}]}"#)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "patients[1].TxtMsgOk: `Maybe` is not a valid TxtMsgOk. Use one of: Unknown, Yes, No."
        );
        let err = parse(r#"{"appointments": [{"AptNum": 1, "PatNum": 2, "AptStatus": "Scheduled", "Pattern": "X-X"}]}"#).unwrap_err();
        assert!(err.to_string().starts_with("appointments[0].Pattern: "), "{err}");
        let err = parse(r#"{"clinics": [{"ClinicNum": 1, "Descr": "x"}]}"#).unwrap_err();
        assert!(err.to_string().starts_with("clinics[0]"), "{err}");
        assert!(err.to_string().contains("unknown field `Descr`"), "{err}");
    }

    #[test]
    fn parse_rejects_unknown_tables_and_bad_preferences() {
        assert!(parse(r#"{"patient": []}"#).unwrap_err().to_string().starts_with("patient: unknown table"));
        let err = parse(r#"{"preferences": {"AppointmentTimeIncrement": 7}}"#).unwrap_err();
        assert_eq!(err.to_string(), "preferences.AppointmentTimeIncrement: AppointmentTimeIncrement must be 5, 10 or 15, not 7");
        let err = parse(r#"{"preferences": {"TimeZone": "Mars/Base"}}"#).unwrap_err();
        assert!(err.to_string().starts_with("preferences.TimeZone: "), "{err}");
        assert!(parse("[1,2]").is_err());
        assert!(parse("{").is_err());
    }

    #[test]
    fn the_example_office_parses() {
        let text = include_str!("../tests/fixtures/example-office.json");
        let data = parse(text).unwrap();
        assert_eq!(data.operatories.len(), 3);
        assert_eq!(data.appointments.len(), 5);
        assert_eq!(data.schedules[0].operatories.0, vec![1, 3]);
    }
}
