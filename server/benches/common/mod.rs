//! What the benches share: settings from the environment, a fake SMS provider on loopback, and
//! an office open every day of 2099 with a long ASAP list.

#![allow(dead_code)]

use server::clock::{OfficeClock, SystemClock};
use server::store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Errors only in the log, unless RUST_LOG says otherwise: a bench's output is its table.
pub fn quiet_logs() {
    if std::env::var("RUST_LOG").is_err() {
        // SAFETY: set before any other thread reads the environment.
        unsafe { std::env::set_var("RUST_LOG", "error") };
    }
    server::init_tracing(server::config::LogFormat::Text);
}

/// A fresh database (a SQLite file named after `tag`, or ASAP_BENCH_DATABASE_URL) holding
/// `office(patients)`, on the real clock; the SQLite file, for `remove_sqlite` afterwards.
pub async fn office_store(tag: &str, patients: usize) -> (Store, OfficeClock, String, PathBuf) {
    let file = std::env::temp_dir().join(format!("asap-bench-{tag}-{}.db", std::process::id()));
    let url = std::env::var("ASAP_BENCH_DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}", file.display()));
    let store = Store::connect(&url).await.expect("database");
    let clock = OfficeClock::new(Arc::new(SystemClock), chrono_tz::UTC);
    let data = server::import::parse(&office(patients)).expect("office");
    server::import::import(&store, &clock, &data).await.expect("import");
    (store, clock, url, file)
}

/// A SQLite database file with its write-ahead log and shared-memory index.
pub fn remove_sqlite(file: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

/// A staff administrator, added as `server user add` would.
pub async fn add_admin(services: &server::service::Services, username: &str, password: &str) {
    services
        .add_user(
            &server::service::Actor::command_line(),
            None,
            app::view::access::NewStaffUser {
                username: username.into(),
                display_name: String::new(),
                password: password.into(),
                is_admin: true,
                clinics: String::new(),
            },
        )
        .await
        .expect("staff user");
}

pub fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A Messages API that takes every text at once.
pub async fn fake_provider() -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let app = axum::Router::new().route(
        "/2010-04-01/Accounts/{sid}/Messages.json",
        axum::routing::post(move || {
            let n = seen.fetch_add(1, Ordering::Relaxed) + 1;
            async move { (axum::http::StatusCode::CREATED, axum::Json(serde_json::json!({"sid": format!("SM{n:032}")}))) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}"), count)
}

/// One clinic and operatory open every day of 2099, and `patients` patients on the ASAP list.
/// Days from 2099-03-01 on which the office's one provider works in Op 1 (07:00–19:00): enough
/// free time that a long run of offers and claims does not fill the schedule.
pub const SCHEDULED_DAYS: i64 = 2000;

pub fn office(patients: usize) -> String {
    let mut pats = Vec::new();
    let mut apts = Vec::new();
    for i in 0..patients {
        pats.push(serde_json::json!({"PatNum": 10 + i, "LName": format!("Bench{i}"), "FName": format!("Pat{i}"),
            "WirelessPhone": format!("555{:07}", 2_000_000 + i), "TxtMsgOk": "Yes", "ClinicNum": 1}));
        apts.push(serde_json::json!({"AptNum": 100_000 + i, "PatNum": 10 + i, "AptStatus": "UnschedList", "Pattern": "XXXXXX",
            "Op": 1, "ProvNum": 1, "AptDateTime": "2098-01-01 09:00:00", "ClinicNum": 1, "Priority": "ASAP"}));
    }
    let schedules: Vec<_> = (0..SCHEDULED_DAYS)
        .map(|d| {
            let day = chrono::NaiveDate::from_ymd_opt(2099, 3, 1).expect("date") + chrono::Duration::days(d);
            serde_json::json!({"ScheduleNum": 1 + d, "SchedDate": day.to_string(), "StartTime": "07:00:00", "StopTime": "19:00:00",
                "SchedType": "Provider", "ProvNum": 1, "operatories": "1"})
        })
        .collect();
    serde_json::json!({
        "preferences": {"PracticeTitle": "Bench Dental", "WebSchedAsapTextLimit": 100,
            "AutomaticCommunicationTimeStart": "00:00:00", "AutomaticCommunicationTimeEnd": "00:00:00"},
        "clinics": [{"ClinicNum": 1, "Description": "Bench"}],
        "providers": [{"ProvNum": 1, "Abbr": "DOC"}],
        "operatories": [{"OperatoryNum": 1, "OpName": "Op 1", "ClinicNum": 1, "ProvDentist": 1}],
        "patients": pats, "appointments": apts, "schedules": schedules,
    })
    .to_string()
}

