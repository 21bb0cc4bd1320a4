//! The appointment book: appointments, and schedules (provider time, blockouts and Web Sched
//! ASAP blockouts) with the operatories each is linked to.

use super::StoreResult;
use super::table::{Sql, Table};
use app::domain::Span;
use app::domain::occupancy::occupies_time;
use app::model::{Appointment, AptStatus, OdDate, OdDateTime, OdTime, OpList, Operatory, Priority, SchedType, Schedule};
use sqlx::AnyConnection;
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------------
// Appointments

pub async fn appointment(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<Appointment>> {
    super::table::by_key(conn, num).await
}

/// The patient's appointments with `status` starting after `after`, soonest first.
pub async fn patient_appointments_after(
    conn: &mut AnyConnection,
    pat_num: i64,
    status: AptStatus,
    after: OdDateTime,
    limit: i64,
) -> StoreResult<Vec<Appointment>> {
    let sql = format!("{} WHERE patnum = $1 AND aptstatus = $2 AND aptdatetime > $3 ORDER BY aptdatetime, aptnum LIMIT $4", Appointment::statements()[2]);
    Ok(sqlx::query_as(&sql).bind(pat_num).bind(status).bind(after).bind(limit).fetch_all(conn).await?)
}

/// Puts an appointment on the ASAP list, or takes it off. False when there is no such appointment.
pub async fn set_appointment_priority(conn: &mut AnyConnection, apt_num: i64, priority: Priority) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE appointment SET priority = $1 WHERE aptnum = $2").bind(priority).bind(apt_num).execute(conn).await?;
    Ok(done.rows_affected() == 1)
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
    let mut sql = Sql::new(Appointment::statements()[2].as_str());
    sql.push(" WHERE op IN (").bind_list(ops).push(") AND aptdatetime >= ").bind(from);
    sql.push(" AND aptdatetime < ").bind(to).push(" ORDER BY aptdatetime, aptnum");
    sql.fetch_all(conn).await
}

/// What puts an appointment on the ASAP list: Priority ASAP, an open status, and for planned
/// appointments only those no scheduled appointment was made from yet. Binds: $1 ASAP,
/// $2 Scheduled, $3 UnschedList, $4 Broken, $5 Planned, $6 Complete.
const ASAP_APPOINTMENT: &str = "a.priority = $1 AND a.aptstatus IN ($2, $3, $4, $5) \
     AND NOT (a.aptstatus = $5 AND EXISTS (SELECT 1 FROM appointment s WHERE s.nextaptnum = a.aptnum \
     AND s.aptstatus IN ($2, $6)))";

fn asap_appointment_sql(head: &str) -> Sql<'static> {
    let mut sql = Sql::new(head);
    for value in [Priority::ASAP.as_i64()].into_iter().chain(
        [AptStatus::Scheduled, AptStatus::UnschedList, AptStatus::Broken, AptStatus::Planned, AptStatus::Complete].map(AptStatus::as_i64),
    ) {
        // Placeholders $1…$6 are written into ASAP_APPOINTMENT itself.
        sql.bind_value(value);
    }
    sql.push(ASAP_APPOINTMENT);
    sql
}

/// Appointments on the ASAP list, optionally one clinic's and one provider's, by AptNum.
pub async fn asap_appointments(
    conn: &mut AnyConnection,
    clinic_num: Option<i64>,
    prov_num: Option<i64>,
) -> StoreResult<Vec<Appointment>> {
    let mut sql = asap_appointment_sql("SELECT a.* FROM appointment a WHERE ");
    if let Some(c) = clinic_num {
        sql.push(" AND a.clinicnum = ").bind(c);
    }
    if let Some(p) = prov_num {
        sql.push(" AND a.provnum = ").bind(p);
    }
    sql.push(" ORDER BY a.aptnum");
    sql.fetch_all(conn).await
}

/// How many appointments of the clinic's ASAP list (`asap_appointments_in_order`) there are:
/// those of `asap_appointments` whose patient exists.
pub async fn asap_appointment_count(conn: &mut AnyConnection, clinic_num: i64) -> StoreResult<i64> {
    let mut sql = asap_appointment_sql("SELECT COUNT(*) FROM appointment a JOIN patient p ON p.patnum = a.patnum WHERE ");
    sql.push(" AND a.clinicnum = ").bind(clinic_num);
    sql.fetch_scalar(conn).await
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
    let mut sql = asap_appointment_sql("SELECT a.* FROM appointment a JOIN patient p ON p.patnum = a.patnum WHERE ");
    sql.push(" AND a.clinicnum = ").bind(clinic_num);
    sql.push(" ORDER BY CASE a.aptstatus WHEN $3 THEN 0 WHEN $5 THEN 1 ELSE 2 END, a.aptdatetime DESC, a.aptnum LIMIT ");
    sql.bind(limit).push(" OFFSET ").bind(offset);
    sql.fetch_all(conn).await
}

/// Moves an ASAP appointment into an opening: its operatory, time and clinic, Scheduled, and off
/// the ASAP list. False when the appointment is gone.
pub async fn move_appointment_into(conn: &mut AnyConnection, apt_num: i64, op: &Operatory, at: OdDateTime) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE appointment SET op = $1, aptdatetime = $2, clinicnum = $3, aptstatus = $4, priority = $5 WHERE aptnum = $6",
    )
    .bind(op.operatory_num)
    .bind(at)
    .bind(op.clinic_num)
    .bind(AptStatus::Scheduled)
    .bind(Priority::Normal)
    .bind(apt_num)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Scheduled appointments before `before` happened: Complete, as the practice system records.
pub async fn complete_past_appointments(conn: &mut AnyConnection, before: OdDateTime) -> StoreResult<u64> {
    let done = sqlx::query("UPDATE appointment SET aptstatus = $1 WHERE aptstatus = $2 AND aptdatetime < $3")
        .bind(AptStatus::Complete)
        .bind(AptStatus::Scheduled)
        .bind(before)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// A key for a new appointment: one past the largest in use from `floor` up (1 alone; while
/// synced with Open Dental, a range of this server's own, see `opendental::LOCAL_KEY_FLOOR`).
/// Callers hold the write lock (SQLite) or the appointment-key lock (PostgreSQL).
pub async fn next_apt_num(conn: &mut AnyConnection, floor: i64) -> StoreResult<i64> {
    let max: Option<i64> = sqlx::query_scalar("SELECT MAX(aptnum) FROM appointment WHERE aptnum >= $1").bind(floor).fetch_one(conn).await?;
    Ok(max.map_or(floor, |m| m + 1))
}

// ---------------------------------------------------------------------------------------------
// Placements: the chair time of appointments a claim placed (see migration 0009)

/// Records the chair time a claim gave this appointment. The database refuses it (a conflict,
/// `StoreError::is_claim_conflict`) when it overlaps time already placed in the operatory.
pub async fn place(conn: &mut AnyConnection, apt_num: i64, operatory_num: i64, span: Span) -> StoreResult<()> {
    let minute = |t: OdDateTime| OdDateTime::never().minutes_until(t);
    sqlx::query(
        "INSERT INTO placement (aptnum, operatorynum, startminute, stopminute) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (aptnum) DO UPDATE SET operatorynum = excluded.operatorynum, startminute = excluded.startminute, \
         stopminute = excluded.stopminute",
    )
    .bind(apt_num)
    .bind(operatory_num)
    .bind(minute(span.start))
    .bind(minute(span.end))
    .execute(conn)
    .await?;
    Ok(())
}

/// The office's data now speaks for this appointment: unless it still stands where the claim
/// placed it (same operatory and start, still holding time), the placement is forgotten.
pub async fn release_placement_unless_at(conn: &mut AnyConnection, apt: &Appointment) -> StoreResult<()> {
    let holds = occupies_time(apt.apt_status) && apt.op != 0;
    sqlx::query("DELETE FROM placement WHERE aptnum = $1 AND NOT (operatorynum = $2 AND startminute = $3 AND $4 = 1)")
        .bind(apt.apt_num)
        .bind(apt.op)
        .bind(OdDateTime::never().minutes_until(apt.apt_date_time))
        .bind(i64::from(holds))
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

const SCHEDULE_READ: &str = "SELECT s.*, COALESCE(d.itemname, '') AS blockoutname FROM schedule s \
     LEFT JOIN definition d ON d.defnum = s.blockouttype";

/// Fills each schedule's operatory list from scheduleop.
async fn attach_operatories(conn: &mut AnyConnection, schedules: &mut [Schedule]) -> StoreResult<()> {
    let nums: Vec<i64> = schedules.iter().map(|s| s.schedule_num).collect();
    let mut ops: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in nums.chunks(500) {
        let mut sql = Sql::new("SELECT schedulenum, operatorynum FROM scheduleop WHERE schedulenum IN (");
        sql.bind_list(chunk).push(") ORDER BY schedulenum, operatorynum");
        for (schedule, op) in sql.fetch_all::<(i64, i64)>(&mut *conn).await? {
            ops.entry(schedule).or_default().push(op);
        }
    }
    for s in schedules.iter_mut() {
        s.operatories = OpList(ops.remove(&s.schedule_num).unwrap_or_default());
    }
    Ok(())
}

pub async fn schedules(conn: &mut AnyConnection, f: &ScheduleFilter) -> StoreResult<Vec<Schedule>> {
    let mut sql = Sql::new(SCHEDULE_READ);
    sql.push(" WHERE s.scheddate >= ").bind(f.date_start).push(" AND s.scheddate <= ").bind(f.date_end);
    if let Some(t) = f.sched_type {
        sql.push(" AND s.schedtype = ").bind(t);
    }
    if let Some(d) = f.blockout_def_num {
        sql.push(" AND s.blockouttype = ").bind(d);
    }
    if let Some(p) = f.prov_num {
        sql.push(" AND s.provnum = ").bind(p);
    }
    if let Some(op) = f.operatory_num {
        sql.push(" AND EXISTS (SELECT 1 FROM scheduleop so WHERE so.schedulenum = s.schedulenum AND so.operatorynum = ");
        sql.bind(op).push(")");
    }
    sql.push(" ORDER BY s.schedulenum LIMIT ").bind(f.limit).push(" OFFSET ").bind(f.offset);
    let mut list: Vec<Schedule> = sql.fetch_all(&mut *conn).await?;
    attach_operatories(conn, &mut list).await?;
    Ok(list)
}

pub async fn schedule(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<Schedule>> {
    let sql = format!("{SCHEDULE_READ} WHERE s.schedulenum = $1");
    let Some(found) = sqlx::query_as::<_, Schedule>(&sql).bind(num).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let mut list = vec![found];
    attach_operatories(conn, &mut list).await?;
    Ok(list.pop())
}

/// Inserts or replaces a schedule row with its key, and its operatory links.
pub async fn upsert_schedule(conn: &mut AnyConnection, s: &Schedule) -> StoreResult<()> {
    super::table::upsert(conn, s).await?;
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
    let row = Schedule {
        schedule_num: 0,
        sched_date: s.sched_date,
        start_time: s.start_time,
        stop_time: s.stop_time,
        sched_type: s.sched_type,
        prov_num: s.prov_num,
        blockout_type: s.blockout_type,
        blockout_type_name: String::new(),
        note: s.note.to_string(),
        operatories: OpList::default(),
        employee_num: 0,
    };
    let num = super::table::insert(conn, &row).await?;
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

/// Removes a schedule and its operatory links; false when there was none.
pub async fn delete_schedule(conn: &mut AnyConnection, schedule_num: i64) -> StoreResult<bool> {
    sqlx::query("DELETE FROM scheduleop WHERE schedulenum = $1").bind(schedule_num).execute(&mut *conn).await?;
    let done = sqlx::query("DELETE FROM schedule WHERE schedulenum = $1").bind(schedule_num).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Schedules on `[from, to]` (the office's and openings' alike): (ScheduleNum, whether it is an
/// opening's blockout made here).
pub async fn schedule_keys_on_days(conn: &mut AnyConnection, from: OdDate, to: OdDate) -> StoreResult<Vec<(i64, bool)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT s.schedulenum, CASE WHEN EXISTS (SELECT 1 FROM asapopening o WHERE o.schedulenum = s.schedulenum) THEN 1 ELSE 0 END \
         FROM schedule s WHERE s.scheddate >= $1 AND s.scheddate <= $2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(k, own)| (k, own == 1)).collect())
}

/// Removes these schedules and their operatory links.
pub async fn delete_schedules(conn: &mut AnyConnection, keys: &[i64]) -> StoreResult<()> {
    for chunk in keys.chunks(500) {
        for table in ["scheduleop", "schedule"] {
            let mut sql = Sql::new(format!("DELETE FROM {table} WHERE schedulenum IN ("));
            sql.bind_list(chunk).push(")");
            sql.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Appointments with a time in `[from, to)`, any status.
pub async fn appointment_keys_between(conn: &mut AnyConnection, from: OdDateTime, to: OdDateTime) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT aptnum FROM appointment WHERE aptdatetime >= $1 AND aptdatetime < $2")
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await?)
}

/// Holds these appointments' rows until the transaction ends (PostgreSQL; SQLite's one writer
/// already does), so a claim moving one commits first or waits.
pub async fn lock_appointments(conn: &mut AnyConnection, backend: super::Backend, keys: &[i64]) -> StoreResult<()> {
    if backend != super::Backend::Postgres {
        return Ok(());
    }
    for chunk in keys.chunks(500) {
        let mut sql = Sql::new("SELECT aptnum FROM appointment WHERE aptnum IN (");
        sql.bind_list(chunk).push(") ORDER BY aptnum FOR UPDATE");
        sql.fetch_rows(&mut *conn).await?;
    }
    Ok(())
}

/// The operatories these appointments stand in here (0 for none).
pub async fn operatories_of(conn: &mut AnyConnection, keys: &[i64]) -> StoreResult<Vec<i64>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(500) {
        let mut sql = Sql::new("SELECT DISTINCT op FROM appointment WHERE aptnum IN (");
        sql.bind_list(chunk).push(")");
        out.extend(sql.fetch_all::<(i64,)>(&mut *conn).await?.into_iter().map(|(op,)| op));
    }
    Ok(out)
}

/// Keys of the appointments on the ASAP list here (Priority ASAP), any status.
pub async fn asap_priority_keys(conn: &mut AnyConnection) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT aptnum FROM appointment WHERE priority = $1").bind(Priority::ASAP).fetch_all(conn).await?)
}

/// Removes these appointments and their placements.
pub async fn delete_appointments(conn: &mut AnyConnection, keys: &[i64]) -> StoreResult<()> {
    for chunk in keys.chunks(500) {
        for table in ["placement", "appointment"] {
            let mut sql = Sql::new(format!("DELETE FROM {table} WHERE aptnum IN ("));
            sql.bind_list(chunk).push(")");
            sql.execute(&mut *conn).await?;
        }
    }
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
