//! The asapcomm table.

use super::StoreResult;
use super::table::{Sql, table};
use app::model::{AsapComm, FKeyType, OdDate, OdDateTime, ResponseStatus, SmsSendStatus};
use sqlx::AnyConnection;

/// The columns of the API object, in its order.
pub(super) const ASAPCOMM_COLUMNS: &str = "c.asapcommnum, c.fkey, c.fkeytype, c.schedulenum, c.patnum, c.clinicnum, \
     c.datetimeentry, c.datetimeexpire, c.datetimesmsscheduled, c.smssendstatus, c.datetimesmssent, \
     c.responsestatus, c.datetimeorig, c.templatetext, c.note";

pub async fn asapcomm(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<AsapComm>> {
    let sql = format!("SELECT {ASAPCOMM_COLUMNS} FROM asapcomm c WHERE c.asapcommnum = $1");
    Ok(sqlx::query_as(&sql).bind(num).fetch_optional(conn).await?)
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
    let row: Option<(i64, String)> = sqlx::query_as(&sql).bind(num).fetch_optional(conn).await?;
    Ok(row.map(|(clinic, body)| (clinic, body.into_bytes())))
}

/// `GET /asapcomms` as response bytes: a JSON array in key order.
pub async fn asapcomms_json(conn: &mut AnyConnection, f: &AsapCommRange) -> StoreResult<Vec<u8>> {
    if conn.backend_name() != "SQLite" {
        return to_json(&asapcomms(conn, f).await?);
    }
    // The keys entered on the range's days (see the asapcommentryday table) are walked in key
    // order, one clinic's through its index, so a page costs its own rows and not the range's.
    let (lo, hi, entries): (Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT MIN(firstkey), MAX(lastkey), CAST(SUM(entries) AS INTEGER) FROM asapcommentryday WHERE day >= $1 AND day <= $2",
    )
    .bind(f.start.date())
    .bind(f.end.date())
    .fetch_one(&mut *conn)
    .await?;
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Ok(b"[]".to_vec());
    };
    // Walking: the keys themselves, one clinic's through its index. Otherwise `+ 0` keeps the
    // planner from walking keys at all: the entry-time index finds the range, which is sorted.
    let walk = walk_keys(lo, hi, entries.unwrap_or(0));
    let key = if walk { "c.asapcommnum" } else { "c.asapcommnum + 0" };
    let hint = match (walk, f.clinic_num) {
        (true, Some(_)) => "INDEXED BY asapcomm_clinic",
        (true, None) => "NOT INDEXED",
        (false, _) => "",
    };
    // The page's keys are chosen first, so only its rows are turned into JSON; the objects are
    // joined as text: each is already JSON, so re-reading it would be waste.
    let mut sql = Sql::new(format!(
        "SELECT '[' || COALESCE(group_concat(body, ',' ORDER BY num), '') || ']' FROM (SELECT c.asapcommnum AS num, \
         {} AS body FROM (SELECT c.asapcommnum AS num FROM asapcomm c {hint} WHERE {key} >= ",
        asapcomm_json_sql()
    ));
    sql.bind(lo).push(&format!(" AND {key} <= ")).bind(hi);
    f.push_conditions(&mut sql);
    sql.push(&format!(" ORDER BY {key} LIMIT ")).bind(f.limit).push(" OFFSET ").bind(f.offset);
    sql.push(") page JOIN asapcomm c ON c.asapcommnum = page.num)");
    Ok(sql.fetch_scalar::<String>(conn).await?.into_bytes())
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
    /// ` AND …` for the entry-time range, the clinic and the caller's clinic restriction.
    pub(super) fn push_conditions(&self, sql: &mut Sql<'_>) {
        sql.push(" AND c.datetimeentry >= ").bind(self.start).push(" AND c.datetimeentry < ").bind(self.end);
        self.push_clinics(sql);
    }

    /// ` AND …` for the clinic and the caller's clinic restriction (an empty one matches nothing).
    pub(super) fn push_clinics(&self, sql: &mut Sql<'_>) {
        if let Some(c) = self.clinic_num {
            sql.push(" AND c.clinicnum = ").bind(c);
        }
        if let Some(list) = &self.clinics {
            sql.push(" AND c.clinicnum IN (").bind_list(list).push(")");
        }
    }
}

/// `GET /asapcomms` as rows (PostgreSQL; SQLite builds the JSON itself, above). `+ 0` keeps
/// the planner from walking the whole table in key order looking for the range: it finds the
/// range through the DateTimeEntry index and sorts what it found.
async fn asapcomms(conn: &mut AnyConnection, f: &AsapCommRange) -> StoreResult<Vec<AsapComm>> {
    let mut sql = Sql::new(format!("SELECT {ASAPCOMM_COLUMNS} FROM asapcomm c WHERE 1 = 1"));
    f.push_conditions(&mut sql);
    sql.push(" ORDER BY c.asapcommnum + 0 LIMIT ").bind(f.limit).push(" OFFSET ").bind(f.offset);
    sql.fetch_all(conn).await
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
    /// 1 for an offer on an opening this server made (the database then allows one winner per
    /// opening), 0 for an offer imported from the office's history.
    pub own_opening: i64,
}

// A row imported again keeps its link code (patients may hold it), its wave, and whose opening
// it is.
table!(NewAsapCommRow in "asapcomm" keeping ["shortguid", "wave", "ownopening"] {
    comm.asap_comm_num: "asapcommnum", comm.f_key: "fkey", comm.f_key_type: "fkeytype", comm.schedule_num: "schedulenum",
    comm.pat_num: "patnum", comm.clinic_num: "clinicnum", short_guid: "shortguid", comm.date_time_entry: "datetimeentry",
    comm.date_time_expire: "datetimeexpire", comm.date_time_sms_scheduled: "datetimesmsscheduled",
    comm.sms_send_status: "smssendstatus", comm.date_time_sms_sent: "datetimesmssent",
    comm.response_status: "responsestatus", comm.date_time_orig: "datetimeorig", comm.template_text: "templatetext",
    comm.note: "note", operatory_num: "operatorynum", slot_start: "slotstart", slot_stop: "slotstop", wave: "wave",
    own_opening: "ownopening",
});

/// What limits a new offer to a patient: whether they answered an earlier offer for the same
/// appointment or recall with "do not contact", and the ASAP texts and emails already scheduled
/// or sent to them for the limit's day. One statement, since it runs in the write turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OfferLimits {
    pub declined_stop_before: bool,
    pub texts_that_day: i64,
    pub emails_that_day: i64,
}

/// Emails are counted only when `count_emails` (a text-only send reads nothing of email).
pub async fn offer_limits(
    conn: &mut AnyConnection,
    pat_num: i64,
    f_key: i64,
    f_key_type: FKeyType,
    day: OdDate,
    count_emails: bool,
) -> StoreResult<OfferLimits> {
    let (declined, texts, emails): (i64, i64, i64) = sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM (SELECT 1 FROM asapcomm WHERE fkey = $1 AND fkeytype = $2 AND responsestatus = $3 LIMIT 1) d), \
           (SELECT COUNT(*) FROM asapcomm WHERE patnum = $4 AND datetimesmsscheduled >= $5 \
              AND datetimesmsscheduled < $6 AND smssendstatus <> $7) \
           + (SELECT COUNT(*) FROM gonetext g JOIN asapcomm c ON c.asapcommnum = g.asapcommnum WHERE c.patnum = $4 \
              AND g.datetimescheduled >= $5 AND g.datetimescheduled < $6 AND g.sendstatus <> $7), \
           CASE WHEN $8 = 1 THEN (SELECT COUNT(*) FROM asapemail e JOIN asapcomm c ON c.asapcommnum = e.asapcommnum \
              WHERE c.patnum = $4 AND e.datetimeemailscheduled >= $5 AND e.datetimeemailscheduled < $6 \
              AND e.emailsendstatus <> $7) ELSE 0 END",
    )
    .bind(f_key)
    .bind(f_key_type)
    .bind(ResponseStatus::DeclinedStopComm)
    .bind(pat_num)
    .bind(day.start())
    .bind(day.add_days(1).start())
    .bind(SmsSendStatus::DoNotSend)
    .bind(i64::from(count_emails))
    .fetch_one(conn)
    .await?;
    Ok(OfferLimits { declined_stop_before: declined > 0, texts_that_day: texts, emails_that_day: emails })
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

/// The email of a new offer: queued for `at`, or recorded as not sent (with the Note why).
pub async fn insert_email(
    conn: &mut AnyConnection,
    asap_comm_num: i64,
    subject: &str,
    body: &str,
    status: SmsSendStatus,
    at: OdDateTime,
    note: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO asapemail (asapcommnum, subject, body, emailsendstatus, datetimeemailscheduled, note) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(asap_comm_num)
    .bind(subject)
    .bind(body)
    .bind(status)
    .bind(at)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}
