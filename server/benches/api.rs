//! `cargo bench -p server --bench api`: loads 1,000,000 asapcomms, then measures GET one,
//! GET many (one clinic, one day, ~100 rows) and POST against the real server on loopback,
//! and the same request shapes against a bare axum handler returning a fixed body of the same
//! size. Prints requests/s, p50 and p99, and our/bare ratios. Bounded: a fixed number of
//! requests per scenario, 127.0.0.1 only.
//!
//! Options (environment): ASAP_BENCH_ROWS (default 1000000), ASAP_BENCH_REQUESTS (default
//! 20000 per GET scenario, a fifth of that for POST), ASAP_BENCH_CONCURRENCY (default 16),
//! ASAP_BENCH_DATABASE_URL (default a fresh SQLite file; postgres://… to measure PostgreSQL).

use axum::routing::get;
use server::clock::{OfficeClock, SystemClock};
use server::config::{LogFormat, Settings};
use server::store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const KEY: &str = "ODFHIR bench-dev/bench-customer";
const CLINICS: i64 = 3;
const PER_CLINIC_DAY: i64 = 100;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let rows = env_num("ASAP_BENCH_ROWS", 1_000_000) as i64;
    let requests = env_num("ASAP_BENCH_REQUESTS", 20_000);
    let concurrency = env_num("ASAP_BENCH_CONCURRENCY", 16);
    let file = std::env::temp_dir().join(format!("asap-bench-{}.db", std::process::id()));
    let url = std::env::var("ASAP_BENCH_DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}", file.display()));

    // Warnings and errors only: a failed request in the run must say why.
    if std::env::var("RUST_LOG").is_err() {
        // SAFETY: set before any other thread reads the environment.
        unsafe { std::env::set_var("RUST_LOG", "warn") };
    }
    server::init_tracing(LogFormat::Text);
    let store = Store::connect(&url).await.expect("database");
    let started = Instant::now();
    load(&store, rows).await;
    println!("loaded {rows} asapcomms into {} in {:.1} s", format!("{:?}", store.backend()), started.elapsed().as_secs_f64());

    let clock = OfficeClock::new(Arc::new(SystemClock), chrono_tz::UTC);
    let mut settings = Settings::defaults();
    settings.database_url = url.clone();
    settings.addr = "127.0.0.1:0".parse().expect("addr");
    settings.api_keys = vec!["bench-dev/bench-customer".into()];
    settings.timezone = None;
    settings.site_root = "target/site".into();
    settings.public_url = None;
    settings.rate_limit = 0;
    // The API alone: no texts go out while it is measured.
    settings.workers = false;
    let app = server::App::start(settings, store.clone(), clock).await.expect("server");
    let ours = format!("http://{}", app.addr);
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().expect("client");

    // A day in the middle of the history, for one clinic.
    let days = rows / (CLINICS * PER_CLINIC_DAY);
    let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date") + chrono::Duration::days(days / 2);
    let one_path = format!("/api/v1/asapcomms/{}", rows / 2);
    let many_path = format!("/api/v1/asapcomms?ClinicNum=2&date={day}");
    let one_body = fetch(&client, &format!("{ours}{one_path}")).await;
    let many_body = fetch(&client, &format!("{ours}{many_path}")).await;
    let many_rows = serde_json::from_slice::<serde_json::Value>(&many_body).map(|v| v.as_array().map_or(0, Vec::len)).unwrap_or(0);
    let post_body = r#"{"op": 1, "aptNum": 1, "dateTimeStart": "2099-06-01 09:00:00"}"#;
    let post_answer = post(&client, &format!("{ours}/api/v1/asapcomms"), post_body).await;

    let bare = bare_server(one_body.clone(), many_body.clone(), post_answer.clone()).await;
    println!(
        "bodies: GET one {} B, GET many {} B ({many_rows} rows), POST {} B; {concurrency} concurrent clients\n",
        one_body.len(),
        many_body.len(),
        post_answer.len()
    );
    println!("{:<10} {:>10} {:>10} {:>10}   {:>10} {:>10} {:>10}   {:>8}", "scenario", "ours r/s", "p50 ms", "p99 ms", "bare r/s", "p50 ms", "p99 ms", "r/s ratio");

    let scenarios: [(&str, &str, Option<&str>, usize); 3] = [
        ("GET one", &one_path, None, requests),
        ("GET many", &many_path, None, requests),
        ("POST", "/api/v1/asapcomms", Some(post_body), (requests / 5).max(100)),
    ];
    for (name, path, body, count) in scenarios {
        let ours_result = drive(&client, &format!("{ours}{path}"), body, count, concurrency).await;
        let bare_result = drive(&client, &format!("{bare}{path}"), body, count, concurrency).await;
        println!(
            "{:<10} {:>10.0} {:>10.2} {:>10.2}   {:>10.0} {:>10.2} {:>10.2}   {:>8.2}",
            name,
            ours_result.rps,
            ours_result.p50_ms,
            ours_result.p99_ms,
            bare_result.rps,
            bare_result.p50_ms,
            bare_result.p99_ms,
            ours_result.rps / bare_result.rps
        );
    }
    app.stop().await.ok();
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

async fn fetch(client: &reqwest::Client, url: &str) -> Vec<u8> {
    let r = client.get(url).header("Authorization", KEY).send().await.expect("request");
    assert!(r.status().is_success(), "{url}: {}", r.status());
    r.bytes().await.expect("body").to_vec()
}

async fn post(client: &reqwest::Client, url: &str, body: &str) -> Vec<u8> {
    let r = client.post(url).header("Authorization", KEY).body(body.to_string()).send().await.expect("request");
    assert_eq!(r.status().as_u16(), 201, "POST: {}", r.text().await.unwrap_or_default());
    r.bytes().await.expect("body").to_vec()
}

struct Figures {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn drive(client: &reqwest::Client, url: &str, body: Option<&str>, count: usize, concurrency: usize) -> Figures {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, url, next, body) = (client.clone(), url.to_string(), next.clone(), body.map(str::to_string));
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < count {
                let t = Instant::now();
                let request = match &body {
                    Some(b) => client.post(&url).body(b.clone()),
                    None => client.get(&url),
                };
                let r = request.header("Authorization", KEY).send().await.expect("request");
                assert!(r.status().is_success(), "{url}: {}", r.status());
                let _ = r.bytes().await.expect("body");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all: Vec<Duration> = Vec::with_capacity(count);
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    Figures { rps: all.len() as f64 / elapsed, p50_ms: pct(0.50), p99_ms: pct(0.99) }
}

/// The baseline: axum answering the same paths with fixed bodies, no database, no auth.
async fn bare_server(one: Vec<u8>, many: Vec<u8>, created: Vec<u8>) -> String {
    let json = |b: Vec<u8>| ([(axum::http::header::CONTENT_TYPE, "application/json")], b);
    let router = axum::Router::new()
        .route("/api/v1/asapcomms/{n}", get(move || { let b = one.clone(); async move { json(b) } }))
        .route(
            "/api/v1/asapcomms",
            get(move || { let b = many.clone(); async move { json(b) } })
                .post(move |_body: axum::body::Bytes| { let b = created.clone(); async move { (axum::http::StatusCode::CREATED, json(b)) } }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    format!("http://{addr}")
}

/// Office data for the POST, and `rows` asapcomms: 100 per clinic per day from 2020-01-01.
async fn load(store: &Store, rows: i64) {
    let office = serde_json::json!({
        "preferences": {"PracticeTitle": "Bench Dental"},
        "clinics": [{"ClinicNum": 1, "Description": "One"}, {"ClinicNum": 2, "Description": "Two"}, {"ClinicNum": 3, "Description": "Three"}],
        "providers": [{"ProvNum": 1, "Abbr": "DOC"}],
        "operatories": [{"OperatoryNum": 1, "OpName": "Op 1", "ClinicNum": 1, "ProvDentist": 1}],
        "patients": [{"PatNum": 1, "LName": "Bench", "FName": "Pat", "WirelessPhone": "5550000001", "TxtMsgOk": "Yes", "ClinicNum": 1}],
        "appointments": [{"AptNum": 1, "PatNum": 1, "AptStatus": "UnschedList", "Pattern": "XXXXXX", "ClinicNum": 1, "Priority": "ASAP"}]
    });
    let data = server::import::parse(&office.to_string()).expect("office");
    let clock = OfficeClock::new(Arc::new(SystemClock), chrono_tz::UTC);
    server::import::import(store, &clock, &data).await.expect("import");
    let mut tx = store.begin_write().await.expect("tx");
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date").and_hms_opt(8, 0, 0).expect("time");
    let per_day = CLINICS * PER_CLINIC_DAY;
    let mut num = 1;
    while num <= rows {
        let mut sql = String::from(
            "INSERT INTO asapcomm (asapcommnum, fkey, fkeytype, schedulenum, patnum, clinicnum, shortguid, datetimeentry, \
             datetimeexpire, datetimesmsscheduled, smssendstatus, datetimesmssent, responsestatus, datetimeorig, templatetext, \
             note, operatorynum, slotstart, slotstop) VALUES ",
        );
        let batch_end = (num + 999).min(rows);
        for n in num..=batch_end {
            let i = n - 1;
            let entry = start + chrono::Duration::days(i / per_day) + chrono::Duration::seconds((i % per_day) * 60);
            let clinic = i % CLINICS + 1;
            let e = entry.format("%Y-%m-%d %H:%M:%S");
            let x = (entry + chrono::Duration::days(7)).format("%Y-%m-%d %H:%M:%S");
            if n > num {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({n}, {n}, 1, {n}, 1, {clinic}, 'g{n}', '{e}', '{x}', '{e}', 3, '{e}', 2, '{x}', \
                 '[NameF], an appointment opening has become available on 01/01/2020 at 2:00 PM at Bench Dental. Visit [AsapURL] to reserve it.', \
                 '', 1, '{e}', '{e}')"
            ));
        }
        sqlx::query(&sql).execute(&mut **tx).await.expect("insert");
        num = batch_end + 1;
    }
    store.sync_identity_counters(&mut tx).await.expect("counters");
    tx.commit().await.expect("commit");
}
