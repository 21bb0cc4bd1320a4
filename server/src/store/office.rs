//! The office tables: reads for the rules and the read endpoints, upserts for import and demo.

use super::rows::{date, date_time, flag, int, member, pattern, text, time};
use super::{StoreError, StoreResult};
use app::model::{
    Appointment, AptStatus, Clinic, CommOptOut, Definition, OdBool, OdDate, OdDateTime, OdTime, OpList,
    Operatory, Patient, Preferences, Priority, Provider, Recall, RecallType, SchedType, Schedule, TxtMsgOk,
};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------------
// Preferences

pub async fn preference_values(conn: &mut AnyConnection) -> StoreResult<HashMap<String, String>> {
    let rows = sqlx::query("SELECT prefname, valuestring FROM preference").fetch_all(conn).await?;
    rows.iter().map(|r| Ok((text(r, "prefname")?, text(r, "valuestring")?))).collect()
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
            "AppointmentTimeIncrement" => {
                let n = number(name, value)?;
                if !matches!(n, 5 | 10 | 15) {
                    return Err(format!("AppointmentTimeIncrement must be 5, 10 or 15, not {n}"));
                }
                prefs.appointment_time_increment = n;
            }
            "WebSchedAsapTextTemplate" => prefs.web_sched_asap_text_template = value.clone(),
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
// Clinics, providers, operatories

fn clinic_from(r: &AnyRow) -> StoreResult<Clinic> {
    Ok(Clinic {
        clinic_num: int(r, "clinicnum")?,
        description: text(r, "description")?,
        abbr: text(r, "abbr")?,
        phone: text(r, "phone")?,
    })
}

pub async fn clinics(conn: &mut AnyConnection) -> StoreResult<Vec<Clinic>> {
    let rows = sqlx::query("SELECT * FROM clinic ORDER BY clinicnum").fetch_all(conn).await?;
    rows.iter().map(clinic_from).collect()
}

pub async fn clinic(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<Clinic>> {
    let row = sqlx::query("SELECT * FROM clinic WHERE clinicnum = $1").bind(num).fetch_optional(conn).await?;
    row.as_ref().map(clinic_from).transpose()
}

pub async fn upsert_clinic(conn: &mut AnyConnection, c: &Clinic) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO clinic (clinicnum, description, abbr, phone) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (clinicnum) DO UPDATE SET description = excluded.description, abbr = excluded.abbr, \
         phone = excluded.phone",
    )
    .bind(c.clinic_num)
    .bind(&c.description)
    .bind(&c.abbr)
    .bind(&c.phone)
    .execute(conn)
    .await?;
    Ok(())
}

fn provider_from(r: &AnyRow) -> StoreResult<Provider> {
    Ok(Provider {
        prov_num: int(r, "provnum")?,
        abbr: text(r, "abbr")?,
        f_name: text(r, "fname")?,
        l_name: text(r, "lname")?,
        is_secondary: OdBool(flag(r, "issecondary")?),
        is_hidden: OdBool(flag(r, "ishidden")?),
    })
}

pub async fn providers(conn: &mut AnyConnection) -> StoreResult<Vec<Provider>> {
    let rows = sqlx::query("SELECT * FROM provider ORDER BY provnum").fetch_all(conn).await?;
    rows.iter().map(provider_from).collect()
}

pub async fn provider_exists(conn: &mut AnyConnection, num: i64) -> StoreResult<bool> {
    exists(conn, "SELECT 1 FROM provider WHERE provnum = $1", num).await
}

pub async fn upsert_provider(conn: &mut AnyConnection, p: &Provider) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO provider (provnum, abbr, fname, lname, issecondary, ishidden) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (provnum) DO UPDATE SET abbr = excluded.abbr, fname = excluded.fname, lname = excluded.lname, \
         issecondary = excluded.issecondary, ishidden = excluded.ishidden",
    )
    .bind(p.prov_num)
    .bind(&p.abbr)
    .bind(&p.f_name)
    .bind(&p.l_name)
    .bind(i64::from(p.is_secondary.0))
    .bind(i64::from(p.is_hidden.0))
    .execute(conn)
    .await?;
    Ok(())
}

fn operatory_from(r: &AnyRow) -> StoreResult<Operatory> {
    Ok(Operatory {
        operatory_num: int(r, "operatorynum")?,
        op_name: text(r, "opname")?,
        abbrev: text(r, "abbrev")?,
        item_order: int(r, "itemorder")?,
        is_hidden: OdBool(flag(r, "ishidden")?),
        clinic_num: int(r, "clinicnum")?,
        prov_dentist: int(r, "provdentist")?,
        prov_hygienist: int(r, "provhygienist")?,
        is_hygiene: OdBool(flag(r, "ishygiene")?),
        is_web_sched: OdBool(flag(r, "iswebsched")?),
    })
}

pub async fn operatory(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<Operatory>> {
    let row = sqlx::query("SELECT * FROM operatory WHERE operatorynum = $1").bind(num).fetch_optional(conn).await?;
    row.as_ref().map(operatory_from).transpose()
}

/// Operatories in key order, optionally only one clinic's.
pub async fn operatories(conn: &mut AnyConnection, clinic_num: Option<i64>) -> StoreResult<Vec<Operatory>> {
    let rows = match clinic_num {
        Some(c) => {
            sqlx::query("SELECT * FROM operatory WHERE clinicnum = $1 ORDER BY operatorynum")
                .bind(c)
                .fetch_all(conn)
                .await?
        }
        None => sqlx::query("SELECT * FROM operatory ORDER BY operatorynum").fetch_all(conn).await?,
    };
    rows.iter().map(operatory_from).collect()
}

pub async fn upsert_operatory(conn: &mut AnyConnection, o: &Operatory) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO operatory (operatorynum, opname, abbrev, itemorder, ishidden, clinicnum, provdentist, \
         provhygienist, ishygiene, iswebsched) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (operatorynum) DO UPDATE SET opname = excluded.opname, abbrev = excluded.abbrev, \
         itemorder = excluded.itemorder, ishidden = excluded.ishidden, clinicnum = excluded.clinicnum, \
         provdentist = excluded.provdentist, provhygienist = excluded.provhygienist, \
         ishygiene = excluded.ishygiene, iswebsched = excluded.iswebsched",
    )
    .bind(o.operatory_num)
    .bind(&o.op_name)
    .bind(&o.abbrev)
    .bind(o.item_order)
    .bind(i64::from(o.is_hidden.0))
    .bind(o.clinic_num)
    .bind(o.prov_dentist)
    .bind(o.prov_hygienist)
    .bind(i64::from(o.is_hygiene.0))
    .bind(i64::from(o.is_web_sched.0))
    .execute(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Patients and opt-outs

fn patient_from(r: &AnyRow) -> StoreResult<Patient> {
    Ok(Patient {
        pat_num: int(r, "patnum")?,
        l_name: text(r, "lname")?,
        f_name: text(r, "fname")?,
        wireless_phone: text(r, "wirelessphone")?,
        txt_msg_ok: member(r, "txtmsgok", TxtMsgOk::from_i64)?,
        clinic_num: int(r, "clinicnum")?,
    })
}

pub async fn patient(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<Patient>> {
    let row = sqlx::query("SELECT * FROM patient WHERE patnum = $1").bind(num).fetch_optional(conn).await?;
    row.as_ref().map(patient_from).transpose()
}

pub async fn upsert_patient(conn: &mut AnyConnection, p: &Patient) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO patient (patnum, lname, fname, wirelessphone, txtmsgok, clinicnum) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (patnum) DO UPDATE SET lname = excluded.lname, fname = excluded.fname, \
         wirelessphone = excluded.wirelessphone, txtmsgok = excluded.txtmsgok, clinicnum = excluded.clinicnum",
    )
    .bind(p.pat_num)
    .bind(&p.l_name)
    .bind(&p.f_name)
    .bind(&p.wireless_phone)
    .bind(p.txt_msg_ok.as_i64())
    .bind(p.clinic_num)
    .execute(conn)
    .await?;
    Ok(())
}

/// The patient's OptOutSms flags; 0 when there is no opt-out row.
pub async fn opt_out_sms(conn: &mut AnyConnection, pat_num: i64) -> StoreResult<i64> {
    let flags: Option<i64> = sqlx::query_scalar("SELECT optoutsms FROM commoptout WHERE patnum = $1")
        .bind(pat_num)
        .fetch_optional(conn)
        .await?;
    Ok(flags.unwrap_or(0))
}

pub async fn upsert_opt_out(conn: &mut AnyConnection, o: &CommOptOut) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO commoptout (patnum, optoutsms) VALUES ($1, $2) \
         ON CONFLICT (patnum) DO UPDATE SET optoutsms = excluded.optoutsms",
    )
    .bind(o.pat_num)
    .bind(o.opt_out_sms)
    .execute(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Appointments

const APPOINTMENT_COLUMNS: &str =
    "a.aptnum, a.patnum, a.aptstatus, a.pattern, a.op, a.provnum, a.aptdatetime, a.clinicnum, a.priority, a.nextaptnum";

fn appointment_from(r: &AnyRow) -> StoreResult<Appointment> {
    Ok(Appointment {
        apt_num: int(r, "aptnum")?,
        pat_num: int(r, "patnum")?,
        apt_status: member(r, "aptstatus", AptStatus::from_i64)?,
        pattern: pattern(r, "pattern")?,
        op: int(r, "op")?,
        prov_num: int(r, "provnum")?,
        apt_date_time: date_time(r, "aptdatetime")?,
        clinic_num: int(r, "clinicnum")?,
        priority: member(r, "priority", Priority::from_i64)?,
        next_apt_num: int(r, "nextaptnum")?,
    })
}

pub async fn appointment(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<Appointment>> {
    let sql = format!("SELECT {APPOINTMENT_COLUMNS} FROM appointment a WHERE a.aptnum = $1");
    let row = sqlx::query(&sql).bind(num).fetch_optional(conn).await?;
    row.as_ref().map(appointment_from).transpose()
}

/// Appointments in the given operatories starting in `[from, to)`, any status; the caller
/// decides which of them occupy time. `from` should reach back far enough to catch a long
/// appointment that started earlier.
pub async fn appointments_in_operatories(
    conn: &mut AnyConnection,
    ops: &[i64],
    from: OdDateTime,
    to: OdDateTime,
) -> StoreResult<Vec<Appointment>> {
    if ops.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {APPOINTMENT_COLUMNS} FROM appointment a WHERE a.op IN ({}) AND a.aptdatetime >= $1 \
         AND a.aptdatetime < $2 ORDER BY a.aptdatetime, a.aptnum",
        int_list(ops)
    );
    let rows = sqlx::query(&sql).bind(from.to_string()).bind(to.to_string()).fetch_all(conn).await?;
    rows.iter().map(appointment_from).collect()
}

/// Appointments on the ASAP list: Priority ASAP, an open status, and for planned appointments
/// only those no scheduled appointment was made from yet.
pub async fn asap_appointments(
    conn: &mut AnyConnection,
    clinic_num: Option<i64>,
    prov_num: Option<i64>,
) -> StoreResult<Vec<Appointment>> {
    let sql = format!(
        "SELECT {APPOINTMENT_COLUMNS} FROM appointment a WHERE a.priority = $1 AND a.aptstatus IN ($2, $3, $4, $5) \
         AND ($6 < 0 OR a.clinicnum = $6) AND ($7 < 0 OR a.provnum = $7) \
         AND NOT (a.aptstatus = $5 AND EXISTS (SELECT 1 FROM appointment s WHERE s.nextaptnum = a.aptnum \
         AND s.aptstatus IN ($2, $8))) ORDER BY a.aptnum"
    );
    let rows = sqlx::query(&sql)
        .bind(Priority::ASAP.as_i64())
        .bind(AptStatus::Scheduled.as_i64())
        .bind(AptStatus::UnschedList.as_i64())
        .bind(AptStatus::Broken.as_i64())
        .bind(AptStatus::Planned.as_i64())
        .bind(clinic_num.unwrap_or(-1))
        .bind(prov_num.unwrap_or(-1))
        .bind(AptStatus::Complete.as_i64())
        .fetch_all(conn)
        .await?;
    rows.iter().map(appointment_from).collect()
}

/// What puts an appointment of clinic `$6` on the ASAP list (as `asap_appointments`), for a
/// patient who exists. Binds: $1 ASAP, $2 Scheduled, $3 UnschedList, $4 Broken, $5 Planned,
/// $6 the clinic, $7 Complete.
const ASAP_APPOINTMENT_LISTED: &str = "FROM appointment a JOIN patient p ON p.patnum = a.patnum \
     WHERE a.priority = $1 AND a.aptstatus IN ($2, $3, $4, $5) AND a.clinicnum = $6 \
     AND NOT (a.aptstatus = $5 AND EXISTS (SELECT 1 FROM appointment s WHERE s.nextaptnum = a.aptnum \
     AND s.aptstatus IN ($2, $7)))";

fn bind_asap_appointment_listed<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    clinic_num: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(Priority::ASAP.as_i64())
        .bind(AptStatus::Scheduled.as_i64())
        .bind(AptStatus::UnschedList.as_i64())
        .bind(AptStatus::Broken.as_i64())
        .bind(AptStatus::Planned.as_i64())
        .bind(clinic_num)
        .bind(AptStatus::Complete.as_i64())
}

/// How many appointments of the clinic's ASAP list (`asap_appointments_in_order`) there are.
pub async fn asap_appointment_count(conn: &mut AnyConnection, clinic_num: i64) -> StoreResult<i64> {
    let sql = format!("SELECT COUNT(*) AS n {ASAP_APPOINTMENT_LISTED}");
    let row = bind_asap_appointment_listed(sqlx::query(&sql), clinic_num).fetch_one(conn).await?;
    int(&row, "n")
}

/// A slice of the clinic's ASAP appointments in the list's order (`asap_order_key`: unscheduled,
/// then planned, then the rest; each latest first; then by AptNum), so a page of a long list
/// reads only its own rows.
pub async fn asap_appointments_in_order(
    conn: &mut AnyConnection,
    clinic_num: i64,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<Appointment>> {
    let sql = format!(
        "SELECT {APPOINTMENT_COLUMNS} {ASAP_APPOINTMENT_LISTED} \
         ORDER BY CASE a.aptstatus WHEN $3 THEN 0 WHEN $5 THEN 1 ELSE 2 END, a.aptdatetime DESC, a.aptnum \
         LIMIT $8 OFFSET $9"
    );
    let rows = bind_asap_appointment_listed(sqlx::query(&sql), clinic_num).bind(limit).bind(offset).fetch_all(conn).await?;
    rows.iter().map(appointment_from).collect()
}

pub async fn upsert_appointment(conn: &mut AnyConnection, a: &Appointment) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO appointment (aptnum, patnum, aptstatus, pattern, op, provnum, aptdatetime, clinicnum, priority, \
         nextaptnum) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (aptnum) DO UPDATE SET patnum = excluded.patnum, aptstatus = excluded.aptstatus, \
         pattern = excluded.pattern, op = excluded.op, provnum = excluded.provnum, aptdatetime = excluded.aptdatetime, \
         clinicnum = excluded.clinicnum, priority = excluded.priority, nextaptnum = excluded.nextaptnum",
    )
    .bind(a.apt_num)
    .bind(a.pat_num)
    .bind(a.apt_status.as_i64())
    .bind(a.pattern.as_str())
    .bind(a.op)
    .bind(a.prov_num)
    .bind(a.apt_date_time.to_string())
    .bind(a.clinic_num)
    .bind(a.priority.as_i64())
    .bind(a.next_apt_num)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves an ASAP appointment into an opening: its operatory, time and clinic, Scheduled, and off
/// the ASAP list.
pub async fn move_appointment_into(
    conn: &mut AnyConnection,
    apt_num: i64,
    op: &Operatory,
    at: OdDateTime,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE appointment SET op = $1, aptdatetime = $2, clinicnum = $3, aptstatus = $4, priority = $5 WHERE aptnum = $6",
    )
    .bind(op.operatory_num)
    .bind(at.to_string())
    .bind(op.clinic_num)
    .bind(AptStatus::Scheduled.as_i64())
    .bind(Priority::Normal.as_i64())
    .bind(apt_num)
    .execute(conn)
    .await?;
    Ok(())
}

/// Scheduled appointments before `before` happened: Complete, as the practice system records.
pub async fn complete_past_appointments(conn: &mut AnyConnection, before: OdDateTime) -> StoreResult<u64> {
    let done = sqlx::query("UPDATE appointment SET aptstatus = $1 WHERE aptstatus = $2 AND aptdatetime < $3")
        .bind(AptStatus::Complete.as_i64())
        .bind(AptStatus::Scheduled.as_i64())
        .bind(before.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// A key for a new appointment: one past the largest in use. Callers hold the write lock
/// (SQLite) or the appointment-key lock (PostgreSQL).
pub async fn next_apt_num(conn: &mut AnyConnection) -> StoreResult<i64> {
    let max: Option<i64> = sqlx::query_scalar("SELECT MAX(aptnum) FROM appointment").fetch_one(conn).await?;
    Ok(max.unwrap_or(0) + 1)
}

pub async fn set_recall_priority(conn: &mut AnyConnection, recall_num: i64, priority: Priority) -> StoreResult<()> {
    sqlx::query("UPDATE recall SET priority = $1 WHERE recallnum = $2")
        .bind(priority.as_i64())
        .bind(recall_num)
        .execute(conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Recalls

fn recall_type_from(r: &AnyRow) -> StoreResult<RecallType> {
    Ok(RecallType {
        recall_type_num: int(r, "recalltypenum")?,
        description: text(r, "description")?,
        time_pattern: pattern(r, "timepattern")?,
    })
}

pub async fn recall_type(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<RecallType>> {
    let row = sqlx::query("SELECT * FROM recalltype WHERE recalltypenum = $1").bind(num).fetch_optional(conn).await?;
    row.as_ref().map(recall_type_from).transpose()
}

pub async fn recall_types(conn: &mut AnyConnection) -> StoreResult<Vec<RecallType>> {
    let rows = sqlx::query("SELECT * FROM recalltype ORDER BY recalltypenum").fetch_all(conn).await?;
    rows.iter().map(recall_type_from).collect()
}

pub async fn upsert_recall_type(conn: &mut AnyConnection, t: &RecallType) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO recalltype (recalltypenum, description, timepattern) VALUES ($1, $2, $3) \
         ON CONFLICT (recalltypenum) DO UPDATE SET description = excluded.description, timepattern = excluded.timepattern",
    )
    .bind(t.recall_type_num)
    .bind(&t.description)
    .bind(t.time_pattern.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

fn recall_from(r: &AnyRow) -> StoreResult<Recall> {
    Ok(Recall {
        recall_num: int(r, "recallnum")?,
        pat_num: int(r, "patnum")?,
        recall_type_num: int(r, "recalltypenum")?,
        date_due: date(r, "datedue")?,
        priority: member(r, "priority", Priority::from_i64)?,
        is_disabled: OdBool(flag(r, "isdisabled")?),
    })
}

pub async fn recall(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<Recall>> {
    let row = sqlx::query("SELECT * FROM recall WHERE recallnum = $1").bind(num).fetch_optional(conn).await?;
    row.as_ref().map(recall_from).transpose()
}

/// Recalls on clinic `$2`'s ASAP list: Priority ASAP (`$1`), not disabled, for a patient of that
/// clinic or of none.
const ASAP_RECALL_LISTED: &str = "FROM recall r JOIN patient p ON p.patnum = r.patnum \
     WHERE r.priority = $1 AND r.isdisabled = 0 AND (p.clinicnum = $2 OR p.clinicnum = 0)";

/// How many recalls of the clinic's ASAP list there are.
pub async fn asap_recall_count(conn: &mut AnyConnection, clinic_num: i64) -> StoreResult<i64> {
    let sql = format!("SELECT COUNT(*) AS n {ASAP_RECALL_LISTED}");
    let row = sqlx::query(&sql).bind(Priority::ASAP.as_i64()).bind(clinic_num).fetch_one(conn).await?;
    int(&row, "n")
}

/// A slice of the clinic's ASAP recalls in the list's order: latest due date first, then by
/// RecallNum.
pub async fn asap_recalls_in_order(conn: &mut AnyConnection, clinic_num: i64, offset: i64, limit: i64) -> StoreResult<Vec<Recall>> {
    let sql = format!("SELECT r.* {ASAP_RECALL_LISTED} ORDER BY r.datedue DESC, r.recallnum LIMIT $3 OFFSET $4");
    let rows = sqlx::query(&sql).bind(Priority::ASAP.as_i64()).bind(clinic_num).bind(limit).bind(offset).fetch_all(conn).await?;
    rows.iter().map(recall_from).collect()
}

pub async fn upsert_recall(conn: &mut AnyConnection, r: &Recall) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO recall (recallnum, patnum, recalltypenum, datedue, priority, isdisabled) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (recallnum) DO UPDATE SET patnum = excluded.patnum, recalltypenum = excluded.recalltypenum, \
         datedue = excluded.datedue, priority = excluded.priority, isdisabled = excluded.isdisabled",
    )
    .bind(r.recall_num)
    .bind(r.pat_num)
    .bind(r.recall_type_num)
    .bind(r.date_due.to_string())
    .bind(r.priority.as_i64())
    .bind(i64::from(r.is_disabled.0))
    .execute(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Definitions (blockout types)

fn definition_from(r: &AnyRow) -> StoreResult<Definition> {
    Ok(Definition {
        def_num: int(r, "defnum")?,
        category: int(r, "category")?,
        item_name: text(r, "itemname")?,
        item_value: text(r, "itemvalue")?,
        item_order: int(r, "itemorder")?,
        is_hidden: OdBool(flag(r, "ishidden")?),
    })
}

pub async fn blockout_types(conn: &mut AnyConnection) -> StoreResult<Vec<Definition>> {
    let rows = sqlx::query("SELECT * FROM definition WHERE category = $1 ORDER BY itemorder, defnum")
        .bind(Definition::BLOCKOUT_CATEGORY)
        .fetch_all(conn)
        .await?;
    rows.iter().map(definition_from).collect()
}

pub async fn definition_exists(conn: &mut AnyConnection, num: i64) -> StoreResult<bool> {
    exists(conn, "SELECT 1 FROM definition WHERE defnum = $1", num).await
}

pub async fn upsert_definition(conn: &mut AnyConnection, d: &Definition) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO definition (defnum, category, itemname, itemvalue, itemorder, ishidden) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (defnum) DO UPDATE SET category = excluded.category, itemname = excluded.itemname, \
         itemvalue = excluded.itemvalue, itemorder = excluded.itemorder, ishidden = excluded.ishidden",
    )
    .bind(d.def_num)
    .bind(d.category)
    .bind(&d.item_name)
    .bind(&d.item_value)
    .bind(d.item_order)
    .bind(i64::from(d.is_hidden.0))
    .execute(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Schedules

/// Which schedule rows to read. Dates are inclusive.
#[derive(Clone, Debug)]
pub struct ScheduleFilter {
    pub date_start: OdDate,
    pub date_end: OdDate,
    pub sched_type: Option<SchedType>,
    pub blockout_def_num: Option<i64>,
    pub prov_num: Option<i64>,
    pub operatory_num: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

const SCHEDULE_COLUMNS: &str = "s.schedulenum, s.scheddate, s.starttime, s.stoptime, s.schedtype, s.provnum, \
     s.blockouttype, s.note, s.employeenum, COALESCE(d.itemname, '') AS blockoutname";

fn schedule_from(r: &AnyRow) -> StoreResult<Schedule> {
    Ok(Schedule {
        schedule_num: int(r, "schedulenum")?,
        sched_date: date(r, "scheddate")?,
        start_time: time(r, "starttime")?,
        stop_time: time(r, "stoptime")?,
        sched_type: member(r, "schedtype", SchedType::from_i64)?,
        prov_num: int(r, "provnum")?,
        blockout_type: int(r, "blockouttype")?,
        blockout_type_name: text(r, "blockoutname")?,
        note: text(r, "note")?,
        operatories: OpList::default(),
        employee_num: int(r, "employeenum")?,
    })
}

/// Fills each schedule's operatory list from scheduleop.
async fn attach_operatories(conn: &mut AnyConnection, schedules: &mut [Schedule]) -> StoreResult<()> {
    if schedules.is_empty() {
        return Ok(());
    }
    let nums: Vec<i64> = schedules.iter().map(|s| s.schedule_num).collect();
    let mut ops: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in nums.chunks(500) {
        let sql = format!(
            "SELECT schedulenum, operatorynum FROM scheduleop WHERE schedulenum IN ({}) ORDER BY schedulenum, operatorynum",
            int_list(chunk)
        );
        for r in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            ops.entry(int(&r, "schedulenum")?).or_default().push(int(&r, "operatorynum")?);
        }
    }
    for s in schedules.iter_mut() {
        s.operatories = OpList(ops.remove(&s.schedule_num).unwrap_or_default());
    }
    Ok(())
}

pub async fn schedules(conn: &mut AnyConnection, f: &ScheduleFilter) -> StoreResult<Vec<Schedule>> {
    let sql = format!(
        "SELECT {SCHEDULE_COLUMNS} FROM schedule s LEFT JOIN definition d ON d.defnum = s.blockouttype \
         WHERE s.scheddate >= $1 AND s.scheddate <= $2 AND ($3 < 0 OR s.schedtype = $3) \
         AND ($4 < 0 OR s.blockouttype = $4) AND ($5 < 0 OR s.provnum = $5) \
         AND ($6 < 0 OR EXISTS (SELECT 1 FROM scheduleop so WHERE so.schedulenum = s.schedulenum AND so.operatorynum = $6)) \
         ORDER BY s.schedulenum LIMIT $7 OFFSET $8"
    );
    let rows = sqlx::query(&sql)
        .bind(f.date_start.to_string())
        .bind(f.date_end.to_string())
        .bind(f.sched_type.map_or(-1, SchedType::as_i64))
        .bind(f.blockout_def_num.unwrap_or(-1))
        .bind(f.prov_num.unwrap_or(-1))
        .bind(f.operatory_num.unwrap_or(-1))
        .bind(f.limit)
        .bind(f.offset)
        .fetch_all(&mut *conn)
        .await?;
    let mut list = rows.iter().map(schedule_from).collect::<StoreResult<Vec<_>>>()?;
    attach_operatories(conn, &mut list).await?;
    Ok(list)
}

pub async fn schedule(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<Schedule>> {
    let sql = format!(
        "SELECT {SCHEDULE_COLUMNS} FROM schedule s LEFT JOIN definition d ON d.defnum = s.blockouttype \
         WHERE s.schedulenum = $1"
    );
    let row = sqlx::query(&sql).bind(num).fetch_optional(&mut *conn).await?;
    let Some(row) = row else { return Ok(None) };
    let mut list = vec![schedule_from(&row)?];
    attach_operatories(conn, &mut list).await?;
    Ok(list.pop())
}

/// Inserts or replaces a schedule row with its key, and its operatory links.
pub async fn upsert_schedule(conn: &mut AnyConnection, s: &Schedule) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO schedule (schedulenum, scheddate, starttime, stoptime, schedtype, provnum, blockouttype, note, \
         employeenum) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (schedulenum) DO UPDATE SET scheddate = excluded.scheddate, starttime = excluded.starttime, \
         stoptime = excluded.stoptime, schedtype = excluded.schedtype, provnum = excluded.provnum, \
         blockouttype = excluded.blockouttype, note = excluded.note, employeenum = excluded.employeenum",
    )
    .bind(s.schedule_num)
    .bind(s.sched_date.to_string())
    .bind(s.start_time.to_string())
    .bind(s.stop_time.to_string())
    .bind(s.sched_type.as_i64())
    .bind(s.prov_num)
    .bind(s.blockout_type)
    .bind(&s.note)
    .bind(s.employee_num)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM scheduleop WHERE schedulenum = $1").bind(s.schedule_num).execute(&mut *conn).await?;
    link_operatories(conn, s.schedule_num, &s.operatories.0).await
}

/// A new schedule row with a key chosen by the database.
pub struct NewSchedule<'a> {
    pub sched_date: OdDate,
    pub start_time: OdTime,
    pub stop_time: OdTime,
    pub sched_type: SchedType,
    pub prov_num: i64,
    pub blockout_type: i64,
    pub note: &'a str,
    pub operatories: &'a [i64],
}

pub async fn insert_schedule(conn: &mut AnyConnection, s: &NewSchedule<'_>) -> StoreResult<i64> {
    let num: i64 = sqlx::query_scalar(
        "INSERT INTO schedule (scheddate, starttime, stoptime, schedtype, provnum, blockouttype, note, employeenum) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0) RETURNING schedulenum",
    )
    .bind(s.sched_date.to_string())
    .bind(s.start_time.to_string())
    .bind(s.stop_time.to_string())
    .bind(s.sched_type.as_i64())
    .bind(s.prov_num)
    .bind(s.blockout_type)
    .bind(s.note)
    .fetch_one(&mut *conn)
    .await?;
    link_operatories(conn, num, s.operatories).await?;
    Ok(num)
}

async fn link_operatories(conn: &mut AnyConnection, schedule_num: i64, ops: &[i64]) -> StoreResult<()> {
    for op in ops {
        sqlx::query("INSERT INTO scheduleop (schedulenum, operatorynum) VALUES ($1, $2)")
            .bind(schedule_num)
            .bind(op)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn delete_schedule(conn: &mut AnyConnection, schedule_num: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM scheduleop WHERE schedulenum = $1").bind(schedule_num).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM schedule WHERE schedulenum = $1").bind(schedule_num).execute(conn).await?;
    Ok(())
}

/// Provider schedules and blockouts on the given days that touch the given operatories,
/// one entry per (schedule, operatory). A provider schedule with no operatory links applies to
/// the operatories whose dentist or hygienist is that provider, as in Open Dental.
pub async fn schedule_blocks(
    conn: &mut AnyConnection,
    date_start: OdDate,
    date_end: OdDate,
    ops: &[Operatory],
) -> StoreResult<Vec<(Schedule, i64)>> {
    if ops.is_empty() {
        return Ok(Vec::new());
    }
    let filter = ScheduleFilter {
        date_start,
        date_end,
        sched_type: None,
        blockout_def_num: None,
        prov_num: None,
        operatory_num: None,
        offset: 0,
        limit: i64::MAX,
    };
    let all = schedules(conn, &filter).await?;
    let wanted: HashMap<i64, &Operatory> = ops.iter().map(|o| (o.operatory_num, o)).collect();
    let mut blocks = Vec::new();
    for s in all {
        let linked: Vec<i64> = if s.operatories.0.is_empty() && s.sched_type == SchedType::Provider {
            ops.iter()
                .filter(|o| o.prov_dentist == s.prov_num || o.prov_hygienist == s.prov_num)
                .map(|o| o.operatory_num)
                .collect()
        } else {
            s.operatories.0.iter().copied().filter(|op| wanted.contains_key(op)).collect()
        };
        for op in linked {
            blocks.push((s.clone(), op));
        }
    }
    Ok(blocks)
}

// ---------------------------------------------------------------------------------------------
// Counts and helpers

pub async fn count(conn: &mut AnyConnection, sql: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar::<_, i64>(sql).fetch_one(conn).await?)
}

async fn exists(conn: &mut AnyConnection, sql: &str, key: i64) -> StoreResult<bool> {
    Ok(sqlx::query(sql).bind(key).fetch_optional(conn).await?.is_some())
}

pub async fn patient_exists(conn: &mut AnyConnection, num: i64) -> StoreResult<bool> {
    exists(conn, "SELECT 1 FROM patient WHERE patnum = $1", num).await
}

pub async fn clinic_exists(conn: &mut AnyConnection, num: i64) -> StoreResult<bool> {
    exists(conn, "SELECT 1 FROM clinic WHERE clinicnum = $1", num).await
}

pub async fn operatory_exists(conn: &mut AnyConnection, num: i64) -> StoreResult<bool> {
    exists(conn, "SELECT 1 FROM operatory WHERE operatorynum = $1", num).await
}

pub async fn recall_type_exists(conn: &mut AnyConnection, num: i64) -> StoreResult<bool> {
    exists(conn, "SELECT 1 FROM recalltype WHERE recalltypenum = $1", num).await
}

pub async fn appointment_exists(conn: &mut AnyConnection, num: i64) -> StoreResult<bool> {
    exists(conn, "SELECT 1 FROM appointment WHERE aptnum = $1", num).await
}

pub async fn recall_exists(conn: &mut AnyConnection, num: i64) -> StoreResult<bool> {
    exists(conn, "SELECT 1 FROM recall WHERE recallnum = $1", num).await
}

pub async fn schedule_exists(conn: &mut AnyConnection, num: i64) -> StoreResult<bool> {
    exists(conn, "SELECT 1 FROM schedule WHERE schedulenum = $1", num).await
}

/// Numbers written into SQL as a literal list. Only ever given i64 values, so nothing from a
/// request reaches the SQL text.
pub(super) fn int_list(nums: &[i64]) -> String {
    let parts: Vec<String> = nums.iter().map(i64::to_string).collect();
    parts.join(", ")
}
