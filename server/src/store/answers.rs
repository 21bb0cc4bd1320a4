//! The patient's side: an offer found by its link code, the patient's other offers, and the
//! answers recorded on them.

use super::rows::{date_time, int, member, text};
use super::StoreResult;
use app::domain::Span;
use app::domain::answer::OpeningState;
use app::model::{FKeyType, OdDateTime, ResponseStatus, SmsSendStatus};
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
    pub sms_send_status: SmsSendStatus,
    pub response_status: ResponseStatus,
    pub opening: OpeningState,
    pub f_name: String,
}

const OFFER_COLUMNS: &str = "c.asapcommnum, c.shortguid, c.schedulenum, c.patnum, c.fkey, c.fkeytype, c.clinicnum, \
    c.operatorynum, c.slotstart, c.slotstop, c.datetimeexpire, c.smssendstatus, c.responsestatus, \
    COALESCE(o.state, 4) AS openingstate, COALESCE(p.fname, '') AS fname";

const OFFER_FROM: &str = "asapcomm c LEFT JOIN asapopening o ON o.schedulenum = c.schedulenum \
    LEFT JOIN patient p ON p.patnum = c.patnum";

fn offer_from(r: &AnyRow) -> StoreResult<PatientOfferRow> {
    Ok(PatientOfferRow {
        asap_comm_num: int(r, "asapcommnum")?,
        short_guid: text(r, "shortguid")?,
        schedule_num: int(r, "schedulenum")?,
        pat_num: int(r, "patnum")?,
        f_key: int(r, "fkey")?,
        f_key_type: member(r, "fkeytype", FKeyType::from_i64)?,
        clinic_num: int(r, "clinicnum")?,
        operatory_num: int(r, "operatorynum")?,
        span: Span::new(date_time(r, "slotstart")?, date_time(r, "slotstop")?),
        expire: date_time(r, "datetimeexpire")?,
        sms_send_status: member(r, "smssendstatus", SmsSendStatus::from_i64)?,
        response_status: member(r, "responsestatus", ResponseStatus::from_i64)?,
        opening: member(r, "openingstate", OpeningState::from_i64)?,
        f_name: text(r, "fname")?,
    })
}

pub async fn offer_by_code(conn: &mut AnyConnection, code: &str) -> StoreResult<Option<PatientOfferRow>> {
    let sql = format!("SELECT {OFFER_COLUMNS} FROM {OFFER_FROM} WHERE c.shortguid = $1");
    let row = sqlx::query(&sql).bind(code).fetch_optional(conn).await?;
    row.as_ref().map(offer_from).transpose()
}

pub async fn offer_by_num(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<PatientOfferRow>> {
    let sql = format!("SELECT {OFFER_COLUMNS} FROM {OFFER_FROM} WHERE c.asapcommnum = $1");
    let row = sqlx::query(&sql).bind(num).fetch_optional(conn).await?;
    row.as_ref().map(offer_from).transpose()
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
         AND c.responsestatus IN ($4, $5) AND c.smssendstatus IN ($6, $7) AND c.asapcommnum <> $8 \
         ORDER BY c.slotstart, c.asapcommnum LIMIT $9"
    );
    let rows = sqlx::query(&sql)
        .bind(pat_num)
        .bind(OpeningState::Open.as_i64())
        .bind(now.to_string())
        .bind(ResponseStatus::PendingRsvp.as_i64())
        .bind(ResponseStatus::Viewed.as_i64())
        .bind(SmsSendStatus::SendSuccessful.as_i64())
        .bind(SmsSendStatus::SentAwaitingReceipt.as_i64())
        .bind(except)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(offer_from).collect()
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
    let mut q = sqlx::query(&sql).bind(to.as_i64()).bind(at.to_string()).bind(num).bind(from.as_i64());
    if let Some(n) = note {
        q = q.bind(n);
    }
    Ok(q.execute(conn).await?.rows_affected() == 1)
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
    let never = OdDateTime::never().to_string();
    sqlx::query(
        "UPDATE asapcomm SET smssendstatus = $1, responsestatus = $2, note = $3, sendleaseuntil = 0 \
         WHERE fkey = $4 AND fkeytype = $5 AND asapcommnum <> $6 AND smssendstatus = $7 AND datetimesendstarted = $8",
    )
    .bind(SmsSendStatus::DoNotSend.as_i64())
    .bind(ResponseStatus::ChoseDifferentSlot.as_i64())
    .bind(note)
    .bind(f_key)
    .bind(f_key_type.as_i64())
    .bind(winner)
    .bind(SmsSendStatus::SendNotAttempted.as_i64())
    .bind(&never)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE asapcomm SET responsestatus = $1, datetimeresponded = $2, note = $3 \
         WHERE fkey = $4 AND fkeytype = $5 AND asapcommnum <> $6 AND responsestatus IN ($7, $8)",
    )
    .bind(ResponseStatus::ChoseDifferentSlot.as_i64())
    .bind(at.to_string())
    .bind(note)
    .bind(f_key)
    .bind(f_key_type.as_i64())
    .bind(winner)
    .bind(ResponseStatus::PendingRsvp.as_i64())
    .bind(ResponseStatus::Viewed.as_i64())
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
        .bind(ResponseStatus::Expired.as_i64())
        .bind(now.to_string())
        .bind(OdDateTime::never().to_string())
        .execute(&mut *conn)
        .await?;
        expired += done.rows_affected();
    }
    Ok(expired)
}
