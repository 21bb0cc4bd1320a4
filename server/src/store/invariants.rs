//! The rules the stored data must keep whatever happened (races, crashes, several server
//! processes): checked by `server check`, after every race and crash test, and on the demo.

use super::{Backend, Store, StoreResult};
use app::domain::length::appointment_minutes;
use app::domain::occupancy::occupies_time;
use app::domain::status::is_pending;
use app::model::{AptStatus, OdDateTime, ResponseStatus, SmsSendStatus, TimePattern};
use sqlx::AnyConnection;

/// One broken rule, in words, with the rows it concerns.
pub type Violation = String;

/// Every broken rule and, on SQLite, every fault its own check finds in the file; see
/// `violations` for the arguments.
pub async fn broken(store: &Store, settled_before: OdDateTime, office_bookings: &[i64]) -> StoreResult<Vec<Violation>> {
    let mut conn = store.pool().acquire().await?;
    let mut out = file_integrity(&mut conn, store.backend()).await?;
    out.extend(violations(&mut conn, settled_before, office_bookings).await?);
    Ok(out)
}

/// Every broken rule. `settled_before`: openings that started and offers for slots that started
/// before this instant must be closed (the close-out sweep has run since). `office_bookings`:
/// appointments an office-data import placed after a patient had claimed the same time; the
/// office's data is taken as it comes, so only those may overlap another appointment.
pub async fn violations(
    conn: &mut AnyConnection,
    settled_before: OdDateTime,
    office_bookings: &[i64],
) -> StoreResult<Vec<Violation>> {
    let pending = list(ResponseStatus::ALL.iter().filter(|s| is_pending(**s)).map(|s| s.as_i64()));
    let queued = SmsSendStatus::SendNotAttempted.as_i64();
    let moved = ResponseStatus::AcceptedAndMoved.as_i64();
    let settled = settled_before.to_string();
    let never = OdDateTime::never().to_string();
    let checks: Vec<(&str, String)> = vec![
        // Open Dental's own Web Sched ASAP blockouts (from an import or the sync; no opening here)
        // are its record, kept "indefinitely" as Open Dental keeps them; only blockouts of
        // openings made here must go when the opening closes.
        (
            "a Web Sched ASAP blockout of a closed opening",
            "SELECT s.schedulenum FROM schedule s JOIN asapopening o ON o.schedulenum = s.schedulenum \
             WHERE s.schedtype = 4 AND o.state <> 1"
                .into(),
        ),
        (
            "an open opening without its blockout",
            "SELECT o.schedulenum FROM asapopening o WHERE o.state = 1 AND NOT EXISTS \
             (SELECT 1 FROM schedule s WHERE s.schedulenum = o.schedulenum)"
                .into(),
        ),
        ("an opening still open after it started", format!("SELECT schedulenum FROM asapopening WHERE state = 1 AND slotstart < '{settled}'")),
        (
            "a filled opening whose winner is not AcceptedAndMoved",
            format!(
                "SELECT o.schedulenum FROM asapopening o WHERE o.state = 2 AND NOT EXISTS \
                 (SELECT 1 FROM asapcomm c WHERE c.asapcommnum = o.winner AND c.responsestatus = {moved})"
            ),
        ),
        (
            "an AcceptedAndMoved offer that is not its opening's winner",
            format!(
                "SELECT c.asapcommnum FROM asapcomm c WHERE c.responsestatus = {moved} AND NOT EXISTS \
                 (SELECT 1 FROM asapopening o WHERE o.state = 2 AND o.winner = c.asapcommnum)"
            ),
        ),
        // One winner per minute of chair time: a split opening's parts each have their own
        // winner, and no two winners' chair time overlaps (openings another claim closed share
        // that claim's winner).
        (
            "two winners for the same minutes of chair time",
            format!(
                "SELECT a.schedulenum FROM asapopening a JOIN asapopening b ON b.operatorynum = a.operatorynum \
                 AND b.schedulenum <> a.schedulenum AND b.winner <> a.winner \
                 WHERE a.state = 2 AND b.state = 2 AND a.takenstop <> '{never}' AND b.takenstop <> '{never}' \
                 AND a.slotstart < b.takenstop AND b.slotstart < a.takenstop"
            ),
        ),
        (
            "the rest of an opening that is not the time its parent's claim left",
            "SELECT c.schedulenum FROM asapopening c WHERE c.parent <> 0 AND NOT EXISTS \
             (SELECT 1 FROM asapopening p WHERE p.schedulenum = c.parent AND p.state = 2 AND p.operatorynum = c.operatorynum \
              AND p.takenstop = c.slotstart AND c.slotstop <= p.slotstop)"
                .into(),
        ),
        // The office may later move or complete the appointment; whose it is never changes.
        (
            "a filled opening whose appointment is not the winner's",
            "SELECT o.schedulenum FROM asapopening o JOIN asapcomm c ON c.asapcommnum = o.winner WHERE o.state = 2 AND NOT EXISTS \
             (SELECT 1 FROM appointment a WHERE a.aptnum = o.aptnum AND a.patnum = c.patnum)"
                .into(),
        ),
        // Unanswered offers of a closed opening keep their status until the slot starts, as in
        // Open Dental (a later viewer sees ViewedNotAvailable, a later accepter
        // AcceptedAndNotAvailable), but none can take the time and each says why.
        (
            "an unanswered offer of a closed opening that does not say why it was closed",
            format!(
                "SELECT c.asapcommnum FROM asapcomm c JOIN asapopening o ON o.schedulenum = c.schedulenum \
                 WHERE o.state <> 1 AND c.responsestatus IN ({pending}) AND c.note = ''"
            ),
        ),
        (
            "a text still queued for a closed opening",
            format!(
                "SELECT c.asapcommnum FROM asapcomm c JOIN asapopening o ON o.schedulenum = c.schedulenum \
                 WHERE o.state <> 1 AND c.smssendstatus = {queued}"
            ),
        ),
        (
            "an email still queued for a closed opening",
            format!(
                "SELECT c.asapcommnum FROM asapcomm c JOIN asapopening o ON o.schedulenum = c.schedulenum \
                 JOIN asapemail e ON e.asapcommnum = c.asapcommnum WHERE o.state <> 1 AND e.emailsendstatus = {queued}"
            ),
        ),
        (
            "an offer still pending for a slot that has started",
            format!("SELECT asapcommnum FROM asapcomm WHERE operatorynum <> 0 AND slotstart < '{settled}' AND responsestatus IN ({pending})"),
        ),
        (
            "an offer texted or emailed twice",
            "SELECT asapcommnum FROM outboxmessage WHERE asapcommnum <> 0 GROUP BY asapcommnum, channel HAVING COUNT(*) > 1".into(),
        ),
    ];
    let mut out = Vec::new();
    for (rule, sql) in checks {
        let keys: Vec<i64> = sqlx::query_scalar(&sql).fetch_all(&mut *conn).await?;
        if !keys.is_empty() {
            out.push(format!("{rule}: {}", shown(&keys)));
        }
    }
    out.extend(overlapping_appointments(conn, office_bookings).await?);
    Ok(out)
}

/// Never two appointments on overlapping time in one operatory.
async fn overlapping_appointments(conn: &mut AnyConnection, office_bookings: &[i64]) -> StoreResult<Vec<Violation>> {
    let holding = list(AptStatus::ALL.iter().filter(|s| occupies_time(**s)).map(|s| s.as_i64()));
    let rows: Vec<(i64, i64, OdDateTime, TimePattern)> = sqlx::query_as(&format!(
        "SELECT aptnum, op, aptdatetime, pattern FROM appointment WHERE op <> 0 AND aptstatus IN ({holding}) ORDER BY op, aptdatetime"
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut spans = Vec::with_capacity(rows.len());
    for (apt_num, op, start, pattern) in rows {
        if office_bookings.contains(&apt_num) {
            continue;
        }
        spans.push((op, start, start.plus_minutes(appointment_minutes(&pattern)), apt_num));
    }
    Ok(spans
        .windows(2)
        .filter(|w| w[0].0 == w[1].0 && w[0].2 > w[1].1)
        .map(|w| format!("appointments {} and {} overlap in operatory {}", w[0].3, w[1].3, w[0].0))
        .collect())
}

/// SQLite's own check of its file (PostgreSQL has no equivalent to run online; it checksums
/// pages as it reads them when the cluster was made with checksums).
async fn file_integrity(conn: &mut AnyConnection, backend: Backend) -> StoreResult<Vec<Violation>> {
    if backend != Backend::Sqlite {
        return Ok(Vec::new());
    }
    let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut *conn).await?;
    Ok(lines.into_iter().filter(|l| l != "ok").map(|l| format!("SQLite integrity check: {l}")).collect())
}

fn list(values: impl Iterator<Item = i64>) -> String {
    values.map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}

/// The first keys of a violation, enough to look it up.
fn shown(keys: &[i64]) -> String {
    let first: Vec<String> = keys.iter().take(10).map(i64::to_string).collect();
    if keys.len() > 10 { format!("{} and {} more", first.join(", "), keys.len() - 10) } else { first.join(", ") }
}
