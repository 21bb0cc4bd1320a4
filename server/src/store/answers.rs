//! The patient's side: an offer found by its link code, the patient's other offers, and the
//! answers recorded on them.

use super::StoreResult;
use app::domain::Span;
use app::model::{FKeyType, OdDateTime, OpeningState, ResponseStatus, SmsSendStatus};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

/// An offer with what the patient page shows about its opening.
#[derive(Clone, Debug)]
pub struct PatientOfferRow {
    pub asap_comm_num: i64,
    pub short_guid: String,
    pub schedule_num: i64,
    pub pat_num: i64,
    pub f_key: i64,
    pub f_key_type: FKeyType,
    pub clinic_num: i64,
    pub operatory_num: i64,
    pub span: Span,
    pub expire: OdDateTime,
    /// The text's send status, or the email's when that is what reached the patient.
    pub send_status: SmsSendStatus,
    pub response_status: ResponseStatus,
    pub opening: OpeningState,
    pub f_name: String,
    /// Staff took this patient's offer back.
    pub withdrawn: bool,
}

/// The offer's columns. Its send status is the text's, or the email's when the text did not go
/// and the email did: either way the link may have reached the patient. (3 and 5 are
/// SendSuccessful and SentAwaitingReceipt, written out so the text stays a constant; a test
/// below holds them to the enum.)
const OFFER_COLUMNS: &str = "c.asapcommnum, c.shortguid, c.schedulenum, c.patnum, c.fkey, c.fkeytype, c.clinicnum, \
    c.operatorynum, c.slotstart, c.slotstop, c.datetimeexpire, \
    CASE WHEN c.smssendstatus NOT IN (3, 5) AND e.emailsendstatus IN (3, 5) THEN e.emailsendstatus \
    ELSE c.smssendstatus END AS sendstatus, c.responsestatus, \
    COALESCE(o.state, 4) AS openingstate, COALESCE(p.fname, '') AS fname, c.withdrawnby";

const OFFER_FROM: &str = "asapcomm c LEFT JOIN asapopening o ON o.schedulenum = c.schedulenum \
    LEFT JOIN patient p ON p.patnum = c.patnum LEFT JOIN asapemail e ON e.asapcommnum = c.asapcommnum";

impl<'r> sqlx::FromRow<'r, AnyRow> for PatientOfferRow {
    fn from_row(r: &'r AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(PatientOfferRow {
            asap_comm_num: r.try_get("asapcommnum")?,
            short_guid: r.try_get("shortguid")?,
            schedule_num: r.try_get("schedulenum")?,
            pat_num: r.try_get("patnum")?,
            f_key: r.try_get("fkey")?,
            f_key_type: r.try_get("fkeytype")?,
            clinic_num: r.try_get("clinicnum")?,
            operatory_num: r.try_get("operatorynum")?,
            span: Span::new(r.try_get("slotstart")?, r.try_get("slotstop")?),
            expire: r.try_get("datetimeexpire")?,
            send_status: r.try_get("sendstatus")?,
            response_status: r.try_get("responsestatus")?,
            opening: r.try_get("openingstate")?,
            f_name: r.try_get("fname")?,
            withdrawn: !r.try_get::<String, _>("withdrawnby")?.is_empty(),
        })
    }
}

pub async fn offer_by_code(conn: &mut AnyConnection, code: &str) -> StoreResult<Option<PatientOfferRow>> {
    let sql = format!("SELECT {OFFER_COLUMNS} FROM {OFFER_FROM} WHERE c.shortguid = $1");
    Ok(sqlx::query_as(&sql).bind(code).fetch_optional(conn).await?)
}

pub async fn offer_by_num(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<PatientOfferRow>> {
    let sql = format!("SELECT {OFFER_COLUMNS} FROM {OFFER_FROM} WHERE c.asapcommnum = $1");
    Ok(sqlx::query_as(&sql).bind(num).fetch_optional(conn).await?)
}

/// The patient's offers on open openings that have not started, whose text went out and that
/// they have not answered: what they can still take. The `limit` soonest, leaving out `except`.
pub async fn open_offers_of_patient(
    conn: &mut AnyConnection,
    pat_num: i64,
    now: OdDateTime,
    except: i64,
    limit: i64,
) -> StoreResult<Vec<PatientOfferRow>> {
    let sql = format!(
        "SELECT {OFFER_COLUMNS} FROM {OFFER_FROM} WHERE c.patnum = $1 AND o.state = $2 AND c.slotstart > $3 \
         AND c.responsestatus IN ($4, $5) AND (c.smssendstatus IN ($6, $7) OR e.emailsendstatus IN ($6, $7)) \
         AND c.asapcommnum <> $8 \
         ORDER BY c.slotstart, c.asapcommnum LIMIT $9"
    );
    Ok(sqlx::query_as(&sql)
        .bind(pat_num)
        .bind(OpeningState::Open)
        .bind(now)
        .bind(ResponseStatus::PendingRsvp)
        .bind(ResponseStatus::Viewed)
        .bind(SmsSendStatus::SendSuccessful)
        .bind(SmsSendStatus::SentAwaitingReceipt)
        .bind(except)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Offers of these patients a text reply can take: on open openings that have not started, whose
/// text went out and that they have not answered; the most recently texted first.
pub async fn offers_waiting_by_text(conn: &mut AnyConnection, pat_nums: &[i64], now: OdDateTime) -> StoreResult<Vec<PatientOfferRow>> {
    if pat_nums.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = super::table::Sql::new(format!("SELECT {OFFER_COLUMNS} FROM {OFFER_FROM} WHERE o.state = "));
    sql.bind(OpeningState::Open).push(" AND c.slotstart > ").bind(now);
    sql.push(" AND c.responsestatus IN (").bind(ResponseStatus::PendingRsvp).push(", ").bind(ResponseStatus::Viewed);
    sql.push(") AND c.smssendstatus IN (").bind(SmsSendStatus::SendSuccessful).push(", ").bind(SmsSendStatus::SentAwaitingReceipt);
    sql.push(") AND c.patnum IN (").bind_list(pat_nums).push(") ORDER BY c.datetimesmssent DESC, c.asapcommnum DESC");
    sql.fetch_all(conn).await
}

/// The numbered list last texted to `phone` since `since`, in its order.
pub async fn reply_list(conn: &mut AnyConnection, phone: &str, since: OdDateTime) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT asapcommnum FROM replylist WHERE phone = $1 AND sentat >= $2 ORDER BY position")
        .bind(phone)
        .bind(since)
        .fetch_all(conn)
        .await?)
}

/// Keeps the numbered list texted to `phone`, in place of the one before.
pub async fn remember_reply_list(conn: &mut AnyConnection, phone: &str, listed: &[i64], at: OdDateTime) -> StoreResult<()> {
    sqlx::query("DELETE FROM replylist WHERE phone = $1").bind(phone).execute(&mut *conn).await?;
    for (i, num) in listed.iter().enumerate() {
        sqlx::query("INSERT INTO replylist (phone, position, asapcommnum, sentat) VALUES ($1, $2, $3, $4)")
            .bind(phone)
            .bind(i as i64 + 1)
            .bind(*num)
            .bind(at)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Records the patient's answer (or that they opened the link). Only moves from `from`, so two
/// answers racing each other cannot both be recorded.
pub async fn set_response(
    conn: &mut AnyConnection,
    num: i64,
    from: ResponseStatus,
    to: ResponseStatus,
    at: OdDateTime,
    note: Option<&str>,
) -> StoreResult<bool> {
    let time_column = if matches!(to, ResponseStatus::Viewed | ResponseStatus::ViewedNotAvailable) {
        "datetimeviewed"
    } else {
        "datetimeresponded"
    };
    let sql = match note {
        Some(_) => format!(
            "UPDATE asapcomm SET responsestatus = $1, {time_column} = $2, note = $5 WHERE asapcommnum = $3 AND responsestatus = $4"
        ),
        None => format!("UPDATE asapcomm SET responsestatus = $1, {time_column} = $2 WHERE asapcommnum = $3 AND responsestatus = $4"),
    };
    let mut q = sqlx::query(&sql).bind(to).bind(at).bind(num).bind(from);
    if let Some(n) = note {
        q = q.bind(n);
    }
    Ok(q.execute(conn).await?.rows_affected() == 1)
}

/// Takes one patient's offer back, if it is still `from`: Expired, with the Note saying so and who
/// did it. What is still queued for them: `sending::cancel_queued_texts` and `cancel_queued_emails`.
pub async fn withdraw_offer(conn: &mut AnyConnection, num: i64, from: ResponseStatus, by: &str, at: OdDateTime, note: &str) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE asapcomm SET responsestatus = $1, datetimeresponded = $2, note = $3, withdrawnby = $4 \
         WHERE asapcommnum = $5 AND responsestatus = $6",
    )
    .bind(ResponseStatus::Expired)
    .bind(at)
    .bind(note)
    .bind(by)
    .bind(num)
    .bind(from)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Adds a sentence to an offer's Note (after what it already says).
pub async fn append_note(conn: &mut AnyConnection, num: i64, note: &str) -> StoreResult<()> {
    sqlx::query("UPDATE asapcomm SET note = CASE WHEN note = '' THEN $1 ELSE note || ' ' || $1 END WHERE asapcommnum = $2")
        .bind(note)
        .bind(num)
        .execute(conn)
        .await?;
    Ok(())
}

/// Other offers for the same appointment or recall, after it was moved into an opening: those
/// still waiting for an answer become `ChoseDifferentSlot`; texts not sent yet are not sent.
pub async fn close_sibling_offers(
    conn: &mut AnyConnection,
    f_key: i64,
    f_key_type: FKeyType,
    winner: i64,
    at: OdDateTime,
    note: &str,
) -> StoreResult<()> {
    let never = OdDateTime::never();
    sqlx::query(
        "UPDATE asapcomm SET smssendstatus = $1, responsestatus = $2, note = $3, sendleaseuntil = 0 \
         WHERE fkey = $4 AND fkeytype = $5 AND asapcommnum <> $6 AND smssendstatus = $7 AND datetimesendstarted = $8",
    )
    .bind(SmsSendStatus::DoNotSend)
    .bind(ResponseStatus::ChoseDifferentSlot)
    .bind(note)
    .bind(f_key)
    .bind(f_key_type)
    .bind(winner)
    .bind(SmsSendStatus::SendNotAttempted)
    .bind(never)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE asapcomm SET responsestatus = $1, datetimeresponded = $2, note = $3 \
         WHERE fkey = $4 AND fkeytype = $5 AND asapcommnum <> $6 AND responsestatus IN ($7, $8)",
    )
    .bind(ResponseStatus::ChoseDifferentSlot)
    .bind(at)
    .bind(note)
    .bind(f_key)
    .bind(f_key_type)
    .bind(winner)
    .bind(ResponseStatus::PendingRsvp)
    .bind(ResponseStatus::Viewed)
    .execute(conn)
    .await?;
    Ok(())
}

/// Offers that still wait for an answer become `Expired` once past their DateTimeExpire or once
/// their slot has started (their link has ended then; a status still "Sent" would mislead).
pub async fn expire_offers(conn: &mut AnyConnection, now: OdDateTime) -> StoreResult<u64> {
    // The statuses are written out (not bound) so the planner can use the partial indexes on
    // pending offers, whose condition is the same list. Two statements, one per index: a single
    // OR of both conditions read every waiting offer. `never` sorts first, so the lower bound
    // also skips offers without an expiry or a slot.
    let pending = [ResponseStatus::AwaitingTransmit, ResponseStatus::PendingRsvp, ResponseStatus::Viewed]
        .map(|s| s.as_i64().to_string())
        .join(", ");
    let mut expired = 0;
    for past in ["datetimeexpire > $3 AND datetimeexpire <= $2", "slotstart > $3 AND slotstart <= $2 AND operatorynum <> 0"] {
        let done = sqlx::query(&format!(
            "UPDATE asapcomm SET responsestatus = $1, datetimeresponded = $2 WHERE responsestatus IN ({pending}) AND {past}"
        ))
        .bind(ResponseStatus::Expired)
        .bind(now)
        .bind(OdDateTime::never())
        .execute(&mut *conn)
        .await?;
        expired += done.rows_affected();
    }
    Ok(expired)
}

#[cfg(test)]
mod tests {
    use app::model::SmsSendStatus;

    #[test]
    fn the_sent_statuses_written_into_the_offer_columns() {
        assert_eq!(SmsSendStatus::SendSuccessful.as_i64(), 3);
        assert_eq!(SmsSendStatus::SentAwaitingReceipt.as_i64(), 5);
    }
}
