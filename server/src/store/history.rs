//! The ASAP history queries: one page of offers with the names around them, and the counts
//! above the table. Conditions are added only when a filter is set, so each query can use the
//! DateTimeEntry and ClinicNum indexes.

use super::asapcomm::{ASAPCOMM_COLUMNS, asapcomm_from};
use super::rows::{date, date_time, int, text};
use super::{AsapCommRange, StoreResult};
use app::api::{HistoryDay, HistoryRow, HistoryTotals};
use app::domain::answer::OpeningState;
use app::model::{ResponseStatus, SmsSendStatus};
use sqlx::AnyConnection;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

#[derive(Clone, Debug)]
pub struct HistoryFilter {
    /// Range, clinic and paging as `GET /asapcomms` checked them.
    pub range: AsapCommRange,
    pub response_status: Option<ResponseStatus>,
    pub sms_send_status: Option<SmsSendStatus>,
    pub schedule_num: Option<i64>,
    pub newest_first: bool,
}

/// `WHERE …` and its values; `with_status` adds the status filters (the rows), leaving them
/// out for the totals.
fn conditions(f: &HistoryFilter, with_status: bool) -> (String, Vec<Value>) {
    let mut sql = String::from("c.datetimeentry >= $1 AND c.datetimeentry < $2");
    sql.push_str(&f.range.clinic_restriction());
    let mut values = vec![Value::Text(f.range.start.to_string()), Value::Text(f.range.end.to_string())];
    let mut add = |cond: &str, v: Value, values: &mut Vec<Value>| {
        values.push(v);
        sql.push_str(&format!(" AND {cond} ${}", values.len()));
    };
    if let Some(c) = f.range.clinic_num {
        add("c.clinicnum =", Value::Int(c), &mut values);
    }
    if let Some(s) = f.schedule_num {
        add("c.schedulenum =", Value::Int(s), &mut values);
    }
    if with_status {
        if let Some(r) = f.response_status {
            add("c.responsestatus =", Value::Int(r.as_i64()), &mut values);
        }
        if let Some(s) = f.sms_send_status {
            add("c.smssendstatus =", Value::Int(s.as_i64()), &mut values);
        }
    }
    (sql, values)
}

enum Value {
    Int(i64),
    Text(String),
}

fn bind_all<'q>(mut q: Query<'q, sqlx::Any, AnyArguments<'q>>, values: Vec<Value>) -> Query<'q, sqlx::Any, AnyArguments<'q>> {
    for v in values {
        q = match v {
            Value::Int(n) => q.bind(n),
            Value::Text(s) => q.bind(s),
        };
    }
    q
}

pub async fn history_rows(conn: &mut AnyConnection, f: &HistoryFilter) -> StoreResult<Vec<HistoryRow>> {
    let (cond, values) = conditions(f, true);
    let dir = if f.newest_first { "DESC" } else { "ASC" };
    let n = values.len();
    let sql = format!(
        "SELECT {ASAPCOMM_COLUMNS}, c.slotstart, c.slotstop, c.datetimeviewed, c.datetimedelivered, c.datetimeresponded, \
         COALESCE(ao.state, 0) AS openingstate, COALESCE(ao.offeredby, '') AS offeredby, COALESCE(p.lname, '') AS lname, \
         COALESCE(p.fname, '') AS fname, COALESCE(cl.abbr, '') AS clinicabbr, COALESCE(o.opname, '') AS opname \
         FROM asapcomm c LEFT JOIN patient p ON p.patnum = c.patnum LEFT JOIN clinic cl ON cl.clinicnum = c.clinicnum \
         LEFT JOIN operatory o ON o.operatorynum = c.operatorynum LEFT JOIN asapopening ao ON ao.schedulenum = c.schedulenum \
         WHERE {cond} ORDER BY c.datetimeentry {dir}, c.asapcommnum {dir} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let q = bind_all(sqlx::query(&sql), values).bind(f.range.limit).bind(f.range.offset);
    let rows = q.fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let lname = text(r, "lname")?;
            let fname = text(r, "fname")?;
            let patient = match (lname.is_empty(), fname.is_empty()) {
                (true, true) => format!("Patient {}", int(r, "patnum")?),
                (false, true) => lname,
                (true, false) => fname.clone(),
                (false, false) => format!("{lname}, {fname}"),
            };
            Ok(HistoryRow {
                comm: asapcomm_from(r)?,
                patient,
                f_name: fname,
                clinic: text(r, "clinicabbr")?,
                operatory: text(r, "opname")?,
                slot_start: date_time(r, "slotstart")?,
                slot_stop: date_time(r, "slotstop")?,
                viewed: date_time(r, "datetimeviewed")?,
                delivered: date_time(r, "datetimedelivered")?,
                responded: date_time(r, "datetimeresponded")?,
                opening: OpeningState::from_i64(int(r, "openingstate")?),
                offered_by: text(r, "offeredby")?,
            })
        })
        .collect()
}

pub async fn history_matching(conn: &mut AnyConnection, f: &HistoryFilter) -> StoreResult<i64> {
    let (cond, values) = conditions(f, true);
    let sql = format!("SELECT COUNT(*) FROM asapcomm c WHERE {cond}");
    let n: i64 = bind_all(sqlx::query(&sql), values).fetch_one(conn).await.map(|r| {
        use sqlx::Row;
        r.try_get::<i64, _>(0)
    })??;
    Ok(n)
}

const COUNTS: &str = "COUNT(*) AS offers, \
    COALESCE(SUM(CASE WHEN c.smssendstatus IN (3, 5) THEN 1 ELSE 0 END), 0) AS sent, \
    COALESCE(SUM(CASE WHEN c.responsestatus = 5 THEN 1 ELSE 0 END), 0) AS filled, \
    COALESCE(SUM(CASE WHEN c.responsestatus IN (5, 6) THEN 1 ELSE 0 END), 0) AS accepted, \
    COALESCE(SUM(CASE WHEN c.responsestatus IN (7, 11) THEN 1 ELSE 0 END), 0) AS declined, \
    COALESCE(SUM(CASE WHEN c.responsestatus = 0 THEN 1 ELSE 0 END), 0) AS unable, \
    COALESCE(SUM(CASE WHEN c.smssendstatus = 4 OR c.responsestatus IN (0, 10) THEN 1 ELSE 0 END), 0) AS failed";

pub async fn history_totals(conn: &mut AnyConnection, f: &HistoryFilter) -> StoreResult<HistoryTotals> {
    let (cond, values) = conditions(f, false);
    let sql = format!("SELECT {COUNTS} FROM asapcomm c WHERE {cond}");
    let r = bind_all(sqlx::query(&sql), values).fetch_one(conn).await?;
    Ok(HistoryTotals {
        offers: int(&r, "offers")?,
        sent: int(&r, "sent")?,
        filled: int(&r, "filled")?,
        declined: int(&r, "declined")?,
        unable: int(&r, "unable")?,
    })
}

pub async fn history_days(conn: &mut AnyConnection, f: &HistoryFilter) -> StoreResult<Vec<HistoryDay>> {
    let (cond, values) = conditions(f, false);
    let sql = format!(
        "SELECT SUBSTR(c.datetimeentry, 1, 10) AS day, {COUNTS} FROM asapcomm c WHERE {cond} \
         GROUP BY SUBSTR(c.datetimeentry, 1, 10) ORDER BY day"
    );
    let rows = bind_all(sqlx::query(&sql), values).fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryDay {
                day: date(r, "day")?,
                sent: int(r, "sent")?,
                accepted: int(r, "accepted")?,
                failed: int(r, "failed")?,
            })
        })
        .collect()
}
