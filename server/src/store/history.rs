//! The ASAP history queries: one page of offers with the names around them, and the counts
//! above the table. Conditions are added only when a filter is set, so each query can use the
//! DateTimeEntry and ClinicNum indexes.

use super::StoreResult;
use super::asapcomm::{ASAPCOMM_COLUMNS, AsapCommRange};
use super::table::Sql;
use app::view::history::{HistoryDay, HistoryRow, HistoryTotals};
use app::model::{AsapComm, OdDate, OpeningState, ResponseStatus, SmsSendStatus};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

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

/// `… WHERE` and the filter's conditions; `with_status` adds the status filters (the rows),
/// leaving them out for the totals.
fn filtered(head: &str, f: &HistoryFilter, with_status: bool) -> Sql<'static> {
    let mut sql = Sql::new(head);
    sql.push(" WHERE 1 = 1");
    f.range.push_conditions(&mut sql);
    if let Some(s) = f.schedule_num {
        sql.push(" AND c.schedulenum = ").bind(s);
    }
    if with_status {
        if let Some(r) = f.response_status {
            sql.push(" AND c.responsestatus = ").bind(r);
        }
        if let Some(s) = f.sms_send_status {
            sql.push(" AND c.smssendstatus = ").bind(s);
        }
    }
    sql
}

/// A history row: the API object, the names around it, and the opening's state.
fn history_row(r: &AnyRow) -> Result<HistoryRow, sqlx::Error> {
    use sqlx::Row;
    let comm = AsapComm::from_row(r)?;
    let l_name: String = r.try_get("lname")?;
    let f_name: String = r.try_get("fname")?;
    let patient = match (l_name.is_empty(), f_name.is_empty()) {
        (true, true) => format!("Patient {}", comm.pat_num),
        (false, true) => l_name,
        (true, false) => f_name.clone(),
        (false, false) => format!("{l_name}, {f_name}"),
    };
    Ok(HistoryRow {
        comm,
        patient,
        f_name,
        clinic: r.try_get("clinicabbr")?,
        operatory: r.try_get("opname")?,
        slot_start: r.try_get("slotstart")?,
        slot_stop: r.try_get("slotstop")?,
        viewed: r.try_get("datetimeviewed")?,
        delivered: r.try_get("datetimedelivered")?,
        responded: r.try_get("datetimeresponded")?,
        opening: OpeningState::from_i64(r.try_get("openingstate")?),
        offered_by: r.try_get("offeredby")?,
        withdrawn_by: r.try_get("withdrawnby")?,
        email_status: r.try_get::<Option<i64>, _>("emailsendstatus")?.and_then(SmsSendStatus::from_i64),
        email_scheduled: r.try_get("emailscheduled")?,
        email_sent: r.try_get("emailsent")?,
    })
}

/// One page of rows: by key after a cursor (no matter how deep), else by offset.
pub async fn history_rows(conn: &mut AnyConnection, f: &HistoryFilter) -> StoreResult<Vec<HistoryRow>> {
    let mut sql = filtered(
        &format!(
            "SELECT {ASAPCOMM_COLUMNS}, c.slotstart, c.slotstop, c.datetimeviewed, c.datetimedelivered, c.datetimeresponded, c.withdrawnby, \
             e.emailsendstatus, COALESCE(e.datetimeemailscheduled, '0001-01-01 00:00:00') AS emailscheduled, \
             COALESCE(e.datetimeemailsent, '0001-01-01 00:00:00') AS emailsent, COALESCE(ao.state, 0) AS openingstate, COALESCE(ao.offeredby, '') AS offeredby, COALESCE(p.lname, '') AS lname, \
             COALESCE(p.fname, '') AS fname, COALESCE(cl.abbr, '') AS clinicabbr, COALESCE(o.opname, '') AS opname \
             FROM asapcomm c LEFT JOIN patient p ON p.patnum = c.patnum LEFT JOIN clinic cl ON cl.clinicnum = c.clinicnum \
             LEFT JOIN operatory o ON o.operatorynum = c.operatorynum LEFT JOIN asapopening ao ON ao.schedulenum = c.schedulenum \
             LEFT JOIN asapemail e ON e.asapcommnum = c.asapcommnum"
        ),
        f,
        true,
    );
    // Reading backwards (the previous page) runs the other way and is turned round after.
    let backwards = f.cursor.as_ref().is_some_and(|c| !c.forward);
    let descending = f.newest_first != backwards;
    if let Some(c) = &f.cursor {
        let (bound, strict) = if descending { ("<=", "<") } else { (">=", ">") };
        sql.push(&format!(" AND c.datetimeentry {bound} ")).bind(c.entry);
        sql.push(&format!(" AND (c.datetimeentry {strict} ")).bind(c.entry);
        sql.push(&format!(" OR c.asapcommnum {strict} ")).bind(c.num).push(")");
    }
    let dir = if descending { "DESC" } else { "ASC" };
    let offset = if f.cursor.is_some() { 0 } else { f.range.offset };
    sql.push(&format!(" ORDER BY c.datetimeentry {dir}, c.asapcommnum {dir} LIMIT ")).bind(f.range.limit);
    sql.push(" OFFSET ").bind(offset);
    let mut list = sql.fetch_rows(conn).await?.iter().map(history_row).collect::<Result<Vec<_>, _>>()?;
    if backwards {
        list.reverse();
    }
    Ok(list)
}

pub async fn history_matching(conn: &mut AnyConnection, f: &HistoryFilter) -> StoreResult<i64> {
    filtered("SELECT COUNT(*) FROM asapcomm c", f, true).fetch_scalar(conn).await
}

const COUNTS: &str = "COUNT(*) AS offers, \
    COALESCE(SUM(CASE WHEN c.smssendstatus IN (3, 5) THEN 1 ELSE 0 END), 0) AS sent, \
    COALESCE(SUM(CASE WHEN c.responsestatus = 5 THEN 1 ELSE 0 END), 0) AS filled, \
    COALESCE(SUM(CASE WHEN c.responsestatus IN (5, 6) THEN 1 ELSE 0 END), 0) AS accepted, \
    COALESCE(SUM(CASE WHEN c.responsestatus IN (7, 11) THEN 1 ELSE 0 END), 0) AS declined, \
    COALESCE(SUM(CASE WHEN c.responsestatus = 0 THEN 1 ELSE 0 END), 0) AS unable, \
    COALESCE(SUM(CASE WHEN c.smssendstatus = 4 OR c.responsestatus = 0 OR (c.responsestatus = 10 AND c.smssendstatus <> 1) \
    THEN 1 ELSE 0 END), 0) AS failed";

pub async fn history_totals(conn: &mut AnyConnection, f: &HistoryFilter) -> StoreResult<HistoryTotals> {
    let (offers, sent, filled, _accepted, declined, unable, _failed): (i64, i64, i64, i64, i64, i64, i64) =
        filtered(&format!("SELECT {COUNTS} FROM asapcomm c"), f, false).fetch_one(conn).await?;
    Ok(HistoryTotals { offers, sent, filled, declined, unable })
}

pub async fn history_days(conn: &mut AnyConnection, f: &HistoryFilter) -> StoreResult<Vec<HistoryDay>> {
    let mut sql = filtered(&format!("SELECT SUBSTR(c.datetimeentry, 1, 10) AS day, {COUNTS} FROM asapcomm c"), f, false);
    sql.push(" GROUP BY SUBSTR(c.datetimeentry, 1, 10) ORDER BY day");
    let rows: Vec<(OdDate, i64, i64, i64, i64, i64, i64, i64)> = sql.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(day, _, sent, _, accepted, _, _, failed)| HistoryDay { day, sent, accepted, failed }).collect())
}

/// What the history counts over its range.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryCounts {
    /// Rows matching every filter.
    pub matching: i64,
    /// Totals over the range (the status filters left out).
    pub totals: HistoryTotals,
    /// The chart's bars.
    pub days: Vec<HistoryDay>,
    /// Rows matching every filter, per day, oldest first; empty when they were counted directly.
    pub matching_by_day: Vec<(OdDate, i64)>,
}

/// The counts above the table, from the counts table (no scan of the range), when the filter is
/// over days and clinics; one opening's few offers are counted directly.
pub async fn history_counts(conn: &mut AnyConnection, f: &HistoryFilter) -> StoreResult<HistoryCounts> {
    if f.schedule_num.is_some() {
        let matching = history_matching(conn, f).await?;
        let totals = history_totals(conn, f).await?;
        let days = history_days(conn, f).await?;
        return Ok(HistoryCounts { matching, totals, days, matching_by_day: Vec::new() });
    }
    let first = f.range.start.date();
    let last = f.range.end.date().add_days(-1);
    let rows = super::changes::offer_counts_by_day(conn, first, last, &f.range).await?;
    let mut by_day: Vec<(OdDate, Vec<StatusCount>)> = Vec::new();
    for (day, rs, ss, n) in rows {
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
pub fn summarise(days: &[(OdDate, Vec<StatusCount>)], response: Option<i64>, send: Option<i64>) -> HistoryCounts {
    let mut matching = 0;
    let mut totals = HistoryTotals::default();
    let mut chart = Vec::new();
    let mut matching_by_day = Vec::new();
    for (day, counts) in days {
        let mut d = HistoryDay { day: *day, sent: 0, accepted: 0, failed: 0 };
        let mut any = false;
        let mut matching_today = 0;
        for c in counts.iter().filter(|c| c.n != 0) {
            any = true;
            if response.is_none_or(|r| r == c.response) && send.is_none_or(|s| s == c.send) {
                matching_today += c.n;
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
            // Not delivered: a send that failed, or a patient no message could reach. A text
            // never sent because the opening filled first (Failed with DoNotSend) is no failure.
            if c.send == 4 || c.response == 0 || (c.response == 10 && c.send != 1) {
                d.failed += c.n;
            }
        }
        if any {
            chart.push(d);
        }
        if matching_today > 0 {
            matching += matching_today;
            matching_by_day.push((*day, matching_today));
        }
    }
    HistoryCounts { matching, totals, days: chart, matching_by_day }
}

/// The day that holds the row `offset` rows into the filtered history (in the page's order) and
/// how many of that day's matching rows come before it, from the counts per day (oldest first).
/// None when the offset is past every row.
pub fn locate_row(matching_by_day: &[(OdDate, i64)], offset: i64, newest_first: bool) -> Option<(OdDate, i64)> {
    let mut before = 0;
    let mut visit = |&(day, n): &(OdDate, i64)| {
        if before + n > offset {
            return Some((day, offset - before));
        }
        before += n;
        None
    };
    if newest_first { matching_by_day.iter().rev().find_map(&mut visit) } else { matching_by_day.iter().find_map(&mut visit) }
}

/// A page reached by its number, read without skipping every row before it: the range starts
/// (in the page's order) at the day where the page begins, found from the counts per day, and
/// the offset counts only that day's rows before the page. Only for a range of whole days
/// without a cursor or an opening filter (the counts are per day); None leaves the filter as is.
pub fn jump_to_page(f: &HistoryFilter, matching_by_day: &[(OdDate, i64)]) -> Option<HistoryFilter> {
    let whole_days = f.range.start == f.range.start.date().start() && f.range.end == f.range.end.date().start();
    if f.cursor.is_some() || f.schedule_num.is_some() || f.range.offset == 0 || !whole_days || matching_by_day.is_empty() {
        return None;
    }
    let (day, within) = locate_row(matching_by_day, f.range.offset, f.newest_first)?;
    let mut jumped = f.clone();
    if f.newest_first {
        jumped.range.end = f.range.end.min(day.add_days(1).start());
    } else {
        jumped.range.start = f.range.start.max(day.start());
    }
    jumped.range.offset = within;
    Some(jumped)
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
        let HistoryCounts { matching, totals, days: chart, matching_by_day } = summarise(&days, None, None);
        assert_eq!(matching, 13);
        assert_eq!(matching_by_day, vec![(day("2031-03-16"), 8), (day("2031-03-17"), 5)]);
        assert_eq!(totals, HistoryTotals { offers: 13, sent: 7, filled: 1, declined: 2, unable: 2 });
        assert_eq!(chart.len(), 2, "a day whose counts all cancelled out has no bar");
        assert_eq!((chart[0].sent, chart[0].accepted, chart[0].failed), (6, 1, 2));
        assert_eq!((chart[1].sent, chart[1].accepted, chart[1].failed), (1, 0, 1));
        assert_eq!(summarise(&days, Some(2), None).matching, 4);
        assert_eq!(summarise(&days, Some(2), Some(3)).matching, 4);
        assert_eq!(summarise(&days, None, Some(4)).matching, 1);
        assert_eq!(summarise(&days, None, Some(4)).matching_by_day, vec![(day("2031-03-17"), 1)]);
    }

    fn day(s: &str) -> OdDate {
        OdDate::parse(s).unwrap()
    }

    #[test]
    fn a_row_is_found_in_the_day_that_holds_it() {
        let by_day = [(day("2031-03-01"), 3), (day("2031-03-02"), 5), (day("2031-03-04"), 2)];
        // Oldest first: rows 0-2 on the 1st, 3-7 on the 2nd, 8-9 on the 4th.
        assert_eq!(locate_row(&by_day, 0, false), Some((day("2031-03-01"), 0)));
        assert_eq!(locate_row(&by_day, 3, false), Some((day("2031-03-02"), 0)));
        assert_eq!(locate_row(&by_day, 7, false), Some((day("2031-03-02"), 4)));
        assert_eq!(locate_row(&by_day, 9, false), Some((day("2031-03-04"), 1)));
        assert_eq!(locate_row(&by_day, 10, false), None);
        // Newest first: rows 0-1 on the 4th, 2-6 on the 2nd, 7-9 on the 1st.
        assert_eq!(locate_row(&by_day, 1, true), Some((day("2031-03-04"), 1)));
        assert_eq!(locate_row(&by_day, 2, true), Some((day("2031-03-02"), 0)));
        assert_eq!(locate_row(&by_day, 9, true), Some((day("2031-03-01"), 2)));
        assert_eq!(locate_row(&[], 0, true), None);
    }

    fn filter(newest_first: bool, offset: i64) -> HistoryFilter {
        HistoryFilter {
            range: AsapCommRange {
                start: day("2031-03-01").start(),
                end: day("2031-03-05").start(),
                clinic_num: None,
                clinics: None,
                offset,
                limit: 101,
            },
            response_status: None,
            sms_send_status: None,
            schedule_num: None,
            newest_first,
            cursor: None,
        }
    }

    #[test]
    fn a_page_number_reads_from_the_day_it_starts_on() {
        let by_day = [(day("2031-03-01"), 300), (day("2031-03-02"), 500), (day("2031-03-04"), 200)];
        // Newest first, page 4 (offset 300): 200 rows on the 4th, then the 100th row of the 2nd.
        let jumped = jump_to_page(&filter(true, 300), &by_day).expect("jumps");
        assert_eq!((jumped.range.start, jumped.range.end, jumped.range.offset), (day("2031-03-01").start(), day("2031-03-03").start(), 100));
        // Oldest first, page 5 (offset 400): the 101st row of the 2nd.
        let jumped = jump_to_page(&filter(false, 400), &by_day).expect("jumps");
        assert_eq!((jumped.range.start, jumped.range.end, jumped.range.offset), (day("2031-03-02").start(), day("2031-03-05").start(), 100));
        // The first page, a cursor, an opening, or a range not of whole days: read as asked.
        assert!(jump_to_page(&filter(true, 0), &by_day).is_none());
        let mut with_cursor = filter(true, 300);
        with_cursor.cursor = Some(HistoryCursor { entry: day("2031-03-02").start(), num: 1, forward: true });
        assert!(jump_to_page(&with_cursor, &by_day).is_none());
        let mut one_opening = filter(true, 300);
        one_opening.schedule_num = Some(7);
        assert!(jump_to_page(&one_opening, &by_day).is_none());
        let mut part_day = filter(true, 300);
        part_day.range.start = part_day.range.start.plus_minutes(30);
        assert!(jump_to_page(&part_day, &by_day).is_none());
        // Past the last row: nothing to jump to (the page is empty either way).
        assert!(jump_to_page(&filter(true, 1000), &by_day).is_none());
    }
}
