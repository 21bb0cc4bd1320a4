//! What keeping in step with Open Dental stores: each read's cursor (the `serverDateTime` to read
//! on from), the last pass's outcome, and the writes Open Dental must hear of (an outbox written
//! in the same transaction as the change it reports). See migration 0010.

use super::{Backend, StoreResult};
use super::table::from_row;
use sqlx::AnyConnection;

/// Keys this server gives new rows Open Dental will also hold (appointments a claim makes from a
/// recall, before Open Dental gives them its own number) and openings' blockouts (which stay
/// this server's) start here while sync is on, far above any key Open Dental hands out, so the
/// two never meet.
pub const LOCAL_KEY_FLOOR: i64 = 1_000_000_000_000;

/// Where a read of `resource` stands: the stamp to read on from, and when it last finished.
pub async fn cursor(conn: &mut AnyConnection, resource: &str) -> StoreResult<Option<(String, i64)>> {
    Ok(sqlx::query_as("SELECT stamp, readat FROM odcursor WHERE resource = $1").bind(resource).fetch_optional(conn).await?)
}

pub async fn set_cursor(conn: &mut AnyConnection, resource: &str, stamp: &str, at: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO odcursor (resource, stamp, readat) VALUES ($1, $2, $3) \
         ON CONFLICT (resource) DO UPDATE SET stamp = excluded.stamp, readat = excluded.readat",
    )
    .bind(resource)
    .bind(stamp)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The last pass, for the pages' "last synced" badge and `server sync`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassRow {
    pub started_at: i64,
    pub succeeded_at: i64,
    pub failed_at: i64,
    pub error: String,
    pub skipped: String,
}

from_row!(PassRow { started_at: "startedat", succeeded_at: "succeededat", failed_at: "failedat", error: "error", skipped: "skipped" });

pub async fn last_pass(conn: &mut AnyConnection) -> StoreResult<PassRow> {
    Ok(sqlx::query_as("SELECT startedat, succeededat, failedat, error, skipped FROM odsyncpass WHERE id = 1")
        .fetch_optional(conn)
        .await?
        .unwrap_or_default())
}

/// Starts a pass unless another process has one running (started, not yet finished, and not
/// older than `stale_before`, when its process is taken to have died). False: leave it be.
pub async fn pass_started(conn: &mut AnyConnection, at: i64, stale_before: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE odsyncpass SET startedat = $1 WHERE id = 1 \
         AND (startedat <= succeededat OR startedat <= failedat OR startedat < $2)",
    )
    .bind(at)
    .bind(stale_before)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn pass_succeeded(conn: &mut AnyConnection, at: i64, skipped: &str) -> StoreResult<()> {
    sqlx::query("UPDATE odsyncpass SET succeededat = $1, error = '', skipped = $2 WHERE id = 1")
        .bind(at)
        .bind(skipped)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn pass_failed(conn: &mut AnyConnection, at: i64, error: &str) -> StoreResult<()> {
    sqlx::query("UPDATE odsyncpass SET failedat = $1, error = $2 WHERE id = 1").bind(at).bind(error).execute(conn).await?;
    Ok(())
}

/// What kind of write Open Dental must hear of.
pub mod kind {
    /// `PUT /appointments/{AptNum}`: the claim moved an ASAP appointment into an opening.
    pub const MOVE_APPOINTMENT: &str = "move-appointment";
    /// `POST /appointments`: the claim made an appointment from a recall.
    pub const MAKE_APPOINTMENT: &str = "make-appointment";
    /// `PUT /recalls/{RecallNum}`: the recall is off the ASAP list (Priority Normal).
    pub const RECALL_PRIORITY: &str = "recall-priority";
    /// `PUT /appointments/{AptNum}` with Priority ASAP: the patient asked to hear of earlier openings.
    pub const APPOINTMENT_PRIORITY: &str = "appointment-priority";
}

pub const WRITE_WAITING: i64 = 0;
pub const WRITE_DONE: i64 = 1;
pub const WRITE_REFUSED: i64 = 2;

/// A write to queue: what it is, what it concerns, and the body Open Dental gets.
pub struct NewWrite<'a> {
    pub kind: &'a str,
    pub apt_num: i64,
    pub recall_num: i64,
    pub asap_comm_num: i64,
    pub clinic_num: i64,
    pub body: &'a str,
    pub now: i64,
}

pub async fn queue_write(conn: &mut AnyConnection, w: &NewWrite<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO odwrite (kind, aptnum, recallnum, asapcommnum, clinicnum, body, dueat, createdat) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING writenum",
    )
    .bind(w.kind)
    .bind(w.apt_num)
    .bind(w.recall_num)
    .bind(w.asap_comm_num)
    .bind(w.clinic_num)
    .bind(w.body)
    .bind(w.now)
    .fetch_one(conn)
    .await?)
}

/// One queued write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteRow {
    pub write_num: i64,
    pub kind: String,
    pub apt_num: i64,
    pub recall_num: i64,
    pub asap_comm_num: i64,
    pub clinic_num: i64,
    pub body: String,
    pub state: i64,
    pub attempts: i64,
    pub lease_until: i64,
    pub error: String,
}

from_row!(WriteRow {
    write_num: "writenum", kind: "kind", apt_num: "aptnum", recall_num: "recallnum", asap_comm_num: "asapcommnum",
    clinic_num: "clinicnum", body: "body", state: "state", attempts: "attempts", lease_until: "leaseuntil", error: "error",
});

const WRITE_COLUMNS: &str = "writenum, kind, aptnum, recallnum, asapcommnum, clinicnum, body, state, attempts, leaseuntil, error";

/// Takes up to `limit` due writes (oldest first, so the writes of one claim go in order) and
/// holds them until `lease_until`; another process skips them meanwhile.
pub async fn lease_due_writes(conn: &mut AnyConnection, backend: Backend, now: i64, lease_until: i64, limit: i64) -> StoreResult<Vec<i64>> {
    let skip_locked = if backend == Backend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    // The pick is made once (MATERIALIZED): PostgreSQL may otherwise run a `LIMIT … SKIP
    // LOCKED` sub-select again for each row it updates, each time skipping the row it just
    // locked, and lease more than asked for.
    let sql = format!(
        "WITH picked AS MATERIALIZED (SELECT writenum FROM odwrite WHERE state = 0 AND dueat <= $2 AND leaseuntil < $2 \
         ORDER BY writenum LIMIT $3 {skip_locked}) \
         UPDATE odwrite SET leaseuntil = $1, attempts = attempts + 1 WHERE writenum IN (SELECT writenum FROM picked) \
         AND state = 0 AND leaseuntil < $2 RETURNING writenum"
    );
    let mut nums: Vec<i64> = sqlx::query_scalar(&sql).bind(lease_until).bind(now).bind(limit).fetch_all(conn).await?;
    nums.sort_unstable();
    Ok(nums)
}

pub async fn write(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<WriteRow>> {
    let sql = format!("SELECT {WRITE_COLUMNS} FROM odwrite WHERE writenum = $1");
    Ok(sqlx::query_as(&sql).bind(num).fetch_optional(conn).await?)
}

/// The writes not yet delivered, oldest first (the status page and `server sync`).
pub async fn waiting_writes(conn: &mut AnyConnection, limit: i64) -> StoreResult<Vec<WriteRow>> {
    let sql = format!("SELECT {WRITE_COLUMNS} FROM odwrite WHERE state = 0 ORDER BY writenum LIMIT $1");
    Ok(sqlx::query_as(&sql).bind(limit).fetch_all(conn).await?)
}

/// An earlier write of the same claim still waiting before this one: the later one waits its
/// turn.
pub async fn earlier_waiting(conn: &mut AnyConnection, w: &WriteRow) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT writenum FROM odwrite WHERE state = 0 AND writenum < $1 AND asapcommnum = $2 AND asapcommnum <> 0 LIMIT 1",
    )
    .bind(w.write_num)
    .bind(w.asap_comm_num)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// (waiting, refused) writes.
pub async fn write_counts(conn: &mut AnyConnection) -> StoreResult<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN state = 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN state = 2 THEN 1 ELSE 0 END), 0) FROM odwrite",
    )
    .fetch_one(conn)
    .await?)
}

/// Appointments whose latest change here Open Dental has not heard of yet, or heard of only after
/// `since` (Unix seconds; a read begun before then may hold Open Dental's older version): a sync
/// leaves them as they are (the write carries the newer intent; the next read has the result).
pub async fn appointments_awaiting_write(conn: &mut AnyConnection, since: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT DISTINCT aptnum FROM odwrite WHERE (state = 0 OR doneat >= $1) AND aptnum <> 0")
        .bind(since)
        .fetch_all(conn)
        .await?)
}

/// The same for recalls.
pub async fn recalls_awaiting_write(conn: &mut AnyConnection, since: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT DISTINCT recallnum FROM odwrite WHERE (state = 0 OR doneat >= $1) AND recallnum <> 0")
        .bind(since)
        .fetch_all(conn)
        .await?)
}

/// Keeps a pass's claim on the sync alive (`pass_started`).
pub async fn pass_heartbeat(conn: &mut AnyConnection, at: i64) -> StoreResult<()> {
    sqlx::query("UPDATE odsyncpass SET startedat = $1 WHERE id = 1 AND startedat > succeededat AND startedat > failedat")
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Delivered (or found already done): the lease goes.
pub async fn finish_write(conn: &mut AnyConnection, num: i64, lease: i64, at: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE odwrite SET state = 1, doneat = $1, leaseuntil = 0, error = '' WHERE writenum = $2 AND state = 0 AND leaseuntil = $3",
    )
    .bind(at)
    .bind(num)
    .bind(lease)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Open Dental refused it for good (the appointment was deleted there, say): never tried again.
/// `lease`: the lease it is refused under (0: refused without being held, as a write that
/// depended on a refused one).
pub async fn refuse_write(conn: &mut AnyConnection, num: i64, lease: i64, at: i64, error: &str) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE odwrite SET state = 2, doneat = $1, leaseuntil = 0, error = $2 WHERE writenum = $3 AND state = 0 AND leaseuntil = $4",
    )
    .bind(at)
    .bind(error)
    .bind(num)
    .bind(lease)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Not delivered this time (Open Dental down, slow or busy, or an earlier write first): due
/// again at `due`, with why.
pub async fn retry_write(conn: &mut AnyConnection, num: i64, lease: i64, due: i64, error: &str) -> StoreResult<()> {
    sqlx::query("UPDATE odwrite SET dueat = $1, leaseuntil = 0, error = $2 WHERE writenum = $3 AND state = 0 AND leaseuntil = $4")
        .bind(due)
        .bind(error)
        .bind(num)
        .bind(lease)
        .execute(conn)
        .await?;
    Ok(())
}

/// The appointment a claim made here under a local key now has Open Dental's number: the row,
/// its placement, its opening and the writes still to come move to that number. When a sync has
/// already brought Open Dental's row, the local one gives way to it.
pub async fn adopt_appointment_key(conn: &mut AnyConnection, local: i64, od: i64) -> StoreResult<()> {
    if local == od {
        return Ok(());
    }
    let od_known: Option<i64> = sqlx::query_scalar("SELECT aptnum FROM appointment WHERE aptnum = $1").bind(od).fetch_optional(&mut *conn).await?;
    if od_known.is_some() {
        sqlx::query("DELETE FROM appointment WHERE aptnum = $1").bind(local).execute(&mut *conn).await?;
    } else {
        sqlx::query("UPDATE appointment SET aptnum = $1 WHERE aptnum = $2").bind(od).bind(local).execute(&mut *conn).await?;
    }
    sqlx::query("DELETE FROM placement WHERE aptnum = $1").bind(od).execute(&mut *conn).await?;
    sqlx::query("UPDATE placement SET aptnum = $1 WHERE aptnum = $2").bind(od).bind(local).execute(&mut *conn).await?;
    sqlx::query("UPDATE asapopening SET aptnum = $1 WHERE aptnum = $2").bind(od).bind(local).execute(&mut *conn).await?;
    sqlx::query("UPDATE odwrite SET aptnum = $1 WHERE aptnum = $2").bind(od).bind(local).execute(&mut *conn).await?;
    // The winning offer's Note names the appointment.
    sqlx::query(
        "UPDATE asapcomm SET note = REPLACE(note, $1, $2) WHERE asapcommnum IN (SELECT winner FROM asapopening WHERE aptnum = $3)",
    )
    .bind(format!("(AptNum {local})"))
    .bind(format!("(AptNum {od})"))
    .bind(od)
    .execute(conn)
    .await?;
    Ok(())
}

/// New openings' blockouts get keys from `LOCAL_KEY_FLOOR` up, out of Open Dental's way.
pub async fn lift_schedule_keys(conn: &mut AnyConnection, backend: Backend) -> StoreResult<()> {
    match backend {
        Backend::Sqlite => {
            // AUTOINCREMENT keeps the last key in sqlite_sequence (a row appears with the first insert).
            let floor = LOCAL_KEY_FLOOR - 1;
            let updated = sqlx::query("UPDATE sqlite_sequence SET seq = $1 WHERE name = 'schedule' AND seq < $1")
                .bind(floor)
                .execute(&mut *conn)
                .await?;
            if updated.rows_affected() == 0 {
                sqlx::query(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT 'schedule', $1 \
                     WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'schedule')",
                )
                .bind(floor)
                .execute(conn)
                .await?;
            }
        }
        Backend::Postgres => {
            // Only ever forward: a counter set back would hand out keys already in use.
            sqlx::query(
                "SELECT setval(pg_get_serial_sequence('schedule', 'schedulenum'), $1) \
                 WHERE COALESCE((SELECT MAX(schedulenum) FROM schedule), 0) < $1 \
                 AND COALESCE(pg_sequence_last_value(pg_get_serial_sequence('schedule', 'schedulenum')::regclass), 0) < $1",
            )
            .bind(LOCAL_KEY_FLOOR - 1)
            .execute(conn)
            .await?;
        }
    }
    Ok(())
}
