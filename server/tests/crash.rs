//! kill -9 during a mixed write load (offers over the API, claims on patient links, office-data
//! imports from the command line, the sender texting), then a restart: every request answered
//! 2xx is there, SQLite's integrity check and the scheduling rules hold, and the sender goes
//! on without texting anyone twice or forgetting a text. `ASAP_CRASH_ROUNDS` (default 1) sets
//! how many kill points; each is random (`ASAP_CRASH_SEED`).

mod harness;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use server::store::Store;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "ODFHIR crash-dev/crash-customer";
const LEASE_SECONDS: u64 = 3;
const PATIENTS: i64 = 200;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// The server binary with this test's settings.
fn server(db_url: &str, port: u16) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_server"));
    c.env("ASAP_DATABASE_URL", db_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", format!("{}/../target/site", env!("CARGO_MANIFEST_DIR")))
        .env("ASAP_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("ASAP_API_KEYS", "crash-dev/crash-customer")
        .env("ASAP_RATE_LIMIT", "0")
        .env("ASAP_WAVE_SIZE", "1000")
        .env("ASAP_SEND_LEASE_SECONDS", LEASE_SECONDS.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn import(db_url: &str, file: &Path) -> Command {
    let mut c = server(db_url, 0);
    c.arg("import").arg(file);
    c
}

/// The office, texting at any hour, with `PATIENTS` patients on the ASAP list and provider
/// hours on 2031-03-17 and the 40 days after.
fn office_files(dir: &Path) -> Vec<PathBuf> {
    let office: Value = serde_json::from_str(&harness::fixture("example-office.json")).expect("fixture");
    let mut patients = Vec::new();
    let mut appointments = Vec::new();
    for i in 0..PATIENTS {
        patients.push(json!({"PatNum": 3000 + i, "LName": format!("Crash{i:03}"), "FName": format!("Pat{i:03}"),
            "WirelessPhone": format!("(555) 7{:02}-{:04}", i / 100, 1000 + i), "TxtMsgOk": "Yes", "ClinicNum": 1}));
        appointments.push(json!({"AptNum": 30000 + i, "PatNum": 3000 + i, "AptStatus": "UnschedList", "Pattern": "/XXXX/",
            "Op": 1, "ProvNum": 1, "AptDateTime": "2031-02-01 09:00:00", "ClinicNum": 1, "Priority": "ASAP"}));
    }
    let mut schedules = Vec::new();
    let base = office["schedules"].as_array().expect("schedules").iter().filter(|s| s["SchedDate"] == "2031-03-17").cloned().collect::<Vec<_>>();
    for day in 1..=40 {
        let date = chrono::NaiveDate::from_ymd_opt(2031, 3, 17).expect("date") + chrono::Duration::days(day);
        for (i, s) in base.iter().enumerate() {
            let mut s = s.clone();
            s["ScheduleNum"] = json!(90000 + day * 10 + i as i64);
            s["SchedDate"] = json!(date.to_string());
            schedules.push(s);
        }
    }
    let more = json!({"preferences": {"AutomaticCommunicationTimeStart": "00:00:00", "AutomaticCommunicationTimeEnd": "00:00:00",
        "WebSchedAsapTextLimit": 50}, "patients": patients, "appointments": appointments, "schedules": schedules});
    let files = [dir.join("office.json"), dir.join("more.json")];
    std::fs::write(&files[0], harness::fixture("example-office.json")).expect("write");
    std::fs::write(&files[1], more.to_string()).expect("write");
    files.to_vec()
}

async fn wait_ready(http: &reqwest::Client, base: &str, child: &mut Child) {
    let started = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited while starting: {status}");
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not get ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What the load got a 2xx for, to look for after the restart.
#[derive(Default)]
struct Answered {
    offers: Vec<(i64, Value)>,
    claims: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_load_loses_nothing_answered_and_sends_nothing_twice() {
    let rounds = env_num("ASAP_CRASH_ROUNDS", 1);
    let seed = env_num("ASAP_CRASH_SEED", 17);
    let dir = std::env::temp_dir().join(format!("asap-crash-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db_url = format!("sqlite://{}", dir.join("asap.db").display());
    for file in office_files(&dir) {
        let status = import(&db_url, &file).status().expect("import runs");
        assert!(status.success(), "import {}", file.display());
    }
    let store = Store::connect(&db_url).await.expect("store");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let mut office_bookings = Vec::new();
    let mut survived = 0;
    for round in 0..rounds {
        let mut rng = StdRng::seed_from_u64(seed + round);
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = server(&db_url, port).spawn().expect("server starts");
        wait_ready(&http, &base, &mut child).await;

        // The load, until the kill.
        let answered = Arc::new(Mutex::new(Answered::default()));
        let day = chrono::NaiveDate::from_ymd_opt(2031, 3, 18).expect("date") + chrono::Duration::days(round as i64 % 40);
        let mut clients = Vec::new();
        for client in 0..16_u64 {
            let (http, base, answered, store) = (http.clone(), base.clone(), answered.clone(), store.clone());
            let mut rng = StdRng::seed_from_u64(seed * 1000 + round * 100 + client);
            clients.push(tokio::spawn(async move {
                loop {
                    if client % 4 == 0 {
                        claim_one(&http, &base, &store, &answered).await;
                    } else {
                        offer_one(&http, &base, &mut rng, day, &answered).await;
                    }
                }
            }));
        }
        let booking = 80000 + round as i64;
        office_bookings.push(booking);
        let booking_file = dir.join(format!("booking-{round}.json"));
        let slot = format!("{day} {}:00:00", rng.random_range(13..16));
        std::fs::write(
            &booking_file,
            json!({"appointments": [{"AptNum": booking, "PatNum": 105, "AptStatus": "Scheduled", "Pattern": "XXXXXX",
                "Op": 1, "ProvNum": 1, "AptDateTime": slot, "ClinicNum": 1, "Priority": "Normal"}]})
            .to_string(),
        )
        .expect("write");
        let kill_after = Duration::from_millis(rng.random_range(300..2500));
        tokio::time::sleep(kill_after / 2).await;
        let mut importer = import(&db_url, &booking_file).spawn().expect("import starts");
        tokio::time::sleep(kill_after / 2).await;
        // kill -9: no shutdown, no flush, whatever was in flight is cut.
        child.kill().expect("kill -9");
        let _ = child.wait();
        let _ = importer.kill();
        let _ = importer.wait();
        for c in clients {
            c.abort();
        }
        let answered = std::mem::take(&mut *answered.lock().expect("answers"));

        // Held texts are given up on once their lease runs out; then the server comes back.
        tokio::time::sleep(Duration::from_secs(LEASE_SECONDS + 1)).await;
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = server(&db_url, port).spawn().expect("server restarts");
        wait_ready(&http, &base, &mut child).await;

        for (num, body) in &answered.offers {
            let r = http.get(format!("{base}/api/v1/asapcomms/{num}")).header("Authorization", KEY).send().await.expect("GET");
            assert_eq!(r.status().as_u16(), 200, "round {round}: offer {num} was answered 201 before the kill");
            let now: Value = r.json().await.expect("json");
            for field in ["PatNum", "ScheduleNum", "FKey", "DateTimeOrig", "TemplateText"] {
                assert_eq!(now[field], body[field], "round {round}: offer {num}'s {field}");
            }
        }
        for code in &answered.claims {
            // Answered means written: the offer has its outcome, whichever it was.
            let status = response_of(&store, code).await;
            assert!(![1, 2, 3].contains(&status), "round {round}: a claim answered before the kill left ResponseStatus {status}");
        }
        // The sender picks up what was due or interrupted; nothing stays queued.
        let started = Instant::now();
        while queued_texts(&store).await > 0 {
            assert!(started.elapsed() < Duration::from_secs(30), "round {round}: texts still queued after the restart");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let mut conn = store.pool().acquire().await.expect("conn");
        let mut broken = server::store::invariants::file_integrity(&mut conn, store.backend()).await.expect("integrity");
        let now = app::model::OdDateTime::new(chrono::Utc::now().naive_utc() - chrono::Duration::days(1));
        broken.extend(server::store::invariants::violations(&mut conn, now, &office_bookings).await.expect("rules"));
        drop(conn);
        assert!(broken.is_empty(), "round {round} (seed {}), killed after {kill_after:?}: {broken:#?}", seed + round);
        eprintln!(
            "kill round {round}: killed after {kill_after:?} with {} offers and {} claims answered; all there, every rule holds",
            answered.offers.len(),
            answered.claims.len()
        );
        survived += 1;
        child.kill().expect("stop");
        let _ = child.wait();
    }
    eprintln!("{survived} of {rounds} kill rounds survived");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn offer_one(http: &reqwest::Client, base: &str, rng: &mut StdRng, day: chrono::NaiveDate, answered: &Mutex<Answered>) {
    let apt = 30000 + rng.random_range(0..PATIENTS);
    let op = rng.random_range(1..=2);
    let start = format!("{day} {:02}:{:02}:00", rng.random_range(13..16), [0, 30][rng.random_range(0..2)]);
    let body = format!(r#"{{"op": {op}, "aptNum": {apt}, "dateTimeStart": "{start}"}}"#);
    let Ok(r) = http.post(format!("{base}/api/v1/asapcomms")).header("Authorization", KEY).header("Content-Type", "application/json").body(body).send().await
    else {
        return;
    };
    if r.status().as_u16() == 201 {
        if let Ok(v) = r.json::<Value>().await {
            let num = v["AsapCommNum"].as_i64().unwrap_or(0);
            answered.lock().expect("answers").offers.push((num, v));
        }
    }
}

async fn claim_one(http: &reqwest::Client, base: &str, store: &Store, answered: &Mutex<Answered>) {
    let Some(link) = unanswered_link(store).await else {
        tokio::time::sleep(Duration::from_millis(20)).await;
        return;
    };
    let code = link.rsplit('/').next().unwrap_or_default().to_string();
    let Ok(r) = http
        .post(format!("{base}/asap/{code}"))
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("answer", "accept")])
        .send()
        .await
    else {
        return;
    };
    if r.status().as_u16() == 303 {
        answered.lock().expect("answers").claims.push(code);
    }
}

/// A texted link whose offer has no answer yet, picked at random.
async fn unanswered_link(store: &Store) -> Option<String> {
    let mut conn = store.pool().acquire().await.ok()?;
    sqlx::query_scalar::<_, String>(
        "SELECT m.link FROM outboxmessage m JOIN asapcomm c ON c.asapcommnum = m.asapcommnum \
         WHERE c.responsestatus IN (2, 3) ORDER BY RANDOM() LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
    .ok()
    .flatten()
}

async fn response_of(store: &Store, code: &str) -> i64 {
    let mut conn = store.pool().acquire().await.expect("conn");
    sqlx::query_scalar::<_, i64>(
        "SELECT c.responsestatus FROM outboxmessage m JOIN asapcomm c ON c.asapcommnum = m.asapcommnum WHERE m.link LIKE $1",
    )
    .bind(format!("%/{code}"))
    .fetch_one(&mut *conn)
    .await
    .expect("claimed offer")
}

async fn queued_texts(store: &Store) -> i64 {
    let mut conn = store.pool().acquire().await.expect("conn");
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM asapcomm WHERE smssendstatus = 2").fetch_one(&mut *conn).await.expect("count")
}

/// `server backup FILE` while the server takes offers: the copy opens, passes SQLite's check
/// and the scheduling rules, and holds every offer answered before the backup began.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_the_live_database_holds_every_row() {
    let dir = std::env::temp_dir().join(format!("asap-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db_url = format!("sqlite://{}", dir.join("asap.db").display());
    for file in office_files(&dir) {
        assert!(import(&db_url, &file).status().expect("import runs").success());
    }
    let http = reqwest::Client::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = server(&db_url, port).spawn().expect("server starts");
    wait_ready(&http, &base, &mut child).await;
    let answered = Arc::new(Mutex::new(Answered::default()));
    let day = chrono::NaiveDate::from_ymd_opt(2031, 3, 20).expect("date");
    let mut clients = Vec::new();
    for client in 0..8_u64 {
        let (http, base, answered) = (http.clone(), base.clone(), answered.clone());
        let mut rng = StdRng::seed_from_u64(client);
        clients.push(tokio::spawn(async move {
            loop {
                offer_one(&http, &base, &mut rng, day, &answered).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    let before: Vec<i64> = answered.lock().expect("answers").offers.iter().map(|(n, _)| *n).collect();
    let copy = dir.join("copy.db");
    let status = server(&db_url, 0).arg("backup").arg(&copy).status().expect("backup runs");
    assert!(status.success(), "backup");
    let refused = server(&db_url, 0).arg("backup").arg(&copy).status().expect("backup runs");
    assert!(!refused.success(), "an existing file is not overwritten");
    for c in clients {
        c.abort();
    }
    child.kill().expect("stop");
    let _ = child.wait();

    let restored = Store::connect(&format!("sqlite://{}", copy.display())).await.expect("the copy opens");
    let mut conn = restored.pool().acquire().await.expect("conn");
    let mut broken = server::store::invariants::file_integrity(&mut conn, restored.backend()).await.expect("integrity");
    let now = app::model::OdDateTime::new(chrono::Utc::now().naive_utc() - chrono::Duration::days(1));
    broken.extend(server::store::invariants::violations(&mut conn, now, &[]).await.expect("rules"));
    assert!(broken.is_empty(), "{broken:#?}");
    let kept: Vec<i64> = sqlx::query_scalar("SELECT asapcommnum FROM asapcomm").fetch_all(&mut *conn).await.expect("offers");
    let missing: Vec<&i64> = before.iter().filter(|n| !kept.contains(n)).collect();
    assert!(!before.is_empty() && missing.is_empty(), "{} offers answered before the backup; missing from it: {missing:?}", before.len());
    let patients: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM patient").fetch_one(&mut *conn).await.expect("patients");
    assert!(patients >= PATIENTS, "patients in the copy: {patients}");
    drop(conn);
    restored.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
