//! Web Sched ASAP openings (asapopening) and what closing one does to its offers.

use super::table::Sql;
use super::StoreResult;
use app::domain::Span;
use app::domain::outcomes::OpeningFacts;
use app::domain::channels::SendMode;
use app::model::{FKeyType, OdDate, OdDateTime, OpeningState, ResponseStatus};
use std::collections::HashMap;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

/// One opening as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpeningRow {
    pub schedule_num: i64,
    pub operatory_num: i64,
    pub clinic_num: i64,
    pub span: Span,
    pub offered_at: OdDateTime,
    pub offered_by: String,
    pub state: OpeningState,
    pub closed_at: OdDateTime,
    pub closed_by: String,
    pub winner: i64,
    pub apt_num: i64,
    /// When its first message was due, as planned when it was first offered (never if none).
    pub first_message: OdDateTime,
    /// How many of its offers were queued for a text or an email: where later waves continue.
    pub queued_offers: i64,
    /// The opening this is the rest of, after a claim took the first part; 0 when staff or the
    /// API offered it.
    pub parent: i64,
    /// Where the winner's chair time ends (never while open, and for openings filled before it
    /// was kept).
    pub taken_stop: OdDateTime,
    /// How its offers were sent; the rest of it, after a split, goes the same way.
    pub send_mode: SendMode,
}

const OPENING_COLUMNS: &str = "o.schedulenum, o.operatorynum, o.clinicnum, o.slotstart, o.slotstop, o.offeredat, \
    o.offeredby, o.state, o.closedat, o.closedby, o.winner, o.aptnum, o.firstmessage, o.queuedoffers, o.parent, o.takenstop, o.sendmode";

impl<'r> sqlx::FromRow<'r, AnyRow> for OpeningRow {
    fn from_row(r: &'r AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(OpeningRow {
            schedule_num: r.try_get("schedulenum")?,
            operatory_num: r.try_get("operatorynum")?,
            clinic_num: r.try_get("clinicnum")?,
            span: Span::new(r.try_get("slotstart")?, r.try_get("slotstop")?),
            offered_at: r.try_get("offeredat")?,
            offered_by: r.try_get("offeredby")?,
            state: r.try_get("state")?,
            closed_at: r.try_get("closedat")?,
            closed_by: r.try_get("closedby")?,
            winner: r.try_get("winner")?,
            apt_num: r.try_get("aptnum")?,
            first_message: r.try_get("firstmessage")?,
            queued_offers: r.try_get("queuedoffers")?,
            parent: r.try_get("parent")?,
            taken_stop: r.try_get("takenstop")?,
            send_mode: SendMode::from_key(r.try_get::<String, _>("sendmode")?.as_str()).unwrap_or_default(),
        })
    }
}

pub struct NewOpening<'a> {
    pub schedule_num: i64,
    pub operatory_num: i64,
    pub clinic_num: i64,
    pub span: Span,
    pub offered_at: OdDateTime,
    pub offered_by: &'a str,
    pub parent: i64,
    pub send_mode: SendMode,
}

pub async fn insert_opening(conn: &mut AnyConnection, o: &NewOpening<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO asapopening (schedulenum, operatorynum, clinicnum, slotstart, slotstop, offeredat, offeredby, state, parent, sendmode) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(o.schedule_num)
    .bind(o.operatory_num)
    .bind(o.clinic_num)
    .bind(o.span.start)
    .bind(o.span.end)
    .bind(o.offered_at)
    .bind(o.offered_by)
    .bind(OpeningState::Open)
    .bind(o.parent)
    .bind(o.send_mode.key())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn opening(conn: &mut AnyConnection, schedule_num: i64) -> StoreResult<Option<OpeningRow>> {
    let sql = format!("SELECT {OPENING_COLUMNS} FROM asapopening o WHERE o.schedulenum = $1");
    Ok(sqlx::query_as(&sql).bind(schedule_num).fetch_optional(conn).await?)
}

/// The open opening in this operatory that starts exactly at `start`, if any: a new offer for
/// the same time joins it instead of placing a second blockout on top of it.
pub async fn open_opening_starting(
    conn: &mut AnyConnection,
    operatory_num: i64,
    start: OdDateTime,
) -> StoreResult<Option<OpeningRow>> {
    let sql = format!(
        "SELECT {OPENING_COLUMNS} FROM asapopening o WHERE o.operatorynum = $1 AND o.slotstart = $2 AND o.state = $3 \
         ORDER BY o.schedulenum LIMIT 1"
    );
    Ok(sqlx::query_as(&sql)
        .bind(operatory_num)
        .bind(start)
        .bind(OpeningState::Open)
        .fetch_optional(conn)
        .await?)
}

/// Offers just queued join the opening's waves: `queued` more, the first of them due at
/// `first_due`. The opening's first message only ever moves earlier.
pub async fn add_to_waves(conn: &mut AnyConnection, schedule_num: i64, first_due: OdDateTime, queued: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE asapopening SET queuedoffers = queuedoffers + $1, \
         firstmessage = CASE WHEN firstmessage = $2 OR firstmessage > $3 THEN $3 ELSE firstmessage END \
         WHERE schedulenum = $4",
    )
    .bind(queued)
    .bind(OdDateTime::never())
    .bind(first_due)
    .bind(schedule_num)
    .execute(conn)
    .await?;
    Ok(())
}

/// Each offer of the opening: whose it is, and how they answered.
pub async fn answers_to(conn: &mut AnyConnection, schedule_num: i64) -> StoreResult<Vec<(i64, ResponseStatus)>> {
    Ok(sqlx::query_as("SELECT patnum, responsestatus FROM asapcomm WHERE schedulenum = $1").bind(schedule_num).fetch_all(conn).await?)
}

/// The appointments and recalls the opening was offered to, each with its offer's answer.
pub async fn offered_to(conn: &mut AnyConnection, schedule_num: i64) -> StoreResult<Vec<(i64, FKeyType, ResponseStatus)>> {
    Ok(sqlx::query_as("SELECT fkey, fkeytype, responsestatus FROM asapcomm WHERE schedulenum = $1")
        .bind(schedule_num)
        .fetch_all(conn)
        .await?)
}

/// Open openings in the operatory whose time overlaps `span`.
pub async fn open_openings_overlapping(
    conn: &mut AnyConnection,
    operatory_num: i64,
    span: Span,
) -> StoreResult<Vec<OpeningRow>> {
    let sql = format!(
        "SELECT {OPENING_COLUMNS} FROM asapopening o WHERE o.operatorynum = $1 AND o.state = $2 \
         AND o.slotstart >= $5 AND o.slotstart < $3 AND o.slotstop > $4 ORDER BY o.schedulenum"
    );
    Ok(sqlx::query_as(&sql)
        .bind(operatory_num)
        .bind(OpeningState::Open)
        .bind(span.end)
        .bind(span.start)
        .bind(span.earliest_overlapping_opening_start())
        .fetch_all(conn)
        .await?)
}

/// Open openings that have started by `now`: nobody can take them any more.
pub async fn started_open_openings(conn: &mut AnyConnection, now: OdDateTime, limit: i64) -> StoreResult<Vec<OpeningRow>> {
    let sql = format!(
        "SELECT {OPENING_COLUMNS} FROM asapopening o WHERE o.state = $1 AND o.slotstart <= $2 \
         ORDER BY o.slotstart, o.schedulenum LIMIT $3"
    );
    Ok(sqlx::query_as(&sql)
        .bind(OpeningState::Open)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Every open opening, oldest first (the check after an import).
pub async fn all_open_openings(conn: &mut AnyConnection) -> StoreResult<Vec<OpeningRow>> {
    let sql = format!("SELECT {OPENING_COLUMNS} FROM asapopening o WHERE o.state = $1 ORDER BY o.schedulenum");
    Ok(sqlx::query_as(&sql).bind(OpeningState::Open).fetch_all(conn).await?)
}

/// Openings in these operatories whose time falls on `day`, any state, by start time.
pub async fn openings_on_day(conn: &mut AnyConnection, ops: &[i64], day: OdDate) -> StoreResult<Vec<OpeningRow>> {
    if ops.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(format!("SELECT {OPENING_COLUMNS} FROM asapopening o WHERE o.slotstart >= "));
    sql.bind(day.start()).push(" AND o.slotstart < ").bind(day.add_days(1).start());
    sql.push(" AND o.operatorynum IN (").bind_list(ops).push(") ORDER BY o.slotstart, o.schedulenum");
    sql.fetch_all(conn).await
}

/// How an opening was closed.
pub struct Closing<'a> {
    pub state: OpeningState,
    pub at: OdDateTime,
    pub by: &'a str,
    pub winner: i64,
    pub apt_num: i64,
    /// Filled: where the winner's chair time ends; otherwise never.
    pub taken_stop: OdDateTime,
}

/// Closes an opening that is still open; false when it was already closed (someone else won).
pub async fn close_opening(conn: &mut AnyConnection, schedule_num: i64, c: &Closing<'_>) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE asapopening SET state = $1, closedat = $2, closedby = $3, winner = $4, aptnum = $5, takenstop = $8 \
         WHERE schedulenum = $6 AND state = $7",
    )
    .bind(c.state)
    .bind(c.at)
    .bind(c.by)
    .bind(c.winner)
    .bind(c.apt_num)
    .bind(schedule_num)
    .bind(OpeningState::Open)
    .bind(c.taken_stop)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Offers of an opening whose text went out and that have no answer yet get a Note saying the
/// opening is gone; their status changes when the patient opens the link or the offer expires.
pub async fn note_unanswered_offers(conn: &mut AnyConnection, schedule_num: i64, note: &str, except: i64) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE asapcomm SET note = $1 WHERE schedulenum = $2 AND asapcommnum <> $3 AND responsestatus IN ($4, $5, $6)",
    )
    .bind(note)
    .bind(schedule_num)
    .bind(except)
    .bind(ResponseStatus::AwaitingTransmit)
    .bind(ResponseStatus::PendingRsvp)
    .bind(ResponseStatus::Viewed)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Counts of an opening's offers by what became of them, for the slot picker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpeningTally {
    pub offers: i64,
    pub sent: i64,
    pub waiting: i64,
    pub viewed: i64,
    pub declined: i64,
}

pub async fn opening_tallies(conn: &mut AnyConnection, schedule_nums: &[i64]) -> StoreResult<HashMap<i64, OpeningTally>> {
    let mut out = HashMap::new();
    for chunk in schedule_nums.chunks(500) {
        let mut sql = Sql::new(
            "SELECT schedulenum, COUNT(*) AS offers, \
             COALESCE(SUM(CASE WHEN smssendstatus IN (3, 5) THEN 1 ELSE 0 END), 0) AS sent, \
             COALESCE(SUM(CASE WHEN smssendstatus = 2 THEN 1 ELSE 0 END), 0) AS waiting, \
             COALESCE(SUM(CASE WHEN responsestatus IN (3, 4) THEN 1 ELSE 0 END), 0) AS viewed, \
             COALESCE(SUM(CASE WHEN responsestatus IN (7, 11) THEN 1 ELSE 0 END), 0) AS declined \
             FROM asapcomm WHERE schedulenum IN (",
        );
        sql.bind_list(chunk).push(") GROUP BY schedulenum");
        for (schedule_num, offers, sent, waiting, viewed, declined) in sql.fetch_all::<(i64, i64, i64, i64, i64, i64)>(&mut *conn).await? {
            out.insert(schedule_num, OpeningTally { offers, sent, waiting, viewed, declined });
        }
    }
    Ok(out)
}

/// `LName, FName` of the patient of each winning offer.
pub async fn winner_names(conn: &mut AnyConnection, winners: &[i64]) -> StoreResult<HashMap<i64, String>> {
    let mut out = HashMap::new();
    let winners: Vec<i64> = winners.iter().copied().filter(|w| *w > 0).collect();
    for chunk in winners.chunks(500) {
        let mut sql = Sql::new(
            "SELECT c.asapcommnum, COALESCE(p.lname, ''), COALESCE(p.fname, '') FROM asapcomm c \
             LEFT JOIN patient p ON p.patnum = c.patnum WHERE c.asapcommnum IN (",
        );
        sql.bind_list(chunk).push(")");
        for (num, l_name, f_name) in sql.fetch_all::<(i64, String, String)>(&mut *conn).await? {
            out.insert(num, format!("{l_name}, {f_name}"));
        }
    }
    Ok(out)
}

/// Openings offered on or after `since`, with their first text and texts sent (the outcomes).
pub async fn opening_facts_since(conn: &mut AnyConnection, since: OdDateTime, clinics: Option<&[i64]>) -> StoreResult<Vec<OpeningFacts>> {
    let mut sql = Sql::new(
        "SELECT o.clinicnum, o.offeredat, o.state, o.closedat, \
         COALESCE(MIN(CASE WHEN c.datetimesmssent <> $2 THEN c.datetimesmssent END), $2) AS firsttext, \
         COALESCE(SUM(CASE WHEN c.datetimesmssent <> $2 THEN 1 ELSE 0 END), 0) AS textssent \
         FROM asapopening o LEFT JOIN asapcomm c ON c.schedulenum = o.schedulenum WHERE o.offeredat >= $1",
    );
    sql.bind_value(since).bind_value(OdDateTime::never());
    if let Some(list) = clinics {
        sql.push(" AND o.clinicnum IN (").bind_list(list).push(")");
    }
    sql.push(" GROUP BY o.schedulenum, o.clinicnum, o.offeredat, o.state, o.closedat");
    let rows: Vec<(i64, OdDateTime, OpeningState, OdDateTime, OdDateTime, i64)> = sql.fetch_all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(clinic_num, offered_at, state, closed_at, first_text, texts_sent)| OpeningFacts {
            clinic_num,
            offered_at,
            state,
            closed_at,
            first_text,
            texts_sent,
        })
        .collect())
}

/// Every opening offered since `since` (in these clinics, or all), as the earnings read it: a
/// booking only on the opening its winner's offer was made for (another opening the same claim
/// closed is not a second booking). Procedure fees are not on record here, so none are given.
pub async fn earned_since(
    conn: &mut AnyConnection,
    since: OdDateTime,
    clinics: Option<&[i64]>,
) -> StoreResult<Vec<app::domain::earnings::OpeningEarned>> {
    let mut sql = Sql::new(
        "SELECT o.clinicnum, o.offeredat, o.state, o.slotstart, o.slotstop, o.takenstop, o.firstmessage, o.closedat, \
         COALESCE(c.fkeytype, -1), CASE WHEN c.schedulenum = o.schedulenum THEN 1 ELSE 0 END, \
         (SELECT COUNT(*) FROM asapcomm t WHERE t.schedulenum = o.schedulenum AND t.smssendstatus IN (3, 5)), \
         (SELECT COUNT(*) FROM asapemail e JOIN asapcomm t ON t.asapcommnum = e.asapcommnum \
            WHERE t.schedulenum = o.schedulenum AND e.emailsendstatus IN (3, 5)) \
         FROM asapopening o LEFT JOIN asapcomm c ON c.asapcommnum = o.winner WHERE o.offeredat >= ",
    );
    sql.bind(since);
    if let Some(list) = clinics {
        if list.is_empty() {
            return Ok(Vec::new());
        }
        sql.push(" AND o.clinicnum IN (").bind_list(list).push(")");
    }
    sql.push(" ORDER BY o.offeredat");
    type Row = (i64, OdDateTime, OpeningState, OdDateTime, OdDateTime, OdDateTime, OdDateTime, OdDateTime, i64, i64, i64, i64);
    let rows: Vec<Row> = sql.fetch_all(conn).await?;
    let recall = app::model::FKeyType::Recall.as_i64();
    Ok(rows
        .into_iter()
        .map(|(clinic_num, offered_at, state, start, stop, taken_stop, first_message, closed_at, kind, won_here, texts, emails)| {
            let own_booking = state == OpeningState::Filled && won_here == 1;
            app::domain::earnings::OpeningEarned {
                clinic_num,
                offered_at,
                booked: own_booking.then(|| app::domain::earnings::Booked {
                    minutes: start.minutes_until(taken_stop.known().unwrap_or(stop)),
                    recall: kind == recall,
                    fees_cents: None,
                    minutes_to_fill: first_message.known().map(|f| f.minutes_until(closed_at).max(0)),
                }),
                texts,
                emails,
            }
        })
        .collect())
}
