//! The ASAP history queries: one page of offers with the names around them, and the counts
//! above the table. Conditions are added only when a filter is set, so each query can use the
//! DateTimeEntry and ClinicNum indexes.

use super::asapcomm::{ASAPCOMM_COLUMNS, asapcomm_from};
use super::rows::{date, date_time, int, text};
use super::{AsapCommRange, StoreResult};
use app::view::history::{HistoryDay, HistoryRow, HistoryTotals};
use app::domain::answer::OpeningState;
use app::model::{OdDate, ResponseStatus, SmsSendStatus};
use sqlx::AnyConnection;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// Where a page starts: just after (or before) the row with this key, in the page's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryCursor {
    pub entry: app::model::OdDateTime,
    pub num: i64,
    /// True for the next page (away from the first), false for the previous one.
    pub forward: bool,
}

#[derive(Clone, Debug)]
pub struct HistoryFilter {
    /// Range, clinic and paging as `GET /asapcomms` checked them.
    pub range: AsapCommRange,
    pub response_status: Option<ResponseStatus>,
    pub sms_send_status: Option<SmsSendStatus>,
    pub schedule_num: Option<i64>,
    pub newest_first: bool,
    pub cursor: Option<HistoryCursor>,
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

/// One page of rows: by key after a cursor (no matter how deep), else by offset.
pub async fn history_rows(conn: &mut AnyConnection, f: &HistoryFilter) -> StoreResult<Vec<HistoryRow>> {
    let (mut cond, mut values) = conditions(f, true);
    // Reading backwards (the previous page) runs the other way and is turned round after.
    let backwards = f.cursor.as_ref().is_some_and(|c| !c.forward);
    let descending = f.newest_first != backwards;
    if let Some(c) = &f.cursor {
        values.push(Value::Text(c.entry.to_string()));
        let e = values.len();
        values.push(Value::Int(c.num));
        let n = values.len();
        let (bound, strict) = if descending { ("<=", "<") } else { (">=", ">") };
        cond.push_str(&format!(
            " AND c.datetimeentry {bound} ${e} AND (c.datetimeentry {strict} ${e} OR c.asapcommnum {strict} ${n})"
        ));
    }
    let dir = if descending { "DESC" } else { "ASC" };
    let n = values.len();
    let offset = if f.cursor.is_some() { 0 } else { f.range.offset };
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
    let q = bind_all(sqlx::query(&sql), values).bind(f.range.limit).bind(offset);
    let rows = q.fetch_all(conn).await?;
    let mut list = rows
        .iter()
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
        .collect::<StoreResult<Vec<_>>>()?;
    if backwards {
        list.reverse();
    }
    Ok(list)
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

/// The counts above the table, from the counts table (no scan of the range), when the filter is
/// over days and clinics; one opening's few offers are counted directly. Returns (rows matching
/// every filter, totals over the range, per-day counts).
pub async fn history_counts(conn: &mut AnyConnection, f: &HistoryFilter) -> StoreResult<(i64, HistoryTotals, Vec<HistoryDay>)> {
    if f.schedule_num.is_some() {
        let matching = history_matching(conn, f).await?;
        let totals = history_totals(conn, f).await?;
        let days = history_days(conn, f).await?;
        return Ok((matching, totals, days));
    }
    let mut clinic = f.range.clinic_restriction();
    if let Some(c) = f.range.clinic_num {
        clinic.push_str(&format!(" AND c.clinicnum = {c}"));
    }
    let first = f.range.start.date();
    let last = f.range.end.date().add_days(-1);
    let rows = super::offer_counts_by_day(conn, first, last, &clinic).await?;
    let mut by_day: Vec<(OdDate, Vec<StatusCount>)> = Vec::new();
    for (day, rs, ss, n) in rows {
        let day = OdDate::parse(&day).map_err(|_| super::StoreError::Corrupt(format!("asapcommcount day `{day}`")))?;
        let count = StatusCount { response: rs, send: ss, n };
        match by_day.last_mut() {
            Some((d, list)) if *d == day => list.push(count),
            _ => by_day.push((day, vec![count])),
        }
    }
    let want_response = f.response_status.map(ResponseStatus::as_i64);
    let want_send = f.sms_send_status.map(SmsSendStatus::as_i64);
    Ok(summarise(&by_day, want_response, want_send))
}

/// Offers with one pair of statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusCount {
    pub response: i64,
    pub send: i64,
    pub n: i64,
}

/// The history's counting rules over counted rows: what "sent", "filled", "declined" and the
/// chart's bars mean, and which rows match the status filters.
pub fn summarise(days: &[(OdDate, Vec<StatusCount>)], response: Option<i64>, send: Option<i64>) -> (i64, HistoryTotals, Vec<HistoryDay>) {
    let mut matching = 0;
    let mut totals = HistoryTotals::default();
    let mut chart = Vec::new();
    for (day, counts) in days {
        let mut d = HistoryDay { day: *day, sent: 0, accepted: 0, failed: 0 };
        let mut any = false;
        for c in counts.iter().filter(|c| c.n != 0) {
            any = true;
            if response.is_none_or(|r| r == c.response) && send.is_none_or(|s| s == c.send) {
                matching += c.n;
            }
            totals.offers += c.n;
            if matches!(c.send, 3 | 5) {
                totals.sent += c.n;
                d.sent += c.n;
            }
            if c.response == 5 {
                totals.filled += c.n;
            }
            if matches!(c.response, 5 | 6) {
                d.accepted += c.n;
            }
            if matches!(c.response, 7 | 11) {
                totals.declined += c.n;
            }
            if c.response == 0 {
                totals.unable += c.n;
            }
            if c.send == 4 || matches!(c.response, 0 | 10) {
                d.failed += c.n;
            }
        }
        if any {
            chart.push(d);
        }
    }
    (matching, totals, chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_rows_give_the_same_totals_as_counting_rows() {
        let day = |s: &str| OdDate::parse(s).unwrap();
        let c = |response, send, n| StatusCount { response, send, n };
        let days = vec![
            (day("2031-03-16"), vec![c(2, 3, 4), c(5, 3, 1), c(0, 1, 2), c(7, 3, 1)]),
            (day("2031-03-17"), vec![c(10, 4, 1), c(11, 3, 1), c(1, 2, 3), c(2, 3, 0)]),
            (day("2031-03-18"), vec![c(2, 3, 0)]),
        ];
        let (matching, totals, chart) = summarise(&days, None, None);
        assert_eq!(matching, 13);
        assert_eq!(totals, HistoryTotals { offers: 13, sent: 7, filled: 1, declined: 2, unable: 2 });
        assert_eq!(chart.len(), 2, "a day whose counts all cancelled out has no bar");
        assert_eq!((chart[0].sent, chart[0].accepted, chart[0].failed), (6, 1, 2));
        assert_eq!((chart[1].sent, chart[1].accepted, chart[1].failed), (1, 0, 1));
        assert_eq!(summarise(&days, Some(2), None).0, 4);
        assert_eq!(summarise(&days, Some(2), Some(3)).0, 4);
        assert_eq!(summarise(&days, None, Some(4)).0, 1);
    }
}
