//! Splitting a long opening: a claim that takes only part of it leaves the rest as a new opening
//! with its own blockout, offered to the next patients who fit it, in the claim's transaction;
//! many claims at once across the parts keep one winner per minute of chair time.

mod harness;

use harness::{TestServer, chicago, fixture};
use serde_json::{Value, json};
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 09:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    the_rest_of_an_opening_is_offered_in_the_claims_transaction,
    a_clinic_can_turn_splitting_off,
);

/// Every offer of an opening in its first wave, so all fifty can claim at once.
fn one_wave(settings: &mut server::config::Settings) {
    settings.wave_size = 100;
}

mod race {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_fifty_claims_at_once_across_the_parts_keep_one_winner_per_minute() {
        harness::run_with(harness::Db::Sqlite, &fixture("example-office.json"), now(), one_wave, fifty_claims).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_fifty_claims_at_once_across_the_parts_keep_one_winner_per_minute() {
        harness::run_with(harness::Db::Postgres, &fixture("example-office.json"), now(), one_wave, fifty_claims).await;
    }
}

/// Patients on clinic 1's ASAP list, each with an unscheduled appointment of `minutes`
/// (AptNum = PatNum * 10), named Split{PatNum}.
async fn patients(s: &TestServer, people: &[(i64, i64)]) {
    let mut patients = Vec::new();
    let mut apts = Vec::new();
    for &(num, minutes) in people {
        patients.push(json!({"PatNum": num, "LName": "Splittest", "FName": format!("Split{num}"),
            "WirelessPhone": format!("(555) 5{:02}-{:04}", num / 10000, num % 10000), "TxtMsgOk": "Yes", "ClinicNum": 1}));
        apts.push(json!({"AptNum": num * 10, "PatNum": num, "AptStatus": "UnschedList", "Pattern": "X".repeat((minutes / 5) as usize),
            "Op": 1, "ProvNum": 1, "AptDateTime": "2031-01-10 09:00:00", "ClinicNum": 1, "Priority": "ASAP"}));
    }
    s.import(&json!({"patients": patients, "appointments": apts}).to_string()).await;
}

async fn boss(s: &TestServer) -> reqwest::Client {
    s.add_user("boss", true, "").await;
    s.signed_in("boss").await
}

/// Staff offer operatory 1 from `start` to `end` to these patients; the opening's key.
async fn offer(s: &TestServer, client: &reqwest::Client, start: &str, end: &str, pats: &[i64]) -> i64 {
    let recipients: Vec<Value> = pats.iter().map(|p| json!({"Appointment": p * 10})).collect();
    let (status, body) = s
        .server_fn(client, "offer", json!({"op": 1, "start": start, "end": end, "recipients": recipients, "send_mode": "text"}))
        .await;
    assert_eq!(status, 200, "{body}");
    body["schedule_num"].as_i64().expect("schedule")
}

/// Sends what is due at `at` and over the next hour of waves, leaving the clock an hour on.
async fn send_all_waves(s: &TestServer, at: &str) {
    let later = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").expect("time") + chrono::Duration::minutes(60);
    send_due_at(s, at).await;
    send_due_at(s, &later.format("%Y-%m-%d %H:%M:%S").to_string()).await;
}

/// Sends what is due at `when`, leaving the clock there. A text the running sender has leased
/// is waited for.
async fn send_due_at(s: &TestServer, when: &str) {
    s.clock.set(chicago(when));
    for _ in 0..100 {
        s.services().send_due_texts().await.expect("send");
        let due = format!("SELECT COUNT(*) FROM asapcomm WHERE smssendstatus = 0 AND datetimesmsscheduled <= '{when}'");
        if s.scalar(&due).await == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The link code of `pat`'s offer for opening `schedule`.
async fn code(s: &TestServer, schedule: i64, pat: i64) -> String {
    s.text(&format!("SELECT shortguid FROM asapcomm WHERE schedulenum = {schedule} AND patnum = {pat}")).await
}

async fn the_rest_of_an_opening_is_offered_in_the_claims_transaction(s: Arc<TestServer>) {
    // Sixty-minute patients 801 and 802, thirty-minute 803 and 804, ninety-minute 805.
    patients(&s, &[(801, 60), (802, 60), (803, 30), (804, 30), (805, 90)]).await;
    let client = boss(&s).await;
    let first = offer(&s, &client, "2031-03-17 13:00:00", "2031-03-17 14:30:00", &[801, 802, 803]).await;
    send_all_waves(&s, "2031-03-17 09:00:00").await;

    // 803 turns this opening down; then 801 books an hour of its ninety minutes.
    assert_eq!(s.answer_link(&code(&s, first, 803).await, "decline").await.status().as_u16(), 303);
    assert_eq!(s.answer_link(&code(&s, first, 801).await, "accept").await.status().as_u16(), 303);

    // When the claim has been answered, the last half hour is already a new opening with its
    // own blockout, closed and offered at the claim's instant.
    let rest = s.scalar(&format!("SELECT schedulenum FROM asapopening WHERE parent = {first}")).await;
    assert_eq!(s.text(&format!("SELECT slotstart || ' ' || slotstop FROM asapopening WHERE schedulenum = {rest}")).await,
        "2031-03-17 14:00:00 2031-03-17 14:30:00");
    assert_eq!(s.scalar(&format!("SELECT state FROM asapopening WHERE schedulenum = {rest}")).await, 1, "open");
    assert_eq!(s.text(&format!("SELECT takenstop FROM asapopening WHERE schedulenum = {first}")).await, "2031-03-17 14:00:00");
    assert_eq!(
        s.text(&format!("SELECT closedat FROM asapopening WHERE schedulenum = {first}")).await,
        s.text(&format!("SELECT offeredat FROM asapopening WHERE schedulenum = {rest}")).await
    );
    assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM schedule WHERE schedulenum = {rest} AND schedtype = 4")).await, 1, "its blockout");
    assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM schedule WHERE schedulenum = {first}")).await, 0, "the first blockout went");

    // Asked: those who fit thirty minutes and did not turn this time down, as many as the
    // first opening was offered to. 803 declined, the winner and the longer visits do not fit.
    let asked: Vec<i64> = {
        let mut conn = s.store.pool().acquire().await.expect("conn");
        sqlx::query_scalar(&format!("SELECT patnum FROM asapcomm WHERE schedulenum = {rest} ORDER BY patnum"))
            .fetch_all(&mut *conn)
            .await
            .expect("offers")
    };
    assert_eq!(asked, [804]);
    let audit = s.scalar("SELECT COUNT(*) FROM auditevent WHERE action = 'offered the rest of an opening'").await;
    assert_eq!(audit, 1);

    // 804 takes the rest: nothing is left to split, every minute has one winner.
    send_all_waves(&s, "2031-03-17 10:30:00").await;
    assert_eq!(s.answer_link(&code(&s, rest, 804).await, "accept").await.status().as_u16(), 303);
    assert_eq!(s.scalar(&format!("SELECT state FROM asapopening WHERE schedulenum = {rest}")).await, 2, "filled");
    assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM asapopening WHERE parent = {rest}")).await, 0);
    assert_eq!(s.text("SELECT aptdatetime FROM appointment WHERE aptnum = 8040").await, "2031-03-17 14:00:00");
    let broken = s.violations("2031-03-17 09:00:00", &[]).await;
    assert!(broken.is_empty(), "{broken:#?}");
}

async fn a_clinic_can_turn_splitting_off(s: Arc<TestServer>) {
    patients(&s, &[(811, 60), (812, 30)]).await;
    let client = boss(&s).await;
    let (status, setup) = s.server_fn(&client, "messages", json!({"clinic": 1})).await;
    assert_eq!(status, 200, "{setup}");
    assert_eq!(setup["split_openings"], true, "on by default");
    let change = json!({"change": {"clinic_num": 1, "message": setup["message"], "confirm_booking": true, "split_openings": false}});
    let (status, saved) = s.server_fn(&client, "messages-save", change).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["split_openings"], false);

    let first = offer(&s, &client, "2031-03-17 13:00:00", "2031-03-17 14:30:00", &[811]).await;
    send_all_waves(&s, "2031-03-17 09:00:00").await;
    assert_eq!(s.answer_link(&code(&s, first, 811).await, "accept").await.status().as_u16(), 303);
    assert_eq!(s.scalar("SELECT COUNT(*) FROM asapopening WHERE parent <> 0").await, 0, "nothing offered on");
    assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM schedule WHERE schedulenum = {first}")).await, 0, "the time left is free");
    let broken = s.violations("2031-03-17 09:00:00", &[]).await;
    assert!(broken.is_empty(), "{broken:#?}");
}

/// Fifty patients (thirty and sixty minutes, alternately) are offered two hours; all claim at
/// once, then everyone offered a part that is left claims at once, until nothing is left.
async fn fifty_claims(s: Arc<TestServer>) {
    let people: Vec<(i64, i64)> = (0..50).map(|i| (900 + i, if i % 2 == 0 { 30 } else { 60 })).collect();
    patients(&s, &people).await;
    let client = boss(&s).await;
    let pats: Vec<i64> = people.iter().map(|(p, _)| *p).collect();
    offer(&s, &client, "2031-03-17 13:00:00", "2031-03-17 15:00:00", &pats).await;
    let mut latencies = Vec::new();
    let mut claims = 0;
    for round in 0..6 {
        send_due_at(&s, &format!("2031-03-17 09:{:02}:00", round * 5)).await;
        let codes: Vec<String> = {
            let mut conn = s.store.pool().acquire().await.expect("conn");
            sqlx::query_scalar(
                "SELECT c.shortguid FROM asapcomm c JOIN asapopening o ON o.schedulenum = c.schedulenum \
                 WHERE o.state = 1 AND c.smssendstatus IN (3, 5) AND c.responsestatus IN (1, 2, 3)",
            )
            .fetch_all(&mut *conn)
            .await
            .expect("codes")
        };
        if codes.is_empty() {
            break;
        }
        if round == 0 {
            assert_eq!(codes.len(), 50, "all fifty claim the first part at once");
        }
        claims += codes.len();
        let tasks: Vec<_> = codes
            .into_iter()
            .map(|code| {
                let s = s.clone();
                tokio::spawn(async move {
                    let asked = std::time::Instant::now();
                    let status = s.answer_link(&code, "accept").await.status().as_u16();
                    assert!(status == 303 || status == 409, "claim {code}: {status}");
                    asked.elapsed()
                })
            })
            .collect();
        for t in tasks {
            latencies.push(t.await.expect("claim"));
        }
    }

    // Every part has one winner, and no two winners share a minute.
    let parts: Vec<(String, String, i64)> = {
        let mut conn = s.store.pool().acquire().await.expect("conn");
        sqlx::query_as("SELECT slotstart, takenstop, winner FROM asapopening WHERE state = 2 ORDER BY slotstart")
            .fetch_all(&mut *conn)
            .await
            .expect("parts")
    };
    assert!(parts.len() >= 2, "the opening was split and a later part claimed: {parts:?}");
    for pair in parts.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "winners {} and {} overlap: {parts:?}", pair[0].2, pair[1].2);
    }
    let booked = s.scalar("SELECT COUNT(*) FROM asapcomm WHERE responsestatus = 5").await;
    assert_eq!(booked as usize, parts.len(), "one booking per part");
    let broken = s.violations("2031-03-17 09:00:00", &[]).await;
    assert!(broken.is_empty(), "{broken:#?}");
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
    eprintln!(
        "{:?}: {claims} claims over {} parts; claim answered in p50 {:.1} ms, p99 {:.1} ms",
        s.store.backend(),
        parts.len(),
        at(0.5),
        at(0.99)
    );
}
