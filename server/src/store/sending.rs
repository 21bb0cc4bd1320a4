//! The sender's queue: due texts are taken with a lease (one statement, so two server processes
//! never take the same one), marked as started before the provider is called, and recorded after.
//! A lease that runs out with the text started but not recorded means the sender stopped in the
//! middle of the provider call: its outcome is unknown and it is never sent again.

use super::table::{Sql, Table, from_row, table};
use super::{Backend, StoreResult};
use app::model::{OdDate, OdDateTime, OpeningState, ResponseStatus, SmsSendStatus, TxtMsgOk};
use sqlx::AnyConnection;

/// Takes up to `limit` due texts (scheduled at or before `now`, not held by anyone) and holds
/// them until `lease_until` (Unix seconds). Returns their AsapCommNums.
pub async fn lease_due_texts(
    conn: &mut AnyConnection,
    backend: Backend,
    now: OdDateTime,
    lease_until: i64,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    // PostgreSQL: rows another process is taking at this moment are skipped, not waited for.
    let skip_locked = if backend == Backend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE asapcomm SET sendleaseuntil = $1, sendattempts = sendattempts + 1 WHERE asapcommnum IN \
         (SELECT asapcommnum FROM asapcomm WHERE smssendstatus = $2 AND sendleaseuntil = 0 AND datetimesmsscheduled <= $3 \
          ORDER BY datetimesmsscheduled, asapcommnum LIMIT $4 {skip_locked}) \
         AND smssendstatus = $2 AND sendleaseuntil = 0 RETURNING asapcommnum"
    );
    let mut nums: Vec<i64> = sqlx::query_scalar(&sql)
        .bind(lease_until)
        .bind(SmsSendStatus::SendNotAttempted)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    nums.sort_unstable();
    Ok(nums)
}

/// The soonest a queued text is due, to sleep until then.
pub async fn next_due_text(conn: &mut AnyConnection) -> StoreResult<Option<OdDateTime>> {
    Ok(sqlx::query_scalar("SELECT MIN(datetimesmsscheduled) FROM asapcomm WHERE smssendstatus = $1 AND sendleaseuntil = 0")
        .bind(SmsSendStatus::SendNotAttempted)
        .fetch_one(conn)
        .await?)
}

/// Everything the send-time check and the message need about one leased text.
#[derive(Clone, Debug)]
pub struct DueTextRow {
    pub asap_comm_num: i64,
    pub schedule_num: i64,
    pub pat_num: i64,
    pub clinic_num: i64,
    pub short_guid: String,
    pub template_text: String,
    pub slot_start: OdDateTime,
    pub sms_send_status: SmsSendStatus,
    pub lease_until: i64,
    pub opening: OpeningState,
    pub f_name: String,
    pub wireless_phone: String,
    pub txt_msg_ok: TxtMsgOk,
    pub opt_out_sms: i64,
}

from_row!(DueTextRow {
    asap_comm_num: "asapcommnum", schedule_num: "schedulenum", pat_num: "patnum", clinic_num: "clinicnum",
    short_guid: "shortguid", template_text: "templatetext", slot_start: "slotstart", sms_send_status: "smssendstatus",
    lease_until: "sendleaseuntil", opening: "openingstate", f_name: "fname", wireless_phone: "wirelessphone",
    txt_msg_ok: "txtmsgok", opt_out_sms: "optoutsms",
});

pub async fn due_text(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<DueTextRow>> {
    Ok(sqlx::query_as(
        "SELECT c.asapcommnum, c.schedulenum, c.patnum, c.clinicnum, c.shortguid, c.templatetext, c.slotstart, \
         c.smssendstatus, c.sendleaseuntil, COALESCE(o.state, 1) AS openingstate, COALESCE(p.fname, '') AS fname, \
         COALESCE(p.wirelessphone, '') AS wirelessphone, COALESCE(p.txtmsgok, 0) AS txtmsgok, \
         COALESCE(x.optoutsms, 0) AS optoutsms \
         FROM asapcomm c LEFT JOIN asapopening o ON o.schedulenum = c.schedulenum \
         LEFT JOIN patient p ON p.patnum = c.patnum LEFT JOIN commoptout x ON x.patnum = c.patnum \
         WHERE c.asapcommnum = $1",
    )
    .bind(num)
    .fetch_optional(conn)
    .await?)
}

/// ASAP texts sent to the patient on `day`, or being sent right now (the daily limit).
pub async fn texts_sent_on_day(conn: &mut AnyConnection, pat_num: i64, day: OdDate, except: i64) -> StoreResult<i64> {
    let (from, to) = (day.start(), day.add_days(1).start());
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM asapcomm WHERE patnum = $1 AND asapcommnum <> $2 AND \
         ((datetimesmssent >= $3 AND datetimesmssent < $4) OR \
          (smssendstatus = $5 AND datetimesendstarted >= $3 AND datetimesendstarted < $4))",
    )
    .bind(pat_num)
    .bind(except)
    .bind(from)
    .bind(to)
    .bind(SmsSendStatus::SendNotAttempted)
    .fetch_one(conn)
    .await?;
    Ok(n)
}

/// The sender commits to calling the provider. False when the text was cancelled meanwhile
/// (opening filled or withdrawn) or another sender's lease replaced ours.
pub async fn mark_send_started(conn: &mut AnyConnection, num: i64, lease_until: i64, now: OdDateTime) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE asapcomm SET datetimesendstarted = $1 WHERE asapcommnum = $2 AND smssendstatus = $3 \
         AND sendleaseuntil = $4 AND datetimesendstarted = $5",
    )
    .bind(now)
    .bind(num)
    .bind(SmsSendStatus::SendNotAttempted)
    .bind(lease_until)
    .bind(OdDateTime::never())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Not yet: due again at `until`, with a Note saying why; the lease is let go.
pub async fn reschedule_text(conn: &mut AnyConnection, num: i64, until: OdDateTime, note: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE asapcomm SET datetimesmsscheduled = $1, note = $2, sendleaseuntil = 0 \
         WHERE asapcommnum = $3 AND smssendstatus = $4",
    )
    .bind(until)
    .bind(note)
    .bind(num)
    .bind(SmsSendStatus::SendNotAttempted)
    .execute(conn)
    .await?;
    Ok(())
}

/// What became of a text: its send status, the patient-facing status, and the Note.
pub struct SendRecord<'a> {
    pub send: SmsSendStatus,
    pub response: ResponseStatus,
    pub sent_at: OdDateTime,
    pub note: &'a str,
    pub provider_message_id: &'a str,
}

/// Records the outcome of a text that was still queued; the lease is let go. Only a text not yet
/// recorded changes, so a late or repeated record never overwrites a newer state. A text that
/// went out while its opening closed keeps the Note the closing wrote (why it can no longer be
/// taken) unless the record has a note of its own.
pub async fn record_send(conn: &mut AnyConnection, num: i64, r: &SendRecord<'_>) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE asapcomm SET smssendstatus = $1, responsestatus = CASE WHEN responsestatus = $2 THEN $3 ELSE responsestatus END, \
         datetimesmssent = $4, providermessageid = $6, sendleaseuntil = 0, \
         note = CASE WHEN $5 = '' AND EXISTS (SELECT 1 FROM asapopening o WHERE o.schedulenum = asapcomm.schedulenum \
         AND o.state <> $9) THEN note ELSE $5 END \
         WHERE asapcommnum = $7 AND smssendstatus = $8",
    )
    .bind(r.send)
    .bind(ResponseStatus::AwaitingTransmit)
    .bind(r.response)
    .bind(r.sent_at)
    .bind(r.note)
    .bind(r.provider_message_id)
    .bind(num)
    .bind(SmsSendStatus::SendNotAttempted)
    .bind(OpeningState::Open)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn send_attempts(conn: &mut AnyConnection, num: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT sendattempts FROM asapcomm WHERE asapcommnum = $1").bind(num).fetch_one(conn).await?)
}

/// The provider could not be reached and nothing was handed over: the text stays queued, due
/// again at `retry_at`, with a Note.
pub async fn release_for_retry(conn: &mut AnyConnection, num: i64, retry_at: OdDateTime, note: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE asapcomm SET sendleaseuntil = 0, datetimesendstarted = $1, datetimesmsscheduled = $2, note = $3 \
         WHERE asapcommnum = $4 AND smssendstatus = $5",
    )
    .bind(OdDateTime::never())
    .bind(retry_at)
    .bind(note)
    .bind(num)
    .bind(SmsSendStatus::SendNotAttempted)
    .execute(conn)
    .await?;
    Ok(())
}

/// Texts whose sender stopped holding them: released if the provider was never called, or
/// recorded as "outcome unknown" if it was. Returns (released, unknown).
pub async fn recover_stale_leases(conn: &mut AnyConnection, now_unix: i64, note: &str) -> StoreResult<(u64, u64)> {
    let never = OdDateTime::never();
    let released = sqlx::query(
        "UPDATE asapcomm SET sendleaseuntil = 0 WHERE smssendstatus = $1 AND sendleaseuntil > 0 AND sendleaseuntil < $2 \
         AND datetimesendstarted = $3",
    )
    .bind(SmsSendStatus::SendNotAttempted)
    .bind(now_unix)
    .bind(never)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let unknown = sqlx::query(
        "UPDATE asapcomm SET smssendstatus = $1, responsestatus = CASE WHEN responsestatus = $2 THEN $3 ELSE responsestatus END, \
         datetimesmssent = datetimesendstarted, note = $4, sendleaseuntil = 0 \
         WHERE smssendstatus = $5 AND sendleaseuntil > 0 AND sendleaseuntil < $6 AND datetimesendstarted <> $7",
    )
    .bind(SmsSendStatus::SentAwaitingReceipt)
    .bind(ResponseStatus::AwaitingTransmit)
    .bind(ResponseStatus::PendingRsvp)
    .bind(note)
    .bind(SmsSendStatus::SendNotAttempted)
    .bind(now_unix)
    .bind(never)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok((released, unknown))
}

/// A delivery report from the provider, applied forward only: `SentAwaitingReceipt` may become
/// `SendSuccessful` or `SendFailed`; anything already final stays. Returns the AsapCommNum changed.
pub async fn apply_delivery_report(
    conn: &mut AnyConnection,
    provider_message_id: &str,
    delivered: bool,
    at: OdDateTime,
    failure_note: &str,
) -> StoreResult<Option<i64>> {
    if provider_message_id.is_empty() {
        return Ok(None);
    }
    let sql = if delivered {
        "UPDATE asapcomm SET smssendstatus = $1, datetimedelivered = $2 WHERE providermessageid = $3 AND smssendstatus = $4 \
         RETURNING asapcommnum"
    } else {
        // An undelivered text that nobody answered cannot be answered: it is Failed.
        "UPDATE asapcomm SET smssendstatus = $1, datetimedelivered = $2, note = $5, \
         responsestatus = CASE WHEN responsestatus IN ($6, $7) THEN $8 ELSE responsestatus END \
         WHERE providermessageid = $3 AND smssendstatus = $4 RETURNING asapcommnum"
    };
    let mut q = sqlx::query(sql)
        .bind(if delivered { SmsSendStatus::SendSuccessful.as_i64() } else { SmsSendStatus::SendFailed.as_i64() })
        .bind(at)
        .bind(provider_message_id)
        .bind(SmsSendStatus::SentAwaitingReceipt);
    if !delivered {
        q = q
            .bind(failure_note)
            .bind(ResponseStatus::AwaitingTransmit)
            .bind(ResponseStatus::PendingRsvp)
            .bind(ResponseStatus::Failed);
    }
    Ok(q.fetch_optional(conn).await?.map(|r| {
        use sqlx::Row;
        r.try_get::<i64, _>(0)
    }).transpose()?)
}

/// One message the local outbox provider "delivered".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub message_num: i64,
    pub asap_comm_num: i64,
    pub clinic_num: i64,
    pub to_phone: String,
    pub body: String,
    pub link: String,
    pub sent_at: OdDateTime,
}

table!(readable OutboxRow in "outboxmessage" {
    message_num: "messagenum", asap_comm_num: "asapcommnum", clinic_num: "clinicnum", to_phone: "tophone", body: "body",
    link: "link", sent_at: "sentat",
});

pub async fn insert_outbox_message(conn: &mut AnyConnection, m: &OutboxRow) -> StoreResult<i64> {
    super::table::insert(conn, m).await
}

/// The newest outbox messages, optionally only some clinics', newest first.
pub async fn outbox_messages(
    conn: &mut AnyConnection,
    clinics: Option<&[i64]>,
    before: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<OutboxRow>> {
    let mut sql = Sql::new(format!("{} WHERE messagenum < ", OutboxRow::statements()[2]));
    sql.bind(before.unwrap_or(i64::MAX));
    if let Some(list) = clinics {
        sql.push(" AND clinicnum IN (").bind_list(list).push(")");
    }
    sql.push(" ORDER BY messagenum DESC LIMIT ").bind(limit);
    sql.fetch_all(conn).await
}

/// Texts that went out (or may have) at or after `since`: (AsapCommNum, link code).
pub async fn texts_sent_since(conn: &mut AnyConnection, since: OdDateTime) -> StoreResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT asapcommnum, shortguid FROM asapcomm WHERE datetimesmssent >= $1 AND smssendstatus IN ($2, $3) \
         ORDER BY asapcommnum",
    )
    .bind(since)
    .bind(SmsSendStatus::SendSuccessful)
    .bind(SmsSendStatus::SentAwaitingReceipt)
    .fetch_all(conn)
    .await?)
}
