//! Lookups the slot picker needs in bulk: names, offer counts and last offers.

use super::StoreResult;
use super::table::{Sql, Table};
use app::domain::ranking::OfferOnRecord;
use app::model::{FKeyType, OdDate, OdDateTime, Patient, ResponseStatus, WirelessPhone};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// Runs `head … IN (chunk) tail` for each chunk of 500 keys and gathers the rows.
async fn in_chunks<T>(conn: &mut AnyConnection, keys: &[i64], head: &str, tail: &str, bind: impl Fn(&mut Sql<'_>)) -> StoreResult<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut out = Vec::new();
    for chunk in keys.chunks(500) {
        let mut sql = Sql::new(head);
        bind(&mut sql);
        sql.push(" IN (").bind_list(chunk).push(")").push(tail);
        out.extend(sql.fetch_all::<T>(&mut *conn).await?);
    }
    Ok(out)
}

pub async fn patients_by_num(conn: &mut AnyConnection, nums: &[i64]) -> StoreResult<HashMap<i64, Patient>> {
    let head = format!("{} WHERE patnum", Patient::statements()[2]);
    let found: Vec<Patient> = in_chunks(conn, nums, &head, "", |_| {}).await?;
    Ok(found.into_iter().map(|p| (p.pat_num, p)).collect())
}

/// Patients whose wireless phone is this number (E.164), however it was typed in.
pub async fn patients_with_phone(conn: &mut AnyConnection, e164: &str) -> StoreResult<Vec<Patient>> {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    let last_four = &digits[digits.len().saturating_sub(4)..];
    // Narrow by the last four digits in SQL, then compare the whole number as parsed.
    let sql = format!("{} WHERE wirelessphone LIKE $1", Patient::statements()[2]);
    let found: Vec<Patient> = sqlx::query_as(&sql).bind(format!("%{last_four}")).fetch_all(conn).await?;
    Ok(found.into_iter().filter(|p| WirelessPhone::parse(&p.wireless_phone).is_some_and(|w| w.e164() == e164)).collect())
}

/// Every offer on record for these patients, as the asking order reads them.
pub async fn offers_on_record(conn: &mut AnyConnection, nums: &[i64]) -> StoreResult<Vec<OfferOnRecord>> {
    let found: Vec<(i64, ResponseStatus, OdDateTime, OdDateTime, String, OdDateTime, Option<OdDateTime>)> = in_chunks(
        conn,
        nums,
        "SELECT c.patnum, c.responsestatus, c.slotstart, c.datetimeexpire, c.withdrawnby, c.datetimesmssent, e.datetimeemailsent \
         FROM asapcomm c LEFT JOIN asapemail e ON e.asapcommnum = c.asapcommnum WHERE c.patnum",
        "",
        |_| {},
    )
    .await?;
    Ok(found
        .into_iter()
        .map(|(pat_num, response_status, slot_start, expire, withdrawn_by, sms_sent, email_sent)| OfferOnRecord {
            pat_num,
            response_status,
            slot_start,
            expire,
            withdrawn_by_staff: !withdrawn_by.is_empty(),
            messaged_at: sms_sent.max(email_sent.unwrap_or_else(OdDateTime::never)),
        })
        .collect())
}

/// Opt-out flags of the given patients (absent = none).
pub async fn opt_outs(conn: &mut AnyConnection, nums: &[i64]) -> StoreResult<HashMap<i64, (i64, i64)>> {
    let found: Vec<(i64, i64, i64)> =
        in_chunks(conn, nums, "SELECT patnum, optoutsms, optoutemail FROM commoptout WHERE patnum", "", |_| {}).await?;
    Ok(found.into_iter().map(|(p, sms, email)| (p, (sms, email))).collect())
}

/// ASAP emails scheduled or sent to each of these patients on `day` (their own daily limit).
pub async fn emails_by_patient_on_day(conn: &mut AnyConnection, nums: &[i64], day: OdDate) -> StoreResult<HashMap<i64, i64>> {
    let found: Vec<(i64, i64)> = in_chunks(
        conn,
        nums,
        "SELECT c.patnum, COUNT(*) FROM asapemail e JOIN asapcomm c ON c.asapcommnum = e.asapcommnum \
         WHERE e.datetimeemailscheduled >= $1 AND e.datetimeemailscheduled < $2 AND e.emailsendstatus <> 1 AND c.patnum",
        " GROUP BY c.patnum",
        |sql| {
            sql.bind_value(day.start()).bind_value(day.add_days(1).start());
        },
    )
    .await?;
    Ok(found.into_iter().collect())
}

/// ASAP texts scheduled or sent to each of these patients on `day` (the daily limit).
pub async fn texts_by_patient_on_day(conn: &mut AnyConnection, nums: &[i64], day: OdDate) -> StoreResult<HashMap<i64, i64>> {
    let offers: Vec<(i64, i64)> = in_chunks(
        conn,
        nums,
        "SELECT patnum, COUNT(*) FROM asapcomm WHERE datetimesmsscheduled >= $1 AND datetimesmsscheduled < $2 \
         AND smssendstatus <> 1 AND patnum",
        " GROUP BY patnum",
        |sql| {
            sql.bind_value(day.start()).bind_value(day.add_days(1).start());
        },
    )
    .await?;
    // "Gap gone" notices count toward the same daily limit.
    let notices: Vec<(i64, i64)> = in_chunks(
        conn,
        nums,
        "SELECT c.patnum, COUNT(*) FROM gonetext g JOIN asapcomm c ON c.asapcommnum = g.asapcommnum \
         WHERE g.datetimescheduled >= $1 AND g.datetimescheduled < $2 AND g.sendstatus <> 1 AND c.patnum",
        " GROUP BY c.patnum",
        |sql| {
            sql.bind_value(day.start()).bind_value(day.add_days(1).start());
        },
    )
    .await?;
    let mut counts: HashMap<i64, i64> = offers.into_iter().collect();
    for (pat, n) in notices {
        *counts.entry(pat).or_default() += n;
    }
    Ok(counts)
}

/// Offers made per opening (ScheduleNum).
pub async fn offer_counts(conn: &mut AnyConnection, schedule_nums: &[i64]) -> StoreResult<HashMap<i64, i64>> {
    let found: Vec<(i64, i64)> =
        in_chunks(conn, schedule_nums, "SELECT schedulenum, COUNT(*) FROM asapcomm WHERE schedulenum", " GROUP BY schedulenum", |_| {})
            .await?;
    Ok(found.into_iter().collect())
}

/// The latest offer per (FKey, FKeyType): when it was made, the opening's start, and the answer.
pub async fn latest_offers(
    conn: &mut AnyConnection,
    f_keys: &[i64],
) -> StoreResult<HashMap<(i64, FKeyType), (OdDateTime, OdDateTime, ResponseStatus)>> {
    let found: Vec<(i64, i64, i64, OdDateTime, OdDateTime, ResponseStatus)> = in_chunks(
        conn,
        f_keys,
        "SELECT asapcommnum, fkey, fkeytype, datetimeentry, slotstart, responsestatus FROM asapcomm WHERE fkey",
        "",
        |_| {},
    )
    .await?;
    let mut latest: HashMap<(i64, FKeyType), (i64, OdDateTime, OdDateTime, ResponseStatus)> = HashMap::new();
    for (num, f_key, kind, entry, slot, response) in found {
        let Some(kind) = FKeyType::from_i64(kind) else { continue };
        let e = latest.entry((f_key, kind)).or_insert((num, entry, slot, response));
        if num > e.0 {
            *e = (num, entry, slot, response);
        }
    }
    Ok(latest.into_iter().map(|(k, (_, entry, slot, response))| (k, (entry, slot, response))).collect())
}

/// The latest offer per (FKey, FKeyType), and whether any offer said "do not contact".
pub async fn offer_history(conn: &mut AnyConnection, f_keys: &[i64]) -> StoreResult<HashMap<(i64, FKeyType), (OdDateTime, bool)>> {
    let found: Vec<(i64, i64, OdDateTime, i64)> = in_chunks(
        conn,
        f_keys,
        "SELECT fkey, fkeytype, MAX(datetimeentry), MAX(CASE WHEN responsestatus = 11 THEN 1 ELSE 0 END) FROM asapcomm WHERE fkey",
        " GROUP BY fkey, fkeytype",
        |_| {},
    )
    .await?;
    Ok(found
        .into_iter()
        .filter_map(|(f_key, kind, last, stopped)| Some(((f_key, FKeyType::from_i64(kind)?), (last, stopped == 1))))
        .collect())
}
