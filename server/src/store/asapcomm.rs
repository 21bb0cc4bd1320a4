//! The asapcomm table.

use super::rows::{date_time, int, member, text};
use super::StoreResult;
use app::model::{AsapComm, FKeyType, OdDate, OdDateTime, ResponseStatus, SmsSendStatus};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

/// The columns of the API object, in its order.
pub(super) const ASAPCOMM_COLUMNS: &str = "c.asapcommnum, c.fkey, c.fkeytype, c.schedulenum, c.patnum, c.clinicnum, \
     c.datetimeentry, c.datetimeexpire, c.datetimesmsscheduled, c.smssendstatus, c.datetimesmssent, \
     c.responsestatus, c.datetimeorig, c.templatetext, c.note";

pub(super) fn asapcomm_from(r: &AnyRow) -> StoreResult<AsapComm> {
    Ok(AsapComm {
        asap_comm_num: int(r, "asapcommnum")?,
        f_key: int(r, "fkey")?,
        f_key_type: member(r, "fkeytype", FKeyType::from_i64)?,
        schedule_num: int(r, "schedulenum")?,
        pat_num: int(r, "patnum")?,
        clinic_num: int(r, "clinicnum")?,
        date_time_entry: date_time(r, "datetimeentry")?,
        date_time_expire: date_time(r, "datetimeexpire")?,
        date_time_sms_scheduled: date_time(r, "datetimesmsscheduled")?,
        sms_send_status: member(r, "smssendstatus", SmsSendStatus::from_i64)?,
        date_time_sms_sent: date_time(r, "datetimesmssent")?,
        response_status: member(r, "responsestatus", ResponseStatus::from_i64)?,
        date_time_orig: date_time(r, "datetimeorig")?,
        template_text: text(r, "templatetext")?,
        note: text(r, "note")?,
    })
}

pub async fn asapcomm(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<AsapComm>> {
    let sql = format!("SELECT {ASAPCOMM_COLUMNS} FROM asapcomm c WHERE c.asapcommnum = $1");
    let row = sqlx::query(&sql).bind(num).fetch_optional(conn).await?;
    row.as_ref().map(asapcomm_from).transpose()
}

/// The API object as JSON, built by SQLite byte for byte as serde writes `AsapComm` (same keys
/// in the same order, members by name, dates as stored text). A read then goes from the database
/// to the response with no row decoding, no structs and no second serialisation; a test checks
/// the two agree for every member and for text needing escapes.
fn asapcomm_json_sql() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        fn names<T: Copy>(column: &str, all: &[T], num: fn(T) -> i64, name: fn(T) -> &'static str) -> String {
            let arms: String = all.iter().map(|m| format!(" WHEN {} THEN '{}'", num(*m), name(*m))).collect();
            format!("CASE {column}{arms} END")
        }
        format!(
            "json_object('AsapCommNum', c.asapcommnum, 'FKey', c.fkey, 'FKeyType', {}, 'ScheduleNum', c.schedulenum, \
             'PatNum', c.patnum, 'ClinicNum', c.clinicnum, 'DateTimeEntry', c.datetimeentry, \
             'DateTimeExpire', c.datetimeexpire, 'DateTimeSmsScheduled', c.datetimesmsscheduled, \
             'SmsSendStatus', {}, 'DateTimeSmsSent', c.datetimesmssent, 'ResponseStatus', {}, \
             'DateTimeOrig', c.datetimeorig, 'TemplateText', c.templatetext, 'Note', c.note)",
            names("c.fkeytype", FKeyType::ALL, FKeyType::as_i64, FKeyType::name),
            names("c.smssendstatus", SmsSendStatus::ALL, SmsSendStatus::as_i64, SmsSendStatus::name),
            names("c.responsestatus", ResponseStatus::ALL, ResponseStatus::as_i64, ResponseStatus::name),
        )
    });
    &SQL
}

/// `GET /asapcomms/{num}` as response bytes, with the clinic it belongs to (for the caller's
/// clinic check). SQLite builds the JSON; PostgreSQL rows are serialised here.
pub async fn asapcomm_json(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<(i64, Vec<u8>)>> {
    if conn.backend_name() != "SQLite" {
        return match asapcomm(conn, num).await? {
            Some(c) => Ok(Some((c.clinic_num, to_json(&c)?))),
            None => Ok(None),
        };
    }
    let sql = format!("SELECT c.clinicnum, {} AS body FROM asapcomm c WHERE c.asapcommnum = $1", asapcomm_json_sql());
    let row = sqlx::query(&sql).bind(num).fetch_optional(conn).await?;
    row.map(|r| Ok((int(&r, "clinicnum")?, text(&r, "body")?.into_bytes()))).transpose()
}

/// `GET /asapcomms` as response bytes: a JSON array in key order.
pub async fn asapcomms_json(conn: &mut AnyConnection, f: &AsapCommRange) -> StoreResult<Vec<u8>> {
    if conn.backend_name() != "SQLite" {
        return to_json(&asapcomms(conn, f).await?);
    }
    // The keys entered on the range's days (see the asapcommentryday table) are walked in key
    // order, one clinic's through its index, so a page costs its own rows and not the range's.
    let bounds = sqlx::query(
        "SELECT MIN(firstkey) AS lo, MAX(lastkey) AS hi, CAST(SUM(entries) AS INTEGER) AS entries FROM asapcommentryday \
         WHERE day >= $1 AND day <= $2",
    )
    .bind(f.start.date().to_string())
    .bind(f.end.date().to_string())
    .fetch_one(&mut *conn)
    .await?;
    use sqlx::Row;
    let (Some(lo), Some(hi)) = (bounds.try_get::<Option<i64>, _>("lo")?, bounds.try_get::<Option<i64>, _>("hi")?) else {
        return Ok(b"[]".to_vec());
    };
    let entries = bounds.try_get::<Option<i64>, _>("entries")?.unwrap_or(0);
    // Walking: the keys themselves, one clinic's through its index. Otherwise `+ 0` keeps the
    // planner from walking keys at all: the entry-time index finds the range, which is sorted.
    let walk = walk_keys(lo, hi, entries);
    let key = if walk { "c.asapcommnum" } else { "c.asapcommnum + 0" };
    let hint = match (walk, f.clinic_num) {
        (true, Some(_)) => "INDEXED BY asapcomm_clinic",
        (true, None) => "NOT INDEXED",
        (false, _) => "",
    };
    let clinic = if f.clinic_num.is_some() { " AND c.clinicnum = $7" } else { "" };
    // The page's keys are chosen first, so only its rows are turned into JSON; the objects are
    // joined as text: each is already JSON, so re-reading it would be waste.
    let sql = format!(
        "SELECT '[' || COALESCE(group_concat(body, ',' ORDER BY num), '') || ']' AS page FROM (SELECT c.asapcommnum AS num, \
         {} AS body FROM (SELECT c.asapcommnum AS num FROM asapcomm c {hint} WHERE {key} >= $5 AND {key} <= $6{clinic} \
         AND c.datetimeentry >= $1 AND c.datetimeentry < $2{} ORDER BY {key} LIMIT $3 OFFSET $4) page \
         JOIN asapcomm c ON c.asapcommnum = page.num)",
        asapcomm_json_sql(),
        f.clinic_restriction(),
    );
    let mut q = sqlx::query(&sql).bind(f.start.to_string()).bind(f.end.to_string()).bind(f.limit).bind(f.offset).bind(lo).bind(hi);
    if let Some(c) = f.clinic_num {
        q = q.bind(c);
    }
    Ok(text(&q.fetch_one(conn).await?, "page")?.into_bytes())
}

/// Walk the keys from `lo` to `hi` when at least half of them were entered on the range's days
/// (`entries`); otherwise most of the walk would be other days' offers, and reading the range
/// through the entry-time index and sorting it costs less.
fn walk_keys(lo: i64, hi: i64, entries: i64) -> bool {
    hi.saturating_sub(lo).saturating_add(1) <= entries.saturating_mul(2)
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| super::StoreError::Corrupt(format!("asapcomm JSON: {e}")))
}

/// `GET /asapcomms`: DateTimeEntry in `[start, end)`, optionally one clinic, in key order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsapCommRange {
    pub start: OdDateTime,
    pub end: OdDateTime,
    pub clinic_num: Option<i64>,
    /// Only these clinics (a caller's clinic restriction); None for every clinic.
    pub clinics: Option<Vec<i64>>,
    pub offset: i64,
    pub limit: i64,
}

impl AsapCommRange {
    /// `AND c.clinicnum IN (…)` for a restricted caller; nothing otherwise.
    /// The clinic condition of a range query: `$5` when one clinic is named, plus the restriction.
    fn clinic_filter(&self) -> String {
        format!("{}{}", if self.clinic_num.is_some() { "AND c.clinicnum = $5" } else { "" }, self.clinic_restriction())
    }

    pub(super) fn clinic_restriction(&self) -> String {
        match &self.clinics {
            Some(list) if list.is_empty() => " AND 1 = 0".to_string(),
            Some(list) => format!(" AND c.clinicnum IN ({})", super::int_list(list)),
            None => String::new(),
        }
    }
}

/// `GET /asapcomms` as rows (PostgreSQL; SQLite builds the JSON itself, above). `+ 0` keeps
/// the planner from walking the whole table in key order looking for the range: it finds the
/// range through the DateTimeEntry index and sorts what it found.
async fn asapcomms(conn: &mut AnyConnection, f: &AsapCommRange) -> StoreResult<Vec<AsapComm>> {
    let sql = format!(
        "SELECT {ASAPCOMM_COLUMNS} FROM asapcomm c WHERE c.datetimeentry >= $1 AND c.datetimeentry < $2 {} \
         ORDER BY c.asapcommnum + 0 LIMIT $3 OFFSET $4",
        f.clinic_filter()
    );
    let mut q = sqlx::query(&sql).bind(f.start.to_string()).bind(f.end.to_string()).bind(f.limit).bind(f.offset);
    if let Some(c) = f.clinic_num {
        q = q.bind(c);
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(asapcomm_from).collect()
}

/// Everything stored for a new offer: the API object (its number is chosen by the database)
/// and the columns the API does not return.
#[derive(Clone, Debug)]
pub struct NewAsapCommRow {
    pub comm: AsapComm,
    pub short_guid: String,
    pub operatory_num: i64,
    pub slot_start: OdDateTime,
    pub slot_stop: OdDateTime,
    /// Which wave of the opening's texts this one goes out in (0 = the first).
    pub wave: i64,
}

pub async fn insert_asapcomm(conn: &mut AnyConnection, row: &NewAsapCommRow) -> StoreResult<i64> {
    let c = &row.comm;
    let num: i64 = sqlx::query_scalar(
        "INSERT INTO asapcomm (fkey, fkeytype, schedulenum, patnum, clinicnum, shortguid, datetimeentry, datetimeexpire, \
         datetimesmsscheduled, smssendstatus, datetimesmssent, responsestatus, datetimeorig, templatetext, note, \
         operatorynum, slotstart, slotstop, wave) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING asapcommnum",
    )
    .bind(c.f_key)
    .bind(c.f_key_type.as_i64())
    .bind(c.schedule_num)
    .bind(c.pat_num)
    .bind(c.clinic_num)
    .bind(&row.short_guid)
    .bind(c.date_time_entry.to_string())
    .bind(c.date_time_expire.to_string())
    .bind(c.date_time_sms_scheduled.to_string())
    .bind(c.sms_send_status.as_i64())
    .bind(c.date_time_sms_sent.to_string())
    .bind(c.response_status.as_i64())
    .bind(c.date_time_orig.to_string())
    .bind(&c.template_text)
    .bind(&c.note)
    .bind(row.operatory_num)
    .bind(row.slot_start.to_string())
    .bind(row.slot_stop.to_string())
    .bind(row.wave)
    .fetch_one(conn)
    .await?;
    Ok(num)
}

/// Inserts or replaces a row with its given key (import and demo history).
pub async fn upsert_asapcomm(conn: &mut AnyConnection, row: &NewAsapCommRow) -> StoreResult<()> {
    let c = &row.comm;
    sqlx::query(
        "INSERT INTO asapcomm (asapcommnum, fkey, fkeytype, schedulenum, patnum, clinicnum, shortguid, datetimeentry, \
         datetimeexpire, datetimesmsscheduled, smssendstatus, datetimesmssent, responsestatus, datetimeorig, \
         templatetext, note, operatorynum, slotstart, slotstop) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
         ON CONFLICT (asapcommnum) DO UPDATE SET fkey = excluded.fkey, fkeytype = excluded.fkeytype, \
         schedulenum = excluded.schedulenum, patnum = excluded.patnum, clinicnum = excluded.clinicnum, \
         datetimeentry = excluded.datetimeentry, datetimeexpire = excluded.datetimeexpire, \
         datetimesmsscheduled = excluded.datetimesmsscheduled, smssendstatus = excluded.smssendstatus, \
         datetimesmssent = excluded.datetimesmssent, responsestatus = excluded.responsestatus, \
         datetimeorig = excluded.datetimeorig, templatetext = excluded.templatetext, note = excluded.note, \
         operatorynum = excluded.operatorynum, slotstart = excluded.slotstart, slotstop = excluded.slotstop",
    )
    .bind(c.asap_comm_num)
    .bind(c.f_key)
    .bind(c.f_key_type.as_i64())
    .bind(c.schedule_num)
    .bind(c.pat_num)
    .bind(c.clinic_num)
    .bind(&row.short_guid)
    .bind(c.date_time_entry.to_string())
    .bind(c.date_time_expire.to_string())
    .bind(c.date_time_sms_scheduled.to_string())
    .bind(c.sms_send_status.as_i64())
    .bind(c.date_time_sms_sent.to_string())
    .bind(c.response_status.as_i64())
    .bind(c.date_time_orig.to_string())
    .bind(&c.template_text)
    .bind(&c.note)
    .bind(row.operatory_num)
    .bind(row.slot_start.to_string())
    .bind(row.slot_stop.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// ASAP texts already scheduled or sent to a patient for a given day (the daily limit).
pub async fn texts_on_day(conn: &mut AnyConnection, pat_num: i64, day: OdDate) -> StoreResult<i64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM asapcomm WHERE patnum = $1 AND datetimesmsscheduled >= $2 \
         AND datetimesmsscheduled < $3 AND smssendstatus <> $4",
    )
    .bind(pat_num)
    .bind(day.start().to_string())
    .bind(day.add_days(1).start().to_string())
    .bind(SmsSendStatus::DoNotSend.as_i64())
    .fetch_one(conn)
    .await?;
    Ok(n)
}

/// The patient answered an earlier offer for this appointment or recall with "do not contact".
pub async fn declined_stop_before(conn: &mut AnyConnection, f_key: i64, f_key_type: FKeyType) -> StoreResult<bool> {
    let row = sqlx::query("SELECT 1 FROM asapcomm WHERE fkey = $1 AND fkeytype = $2 AND responsestatus = $3 LIMIT 1")
        .bind(f_key)
        .bind(f_key_type.as_i64())
        .bind(ResponseStatus::DeclinedStopComm.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

pub async fn short_guid_exists(conn: &mut AnyConnection, short_guid: &str) -> StoreResult<bool> {
    Ok(sqlx::query("SELECT 1 FROM asapcomm WHERE shortguid = $1")
        .bind(short_guid)
        .fetch_optional(conn)
        .await?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::walk_keys;

    #[test]
    fn keys_are_walked_when_the_range_holds_most_of_them() {
        assert!(walk_keys(1, 100, 100), "keys entered in order");
        assert!(walk_keys(1, 100, 50));
        assert!(!walk_keys(1, 100, 49), "mostly other days' keys");
        assert!(!walk_keys(1, 1_000_000, 100), "imported history scattered over the key range");
        assert!(walk_keys(i64::MIN, i64::MAX, i64::MAX), "no overflow");
    }
}
