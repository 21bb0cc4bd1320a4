//! The demo practice on dates where date-dependent code breaks: it must stay a practice the
//! product itself could have produced (checked against the loop's invariants) and leave the
//! pages something to show, whatever the day and hour.

use chrono::{NaiveDateTime, TimeZone, Utc};
use server::clock::{FixedClock, OfficeClock};
use app::model::OdDateTime;
use server::store::Store;
use sqlx::Row;
use std::sync::Arc;

/// (UTC instant, office zone)
const DATES: &[(&str, &str)] = &[
    ("2026-11-27 14:00:00", "UTC"),
    ("2026-11-28 22:30:00", "UTC"),
    ("2026-11-29 04:30:00", "America/New_York"),
    ("2026-11-26 15:00:00", "UTC"),
    ("2027-02-26 16:50:00", "UTC"),
    ("2027-04-30 23:45:00", "UTC"),
    ("2026-12-31 23:40:00", "UTC"),
    ("2027-01-01 10:00:00", "UTC"),
    ("2027-03-14 07:30:00", "America/New_York"),
    ("2026-11-01 05:30:00", "America/New_York"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_keeps_the_rules_on_any_date() {
    for (at, zone) in DATES {
        check(at, zone).await;
    }
}

async fn rows(store: &Store, sql: &str) -> Vec<Vec<String>> {
    let mut conn = store.pool().acquire().await.unwrap();
    sqlx::query(sql)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.try_get::<i64, _>(i).map(|n| n.to_string()).or_else(|_| r.try_get::<String, _>(i)).unwrap_or_default())
                .collect()
        })
        .collect()
}

async fn count(store: &Store, sql: &str) -> i64 {
    rows(store, sql).await[0][0].parse().unwrap()
}

async fn check(at: &str, zone: &str) {
    let utc = Utc.from_utc_datetime(&NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").unwrap());
    let tz: chrono_tz::Tz = zone.parse().unwrap();
    let now = utc.with_timezone(&tz).naive_local().format("%Y-%m-%d %H:%M:%S").to_string();
    let path = std::env::temp_dir().join(format!("asap-demo-{}-{}.db", std::process::id(), at.replace([' ', ':'], "-")));
    let store = Store::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let clock = OfficeClock::new(Arc::new(FixedClock::new(utc)), tz);
    let summary = server::demo::fill(&store, &clock, "http://127.0.0.1:3000", false).await.unwrap();
    let ctx = format!("{at} UTC in {zone} (office time {now}): {summary}");

    // Offers with an outcome that needs time to have passed have it in the past.
    assert_eq!(count(&store, &format!("SELECT COUNT(*) FROM asapcomm WHERE responsestatus = 9 AND datetimeexpire > '{now}' AND slotstart > '{now}'")).await, 0, "{ctx}");
    assert_eq!(count(&store, &format!("SELECT COUNT(*) FROM asapcomm WHERE datetimeentry > '{now}'")).await, 0, "{ctx}");
    assert_eq!(count(&store, &format!("SELECT COUNT(*) FROM asapcomm WHERE datetimesmssent > '{now}'")).await, 0, "{ctx}");
    // The scheduling rules every store must keep, as `server check` checks them.
    let broken = server::store::invariants::broken(&store, OdDateTime::parse(&now).unwrap(), &[]).await.unwrap();
    assert!(broken.is_empty(), "{ctx}: {broken:#?}");
    // The pages have something to show: recent history in every clinic, an ASAP list in every clinic.
    let week_ago = (utc.with_timezone(&tz).naive_local() - chrono::Duration::days(7)).format("%Y-%m-%d 00:00:00").to_string();
    for clinic in 1..=3 {
        let recent = count(&store, &format!("SELECT COUNT(*) FROM asapcomm WHERE clinicnum = {clinic} AND datetimeentry >= '{week_ago}'")).await;
        assert!(recent >= 3, "{ctx}: clinic {clinic} has only {recent} offers in the last 7 days");
        let asap = count(&store, &format!("SELECT COUNT(*) FROM appointment WHERE clinicnum = {clinic} AND priority = 1 AND aptstatus IN (1, 3, 5, 6)")).await;
        assert!(asap >= 20, "{ctx}: clinic {clinic} has {asap} ASAP appointments left");
    }
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
