//! Lookups the slot picker needs in bulk: names, offer counts and last offers.

use super::rows::{date_time, int, text};
use super::{StoreResult, int_list};
use app::model::{FKeyType, OdDateTime, Patient, TxtMsgOk};
use sqlx::AnyConnection;
use std::collections::HashMap;

pub async fn patients_by_num(conn: &mut AnyConnection, nums: &[i64]) -> StoreResult<HashMap<i64, Patient>> {
    let mut out = HashMap::new();
    for chunk in nums.chunks(500) {
        let sql = format!(
            "SELECT patnum, lname, fname, wirelessphone, txtmsgok, clinicnum FROM patient WHERE patnum IN ({})",
            int_list(chunk)
        );
        for r in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            let p = Patient {
                pat_num: int(&r, "patnum")?,
                l_name: text(&r, "lname")?,
                f_name: text(&r, "fname")?,
                wireless_phone: text(&r, "wirelessphone")?,
                txt_msg_ok: TxtMsgOk::from_i64(int(&r, "txtmsgok")?).unwrap_or(TxtMsgOk::Unknown),
                clinic_num: int(&r, "clinicnum")?,
            };
            out.insert(p.pat_num, p);
        }
    }
    Ok(out)
}

/// Patients whose wireless phone is this number (E.164), however it was typed in.
pub async fn patients_with_phone(conn: &mut AnyConnection, e164: &str) -> StoreResult<Vec<Patient>> {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    let last_four = &digits[digits.len().saturating_sub(4)..];
    // Narrow by the last four digits in SQL, then compare the whole number as parsed.
    let rows = sqlx::query(
        "SELECT patnum, lname, fname, wirelessphone, txtmsgok, clinicnum FROM patient WHERE wirelessphone LIKE $1",
    )
    .bind(format!("%{last_four}"))
    .fetch_all(conn)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let phone = text(&r, "wirelessphone")?;
        if app::model::WirelessPhone::parse(&phone).is_some_and(|p| p.e164() == e164) {
            out.push(Patient {
                pat_num: int(&r, "patnum")?,
                l_name: text(&r, "lname")?,
                f_name: text(&r, "fname")?,
                wireless_phone: phone,
                txt_msg_ok: TxtMsgOk::from_i64(int(&r, "txtmsgok")?).unwrap_or(TxtMsgOk::Unknown),
                clinic_num: int(&r, "clinicnum")?,
            });
        }
    }
    Ok(out)
}

/// Opt-out flags of the given patients (absent = none).
pub async fn opt_outs(conn: &mut AnyConnection, nums: &[i64]) -> StoreResult<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    for chunk in nums.chunks(500) {
        let sql = format!("SELECT patnum, optoutsms FROM commoptout WHERE patnum IN ({})", int_list(chunk));
        for r in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            out.insert(int(&r, "patnum")?, int(&r, "optoutsms")?);
        }
    }
    Ok(out)
}

/// ASAP texts scheduled or sent to each of these patients on `day` (the daily limit).
pub async fn texts_by_patient_on_day(conn: &mut AnyConnection, nums: &[i64], day: app::model::OdDate) -> StoreResult<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    for chunk in nums.chunks(500) {
        let sql = format!(
            "SELECT patnum, COUNT(*) AS texts FROM asapcomm WHERE patnum IN ({}) AND datetimesmsscheduled >= $1 \
             AND datetimesmsscheduled < $2 AND smssendstatus <> 1 GROUP BY patnum",
            int_list(chunk)
        );
        let rows = sqlx::query(&sql)
            .bind(day.start().to_string())
            .bind(day.add_days(1).start().to_string())
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            out.insert(int(&r, "patnum")?, int(&r, "texts")?);
        }
    }
    Ok(out)
}

/// Offers made per opening (ScheduleNum).
pub async fn offer_counts(conn: &mut AnyConnection, schedule_nums: &[i64]) -> StoreResult<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    for chunk in schedule_nums.chunks(500) {
        let sql = format!(
            "SELECT schedulenum, COUNT(*) AS offers FROM asapcomm WHERE schedulenum IN ({}) GROUP BY schedulenum",
            int_list(chunk)
        );
        for r in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            out.insert(int(&r, "schedulenum")?, int(&r, "offers")?);
        }
    }
    Ok(out)
}

/// The latest offer per (FKey, FKeyType), and whether any offer said "do not contact".
pub async fn offer_history(
    conn: &mut AnyConnection,
    f_keys: &[i64],
) -> StoreResult<HashMap<(i64, FKeyType), (OdDateTime, bool)>> {
    let mut out = HashMap::new();
    for chunk in f_keys.chunks(500) {
        let sql = format!(
            "SELECT fkey, fkeytype, MAX(datetimeentry) AS lastentry, \
             MAX(CASE WHEN responsestatus = 11 THEN 1 ELSE 0 END) AS stopped \
             FROM asapcomm WHERE fkey IN ({}) GROUP BY fkey, fkeytype",
            int_list(chunk)
        );
        for r in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            let Some(kind) = FKeyType::from_i64(int(&r, "fkeytype")?) else { continue };
            out.insert((int(&r, "fkey")?, kind), (date_time(&r, "lastentry")?, int(&r, "stopped")? == 1));
        }
    }
    Ok(out)
}
