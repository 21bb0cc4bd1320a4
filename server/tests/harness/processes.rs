//! Helpers for tests that run the server binary itself: start, kill -9, restart, several at
//! once on one database, with a load of offers and claims.

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use server::store::Store;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const KEY: &str = "ODFHIR crash-dev/crash-customer";
pub const LEASE_SECONDS: u64 = 3;
pub const PATIENTS: i64 = 1000;

pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// The server binary with this test's settings.
pub fn server(db_url: &str, port: u16) -> Command {
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

pub fn import(db_url: &str, file: &Path) -> Command {
    let mut c = server(db_url, 0);
    c.arg("import").arg(file);
    c
}

/// The office, texting at any hour, with `PATIENTS` patients on the ASAP list and provider
/// hours on 2031-03-17 and the 40 days after.
pub fn office_files(dir: &Path) -> Vec<PathBuf> {
    let office: Value = serde_json::from_str(&super::fixture("example-office.json")).expect("fixture");
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
    std::fs::write(&files[0], super::fixture("example-office.json")).expect("write");
    std::fs::write(&files[1], more.to_string()).expect("write");
    files.to_vec()
}

pub async fn wait_ready(http: &reqwest::Client, base: &str, child: &mut Child) {
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
pub struct Answered {
    pub offers: Vec<(i64, Value)>,
    pub claims: Vec<String>,
}

pub async fn offer_one(http: &reqwest::Client, base: &str, key: &str, rng: &mut StdRng, day: chrono::NaiveDate, answered: &Mutex<Answered>) {
    let apt = 30000 + rng.random_range(0..PATIENTS);
    let op = rng.random_range(1..=2);
    let start = format!("{day} {:02}:{:02}:00", rng.random_range(13..16), [0, 30][rng.random_range(0..2)]);
    let body = format!(r#"{{"op": {op}, "aptNum": {apt}, "dateTimeStart": "{start}"}}"#);
    let Ok(r) = http.post(format!("{base}/api/v1/asapcomms")).header("Authorization", key).header("Content-Type", "application/json").body(body).send().await
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

pub async fn claim_one(http: &reqwest::Client, base: &str, store: &Store, answered: &Mutex<Answered>) {
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
pub async fn unanswered_link(store: &Store) -> Option<String> {
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

pub async fn response_of(store: &Store, code: &str) -> i64 {
    let mut conn = store.pool().acquire().await.expect("conn");
    sqlx::query_scalar::<_, i64>(
        "SELECT c.responsestatus FROM outboxmessage m JOIN asapcomm c ON c.asapcommnum = m.asapcommnum WHERE m.link LIKE $1",
    )
    .bind(format!("%/{code}"))
    .fetch_one(&mut *conn)
    .await
    .expect("claimed offer")
}

/// Broken scheduling rules in a database the server binary ran on with the real clock (its
/// openings are in 2031, so none has started).
pub async fn broken_rules(store: &Store, office_bookings: &[i64]) -> Vec<String> {
    let settled_before = app::model::OdDateTime::new(chrono::Utc::now().naive_utc() - chrono::Duration::days(1));
    server::store::invariants::broken(store, settled_before, office_bookings).await.expect("rules")
}

pub async fn queued_texts(store: &Store) -> i64 {
    let mut conn = store.pool().acquire().await.expect("conn");
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM asapcomm WHERE smssendstatus = 2").fetch_one(&mut *conn).await.expect("count")
}

