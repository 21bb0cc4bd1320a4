//! `cargo bench -p server --bench sync`: keeping in step with Open Dental, against the tests'
//! fake of its API on loopback (no throttle: an office's API Service or Local API; the remote
//! API's one request a second is added to the figures as a computed line).
//!
//! 1. The first pass for an office of ASAP_BENCH_PATIENTS patients (default 10,000) and
//!    ASAP_BENCH_APPOINTMENTS appointments (default 50,000): time, requests, rows.
//! 2. An incremental pass when nothing changed: requests and time.
//! 3. An incremental pass after 100 appointments changed.
//! 4. Claim latency with the re-check (Open Dental's day read first) beside the same claims
//!    without Open Dental, median and worst of ASAP_BENCH_CLAIMS (default 30) each.
//!
//! SQLite by default; ASAP_BENCH_DATABASE_URL=postgres://… (an empty database) for PostgreSQL.

#[path = "../tests/harness/fake_opendental.rs"]
mod fake;
mod common;

use app::domain::answer::PatientAnswer;
use common::{env_num, quiet_logs, remove_sqlite};
use fake::FakeOpenDental;
use serde_json::json;
use server::clock::{OfficeClock, SystemClock};
use server::store::Store;
use std::sync::Arc;
use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    quiet_logs();
    let patients = env_num("ASAP_BENCH_PATIENTS", 10_000) as i64;
    let appointments = env_num("ASAP_BENCH_APPOINTMENTS", 50_000) as i64;
    let claims = env_num("ASAP_BENCH_CLAIMS", 30);

    let fake = FakeOpenDental::start().await;
    let today = chrono::Utc::now().date_naive();
    fill(&fake, patients, appointments, today);
    println!("Fake Open Dental: {patients} patients, {appointments} appointments, 90 days of provider hours, 3 operatories");

    let file = std::env::temp_dir().join(format!("asap-bench-sync-{}.db", std::process::id()));
    let url = std::env::var("ASAP_BENCH_DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}", file.display()));
    let store = Store::connect(&url).await.expect("database");
    let clock = OfficeClock::new(Arc::new(SystemClock), chrono_tz::UTC);
    let mut settings = server::config::Settings::defaults();
    settings.opendental_url = fake.url.clone();
    settings.opendental_key = FakeOpenDental::key();
    let services = server::build_services(&settings, store.clone(), clock.clone(), None).expect("services");

    // 1. First pass.
    fake.set_skew(chrono::Duration::hours(1));
    let started = Instant::now();
    let first = server::service::sync::pass(&services).await.expect("first pass");
    let first_time = started.elapsed();
    println!("\n| What | Measured |\n|---|---|");
    println!("| First pass | {:.1} s, {} requests ({first}) |", first_time.as_secs_f64(), first.requests);
    println!(
        "| First pass at the remote API's pace (1 request/s) | about {:.0} s more: {} requests |",
        first.requests as f64, first.requests
    );

    // 2. Nothing changed.
    fake.forget_seen();
    let started = Instant::now();
    let quiet = server::service::sync::pass(&services).await.expect("quiet pass");
    println!("| Incremental pass, nothing changed | {} requests, {:.0} ms |", quiet.requests, started.elapsed().as_secs_f64() * 1000.0);

    // 3. 100 appointments changed.
    for n in 0..100 {
        let key = 100_000 + n * 37;
        if let Some(mut row) = fake.row("appointments", key) {
            row.insert("Note".into(), json!("changed"));
            fake.put("appointments", key, serde_json::Value::Object(row));
        }
    }
    let started = Instant::now();
    let changed = server::service::sync::pass(&services).await.expect("pass after changes");
    println!(
        "| Incremental pass, 100 appointments changed | {} requests, {:.0} ms, {} appointments taken in |",
        changed.requests,
        started.elapsed().as_secs_f64() * 1000.0,
        changed.rows.get("appointments").copied().unwrap_or(0)
    );

    // 4. Claims with and without the re-check.
    let plain = server::build_services(&server::config::Settings::defaults(), store.clone(), clock.clone(), None).expect("services");
    // A day past the office's booked two years, so every opening is free.
    let with = claim_times(&services, claims, today, 400, 0).await;
    let without = claim_times(&plain, claims, today, 400, 1).await;
    println!(
        "| Claim with Open Dental's re-check | median {:.1} ms, worst {:.1} ms ({claims} claims) |",
        median(&with),
        with.iter().cloned().fold(0.0, f64::max)
    );
    println!(
        "| Claim on the local copy alone | median {:.1} ms, worst {:.1} ms ({claims} claims) |",
        median(&without),
        without.iter().cloned().fold(0.0, f64::max)
    );
    store.close().await;
    remove_sqlite(&file);
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Offers `n` openings (one ASAP appointment each) `days_ahead` days out, sends their texts,
/// then times each patient's accept. `block` keeps the two runs on separate hours.
async fn claim_times(services: &server::service::Services, n: usize, today: chrono::NaiveDate, days_ahead: i64, block: i64) -> Vec<f64> {
    let day = today + chrono::Duration::days(days_ahead + block);
    let mut codes = Vec::new();
    for i in 0..n as i64 {
        let start = format!("{day} {:02}:{:02}:00", 8 + (i * 20) / 60, (i * 20) % 60);
        let req = server::service::OfferRequest {
            op: 1 + (i % 3),
            date_time_start: start,
            targets: vec![server::service::OfferTarget::Appointment(300_000 + block * 1000 + i)],
            by: server::service::Actor::command_line(),
            clinics: None,
            send_mode: Default::default(),
            date_time_end: None,
            message: None,
        };
        let offer = services.offer(req).await.expect("offer");
        codes.push(offer[0].asap_comm_num);
    }
    services.send_due_texts().await.expect("texts");
    let mut conn = services.store.pool().acquire().await.expect("connection");
    let mut links = Vec::new();
    for num in codes {
        let code: String = sqlx::query_scalar("SELECT shortguid FROM asapcomm WHERE asapcommnum = $1").bind(num).fetch_one(&mut *conn).await.expect("code");
        links.push(code);
    }
    drop(conn);
    let mut times = Vec::new();
    for code in links {
        let started = Instant::now();
        let page = server::service::claim::answer(services, &code, PatientAnswer::Accept, app::domain::confirmation::LinkFrom::Text).await.expect("claim");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(matches!(page, app::view::patient::PatientPage::Booked { .. }), "claim booked: {page:?}");
    }
    times
}

/// An office in the fake: 3 operatories, 2 providers, `patients` patients, `appointments`
/// appointments over two years, provider hours every day of the next 90, texting at any hour,
/// and 2,000 unscheduled ASAP appointments (keys from 300,000) for the claims.
fn fill(fake: &FakeOpenDental, patients: i64, appointments: i64, today: chrono::NaiveDate) {
    fake.put("clinics", 1, json!({"ClinicNum": 1, "Description": "Main", "Abbr": "MAIN", "Phone": "5550100000", "IsHidden": "false"}));
    for p in 1..=2 {
        fake.put("providers", p, json!({"ProvNum": p, "Abbr": format!("DOC{p}"), "FName": "Pat", "LName": format!("Doc{p}"), "IsSecondary": "false", "IsHidden": "false"}));
    }
    for o in 1..=3 {
        fake.put("operatories", o, json!({"OperatoryNum": o, "OpName": format!("Op {o}"), "Abbrev": format!("O{o}"), "ItemOrder": o,
            "IsHidden": "false", "ClinicNum": 1, "ProvDentist": 1, "ProvHygienist": 0, "IsHygiene": "false", "IsWebSched": "false"}));
    }
    fake.put("recalltypes", 1, json!({"RecallTypeNum": 1, "Description": "Prophy", "TimePattern": "/XXXX/"}));
    for (name, value) in [("PracticeTitle", "Bench Dental"), ("AppointmentTimeIncrement", "10"), ("WebSchedAsapTextLimit", "50"),
        ("AutomaticCommunicationTimeStart", "00:00:00"), ("AutomaticCommunicationTimeEnd", "00:00:00")] {
        fake.preference(name, value);
    }
    for p in 0..patients {
        fake.put("patients", 10_000 + p, json!({"PatNum": 10_000 + p, "LName": format!("Bench{p:05}"), "FName": "Pat", "WirelessPhone": format!("(555) 3{:02}-{:04}", (p / 10_000) % 100, p % 10_000),
            "TxtMsgOk": "Yes", "ClinicNum": 1, "PatStatus": "Patient", "Email": ""}));
    }
    let first_day = today - chrono::Duration::days(365);
    for a in 0..appointments {
        let day = first_day + chrono::Duration::days(a % 730);
        let slot = (a / 730) % 40;
        fake.put("appointments", 100_000 + a, json!({"AptNum": 100_000 + a, "PatNum": 10_000 + (a % patients.max(1)), "AptStatus": if day < today { "Complete" } else { "Scheduled" },
            "Pattern": "XXXX", "Op": 1 + (a % 3), "ProvNum": 1, "AptDateTime": format!("{day} {:02}:{:02}:00", 6 + slot / 3, (slot % 3) * 20),
            "ClinicNum": 1, "Priority": "Normal", "IsHygiene": "false", "NextAptNum": 0}));
    }
    for a in 0..2000 {
        fake.put("appointments", 300_000 + a, json!({"AptNum": 300_000 + a, "PatNum": 10_000 + (a % patients.max(1)), "AptStatus": "UnschedList",
            "Pattern": "/XX/", "Op": 0, "ProvNum": 1, "AptDateTime": "0001-01-01 00:00:00", "ClinicNum": 1, "Priority": "ASAP", "IsHygiene": "false"}));
    }
    for d in 0..90 {
        let date = today + chrono::Duration::days(d);
        fake.put("schedules", 900_000 + d, json!({"ScheduleNum": (900_000 + d).to_string(), "SchedDate": date.to_string(), "StartTime": "06:00:00",
            "StopTime": "22:00:00", "SchedType": "Provider", "ProvNum": "1", "BlockoutType": "0", "Note": "", "operatories": "1,2,3", "EmployeeNum": "0"}));
    }
}
