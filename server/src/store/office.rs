//! The office's reference data, as Open Dental keeps it: preferences, clinics, providers,
//! operatories, patients and their opt-outs, recall types and recalls, and definitions (blockout
//! types). Reads for the rules and the read endpoints; upserts for import, demo and sync.
//! Appointments and schedules, the book itself, are in `book`. Column lists: `app::model::sql`.

use super::table::{self, Sql, Table};
use super::{StoreError, StoreResult};
use app::model::{
    Clinic, CommOptOut, Definition, OdTime, OfficeIdentity, Operatory, Patient, Preferences, Priority, Provider, Recall, RecallType,
};
use sqlx::AnyConnection;
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------------
// Preferences

pub async fn preference_values(conn: &mut AnyConnection) -> StoreResult<HashMap<String, String>> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT prefname, valuestring FROM preference").fetch_all(conn).await?;
    Ok(rows.into_iter().collect())
}

/// The preferences the rules read; missing ones take Open Dental's defaults.
pub async fn preferences(conn: &mut AnyConnection) -> StoreResult<Preferences> {
    let values = preference_values(conn).await?;
    preferences_from(&values).map_err(StoreError::Corrupt)
}

/// Builds typed preferences from name/value text, naming the first value that does not parse.
pub fn preferences_from(values: &HashMap<String, String>) -> Result<Preferences, String> {
    let mut prefs = Preferences::default();
    let number = |name: &str, v: &str| {
        v.trim().parse::<i64>().map_err(|_| format!("{name} must be a whole number, not `{v}`"))
    };
    let clock = |name: &str, v: &str| OdTime::parse(v).map_err(|e| format!("{name}: {e}"));
    for (name, value) in values {
        match name.as_str() {
            "PracticeTitle" => prefs.practice_title = value.clone(),
            "PracticePhone" => prefs.practice_phone = value.clone(),
            "PracticeAddress" => prefs.practice_address = value.clone(),
            "PracticeAddress2" => prefs.practice_address2 = value.clone(),
            "PracticeCity" => prefs.practice_city = value.clone(),
            "PracticeST" => prefs.practice_st = value.clone(),
            "PracticeZip" => prefs.practice_zip = value.clone(),
            "AppointmentTimeIncrement" => {
                let n = number(name, value)?;
                if !matches!(n, 5 | 10 | 15) {
                    return Err(format!("AppointmentTimeIncrement must be 5, 10 or 15, not {n}"));
                }
                prefs.appointment_time_increment = n;
            }
            "WebSchedAsapTextTemplate" => prefs.web_sched_asap_text_template = value.clone(),
            "WebSchedAsapEmailSubj" => prefs.web_sched_asap_email_subj = value.clone(),
            "WebSchedAsapEmailTemplate" => prefs.web_sched_asap_email_template = value.clone(),
            "WebSchedAsapTextLimit" => {
                let n = number(name, value)?;
                if n < 0 {
                    return Err(format!("WebSchedAsapTextLimit cannot be negative ({n})"));
                }
                prefs.web_sched_asap_text_limit = n;
            }
            "AutomaticCommunicationTimeStart" => prefs.automatic_communication_time_start = clock(name, value)?,
            "AutomaticCommunicationTimeEnd" => prefs.automatic_communication_time_end = clock(name, value)?,
            "TimeZone" => prefs.time_zone = value.trim().to_string(),
            "AsapConfirmBooking" => {
                prefs.asap_confirm_booking = match value.trim() {
                    "1" | "true" => true,
                    "0" | "false" => false,
                    other => return Err(format!("AsapConfirmBooking must be 1 (on) or 0 (off), not `{other}`")),
                }
            }
            _ => {}
        }
    }
    Ok(prefs)
}

pub async fn upsert_preference(conn: &mut AnyConnection, name: &str, value: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO preference (prefname, valuestring) VALUES ($1, $2) \
         ON CONFLICT (prefname) DO UPDATE SET valuestring = excluded.valuestring",
    )
    .bind(name)
    .bind(value)
    .execute(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Clinics, providers, operatories, patients: read by key, in key order, written whole.

pub async fn clinics(conn: &mut AnyConnection) -> StoreResult<Vec<Clinic>> {
    table::all(conn).await
}

pub async fn clinic(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<Clinic>> {
    table::by_key(conn, num).await
}

/// The office a clinic's patients deal with (clinic 0: the practice).
pub async fn identity(conn: &mut AnyConnection, clinic_num: i64, prefs: &Preferences) -> StoreResult<OfficeIdentity> {
    let clinic = if clinic_num > 0 { clinic(conn, clinic_num).await? } else { None };
    Ok(OfficeIdentity::of(clinic.as_ref(), prefs))
}

pub async fn providers(conn: &mut AnyConnection) -> StoreResult<Vec<Provider>> {
    table::all(conn).await
}

pub async fn operatory(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<Operatory>> {
    table::by_key(conn, num).await
}

/// Operatories in key order, optionally only one clinic's.
pub async fn operatories(conn: &mut AnyConnection, clinic_num: Option<i64>) -> StoreResult<Vec<Operatory>> {
    match clinic_num {
        Some(c) => {
            let sql = format!("{} WHERE clinicnum = $1 ORDER BY operatorynum", Operatory::statements()[2]);
            Ok(sqlx::query_as(&sql).bind(c).fetch_all(conn).await?)
        }
        None => table::all(conn).await,
    }
}

pub async fn patient(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<Patient>> {
    table::by_key(conn, num).await
}

/// The patient's opt-out flags; none set when there is no opt-out row.
pub async fn opt_outs(conn: &mut AnyConnection, pat_num: i64) -> StoreResult<CommOptOut> {
    Ok(table::by_key::<CommOptOut>(conn, pat_num).await?.unwrap_or(CommOptOut { pat_num, opt_out_sms: 0, opt_out_email: 0 }))
}

// ---------------------------------------------------------------------------------------------
// Recalls and recall types

pub async fn recall_type(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<RecallType>> {
    table::by_key(conn, num).await
}

pub async fn recall_types(conn: &mut AnyConnection) -> StoreResult<Vec<RecallType>> {
    table::all(conn).await
}

pub async fn recall(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<Recall>> {
    table::by_key(conn, num).await
}

/// Recalls on clinic `$2`'s ASAP list: Priority ASAP (`$1`), not disabled, for a patient of that
/// clinic or of none.
const ASAP_RECALL_LISTED: &str = "FROM recall r JOIN patient p ON p.patnum = r.patnum \
     WHERE r.priority = $1 AND r.isdisabled = 0 AND (p.clinicnum = $2 OR p.clinicnum = 0)";

/// How many recalls of the clinic's ASAP list there are.
pub async fn asap_recall_count(conn: &mut AnyConnection, clinic_num: i64) -> StoreResult<i64> {
    let sql = format!("SELECT COUNT(*) {ASAP_RECALL_LISTED}");
    Ok(sqlx::query_scalar(&sql).bind(Priority::ASAP).bind(clinic_num).fetch_one(conn).await?)
}

/// A slice of the clinic's ASAP recalls in the list's order: latest due date first, then by
/// RecallNum.
pub async fn asap_recalls_in_order(conn: &mut AnyConnection, clinic_num: i64, offset: i64, limit: i64) -> StoreResult<Vec<Recall>> {
    let sql = format!("SELECT r.* {ASAP_RECALL_LISTED} ORDER BY r.datedue DESC, r.recallnum LIMIT $3 OFFSET $4");
    Ok(sqlx::query_as(&sql).bind(Priority::ASAP).bind(clinic_num).bind(limit).bind(offset).fetch_all(conn).await?)
}

/// Every recall's key.
pub async fn recall_keys(conn: &mut AnyConnection) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT recallnum FROM recall").fetch_all(conn).await?)
}

pub async fn delete_recalls(conn: &mut AnyConnection, keys: &[i64]) -> StoreResult<()> {
    for chunk in keys.chunks(500) {
        let mut sql = Sql::new("DELETE FROM recall WHERE recallnum IN (");
        sql.bind_list(chunk).push(")");
        sql.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn set_recall_priority(conn: &mut AnyConnection, recall_num: i64, priority: Priority) -> StoreResult<()> {
    sqlx::query("UPDATE recall SET priority = $1 WHERE recallnum = $2").bind(priority).bind(recall_num).execute(conn).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Definitions (blockout types)

pub async fn blockout_types(conn: &mut AnyConnection) -> StoreResult<Vec<Definition>> {
    let sql = format!("{} WHERE category = $1 ORDER BY itemorder, defnum", Definition::statements()[2]);
    Ok(sqlx::query_as(&sql).bind(Definition::BLOCKOUT_CATEGORY).fetch_all(conn).await?)
}

// ---------------------------------------------------------------------------------------------
// Counts

/// The number `sql` (a `SELECT COUNT(*) …` without parameters) answers.
pub async fn count(conn: &mut AnyConnection, sql: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<_, i64>(sql).fetch_one(conn).await?)
}
