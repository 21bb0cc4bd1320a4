//! The sender's queue: due texts are taken with a lease (one statement, so two server processes
//! never take the same one), marked as started before the provider is called, and recorded after.
//! A lease that runs out with the text started but not recorded means the sender stopped in the
//! middle of the provider call: its outcome is unknown and it is never sent again.

use super::rows::{date_time, int, member, text};
use super::{Backend, StoreResult};
use app::domain::answer::OpeningState;
use app::model::{OdDate, OdDateTime, ResponseStatus, SmsSendStatus, TxtMsgOk};
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
    let rows = sqlx::query(&sql)
        .bind(lease_until)
        .bind(SmsSendStatus::SendNotAttempted.as_i64())
        .bind(now.to_string())
        .bind(limit)
        .fetch_all(conn)
        .await?;
    let mut nums = rows.iter().map(|r| int(r, "asapcommnum")).collect::<StoreResult<Vec<_>>>()?;
    nums.sort_unstable();
    Ok(nums)
}

/// The soonest a queued text is due, to sleep until then.
pub async fn next_due_text(conn: &mut AnyConnection) -> StoreResult<Option<OdDateTime>> {
    let row = sqlx::query(
        "SELECT MIN(datetimesmsscheduled) AS due FROM asapcomm WHERE smssendstatus = $1 AND sendleaseuntil = 0",
    )
    .bind(SmsSendStatus::SendNotAttempted.as_i64())
    .fetch_one(conn)
    .await?;
    use sqlx::Row;
    let raw: Option<String> = row.try_get("due")?;
    Ok(raw.and_then(|s| OdDateTime::parse(&s).ok()))
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

pub async fn due_text(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<DueTextRow>> {
    let row = sqlx::query(
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
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(DueTextRow {
        asap_comm_num: int(&r, "asapcommnum")?,
        schedule_num: int(&r, "schedulenum")?,
        pat_num: int(&r, "patnum")?,
        clinic_num: int(&r, "clinicnum")?,
        short_guid: text(&r, "shortguid")?,
        template_text: text(&r, "templatetext")?,
        slot_start: date_time(&r, "slotstart")?,
        sms_send_status: member(&r, "smssendstatus", SmsSendStatus::from_i64)?,
        lease_until: int(&r, "sendleaseuntil")?,
        opening: member(&r, "openingstate", OpeningState::from_i64)?,
        f_name: text(&r, "fname")?,
        wireless_phone: text(&r, "wirelessphone")?,
        txt_msg_ok: TxtMsgOk::from_i64(int(&r, "txtmsgok")?).unwrap_or(TxtMsgOk::Unknown),
        opt_out_sms: int(&r, "optoutsms")?,
    }))
}

/// ASAP texts sent to the patient on `day`, or being sent right now (the daily limit).
pub async fn texts_sent_on_day(conn: &mut AnyConnection, pat_num: i64, day: OdDate, except: i64) -> StoreResult<i64> {
    let from = day.start().to_string();
    let to = day.add_days(1).start().to_string();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM asapcomm WHERE patnum = $1 AND asapcommnum <> $2 AND \
         ((datetimesmssent >= $3 AND datetimesmssent < $4) OR \
          (smssendstatus = $5 AND datetimesendstarted >= $3 AND datetimesendstarted < $4))",
    )
    .bind(pat_num)
    .bind(except)
    .bind(&from)
    .bind(&to)
    .bind(SmsSendStatus::SendNotAttempted.as_i64())
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
    .bind(now.to_string())
    .bind(num)
    .bind(SmsSendStatus::SendNotAttempted.as_i64())
    .bind(lease_until)
    .bind(OdDateTime::never().to_string())
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
    .bind(until.to_string())
    .bind(note)
    .bind(num)
    .bind(SmsSendStatus::SendNotAttempted.as_i64())
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
/// recorded changes, so a late or repeated record never overwrites a newer state.
pub async fn record_send(conn: &mut AnyConnection, num: i64, r: &SendRecord<'_>) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE asapcomm SET smssendstatus = $1, responsestatus = CASE WHEN responsestatus = $2 THEN $3 ELSE responsestatus END, \
         datetimesmssent = $4, note = $5, providermessageid = $6, sendleaseuntil = 0 \
         WHERE asapcommnum = $7 AND smssendstatus = $8",
    )
    .bind(r.send.as_i64())
    .bind(ResponseStatus::AwaitingTransmit.as_i64())
    .bind(r.response.as_i64())
    .bind(r.sent_at.to_string())
    .bind(r.note)
    .bind(r.provider_message_id)
    .bind(num)
    .bind(SmsSendStatus::SendNotAttempted.as_i64())
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
    .bind(OdDateTime::never().to_string())
    .bind(retry_at.to_string())
    .bind(note)
    .bind(num)
    .bind(SmsSendStatus::SendNotAttempted.as_i64())
    .execute(conn)
    .await?;
    Ok(())
}

/// Texts whose sender stopped holding them: released if the provider was never called, or
/// recorded as "outcome unknown" if it was. Returns (released, unknown).
pub async fn recover_stale_leases(conn: &mut AnyConnection, now_unix: i64, note: &str) -> StoreResult<(u64, u64)> {
    let never = OdDateTime::never().to_string();
    let released = sqlx::query(
        "UPDATE asapcomm SET sendleaseuntil = 0 WHERE smssendstatus = $1 AND sendleaseuntil > 0 AND sendleaseuntil < $2 \
         AND datetimesendstarted = $3",
    )
    .bind(SmsSendStatus::SendNotAttempted.as_i64())
    .bind(now_unix)
    .bind(&never)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let unknown = sqlx::query(
        "UPDATE asapcomm SET smssendstatus = $1, responsestatus = CASE WHEN responsestatus = $2 THEN $3 ELSE responsestatus END, \
         datetimesmssent = datetimesendstarted, note = $4, sendleaseuntil = 0 \
         WHERE smssendstatus = $5 AND sendleaseuntil > 0 AND sendleaseuntil < $6 AND datetimesendstarted <> $7",
    )
    .bind(SmsSendStatus::SentAwaitingReceipt.as_i64())
    .bind(ResponseStatus::AwaitingTransmit.as_i64())
    .bind(ResponseStatus::PendingRsvp.as_i64())
    .bind(note)
    .bind(SmsSendStatus::SendNotAttempted.as_i64())
    .bind(now_unix)
    .bind(&never)
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
        .bind(at.to_string())
        .bind(provider_message_id)
        .bind(SmsSendStatus::SentAwaitingReceipt.as_i64());
    if !delivered {
        q = q
            .bind(failure_note)
            .bind(ResponseStatus::AwaitingTransmit.as_i64())
            .bind(ResponseStatus::PendingRsvp.as_i64())
            .bind(ResponseStatus::Failed.as_i64());
    }
    let row = q.fetch_optional(conn).await?;
    row.map(|r| int(&r, "asapcommnum")).transpose()
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

pub async fn insert_outbox_message(conn: &mut AnyConnection, m: &OutboxRow) -> StoreResult<i64> {
    let num: i64 = sqlx::query_scalar(
        "INSERT INTO outboxmessage (asapcommnum, clinicnum, tophone, body, link, sentat) VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING messagenum",
    )
    .bind(m.asap_comm_num)
    .bind(m.clinic_num)
    .bind(&m.to_phone)
    .bind(&m.body)
    .bind(&m.link)
    .bind(m.sent_at.to_string())
    .fetch_one(conn)
    .await?;
    Ok(num)
}

/// The newest outbox messages, optionally only some clinics', newest first.
pub async fn outbox_messages(
    conn: &mut AnyConnection,
    clinics: Option<&[i64]>,
    before: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<OutboxRow>> {
    let clinic_filter = match clinics {
        Some(list) if list.is_empty() => return Ok(Vec::new()),
        Some(list) => format!("AND clinicnum IN ({})", super::int_list(list)),
        None => String::new(),
    };
    let sql = format!(
        "SELECT messagenum, asapcommnum, clinicnum, tophone, body, link, sentat FROM outboxmessage \
         WHERE messagenum < $1 {clinic_filter} ORDER BY messagenum DESC LIMIT $2"
    );
    let rows = sqlx::query(&sql).bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(OutboxRow {
                message_num: int(r, "messagenum")?,
                asap_comm_num: int(r, "asapcommnum")?,
                clinic_num: int(r, "clinicnum")?,
                to_phone: text(r, "tophone")?,
                body: text(r, "body")?,
                link: text(r, "link")?,
                sent_at: date_time(r, "sentat")?,
            })
        })
        .collect()
}

/// Texts that went out (or may have) at or after `since`: (AsapCommNum, link code).
pub async fn texts_sent_since(conn: &mut AnyConnection, since: OdDateTime) -> StoreResult<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT asapcommnum, shortguid FROM asapcomm WHERE datetimesmssent >= $1 AND smssendstatus IN ($2, $3) \
         ORDER BY asapcommnum",
    )
    .bind(since.to_string())
    .bind(SmsSendStatus::SendSuccessful.as_i64())
    .bind(SmsSendStatus::SentAwaitingReceipt.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((int(r, "asapcommnum")?, text(r, "shortguid")?))).collect()
}
