//! Keeping in step with Open Dental, against a fake of its documented API on loopback
//! (`harness::fake_opendental`), on SQLite and PostgreSQL: the first pass, incremental passes,
//! a booking there closing an opening here, claims written back once (also after a lost
//! answer), the claim's re-check, refusals, faults (429, 5xx, slow, down), a list that shifts
//! between pages, and the two servers' clocks disagreeing.
//!
//! The office clock here is stopped at 2031-03-17 09:00 (America/Chicago); the fake's clock is
//! the real one, so the two never agree, as two real servers need not.

mod harness;

use harness::fake_opendental::FakeOpenDental;
use harness::{Db, TestServer, chicago, fixture};
use serde_json::{Value, json};
use server::service::{sync, writeback};
use std::sync::Arc;
use std::time::Duration;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 09:00:00")
}

/// Runs `body` against a server whose book comes from a fake Open Dental holding the example
/// office (nothing imported here but the office's time zone, which Open Dental does not keep).
async fn with_fake<F, Fut>(db: Db, body: F)
where
    F: FnOnce(Arc<TestServer>, FakeOpenDental) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let fake = FakeOpenDental::start().await;
    fake.load_office(&fixture("example-office.json"));
    let (url, key) = (fake.url.clone(), FakeOpenDental::key());
    let zone_only = r#"{"preferences": {"TimeZone": "America/Chicago"}}"#;
    let configure = move |s: &mut server::config::Settings| {
        s.opendental_url = url;
        s.opendental_key = key;
        s.opendental_recheck_ms = 500;
    };
    let fake2 = fake.clone();
    harness::run_with(db, zone_only, now(), configure, move |s| body(s, fake2)).await;
}

macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::with_fake(super::Db::Sqlite, |s, f| super::$name(s, f)).await;
            })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::with_fake(super::Db::Postgres, |s, f| super::$name(s, f)).await;
            })+
        }
    };
}

on_both!(
    the_first_pass_reads_the_office_and_later_passes_only_what_changed,
    a_booking_in_open_dental_closes_an_open_opening,
    a_claim_is_written_back_once,
    a_recall_claim_makes_the_appointment_there_and_takes_its_number,
    a_write_repeated_after_a_lost_answer_makes_nothing_twice,
    the_claim_rechecks_open_dental_before_it_books,
    busy_slow_or_down_open_dental,
    a_write_open_dental_refuses_is_noted_and_audited,
    a_list_that_shifts_between_pages_loses_nothing,
    open_dentals_own_asap_blockouts_keep_the_rules,
    what_open_dental_deleted_goes_here_only_once_it_says_so,
    a_claim_for_an_appointment_no_longer_on_the_list_leaves_the_opening_open,
    a_patient_asking_for_earlier_openings_is_written_back,
);

async fn pass(s: &TestServer) -> sync::SyncReport {
    sync::pass(s.services()).await.expect("sync pass")
}

/// Offers an opening through the API and sends its text; the patient's link path.
async fn offered_and_sent(s: &TestServer, target: &str, op: i64, start: &str) -> (i64, i64, String) {
    let r = s.post("/api/v1/asapcomms", &format!(r#"{{"op": {op}, {target}, "dateTimeStart": "{start}"}}"#)).await;
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert_eq!(status, 201, "{body}");
    let offer: Value = serde_json::from_str(&body).unwrap();
    let num = offer["AsapCommNum"].as_i64().unwrap();
    s.clock.set(chicago("2031-03-17 09:10:00"));
    s.services().send_due_texts().await.expect("send round");
    let code = s.text(&format!("SELECT shortguid FROM asapcomm WHERE asapcommnum = {num}")).await;
    (num, offer["ScheduleNum"].as_i64().unwrap(), format!("/asap/{code}"))
}

async fn accept(s: &TestServer, path: &str) -> (u16, String) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.post(s.url(path)).header("Sec-Fetch-Site", "same-origin").form(&[("answer", "accept")]).send().await.unwrap();
    let status = r.status().as_u16();
    let page = if status == 303 { s.http.get(s.url(path)).send().await.unwrap().text().await.unwrap() } else { r.text().await.unwrap() };
    (status, page)
}

async fn deliver(s: &TestServer) -> writeback::WritebackRound {
    writeback::deliver_due(s.services()).await.expect("write-back round")
}

async fn the_first_pass_reads_the_office_and_later_passes_only_what_changed(s: Arc<TestServer>, fake: FakeOpenDental) {
    // Open Dental's clock runs an hour past the moment its rows were last changed (and neither
    // agrees with this server's, stopped in 2031): the cursor is Open Dental's own time.
    fake.set_skew(chrono::Duration::hours(1));
    let first = pass(&s).await;
    assert!(first.full, "{first}");
    assert!(first.skipped.is_empty(), "{first}");
    for (table, n) in [("patient", 5), ("appointment", 5), ("operatory", 3), ("clinic", 2), ("provider", 2), ("recall", 1), ("recalltype", 1)] {
        assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM {table}")).await, n, "{table}: {first}");
    }
    assert_eq!(
        s.text("SELECT aptdatetime || '|' || op || '|' || pattern || '|' || priority FROM appointment WHERE aptnum = 1001").await,
        "2031-03-28 09:00:00|1|//XXXXXX//|1"
    );
    assert_eq!(s.text("SELECT valuestring FROM preference WHERE prefname = 'PracticeTitle'").await, "Maple Grove Dental");
    assert_eq!(s.text("SELECT address || '|' || city || '|' || state || '|' || zip FROM clinic WHERE clinicnum = 1").await, "333 Blackwood St|Salem|Oregon|97301");
    assert!(s.scalar("SELECT COUNT(*) FROM schedule").await >= 3);

    // Nothing changes: each changing resource is asked once, and nothing is taken in.
    fake.forget_seen();
    let quiet = pass(&s).await;
    assert!(!quiet.full);
    assert!(quiet.rows.get("appointments").is_none() && quiet.rows.get("patients").is_none(), "{quiet}");
    let paths: Vec<String> = fake.seen().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/providers", "/patients/Simple", "/appointments", "/schedules"], "an incremental pass with nothing changed");
    assert_eq!(quiet.requests, 4);

    // The front desk moves an appointment and changes a patient's phone: the next pass has them.
    let mut apt = fake.row("appointments", 1004).unwrap();
    apt.insert("AptDateTime".into(), json!("2031-03-17 15:00:00"));
    fake.put("appointments", 1004, Value::Object(apt));
    let mut patient = fake.row("patients", 101).unwrap();
    patient.insert("WirelessPhone".into(), json!("(555) 010-9999"));
    patient.insert("Email".into(), json!(" ann@example.com "));
    patient.insert("PreferContactMethod".into(), json!("Email"));
    fake.put("patients", 101, Value::Object(patient));
    let changed = pass(&s).await;
    assert_eq!(changed.rows.get("appointments"), Some(&1), "{changed}");
    assert_eq!(changed.rows.get("patients"), Some(&1), "{changed}");
    assert_eq!(s.text("SELECT aptdatetime FROM appointment WHERE aptnum = 1004").await, "2031-03-17 15:00:00");
    assert_eq!(s.text("SELECT wirelessphone FROM patient WHERE patnum = 101").await, "(555) 010-9999");
    assert_eq!(s.text("SELECT email FROM patient WHERE patnum = 101").await, "ann@example.com");
    assert_eq!(s.scalar("SELECT prefercontactmethod FROM patient WHERE patnum = 101").await, 5, "PreferContactMethod Email");

    // A restart resumes from the stored cursor: no full read, nothing read twice.
    let cursor = s.text("SELECT stamp FROM odcursor WHERE resource = 'appointments'").await;
    assert!(!cursor.is_empty());

    // Another process's pass is running: this one leaves it be.
    let now = s.services().clock.unix_now();
    sqlx::query("UPDATE odsyncpass SET startedat = $1").bind(now + 5).execute(s.store.pool()).await.unwrap();
    let busy = sync::pass(s.services()).await.expect_err("one pass at a time");
    assert!(matches!(busy, sync::SyncError::Running), "{busy}");
}

async fn a_booking_in_open_dental_closes_an_open_opening(s: Arc<TestServer>, fake: FakeOpenDental) {
    pass(&s).await;
    let (num, schedule, _) = offered_and_sent(&s, r#""aptNum": 1001"#, 1, "2031-03-17 13:00:00").await;
    assert_eq!(s.scalar(&format!("SELECT state FROM asapopening WHERE schedulenum = {schedule}")).await, 1);
    // The front desk books another patient into that time in Open Dental.
    fake.put(
        "appointments",
        7001,
        json!({"AptNum": 7001, "PatNum": 105, "AptStatus": "Scheduled", "Pattern": "XXXXXX", "Op": 1, "ProvNum": 1,
               "AptDateTime": "2031-03-17 13:10:00", "ClinicNum": 1, "Priority": "Normal", "IsHygiene": "false"}),
    );
    let report = pass(&s).await;
    assert_eq!(report.closed_openings, 1, "{report}");
    assert_eq!(s.scalar(&format!("SELECT state FROM asapopening WHERE schedulenum = {schedule}")).await, 5, "booked by the office");
    let note = s.text(&format!("SELECT note FROM asapcomm WHERE asapcommnum = {num}")).await;
    assert!(note.contains("booked this time another way"), "{note}");
    assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM schedule WHERE schedulenum = {schedule}")).await, 0, "its blockout is gone");
    // Cancelled there: the time is free again for a new offer.
    let mut apt = fake.row("appointments", 7001).unwrap();
    apt.insert("AptStatus".into(), json!("Broken"));
    fake.put("appointments", 7001, Value::Object(apt));
    pass(&s).await;
    let r = s.post("/api/v1/asapcomms", r#"{"op": 1, "aptNum": 1001, "dateTimeStart": "2031-03-17 13:00:00"}"#).await;
    assert_eq!(r.status().as_u16(), 201, "a broken appointment leaves its time free");
    assert_eq!(s.violations("2031-03-17 09:10:00", &[7001]).await, Vec::<String>::new());
}

async fn a_claim_is_written_back_once(s: Arc<TestServer>, fake: FakeOpenDental) {
    pass(&s).await;
    let (num, _, link) = offered_and_sent(&s, r#""aptNum": 1001"#, 1, "2031-03-17 13:00:00").await;
    fake.forget_seen();
    let (status, page) = accept(&s, &link).await;
    assert_eq!(status, 303);
    assert!(page.contains("Your appointment is booked"), "{page}");
    let rechecks: Vec<_> = fake.seen().into_iter().filter(|r| r.path == "/appointments").collect();
    assert_eq!(rechecks.len(), 1, "the claim read the operatory's day in Open Dental first");
    assert!(rechecks[0].query.contains("Op=1") && rechecks[0].query.contains("date=2031-03-17"), "{:?}", rechecks[0]);

    let round = deliver(&s).await;
    assert_eq!(round.delivered, 1);
    let writes = fake.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!((writes[0].method.as_str(), writes[0].path.as_str()), ("PUT", "/appointments/1001"));
    let body: Value = serde_json::from_str(&writes[0].body).unwrap();
    assert_eq!(body, json!({"Op": 1, "AptDateTime": "2031-03-17 13:00:00", "AptStatus": "Scheduled", "Priority": "Normal", "ClinicNum": 1}));
    let there = fake.row("appointments", 1001).unwrap();
    assert_eq!((there["Op"].clone(), there["AptDateTime"].clone(), there["Priority"].clone()), (json!(1), json!("2031-03-17 13:00:00"), json!("Normal")));

    // Once only: another round, and a sync pass that reads it back, change nothing.
    assert_eq!(deliver(&s).await, writeback::WritebackRound::default());
    assert_eq!(fake.writes().len(), 1);
    fake.set_skew(chrono::Duration::hours(1));
    pass(&s).await;
    assert_eq!(s.text("SELECT aptdatetime || '|' || op FROM appointment WHERE aptnum = 1001").await, "2031-03-17 13:00:00|1");
    assert_eq!(s.scalar("SELECT COUNT(*) FROM placement WHERE aptnum = 1001").await, 1, "still where the claim put it");
    let won = s.text(&format!("SELECT note FROM asapcomm WHERE asapcommnum = {num}")).await;
    assert!(won.contains("Appointment made"), "{won}");
    assert_eq!(s.violations("2031-03-17 09:10:00", &[]).await, Vec::<String>::new());
}

async fn a_recall_claim_makes_the_appointment_there_and_takes_its_number(s: Arc<TestServer>, fake: FakeOpenDental) {
    pass(&s).await;
    let (_, schedule, link) = offered_and_sent(&s, r#""recallNum": 501"#, 2, "2031-03-17 14:00:00").await;
    assert_eq!(accept(&s, &link).await.0, 303);
    let local = s.scalar(&format!("SELECT aptnum FROM asapopening WHERE schedulenum = {schedule}")).await;
    assert!(local >= server::store::opendental::LOCAL_KEY_FLOOR, "made under a key of this server's own: {local}");
    let round = deliver(&s).await;
    assert_eq!(round.delivered, 2, "{round:?}");
    let writes = fake.writes();
    let kinds: Vec<(String, String)> = writes.iter().map(|w| (w.method.clone(), w.path.clone())).collect();
    assert_eq!(kinds, [("POST".to_string(), "/appointments".to_string()), ("PUT".to_string(), "/recalls/501".to_string())]);
    let made: Value = serde_json::from_str(&writes[0].body).unwrap();
    assert_eq!((made["PatNum"].clone(), made["Op"].clone(), made["Pattern"].clone()), (json!(102), json!(2), json!("//XXXXXXXX//")));
    assert_eq!(fake.row("recalls", 501).unwrap()["Priority"], json!("Normal"));
    let od_num = s.scalar(&format!("SELECT aptnum FROM asapopening WHERE schedulenum = {schedule}")).await;
    assert!(od_num < server::store::opendental::LOCAL_KEY_FLOOR && fake.row("appointments", od_num).is_some(), "took Open Dental's AptNum {od_num}");
    assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM appointment WHERE aptnum = {od_num} AND patnum = 102")).await, 1);
    assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM appointment WHERE aptnum = {local}")).await, 0);
    // The next pass reads Open Dental's copy back: still one appointment, no overlap.
    fake.set_skew(chrono::Duration::hours(1));
    pass(&s).await;
    assert_eq!(s.scalar("SELECT COUNT(*) FROM appointment WHERE patnum = 102 AND aptdatetime = '2031-03-17 14:00:00'").await, 1);
    assert_eq!(s.violations("2031-03-17 09:10:00", &[]).await, Vec::<String>::new());
}

async fn a_write_repeated_after_a_lost_answer_makes_nothing_twice(s: Arc<TestServer>, fake: FakeOpenDental) {
    use server::store::opendental as outbox;
    pass(&s).await;
    let (_, _, link) = offered_and_sent(&s, r#""recallNum": 501"#, 2, "2031-03-17 14:00:00").await;
    assert_eq!(accept(&s, &link).await.0, 303);
    // The server sent the POST and Open Dental made the appointment, but the answer never came
    // back (a kill -9, a dropped connection): the write is still waiting here.
    let w = {
        let mut conn = s.store.pool().acquire().await.unwrap();
        outbox::waiting_writes(&mut conn, 10).await.unwrap().into_iter().next().expect("a waiting write")
    };
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{}/appointments", fake.url))
        .header("Authorization", format!("ODFHIR {}", FakeOpenDental::key()))
        .header("Content-Type", "application/json")
        .body(w.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let made_there = fake.rows("appointments");
    fake.forget_seen();
    let round = deliver(&s).await;
    assert_eq!(round.delivered, 2);
    assert!(fake.writes().iter().all(|w| w.method != "POST"), "found, not made again: {:?}", fake.writes());
    assert_eq!(fake.rows("appointments"), made_there);
    assert_eq!(s.scalar("SELECT COUNT(*) FROM appointment WHERE patnum = 102 AND aptdatetime = '2031-03-17 14:00:00'").await, 1);
}

async fn the_claim_rechecks_open_dental_before_it_books(s: Arc<TestServer>, fake: FakeOpenDental) {
    pass(&s).await;
    let (num, schedule, link) = offered_and_sent(&s, r#""aptNum": 1001"#, 1, "2031-03-17 13:00:00").await;
    // The front desk books the time a moment before the patient taps; no pass has run since.
    fake.put(
        "appointments",
        7002,
        json!({"AptNum": 7002, "PatNum": 103, "AptStatus": "Scheduled", "Pattern": "XXXX", "Op": 1, "ProvNum": 1,
               "AptDateTime": "2031-03-17 13:20:00", "ClinicNum": 1, "Priority": "Normal", "IsHygiene": "false"}),
    );
    let (status, page) = accept(&s, &link).await;
    assert_eq!(status, 303);
    assert!(page.contains("This opening was just taken"), "{page}");
    let comm: String = s.text(&format!("SELECT CAST(responsestatus AS TEXT) FROM asapcomm WHERE asapcommnum = {num}")).await;
    assert_eq!(comm, "6", "AcceptedAndNotAvailable");
    assert_eq!(s.scalar(&format!("SELECT state FROM asapopening WHERE schedulenum = {schedule}")).await, 5);
    assert_ne!(s.text("SELECT aptdatetime FROM appointment WHERE aptnum = 1001").await, "2031-03-17 13:00:00");
    assert_eq!(s.scalar("SELECT COUNT(*) FROM odwrite").await, 0, "nothing to tell Open Dental");
    assert_eq!(s.scalar("SELECT COUNT(*) FROM appointment WHERE aptnum = 7002").await, 1, "the office's booking is known here now");
}

async fn busy_slow_or_down_open_dental(s: Arc<TestServer>, fake: FakeOpenDental) {
    // Busy and failing for a moment: tried again, the pass goes through.
    fake.fail_next(&[429, 500, 503]);
    let report = pass(&s).await;
    assert!(report.full && report.skipped.is_empty(), "{report}");

    // Down for longer: the pass fails with a clear reason, and says so on the status.
    fake.fail_next(&[500; 12]);
    let err = sync::pass(s.services()).await.expect_err("Open Dental keeps failing");
    assert!(err.to_string().contains("Open Dental is busy (HTTP 500)"), "{err}");
    let last = s.text("SELECT error FROM odsyncpass").await;
    assert!(last.contains("HTTP 500"), "{last}");
    fake.book.lock().unwrap().faults.clear();

    // Slow: the claim does not wait past its re-check time, books on the local copy, and the
    // write waits for Open Dental to come back.
    let (_, _, link) = offered_and_sent(&s, r#""aptNum": 1001"#, 1, "2031-03-17 13:00:00").await;
    fake.set_delay(Duration::from_millis(1500));
    let started = std::time::Instant::now();
    let (status, page) = accept(&s, &link).await;
    assert_eq!(status, 303);
    assert!(page.contains("Your appointment is booked"), "{page}");
    assert!(started.elapsed() < Duration::from_millis(1400), "the re-check gave up after its 500 ms");
    fake.set_delay(Duration::ZERO);
    fake.fail_next(&[503; 5]);
    let round = deliver(&s).await;
    assert_eq!(round.later, 1, "{round:?}");
    let error = s.text("SELECT error FROM odwrite").await;
    assert!(error.contains("HTTP 503"), "{error}");
    // The pages and the API work on the local copy meanwhile.
    assert_eq!(s.get("/api/v1/asapcomms").await.status().as_u16(), 200);
    // A 400 (Open Dental answers so also when the office's eConnector is down) is not final.
    sqlx::query("UPDATE odwrite SET dueat = 0").execute(s.store.pool()).await.unwrap();
    fake.fail_next(&[400]);
    assert_eq!(deliver(&s).await.later, 1);
    // Back: the write goes once it is due again.
    sqlx::query("UPDATE odwrite SET dueat = 0").execute(s.store.pool()).await.unwrap();
    assert_eq!(deliver(&s).await.delivered, 1);
    assert_eq!(fake.row("appointments", 1001).unwrap()["AptDateTime"], json!("2031-03-17 13:00:00"));
}

async fn a_write_open_dental_refuses_is_noted_and_audited(s: Arc<TestServer>, fake: FakeOpenDental) {
    pass(&s).await;
    let (num, _, link) = offered_and_sent(&s, r#""aptNum": 1001"#, 1, "2031-03-17 13:00:00").await;
    assert_eq!(accept(&s, &link).await.0, 303);
    fake.remove("appointments", 1001);
    let round = deliver(&s).await;
    assert_eq!(round.refused, 1, "{round:?}");
    let note = s.text(&format!("SELECT note FROM asapcomm WHERE asapcommnum = {num}")).await;
    assert!(note.contains("Open Dental did not take this booking (the appointment is no longer in Open Dental)"), "{note}");
    assert_eq!(s.scalar("SELECT COUNT(*) FROM auditevent WHERE action = 'Open Dental refused a booking'").await, 1);
    assert_eq!(s.scalar("SELECT state FROM odwrite").await, 2);
    assert_eq!(deliver(&s).await, writeback::WritebackRound::default(), "never tried again");
}

async fn a_list_that_shifts_between_pages_loses_nothing(s: Arc<TestServer>, fake: FakeOpenDental) {
    for n in 0..250 {
        fake.put(
            "appointments",
            20_000 + n,
            json!({"AptNum": 20_000 + n, "PatNum": 103, "AptStatus": "Complete", "Pattern": "XX", "Op": 3, "ProvNum": 1,
                   "AptDateTime": "2030-01-02 08:00:00", "ClinicNum": 2, "Priority": "Normal", "IsHygiene": "false"}),
        );
    }
    // While the first page is read, the office adds two appointments with low keys: every later
    // page shifts by two.
    let new = |n: i64| {
        json!({"AptNum": n, "PatNum": 103, "AptStatus": "Complete", "Pattern": "XX", "Op": 3, "ProvNum": 1,
               "AptDateTime": "2030-01-03 08:00:00", "ClinicNum": 2, "Priority": "Normal", "IsHygiene": "false"})
    };
    {
        let mut book = fake.book.lock().unwrap();
        for n in [900, 901] {
            let Value::Object(row) = new(n) else { unreachable!() };
            book.insert_after_first_page.push(("appointments", n, row));
        }
    }
    pass(&s).await;
    pass(&s).await;
    let missing = s.scalar("SELECT 255 + 2 - COUNT(*) FROM appointment WHERE aptnum IN (900, 901) OR aptnum >= 1001").await;
    assert_eq!(missing, 0, "every appointment there is here after the next pass");

    // The other way: while the first page is read, the office deletes three appointments on it,
    // and every later page shifts back by three. No row after them is skipped.
    for n in 0..250 {
        let mut row = fake.row("appointments", 20_000 + n).unwrap();
        row.insert("Note".into(), json!("touched"));
        fake.put("appointments", 20_000 + n, Value::Object(row));
    }
    sqlx::query("DELETE FROM appointment WHERE aptnum >= 20000").execute(s.store.pool()).await.unwrap();
    fake.book.lock().unwrap().remove_after_first_page = vec![("appointments", 20_000), ("appointments", 20_001), ("appointments", 20_002)];
    pass(&s).await;
    assert_eq!(s.scalar("SELECT COUNT(*) FROM appointment WHERE aptnum >= 20003").await, 247, "not one skipped");
}

async fn open_dentals_own_asap_blockouts_keep_the_rules(s: Arc<TestServer>, fake: FakeOpenDental) {
    // Open Dental keeps its Web Sched ASAP blockouts "indefinitely": one with no opening here.
    fake.put(
        "schedules",
        8800,
        json!({"ScheduleNum": "8800", "SchedDate": "2031-03-18", "StartTime": "10:00:00", "StopTime": "11:00:00",
               "SchedType": "WebSchedASAP", "ProvNum": "0", "BlockoutType": "0", "Note": "", "operatories": "2", "EmployeeNum": "0"}),
    );
    pass(&s).await;
    assert_eq!(s.scalar("SELECT COUNT(*) FROM schedule WHERE schedulenum = 8800").await, 1);
    assert_eq!(s.violations("2031-03-17 09:00:00", &[]).await, Vec::<String>::new(), "Open Dental's own blockouts are its record");
    // The picker shows it as Open Dental's, and the badge says how fresh the copy is.
    s.add_user("boss", true, "").await;
    let client = s.signed_in("boss").await;
    let (status, board) = s.server_fn(&client, "day", json!({"query": {"clinic": "1", "date": "2031-03-18"}})).await;
    assert_eq!(status, 200, "{board}");
    let items: Vec<&Value> = board["columns"].as_array().unwrap().iter().flat_map(|c| c["items"].as_array().unwrap()).collect();
    let theirs = items.iter().find(|i| i["label"] == "Open Dental ASAP blockout").expect("Open Dental's blockout on the grid");
    assert_eq!(theirs["kind"], "Blockout");
    let (status, badge) = s.server_fn(&client, "sync-status", json!({})).await;
    assert_eq!(status, 200, "{badge}");
    assert_eq!(badge["configured"], true);
    assert!(badge["last_success"].as_i64().unwrap() > 0, "{badge}");
    // An opening made here gets a key of this server's own, out of Open Dental's way.
    let r = s.post("/api/v1/asapcomms", r#"{"op": 2, "aptNum": 1001, "dateTimeStart": "2031-03-18 13:00:00"}"#).await;
    assert_eq!(r.status().as_u16(), 201);
    let offer: Value = r.json().await.unwrap();
    assert!(offer["ScheduleNum"].as_i64().unwrap() >= server::store::opendental::LOCAL_KEY_FLOOR, "{offer}");
    // Its blockout outlives the next pass's replacement of that day's schedules.
    fake.set_skew(chrono::Duration::hours(1));
    pass(&s).await;
    let key = offer["ScheduleNum"].as_i64().unwrap();
    assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM schedule WHERE schedulenum = {key}")).await, 1);
}

/// Forces the next pass to be a full one.
async fn full_next(s: &TestServer) {
    sqlx::query("UPDATE odcursor SET readat = 0 WHERE resource = 'full'").execute(s.store.pool()).await.unwrap();
}

async fn what_open_dental_deleted_goes_here_only_once_it_says_so(s: Arc<TestServer>, fake: FakeOpenDental) {
    pass(&s).await;
    // An unscheduled ASAP appointment (no date, so in no window) and a scheduled one are deleted
    // in Open Dental; no change feed says so.
    fake.remove("appointments", 1005);
    fake.remove("appointments", 1004);
    // The next full pass asks for each and removes them once Open Dental answers 404.
    full_next(&s).await;
    let report = pass(&s).await;
    assert!(fake.seen().iter().any(|r| r.path == "/appointments/1005"), "asked about before removing");
    assert_eq!(report.removed, 2, "{report}");
    assert_eq!(s.scalar("SELECT COUNT(*) FROM appointment WHERE aptnum IN (1004, 1005)").await, 0);
    // A route an older Open Dental lacks is reported, and the pass goes on.
    full_next(&s).await;
    fake.fail_next(&[404]);
    let report = pass(&s).await;
    assert!(report.skipped.iter().any(|n| n.contains("/clinics was not read")), "{report}");
    assert_eq!(s.scalar("SELECT COUNT(*) FROM appointment WHERE aptnum = 1001").await, 1, "nothing else removed");
}

async fn a_claim_for_an_appointment_no_longer_on_the_list_leaves_the_opening_open(s: Arc<TestServer>, fake: FakeOpenDental) {
    pass(&s).await;
    let (num, schedule, link) = offered_and_sent(&s, r#""aptNum": 1001"#, 1, "2031-03-17 13:00:00").await;
    // The front desk takes 1001 off the ASAP list in Open Dental; the next pass brings it here.
    let mut apt = fake.row("appointments", 1001).unwrap();
    apt.insert("Priority".into(), json!("Normal"));
    fake.put("appointments", 1001, Value::Object(apt));
    pass(&s).await;
    let (status, page) = accept(&s, &link).await;
    assert_eq!(status, 303);
    assert!(page.contains("This opening was just taken"), "{page}");
    assert_eq!(s.scalar(&format!("SELECT responsestatus FROM asapcomm WHERE asapcommnum = {num}")).await, 6);
    assert_eq!(s.scalar(&format!("SELECT state FROM asapopening WHERE schedulenum = {schedule}")).await, 1, "its time is still free for others");
}

/// After booking, Lan asks from her page to hear of earlier openings for her April cleaning:
/// it goes on the ASAP list here and, once, in Open Dental.
async fn a_patient_asking_for_earlier_openings_is_written_back(s: Arc<TestServer>, fake: FakeOpenDental) {
    fake.put("appointments", 5001, json!({"AptNum": 5001, "PatNum": 101, "AptStatus": "Scheduled", "Pattern": "XXXXXX", "Op": 2,
        "ProvNum": 1, "AptDateTime": "2031-04-02 10:00:00", "ClinicNum": 1, "Priority": "Normal"}));
    pass(&s).await;
    let (_, _, link) = offered_and_sent(&s, r#""aptNum": 1001"#, 1, "2031-03-17 13:00:00").await;
    let (status, page) = accept(&s, &link).await;
    assert_eq!(status, 303);
    assert!(page.contains("Tell me about earlier openings for this visit"), "{page}");
    deliver(&s).await;
    fake.forget_seen();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.post(s.url(&format!("{link}/earlier"))).header("Sec-Fetch-Site", "same-origin").form(&[("apt", "5001")]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(s.scalar("SELECT priority FROM appointment WHERE aptnum = 5001").await, app::model::Priority::ASAP.as_i64());
    assert_eq!(deliver(&s).await.delivered, 1);
    let writes = fake.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!((writes[0].method.as_str(), writes[0].path.as_str()), ("PUT", "/appointments/5001"));
    assert_eq!(serde_json::from_str::<Value>(&writes[0].body).unwrap(), json!({"Priority": "ASAP"}));
    assert_eq!(fake.row("appointments", 5001).unwrap()["Priority"], json!("ASAP"));
    assert_eq!(s.scalar("SELECT COUNT(*) FROM auditevent WHERE action = 'patient asked for earlier openings'").await, 1);
}
