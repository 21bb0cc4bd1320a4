//! The sender's queues (texts and emails): due messages are taken with a lease (one statement, so two server processes
//! never take the same one), marked as started before the provider is called, and recorded after.
//! A lease that runs out with the text started but not recorded means the sender stopped in the
//! middle of the provider call: its outcome is unknown and it is never sent again.

use super::table::{Sql, Table, from_row, table};
use super::{Backend, StoreResult};
use app::model::{FKeyType, OdDate, OdDateTime, OpeningState, ResponseStatus, SmsSendStatus, TxtMsgOk};
use sqlx::AnyConnection;

/// The two queues: a text's columns sit on its asapcomm row, an email's in its asapemail row.
/// Both have the same shape, so one set of statements serves both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Text,
    Email,
    /// The confirmation of a booking, by text.
    ConfirmText,
    /// The confirmation of a booking, by email.
    ConfirmEmail,
    /// The "gap gone" notice: the opening a patient was texted about was taken.
    GoneText,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Channel::Text, Channel::Email, Channel::ConfirmText, Channel::ConfirmEmail, Channel::GoneText];

    fn table(self) -> &'static str {
        match self {
            Channel::Text => "asapcomm",
            Channel::Email => "asapemail",
            Channel::ConfirmText => "confirmtext",
            Channel::ConfirmEmail => "confirmemail",
            Channel::GoneText => "gonetext",
        }
    }

    fn status(self) -> &'static str {
        match self {
            Channel::Text => "smssendstatus",
            Channel::Email => "emailsendstatus",
            Channel::ConfirmText | Channel::ConfirmEmail | Channel::GoneText => "sendstatus",
        }
    }

    fn scheduled(self) -> &'static str {
        match self {
            Channel::Text => "datetimesmsscheduled",
            Channel::Email => "datetimeemailscheduled",
            Channel::ConfirmText | Channel::ConfirmEmail | Channel::GoneText => "datetimescheduled",
        }
    }

    fn sent(self) -> &'static str {
        match self {
            Channel::Text => "datetimesmssent",
            Channel::Email => "datetimeemailsent",
            Channel::ConfirmText | Channel::ConfirmEmail | Channel::GoneText => "datetimesent",
        }
    }

    /// A confirmation of a booking, not an offer: it goes at once, whatever the opening.
    pub fn is_confirmation(self) -> bool {
        matches!(self, Channel::ConfirmText | Channel::ConfirmEmail)
    }

    /// Whether the message is a text (else an email).
    pub fn is_text(self) -> bool {
        matches!(self, Channel::Text | Channel::ConfirmText | Channel::GoneText)
    }

    /// An offer's own text or email, which carries the patient's link.
    pub fn carries_link(self) -> bool {
        matches!(self, Channel::Text | Channel::Email)
    }

    /// `{table}`, `{status}`, `{scheduled}` and `{sent}` in a statement, for this channel.
    fn sql(self, template: &str) -> String {
        template
            .replace("{table}", self.table())
            .replace("{status}", self.status())
            .replace("{scheduled}", self.scheduled())
            .replace("{sent}", self.sent())
    }

    /// What the message is called in Notes and logs.
    pub fn noun(self) -> &'static str {
        if self.is_text() { "text" } else { "email" }
    }

    /// The channel's name in the operators' metrics.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Text => "text",
            Channel::Email => "email",
            Channel::ConfirmText => "confirmation_text",
            Channel::ConfirmEmail => "confirmation_email",
            Channel::GoneText => "gap_gone_text",
        }
    }
}

/// How many messages are due (at or before `now`) and not yet handed over, and when the oldest of
/// them was due.
pub async fn due_figures(conn: &mut AnyConnection, channel: Channel, now: OdDateTime) -> StoreResult<(i64, Option<OdDateTime>)> {
    let (due, oldest): (i64, Option<OdDateTime>) =
        sqlx::query_as(&channel.sql("SELECT COUNT(*), MIN({scheduled}) FROM {table} WHERE {status} = $1 AND {scheduled} <= $2"))
            .bind(SmsSendStatus::SendNotAttempted)
            .bind(now)
            .fetch_one(conn)
            .await?;
    Ok((due, oldest))
}

/// Messages handed over since `since` that the provider took without yet reporting them
/// delivered, per clinic. (One whose hand-over was interrupted stays in that state for good, so
/// older ones are left out: the figure is about what is happening now.)
pub async fn awaiting_receipt_by_clinic(conn: &mut AnyConnection, channel: Channel, since: OdDateTime) -> StoreResult<Vec<(i64, i64)>> {
    let sql = if channel == Channel::Text {
        channel.sql("SELECT clinicnum, COUNT(*) FROM {table} WHERE {status} = $1 AND {sent} >= $2 GROUP BY clinicnum ORDER BY clinicnum")
    } else {
        channel.sql(
            "SELECT a.clinicnum, COUNT(*) FROM {table} m JOIN asapcomm a ON a.asapcommnum = m.asapcommnum \
             WHERE m.{status} = $1 AND m.{sent} >= $2 GROUP BY a.clinicnum ORDER BY a.clinicnum",
        )
    };
    Ok(sqlx::query_as(&sql).bind(SmsSendStatus::SentAwaitingReceipt).bind(since).fetch_all(conn).await?)
}

/// Takes up to `limit` due messages (scheduled at or before `now`, not held by anyone) and holds
/// them until `lease_until` (Unix seconds). Returns their AsapCommNums.
pub async fn lease_due(
    conn: &mut AnyConnection,
    backend: Backend,
    channel: Channel,
    now: OdDateTime,
    lease_until: i64,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    // PostgreSQL: rows another process is taking at this moment are skipped, not waited for.
    let skip_locked = if backend == Backend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = channel.sql(&format!(
        "UPDATE {{table}} SET sendleaseuntil = $1, sendattempts = sendattempts + 1 WHERE asapcommnum IN \
         (SELECT asapcommnum FROM {{table}} WHERE {{status}} = $2 AND sendleaseuntil = 0 AND {{scheduled}} <= $3 \
          ORDER BY {{scheduled}}, asapcommnum LIMIT $4 {skip_locked}) \
         AND {{status}} = $2 AND sendleaseuntil = 0 RETURNING asapcommnum"
    ));
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

/// The soonest a queued message is due, to sleep until then.
pub async fn next_due(conn: &mut AnyConnection, channel: Channel) -> StoreResult<Option<OdDateTime>> {
    Ok(sqlx::query_scalar(&channel.sql("SELECT MIN({scheduled}) FROM {table} WHERE {status} = $1 AND sendleaseuntil = 0"))
        .bind(SmsSendStatus::SendNotAttempted)
        .fetch_one(conn)
        .await?)
}

/// Everything the send-time check and the message need about one leased text or email.
#[derive(Clone, Debug)]
pub struct DueMessageRow {
    pub asap_comm_num: i64,
    pub schedule_num: i64,
    pub pat_num: i64,
    pub clinic_num: i64,
    pub short_guid: String,
    /// The text's template, or the email's body, with the opening's tags filled.
    pub template_text: String,
    /// The email's subject ("" for a text).
    pub subject: String,
    pub slot_start: OdDateTime,
    pub send_status: SmsSendStatus,
    pub lease_until: i64,
    pub opening: OpeningState,
    pub f_name: String,
    pub wireless_phone: String,
    pub txt_msg_ok: TxtMsgOk,
    pub opt_out_sms: i64,
    pub email: String,
    pub opt_out_email: i64,
}

from_row!(DueMessageRow {
    asap_comm_num: "asapcommnum", schedule_num: "schedulenum", pat_num: "patnum", clinic_num: "clinicnum",
    short_guid: "shortguid", template_text: "templatetext", subject: "subject", slot_start: "slotstart",
    send_status: "sendstatus", lease_until: "sendleaseuntil", opening: "openingstate", f_name: "fname",
    wireless_phone: "wirelessphone", txt_msg_ok: "txtmsgok", opt_out_sms: "optoutsms", email: "email",
    opt_out_email: "optoutemail",
});

pub async fn due_message(conn: &mut AnyConnection, channel: Channel, num: i64) -> StoreResult<Option<DueMessageRow>> {
    let (template, subject, queue) = match channel {
        Channel::Text => ("c.templatetext", "''", "c"),
        _ => ("q.body", "q.subject", "q"),
    };
    let join = if channel == Channel::Text { String::new() } else { format!("JOIN {} q ON q.asapcommnum = c.asapcommnum ", channel.table()) };
    let sql = channel.sql(&format!(
        "SELECT c.asapcommnum, c.schedulenum, c.patnum, c.clinicnum, c.shortguid, {template} AS templatetext, \
         {subject} AS subject, c.slotstart, {queue}.{{status}} AS sendstatus, {queue}.sendleaseuntil, \
         COALESCE(o.state, 1) AS openingstate, COALESCE(p.fname, '') AS fname, \
         COALESCE(p.wirelessphone, '') AS wirelessphone, COALESCE(p.txtmsgok, 0) AS txtmsgok, \
         COALESCE(x.optoutsms, 0) AS optoutsms, COALESCE(p.email, '') AS email, COALESCE(x.optoutemail, 0) AS optoutemail \
         FROM asapcomm c {join}LEFT JOIN asapopening o ON o.schedulenum = c.schedulenum \
         LEFT JOIN patient p ON p.patnum = c.patnum LEFT JOIN commoptout x ON x.patnum = c.patnum \
         WHERE c.asapcommnum = $1"
    ));
    Ok(sqlx::query_as(&sql).bind(num).fetch_optional(conn).await?)
}

/// ASAP messages of one channel sent to the patient on `day`, or being sent right now (the
/// daily limit, counted per channel).
pub async fn sent_on_day(conn: &mut AnyConnection, channel: Channel, pat_num: i64, day: OdDate, except: i64) -> StoreResult<i64> {
    let (from, to) = (day.start(), day.add_days(1).start());
    let rows = match channel {
        Channel::Text => "asapcomm q WHERE q.patnum = $1",
        _ => "{table} q JOIN asapcomm c ON c.asapcommnum = q.asapcommnum WHERE c.patnum = $1",
    };
    let n: i64 = sqlx::query_scalar(&channel.sql(&format!(
        "SELECT COUNT(*) FROM {rows} AND q.asapcommnum <> $2 AND \
         ((q.{{sent}} >= $3 AND q.{{sent}} < $4) OR \
          (q.{{status}} = $5 AND q.datetimesendstarted >= $3 AND q.datetimesendstarted < $4))"
    )))
    .bind(pat_num)
    .bind(except)
    .bind(from)
    .bind(to)
    .bind(SmsSendStatus::SendNotAttempted)
    .fetch_one(conn)
    .await?;
    Ok(n)
}

/// The sender commits to calling the provider. False when the message was cancelled meanwhile
/// (opening filled or withdrawn) or another sender's lease replaced ours.
pub async fn mark_send_started(
    conn: &mut AnyConnection,
    channel: Channel,
    num: i64,
    lease_until: i64,
    now: OdDateTime,
) -> StoreResult<bool> {
    let done = sqlx::query(&channel.sql(
        "UPDATE {table} SET datetimesendstarted = $1 WHERE asapcommnum = $2 AND {status} = $3 \
         AND sendleaseuntil = $4 AND datetimesendstarted = $5",
    ))
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
pub async fn reschedule(conn: &mut AnyConnection, channel: Channel, num: i64, until: OdDateTime, note: &str) -> StoreResult<()> {
    sqlx::query(&channel.sql(
        "UPDATE {table} SET {scheduled} = $1, note = $2, sendleaseuntil = 0 \
         WHERE asapcommnum = $3 AND {status} = $4",
    ))
    .bind(until)
    .bind(note)
    .bind(num)
    .bind(SmsSendStatus::SendNotAttempted)
    .execute(conn)
    .await?;
    Ok(())
}

/// What became of a text or an email: its send status, the patient-facing status, and the Note.
pub struct SendRecord<'a> {
    pub send: SmsSendStatus,
    pub response: ResponseStatus,
    pub sent_at: OdDateTime,
    pub note: &'a str,
    pub provider_message_id: &'a str,
}

/// Records the outcome of a message that was still queued; the lease is let go. Only a message
/// not yet recorded changes, so a late or repeated record never overwrites a newer state.
pub async fn record(conn: &mut AnyConnection, channel: Channel, num: i64, r: &SendRecord<'_>) -> StoreResult<bool> {
    match channel {
        Channel::Text => record_send(conn, num, r).await,
        Channel::Email => record_email(conn, num, r).await,
        Channel::ConfirmText | Channel::ConfirmEmail | Channel::GoneText => record_queue_row(conn, channel, num, r).await,
    }
}

/// The outcome on a queue row of its own (an email's, a confirmation's), if still queued.
async fn record_queue_row(conn: &mut AnyConnection, channel: Channel, num: i64, r: &SendRecord<'_>) -> StoreResult<bool> {
    let done = sqlx::query(&channel.sql(
        "UPDATE {table} SET {status} = $1, {sent} = $2, providermessageid = $3, sendleaseuntil = 0, note = $4 \
         WHERE asapcommnum = $5 AND {status} = $6",
    ))
    .bind(r.send)
    .bind(r.sent_at)
    .bind(r.provider_message_id)
    .bind(r.note)
    .bind(num)
    .bind(SmsSendStatus::SendNotAttempted)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Which channels reached the patient with an offer: (text, email).
pub async fn channels_that_reached(conn: &mut AnyConnection, num: i64) -> StoreResult<(bool, bool)> {
    let reached = [SmsSendStatus::SendSuccessful.as_i64(), SmsSendStatus::SentAwaitingReceipt.as_i64()];
    let (text, email): (i64, Option<i64>) = sqlx::query_as(
        "SELECT c.smssendstatus, e.emailsendstatus FROM asapcomm c LEFT JOIN asapemail e ON e.asapcommnum = c.asapcommnum \
         WHERE c.asapcommnum = $1",
    )
    .bind(num)
    .fetch_one(conn)
    .await?;
    Ok((reached.contains(&text), email.is_some_and(|e| reached.contains(&e))))
}

/// Queues a booking's confirmation by one channel, due at `at`.
pub async fn queue_confirmation(
    conn: &mut AnyConnection,
    channel: Channel,
    num: i64,
    subject: &str,
    body: &str,
    at: OdDateTime,
) -> StoreResult<()> {
    debug_assert!(channel.is_confirmation());
    sqlx::query(&channel.sql(
        "INSERT INTO {table} (asapcommnum, subject, body, {status}, {scheduled}) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (asapcommnum) DO NOTHING",
    ))
    .bind(num)
    .bind(subject)
    .bind(body)
    .bind(SmsSendStatus::SendNotAttempted)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues the "gap gone" notice for every offer of these openings whose text went out and that
/// is still unanswered, but the winner's and those of `leave_out` (patients); at most one per
/// offer, ever. How many were queued.
pub async fn queue_gap_gone(
    conn: &mut AnyConnection,
    schedule_nums: &[i64],
    winner: i64,
    leave_out: &[i64],
    body_of: &(dyn Fn(OdDateTime) -> String + Sync),
    at: OdDateTime,
) -> StoreResult<usize> {
    if schedule_nums.is_empty() {
        return Ok(0);
    }
    let mut sql = Sql::new("SELECT asapcommnum, slotstart, patnum FROM asapcomm WHERE smssendstatus IN (");
    sql.bind(SmsSendStatus::SendSuccessful).push(", ").bind(SmsSendStatus::SentAwaitingReceipt);
    sql.push(") AND responsestatus IN (").bind(ResponseStatus::PendingRsvp).push(", ").bind(ResponseStatus::Viewed);
    sql.push(") AND asapcommnum <> ").bind(winner).push(" AND schedulenum IN (").bind_list(schedule_nums).push(")");
    let found: Vec<(i64, OdDateTime, i64)> = sql.fetch_all(&mut *conn).await?;
    let told: Vec<(i64, OdDateTime)> = found.into_iter().filter(|(_, _, p)| !leave_out.contains(p)).map(|(n, s, _)| (n, s)).collect();
    for (num, start) in &told {
        sqlx::query(
            "INSERT INTO gonetext (asapcommnum, body, sendstatus, datetimescheduled) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (asapcommnum) DO NOTHING",
        )
        .bind(num)
        .bind(body_of(*start))
        .bind(SmsSendStatus::SendNotAttempted)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(told.len())
}

/// Records the outcome of a text that was still queued. A text that went out while its opening
/// closed keeps the Note the closing wrote (why it can no longer be taken) unless the record has
/// a note of its own.
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

/// Records the outcome of an email that was still queued. The offer's own status moves with it
/// when the email is what reached the patient, or when no text is coming either; an email that
/// failed beside a text that went out leaves the offer as the text left it.
async fn record_email(conn: &mut AnyConnection, num: i64, r: &SendRecord<'_>) -> StoreResult<bool> {
    if !record_queue_row(conn, Channel::Email, num, r).await? {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE asapcomm SET responsestatus = $1 WHERE asapcommnum = $2 AND responsestatus = $3 \
         AND ($1 = $4 OR smssendstatus IN ($5, $6))",
    )
    .bind(r.response)
    .bind(num)
    .bind(ResponseStatus::AwaitingTransmit)
    .bind(ResponseStatus::PendingRsvp)
    .bind(SmsSendStatus::DoNotSend)
    .bind(SmsSendStatus::SendFailed)
    .execute(conn)
    .await?;
    Ok(true)
}

pub async fn send_attempts(conn: &mut AnyConnection, channel: Channel, num: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(&channel.sql("SELECT sendattempts FROM {table} WHERE asapcommnum = $1")).bind(num).fetch_one(conn).await?)
}

/// The provider could not be reached and nothing was handed over: the message stays queued,
/// due again at `retry_at`, with a Note.
pub async fn release_for_retry(
    conn: &mut AnyConnection,
    channel: Channel,
    num: i64,
    retry_at: OdDateTime,
    note: &str,
) -> StoreResult<()> {
    sqlx::query(&channel.sql(
        "UPDATE {table} SET sendleaseuntil = 0, datetimesendstarted = $1, {scheduled} = $2, note = $3 \
         WHERE asapcommnum = $4 AND {status} = $5",
    ))
    .bind(OdDateTime::never())
    .bind(retry_at)
    .bind(note)
    .bind(num)
    .bind(SmsSendStatus::SendNotAttempted)
    .execute(conn)
    .await?;
    Ok(())
}

/// Messages whose sender stopped holding them: released if the provider was never called, or
/// recorded as "outcome unknown" if it was. Returns (released, unknown).
pub async fn recover_stale_leases(conn: &mut AnyConnection, channel: Channel, now_unix: i64, note: &str) -> StoreResult<(u64, u64)> {
    let never = OdDateTime::never();
    let released = sqlx::query(&channel.sql(
        "UPDATE {table} SET sendleaseuntil = 0 WHERE {status} = $1 AND sendleaseuntil > 0 AND sendleaseuntil < $2 \
         AND datetimesendstarted = $3",
    ))
    .bind(SmsSendStatus::SendNotAttempted)
    .bind(now_unix)
    .bind(never)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let unknown = match channel {
        Channel::Text => sqlx::query(
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
        .rows_affected(),
        _ => {
            let stale = channel.sql("{status} = $1 AND sendleaseuntil > 0 AND sendleaseuntil < $2 AND datetimesendstarted <> $3");
            if channel == Channel::Email {
                // The offer moves first, while its email still reads as stale.
                sqlx::query(&format!(
                    "UPDATE asapcomm SET responsestatus = $4 WHERE responsestatus = $5 \
                     AND asapcommnum IN (SELECT asapcommnum FROM asapemail WHERE {stale})"
                ))
                .bind(SmsSendStatus::SendNotAttempted)
                .bind(now_unix)
                .bind(never)
                .bind(ResponseStatus::PendingRsvp)
                .bind(ResponseStatus::AwaitingTransmit)
                .execute(&mut *conn)
                .await?;
            }
            sqlx::query(&channel.sql(&format!(
                "UPDATE {{table}} SET {{status}} = $4, {{sent}} = datetimesendstarted, note = $5, \
                 sendleaseuntil = 0 WHERE {stale}"
            )))
            .bind(SmsSendStatus::SendNotAttempted)
            .bind(now_unix)
            .bind(never)
            .bind(SmsSendStatus::SentAwaitingReceipt)
            .bind(note)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        }
    };
    Ok((released, unknown))
}

/// The offers a closing touches.
#[derive(Clone, Copy, Debug)]
pub enum OffersOf {
    /// Every offer of an opening.
    Opening(i64),
    /// One offer.
    One(i64),
    /// The other offers for an appointment or recall, after `winner` took an opening for it.
    SiblingsOf { f_key: i64, f_key_type: FKeyType, winner: i64 },
}

impl OffersOf {
    fn filter(self, sql: &mut Sql<'_>) {
        match self {
            OffersOf::Opening(schedule_num) => {
                sql.push("schedulenum = ").bind(schedule_num);
            }
            OffersOf::One(num) => {
                sql.push("asapcommnum = ").bind(num);
            }
            OffersOf::SiblingsOf { f_key, f_key_type, winner } => {
                sql.push("fkey = ").bind(f_key).push(" AND fkeytype = ").bind(f_key_type).push(" AND asapcommnum <> ").bind(winner);
            }
        }
    }
}

/// Texts of these offers still waiting to go out (and not being handed to the provider right now)
/// will not be sent: `DoNotSend`, with this status and Note.
pub async fn cancel_queued_texts(conn: &mut AnyConnection, offers: OffersOf, response: ResponseStatus, note: &str) -> StoreResult<u64> {
    let mut sql = Sql::new("UPDATE asapcomm SET smssendstatus = ");
    sql.bind(SmsSendStatus::DoNotSend)
        .push(", responsestatus = ")
        .bind(response)
        .push(", note = ")
        .bind(note.to_string())
        .push(", sendleaseuntil = 0 WHERE ");
    offers.filter(&mut sql);
    sql.push(" AND smssendstatus = ")
        .bind(SmsSendStatus::SendNotAttempted)
        .push(" AND datetimesendstarted = ")
        .bind(OdDateTime::never());
    sql.execute(conn).await
}

/// Emails of these offers still waiting to go out (and not being handed over right now) will
/// not be sent. An offer that only an email would have carried takes `response` and the Note,
/// as a cancelled text's offer does.
pub async fn cancel_queued_emails(conn: &mut AnyConnection, offers: OffersOf, response: ResponseStatus, note: &str) -> StoreResult<u64> {
    // The offer first, while its email still reads as queued.
    let mut offer = Sql::new("UPDATE asapcomm SET responsestatus = ");
    offer.bind(response).push(", note = ").bind(note.to_string()).push(" WHERE ");
    offers.filter(&mut offer);
    offer
        .push(" AND responsestatus = ")
        .bind(ResponseStatus::AwaitingTransmit)
        .push(" AND smssendstatus IN (")
        .bind_list(&[SmsSendStatus::DoNotSend, SmsSendStatus::SendFailed])
        .push(") AND EXISTS (SELECT 1 FROM asapemail e WHERE e.asapcommnum = asapcomm.asapcommnum AND e.emailsendstatus = ")
        .bind(SmsSendStatus::SendNotAttempted)
        .push(" AND e.datetimesendstarted = ")
        .bind(OdDateTime::never())
        .push(")");
    offer.execute(&mut *conn).await?;
    let mut email = Sql::new("UPDATE asapemail SET emailsendstatus = ");
    email
        .bind(SmsSendStatus::DoNotSend)
        .push(", note = ")
        .bind(note.to_string())
        .push(", sendleaseuntil = 0 WHERE emailsendstatus = ")
        .bind(SmsSendStatus::SendNotAttempted)
        .push(" AND datetimesendstarted = ")
        .bind(OdDateTime::never())
        .push(" AND asapcommnum IN (SELECT asapcommnum FROM asapcomm WHERE ");
    offers.filter(&mut email);
    email.push(")");
    email.execute(conn).await
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
    /// `TEXT`, `EMAIL`, or a booking's confirmation by either.
    pub channel: i64,
    pub to_phone: String,
    pub to_address: String,
    /// An email's subject ("" for a text).
    pub subject: String,
    /// A text's body, or an email's plain-text part.
    pub body: String,
    /// An email's HTML part ("" for a text).
    pub body_html: String,
    pub link: String,
    pub sent_at: OdDateTime,
}

impl OutboxRow {
    pub const TEXT: i64 = 0;
    pub const EMAIL: i64 = 1;
    pub const CONFIRMATION_TEXT: i64 = 2;
    pub const CONFIRMATION_EMAIL: i64 = 3;
    /// A text the patient sent back, tried from the outbox page.
    pub const FROM_PATIENT: i64 = 4;
    /// The server's answer to a text the patient sent back.
    pub const ANSWER_TEXT: i64 = 5;
    /// The "gap gone" notice.
    pub const NOTICE_TEXT: i64 = 6;

    pub fn is_email(&self) -> bool {
        matches!(self.channel, OutboxRow::EMAIL | OutboxRow::CONFIRMATION_EMAIL)
    }
}

table!(readable OutboxRow in "outboxmessage" {
    message_num: "messagenum", asap_comm_num: "asapcommnum", clinic_num: "clinicnum", channel: "channel",
    to_phone: "tophone", to_address: "toaddress", subject: "subject", body: "body", body_html: "bodyhtml",
    link: "link", sent_at: "sentat",
});

pub async fn insert_outbox_message(conn: &mut AnyConnection, m: &OutboxRow) -> StoreResult<i64> {
    super::table::insert(conn, m).await
}

pub async fn outbox_message(conn: &mut AnyConnection, message_num: i64) -> StoreResult<Option<OutboxRow>> {
    let sql = format!("{} WHERE messagenum = $1", OutboxRow::statements()[2]);
    Ok(sqlx::query_as(&sql).bind(message_num).fetch_optional(conn).await?)
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
