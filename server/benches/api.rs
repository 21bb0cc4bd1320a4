//! `cargo bench -p server --bench api`: the performance goals, measured in one run and printed
//! beside them. Loopback only, a fixed number of requests per scenario, stops by itself.
//!
//! 1. The API against a bare axum handler serving bodies of the same size (GET one, GET many —
//!    one clinic, one day, 100 rows — and POST), on ASAP_BENCH_ROWS asapcomms (default 1,000,000).
//! 2. GET many on 10k, 100k and the full table: how its cost grows with the table.
//! 3. The history page's server time on ranges of 1k, 100k and 1M rows: the first page, a deep page
//!    reached by key and by number, and the last page by number.
//! 4. Live updates: CPU per open page per minute while nothing changes (50 listening pages vs none).
//! 5. The WASM bundle: raw, gzip -9, brotli (the build's precompressed copy).
//! 6. Navigation-to-hydrated of the slot picker in headless Chromium (cold and warm cache).
//! 7. The WASM and JS each staff page's first load transfers (`firstload`).
//! 8. Navigation to the first answered click on an office line and a slow one (Chromium with the
//!    network and CPU throttled through the DevTools protocol): the picker, the history's filter,
//!    and the picker inside a portal iframe; cold and warm (the iframe's row gives the embed's
//!    first-load bytes).
//!
//! Settings (environment): ASAP_BENCH_ROWS, ASAP_BENCH_REQUESTS (per GET scenario, default
//! 20000; POST a fifth), ASAP_BENCH_CONCURRENCY (clients, default 16), ASAP_BENCH_DATABASE_URL
//! (default fresh SQLite files; postgres://… for PostgreSQL, which must be empty), ASAP_BENCH_SKIP
//! (comma list of: one, many, post, growth, history, live, wasm, hydration, throttled, firstload), ASAP_BENCH_ROOT (measure
//! the bundle and pages of another checkout's release build). The same binary runs on a bigger
//! machine: `cargo bench -p server --bench api --no-run` prints its path.

mod common;

use axum::routing::get;
use common::{add_admin, env_num, remove_sqlite};
use server::clock::{OfficeClock, SystemClock};
use server::config::Settings;
use server::store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const KEY: &str = "ODFHIR bench-dev/bench-customer";
const CLINICS: i64 = 3;
const PER_CLINIC_DAY: i64 = 100;


fn skipped(part: &str) -> bool {
    std::env::var("ASAP_BENCH_SKIP").is_ok_and(|s| s.split(',').any(|p| p.trim() == part))
}

/// A database for one run: a fresh SQLite file, or the PostgreSQL database given.
struct Db {
    url: String,
    file: Option<std::path::PathBuf>,
}

impl Db {
    fn new(tag: &str) -> Db {
        match std::env::var("ASAP_BENCH_DATABASE_URL") {
            Ok(url) if tag == "main" => Db { url, file: None },
            Ok(url) if url.starts_with("postgres") => {
                // Smaller tables go in their own databases beside the main one.
                let (root, _) = url.rsplit_once('/').unwrap_or((&url, ""));
                Db { url: format!("{root}/asap_bench_{tag}"), file: None }
            }
            _ => {
                let file = std::env::temp_dir().join(format!("asap-bench-{}-{tag}.db", std::process::id()));
                Db { url: format!("sqlite://{}", file.display()), file: Some(file) }
            }
        }
    }

    async fn create(&self) {
        if self.file.is_some() || !self.url.contains("asap_bench_") {
            return;
        }
        use sqlx::Connection;
        let (root, name) = self.url.rsplit_once('/').expect("url");
        let admin = format!("{root}/postgres");
        let mut conn = sqlx::AnyConnection::connect(&admin).await.expect("admin connection");
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create database");
    }

    fn remove(&self) {
        if let Some(file) = &self.file {
            remove_sqlite(file);
        }
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    sqlx::any::install_default_drivers();
    let rows = env_num("ASAP_BENCH_ROWS", 1_000_000) as i64;
    let requests = env_num("ASAP_BENCH_REQUESTS", 20_000);
    let concurrency = env_num("ASAP_BENCH_CONCURRENCY", 16);
    if std::env::var("RUST_LOG").is_err() {
        // SAFETY: set before any other thread reads the environment.
        unsafe { std::env::set_var("RUST_LOG", "error") };
    }
    server::init_tracing(server::config::LogFormat::Text);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let db = Db::new("main");
    db.create().await;
    let store = Store::connect(&db.url).await.expect("database");
    let started = Instant::now();
    load(&store, rows).await;
    println!(
        "Machine: {cores} cores. {:?}, {rows} asapcomms loaded in {:.1} s; {concurrency} concurrent clients on loopback.\n",
        store.backend(),
        started.elapsed().as_secs_f64()
    );
    let app = start(&db.url, store.clone()).await;
    let ours = format!("http://{}", app.addr);
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().expect("client");
    let day = middle_day(rows);
    let one_path = format!("/api/v1/asapcomms/{}", rows / 2);
    let many_path = format!("/api/v1/asapcomms?ClinicNum=2&date={day}");
    let one_body = fetch(&client, &format!("{ours}{one_path}")).await;
    let many_body = fetch(&client, &format!("{ours}{many_path}")).await;
    let many_rows = serde_json::from_slice::<serde_json::Value>(&many_body).map(|v| v.as_array().map_or(0, Vec::len)).unwrap_or(0);
    let post_body = r#"{"op": 1, "aptNum": 1, "dateTimeStart": "2099-06-01 09:00:00"}"#;
    let post_answer = post(&client, &format!("{ours}/api/v1/asapcomms"), post_body).await;
    let bare = bare_server(one_body.clone(), many_body.clone(), post_answer.clone()).await;
    println!(
        "Bodies: GET one {} B, GET many {} B ({many_rows} rows), POST {} B.\n",
        one_body.len(),
        many_body.len(),
        post_answer.len()
    );

    // 1. The API against bare axum.
    let sqlite = store.backend() == server::store::Backend::Sqlite;
    // Each scenario can be skipped (ASAP_BENCH_SKIP=one,many,post), to profile one at a time.
    let scenario = |name: &str, count: usize| if skipped(name) { 0 } else { count };
    let one = (
        drive(&client, &format!("{ours}{one_path}"), None, scenario("one", requests), concurrency).await,
        drive(&client, &format!("{bare}{one_path}"), None, scenario("one", requests), concurrency).await,
    );
    let many = (
        drive(&client, &format!("{ours}{many_path}"), None, scenario("many", requests), concurrency).await,
        drive(&client, &format!("{bare}{many_path}"), None, scenario("many", requests), concurrency).await,
    );
    let posts = scenario("post", (requests / 5).max(200));
    let commits_before = store.write_commits();
    let created = (
        drive(&client, &format!("{ours}/api/v1/asapcomms"), Some(post_body), posts, concurrency).await,
        drive(&client, &format!("{bare}/api/v1/asapcomms"), Some(post_body), posts, concurrency).await,
    );
    println!("| What | Measured | Goal | Met |");
    println!("|---|---|---|---|");
    let row = |what: &str, measured: String, goal: &str, met: bool| {
        println!("| {what} | {measured} | {goal} | {} |", if met { "yes" } else { "no" });
    };
    let ratio = |a: &Figures, b: &Figures| a.rps / b.rps;
    if !skipped("one") {
    row(
        "GET one",
        format!("{:.0} r/s, p99 {:.2} ms (bare axum {:.0} r/s): {:.2}×", one.0.rps, one.0.p99_ms, one.1.rps, ratio(&one.0, &one.1)),
        "≥ 0.5× bare axum",
        ratio(&one.0, &one.1) >= 0.5,
    );
    }
    if !skipped("many") {
    row(
        "GET many (1 clinic, 1 day, 100 rows)",
        format!("{:.0} r/s, p99 {:.2} ms (bare axum {:.0} r/s): {:.2}×", many.0.rps, many.0.p99_ms, many.1.rps, ratio(&many.0, &many.1)),
        "≥ 0.25× bare axum",
        ratio(&many.0, &many.1) >= 0.25,
    );
    }
    let post_goal = if sqlite { 2000.0 } else { 1000.0 };
    if !skipped("post") {
    row(
        "POST",
        format!("{:.0} r/s, p99 {:.2} ms", created.0.rps, created.0.p99_ms),
        if sqlite { "≥ 2,000 r/s, p99 < 10 ms" } else { "≥ 1,000 r/s" },
        created.0.rps >= post_goal && (!sqlite || created.0.p99_ms < 10.0),
    );
    if sqlite && posts > 0 {
        // Where a POST's time goes is in docs/benchmarks.md; this says how much the shared commits did.
        let commits = store.write_commits() - commits_before;
        println!("|   POST's writes per commit | {posts} POSTs in {commits} commits: {:.1} per commit | | |", posts as f64 / commits.max(1) as f64);
    }
    }

    // 2. GET many as the table grows.
    if !skipped("growth") {
        for size in [10_000_i64, 100_000] {
            if size >= rows {
                continue;
            }
            let small = Db::new(&format!("g{size}"));
            small.create().await;
            let small_store = Store::connect(&small.url).await.expect("database");
            load(&small_store, size).await;
            let small_app = start(&small.url, small_store.clone()).await;
            let path = format!("/api/v1/asapcomms?ClinicNum=2&date={}", middle_day(size));
            let f = drive(&client, &format!("http://{}{path}", small_app.addr), None, requests / 4, concurrency).await;
            row(&format!("GET many on {size} rows"), format!("{:.0} r/s, p99 {:.2} ms", f.rps, f.p99_ms), "cost does not grow with the table", true);
            small_app.stop().await.ok();
            small_store.close().await;
            small.remove();
        }
        let f = drive(&client, &format!("{ours}{many_path}"), None, requests / 4, concurrency).await;
        row(&format!("GET many on {rows} rows"), format!("{:.0} r/s, p99 {:.2} ms", f.rps, f.p99_ms), "cost does not grow with the table", true);
    }

    // 3. The history page's server time.
    if !skipped("history") {
        let services = app.services.clone();
        services.tidy_counts_and_changes().await.expect("fold counts");
        let days_total = rows / (CLINICS * PER_CLINIC_DAY);
        let start_day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
        for (label, clinic, days) in [("1k", Some(2), 10), ("100k", Some(2), 1000), ("1M", None, days_total)] {
            let days = days.min(days_total).max(1);
            let through = start_day + chrono::Duration::days(days - 1);
            let query = app::view::history::HistoryQuery {
                clinic_num: clinic.map(|c: i64| c.to_string()),
                date_start: Some(start_day.to_string()),
                date_through: Some(through.to_string()),
                ..Default::default()
            };
            let first = time_history(&services, &query, 30).await;
            // A deep page: page 1000 (or the last), reached by its key as the pager does.
            let matching = services.history(&query, None).await.expect("history").matching;
            let deep_page = (matching / 100).clamp(1, 1000);
            let cursor = deep_cursor(&store, clinic, &start_day.to_string(), &through.to_string(), (deep_page - 1) * 100).await;
            let deep_query = app::view::history::HistoryQuery { after: cursor, page: Some(deep_page.to_string()), ..query.clone() };
            let deep = time_history(&services, &deep_query, 30).await;
            // The same depth and the last page, chosen by number (a typed URL, the page list).
            let jump_query = app::view::history::HistoryQuery { page: Some(deep_page.to_string()), ..query.clone() };
            let jump = time_history(&services, &jump_query, 30).await;
            let last_page = ((matching + 99) / 100).max(1);
            let last_query = app::view::history::HistoryQuery { page: Some(last_page.to_string()), ..query.clone() };
            let last = time_history(&services, &last_query, 30).await;
            row(
                &format!("History page, {label}-row range ({matching} rows)"),
                format!(
                    "first page {:.1} ms, page {deep_page} by key {:.1} ms, by number {:.1} ms, last page ({last_page}) by number {:.1} ms \
                     (median of 30; p99 {:.1} / {:.1} / {:.1} / {:.1})",
                    first.0, deep.0, jump.0, last.0, first.1, deep.1, jump.1, last.1
                ),
                "every page < 30 ms",
                first.1 < 30.0 && deep.1 < 30.0 && jump.1 < 30.0 && last.1 < 30.0,
            );
        }
    }

    // 4. Live updates while nothing changes.
    if !skipped("live") {
        let tabs = 50;
        let (fixed, per_page) = live_idle_cpu(&app, tabs, Duration::from_secs(30)).await;
        row(
            "History live update, idle",
            format!(
                "{per_page:.3} ms of CPU per open page per minute ({tabs} pages vs none, 30 s each; \
                 the process's own idle work, pages or not: {fixed:.0} ms per minute)"
            ),
            "≤ 1 ms per page per minute",
            per_page <= 1.0,
        );
    }

    // 5. The bundle.
    if !skipped("wasm") {
        match wasm_sizes() {
            Some(sizes) => {
                row(
                    "WASM bundle, the slot picker's first load (main module)",
                    format!("{} B raw, {} B gzip -9, {} B brotli", sizes.main.0, sizes.main.1, sizes.main.2),
                    "≤ 250 KB gzip",
                    sizes.main.1 <= 250_000,
                );
                row(
                    &format!("WASM split chunks ({} files, fetched when their page is first shown)", sizes.chunk_count),
                    format!("{} B raw, {} B gzip -9, {} B brotli", sizes.chunks.0, sizes.chunks.1, sizes.chunks.2),
                    "not on the first page",
                    true,
                );
            }
            None => println!("| WASM bundle | not measured: build with `cargo leptos build --release --precompress --split` first | | |"),
        }
    }

    app.stop().await.ok();
    store.close().await;
    db.remove();

    // 6. Hydration in Chromium, on the demo practice, served by the release build.
    if !skipped("hydration") {
        for (page, label) in [("/", "Slot picker"), ("/history", "ASAP history (split chunk)")] {
            match hydration(page).await {
                Ok((cold, warm, bytes)) => row(
                    &format!("{label}, navigation to hydrated"),
                    format!("{cold} ms cold cache ({bytes} B transferred), {warm} ms warm (median of 10)"),
                    "measured",
                    true,
                ),
                Err(why) => println!("| {label}, navigation to hydrated | not measured: {why} | | |"),
            }
        }
    }

    // 7. What each staff page's first load transfers.
    if !skipped("firstload") {
        match DemoServer::start().await {
            Err(why) => println!("| First load of each staff page | not measured: {why} | | |"),
            Ok(server) => {
                let pages = ["/", "/overview", "/history", "/outbox", "/messages", "/users", "/audit"];
                let mut args = vec![server::demo::DEMO_ADMIN, server::demo::DEMO_PASSWORD];
                args.extend(pages);
                match server.measure("measure-first-load.mjs", &args).await {
                    Ok(v) => {
                        for page in pages {
                            let bytes = v[page]["code_bytes"].as_u64().unwrap_or(0);
                            row(
                                &format!("First load of {page}: WASM and JS over the line"),
                                // Chromium offers brotli only over https: on this loopback http they are the gzip copies.
                                format!("{bytes} B in {} files (gzip over loopback http, headers included, empty cache)", v[page]["files"].as_u64().unwrap_or(0)),
                                "≤ 200 KB",
                                bytes <= 200 * 1024,
                            );
                        }
                    }
                    Err(why) => println!("| First load of each staff page | not measured: {why} | | |"),
                }
                server.stop();
            }
        }
    }

    // 8. The first answered click on a throttled line (CDP: network and CPU), beside the figures
    // measured on 2026-11-30 before any of this work.
    if !skipped("throttled") {
        match DemoServer::start().await {
            Err(why) => println!("| Throttled first click | not measured: {why} | | |"),
            Ok(server) => {
                let cases = [
                    ("/", "", "Slot picker: click a free time", "0.97 s to the click; network idle 1.03–1.18 s"),
                    ("/history", "", "ASAP history: change the Status filter", "network idle 1.48–1.53 s"),
                    ("/", "embed", "Slot picker in a portal iframe: click a free time", "not measured"),
                ];
                for (profile, goal_ms, line) in [("office", 600, "10/2 Mbit/s, 40 ms, 4× CPU"), ("slow", 1500, "2 Mbit/s, 150 ms, 6× CPU")] {
                    for (page, mode, label, before) in cases {
                        let mut args = vec![server::demo::DEMO_ADMIN, server::demo::DEMO_PASSWORD, BENCH_EMBED_SECRET, page, profile, "5"];
                        if !mode.is_empty() {
                            args.push(mode);
                        }
                        match server.measure("measure-interaction.mjs", &args).await {
                            Ok(v) => {
                                let ms = |run: &str, k: &str| v[run][k].as_u64().unwrap_or(0);
                                let (cold, warm) = (ms("cold", "clicked"), ms("warm", "clicked"));
                                row(
                                    &format!("{label} ({line})"),
                                    format!(
                                        "answered {cold} ms cold / {warm} ms warm after navigation; cold: HTML at {} ms, WASM at {} ms ({} B of WASM and JS over the line), \
                                         hydrated at {} ms, network idle {} ms; warm: hydrated {} ms (median of 4). On 2026-11-30, office line: {before}",
                                        ms("cold", "html"),
                                        ms("cold", "wasm"),
                                        ms("cold", "code_bytes"),
                                        ms("cold", "hydrated"),
                                        ms("cold", "idle"),
                                        ms("warm", "hydrated")
                                    ),
                                    &format!("≤ {:.1} s", goal_ms as f64 / 1000.0),
                                    cold <= goal_ms && warm <= goal_ms,
                                );
                            }
                            Err(why) => println!("| {label} ({line}) | not measured: {why} | | |"),
                        }
                    }
                }
                server.stop();
            }
        }
    }
}

async fn start(url: &str, store: Store) -> server::App {
    let clock = OfficeClock::new(Arc::new(SystemClock), chrono_tz::UTC);
    let mut settings = Settings::defaults();
    settings.database_url = url.to_string();
    settings.addr = "127.0.0.1:0".parse().expect("addr");
    settings.api_keys = vec!["bench-dev/bench-customer".into()];
    settings.timezone = None;
    settings.site_root = workspace_root().join("target/site").display().to_string().into();
    settings.public_url = None;
    settings.rate_limit = 0;
    // The API alone: no texts go out while it is measured.
    settings.workers = false;
    server::App::start(settings, store, clock).await.expect("server")
}

fn middle_day(rows: i64) -> chrono::NaiveDate {
    let days = rows / (CLINICS * PER_CLINIC_DAY);
    chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date") + chrono::Duration::days(days / 2)
}

async fn time_history(services: &server::service::Services, query: &app::view::history::HistoryQuery, runs: usize) -> (f64, f64) {
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        services.history(query, None).await.expect("history");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[(times.len() * 99 / 100).min(times.len() - 1)])
}

/// The key of the row just before the page that starts `skip` rows in, newest first.
async fn deep_cursor(store: &Store, clinic: Option<i64>, first: &str, last: &str, skip: i64) -> Option<String> {
    if skip == 0 {
        return None;
    }
    let clinic_sql = clinic.map_or(String::new(), |c| format!("AND clinicnum = {c}"));
    let sql = format!(
        "SELECT datetimeentry, asapcommnum FROM asapcomm WHERE datetimeentry >= $1 AND datetimeentry < $2 {clinic_sql} \
         ORDER BY datetimeentry DESC, asapcommnum DESC LIMIT 1 OFFSET $3"
    );
    let end = chrono::NaiveDate::parse_from_str(last, "%Y-%m-%d").expect("date") + chrono::Duration::days(1);
    let mut conn = store.pool().acquire().await.expect("conn");
    let row = sqlx::query(&sql)
        .bind(format!("{first} 00:00:00"))
        .bind(format!("{end} 00:00:00"))
        .bind(skip - 1)
        .fetch_one(&mut *conn)
        .await
        .expect("cursor row");
    use sqlx::Row;
    let entry: String = row.try_get(0).expect("entry");
    let num: i64 = row.try_get(1).expect("num");
    Some(format!("{entry}|{num}"))
}

/// CPU time per minute of this process with nothing changing: with no page open, and what each
/// of `tabs` pages listening to the change stream adds to it.
async fn live_idle_cpu(app: &server::App, tabs: usize, span: Duration) -> (f64, f64) {
    add_admin(&app.services, "bench", "bench password 1").await;
    let base = format!("http://{}", app.addr);
    let per_minute = |used: Duration| used.as_secs_f64() * 1000.0 * (60.0 / span.as_secs_f64());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = process_cpu();
    tokio::time::sleep(span).await;
    let idle = per_minute(process_cpu() - before);
    let mut streams = Vec::new();
    for _ in 0..tabs {
        let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client");
        client
            .post(format!("{base}/signin"))
            .form(&[("username", "bench"), ("password", "bench password 1"), ("next", "/")])
            .send()
            .await
            .expect("sign in");
        let response = client.get(format!("{base}/ui-api/events")).header("Sec-Fetch-Site", "same-origin").send().await.expect("events");
        assert!(response.status().is_success(), "events: {}", response.status());
        streams.push(response);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = process_cpu();
    tokio::time::sleep(span).await;
    let open = per_minute(process_cpu() - before);
    drop(streams);
    (idle, ((open - idle) / tabs as f64).max(0.0))
}

/// User and system CPU time of this process so far, to the microsecond (the kernel's
/// /proc tick counts are 10 ms coarse, too coarse for an idle process).
fn process_cpu() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

struct WasmSizes {
    /// (raw, gzip -9, brotli) of the module every page loads.
    main: (u64, u64, u64),
    /// The same, summed over the split chunks.
    chunks: (u64, u64, u64),
    chunk_count: usize,
}

fn wasm_sizes() -> Option<WasmSizes> {
    let dir = std::fs::read_dir(measured_root().join("target/site/pkg")).ok()?;
    let mut sizes = WasmSizes { main: (0, 0, 0), chunks: (0, 0, 0), chunk_count: 0 };
    for wasm in dir.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "wasm")) {
        let raw = std::fs::metadata(&wasm).ok()?.len();
        let br = std::fs::metadata(format!("{}.br", wasm.display())).map(|m| m.len()).unwrap_or(0);
        let gz = std::process::Command::new("gzip").arg("-9").arg("-c").arg(&wasm).output().ok()?.stdout.len() as u64;
        let name = wasm.file_name()?.to_string_lossy().into_owned();
        let into = if name.starts_with("asap.") {
            &mut sizes.main
        } else {
            sizes.chunk_count += 1;
            &mut sizes.chunks
        };
        *into = (into.0 + raw, into.1 + gz, into.2 + br);
    }
    (sizes.main.0 > 0).then_some(sizes)
}

/// The secret the browser measurements' office portal signs embed tokens with.
const BENCH_EMBED_SECRET: &str = "bench-embed-secret-0123456789abcdef";

/// The release server binary on a fresh demo database, for the browser measurements: it finds
/// the build's hashed file names beside itself.
struct DemoServer {
    child: std::process::Child,
    url: String,
    file: std::path::PathBuf,
}

impl DemoServer {
    async fn start() -> Result<DemoServer, String> {
        let root = measured_root();
        let server = root.join("target/release/server");
        if !std::path::Path::new("/usr/bin/chromium").exists() || !server.exists() {
            return Err("needs /usr/bin/chromium and the release build (`scripts/run` or `scripts/test` makes it)".into());
        }
        let file = std::env::temp_dir().join(format!("asap-bench-{}-{}-demo.db", std::process::id(), rand::random::<u32>()));
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let command = |what: &str| {
            let mut c = std::process::Command::new(&server);
            c.arg(what)
                .current_dir(&root)
                .env("ASAP_DATABASE_URL", format!("sqlite://{}", file.display()))
                .env("LEPTOS_SITE_ROOT", "target/site")
                .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
                .env("ASAP_RATE_LIMIT", "0")
                .env("ASAP_EMBED_SECRET", BENCH_EMBED_SECRET)
                .env("ASAP_FRAME_ANCESTORS", "'self' http://127.0.0.1:*")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            c
        };
        let demo = command("demo").status().map_err(|e| e.to_string())?;
        if !demo.success() {
            remove_sqlite(&file);
            return Err("`server demo` failed".into());
        }
        let child = command("serve").spawn().map_err(|e| e.to_string())?;
        let url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if client.get(format!("{url}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(DemoServer { child, url, file })
    }

    /// Runs one of end2end's measuring scripts against this server; its one line of JSON.
    async fn measure(&self, script: &str, args: &[&str]) -> Result<serde_json::Value, String> {
        let mut command = std::process::Command::new("node");
        command.arg(workspace_root().join("end2end").join(script)).arg(&self.url).args(args).current_dir(workspace_root());
        let out = tokio::task::spawn_blocking(move || command.output()).await.map_err(|e| e.to_string())?.map_err(|e| format!("node: {e}"))?;
        serde_json::from_slice(&out.stdout)
            .map_err(|_| {
                let stderr = String::from_utf8_lossy(&out.stderr);
                // Node prints where it stopped first; the error's own line says why.
                let why = stderr.lines().find(|l| l.contains("Error") || l.contains("Timeout")).or_else(|| stderr.lines().find(|l| !l.trim().is_empty()));
                format!("{script}: {}", why.unwrap_or("no output").trim())
            })
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        remove_sqlite(&self.file);
    }
}

/// Cold and warm navigation-to-hydrated of one page, on the demo practice.
async fn hydration(page: &str) -> Result<(u64, u64, u64), String> {
    let server = DemoServer::start().await?;
    let v = server.measure("measure-hydration.mjs", &[server::demo::DEMO_ADMIN, server::demo::DEMO_PASSWORD, page, "11"]).await;
    server.stop();
    let v = v?;
    let field = |k: &str| v[k].as_u64().ok_or_else(|| format!("no {k} in the measurement"));
    Ok((field("cold_ms")?, field("warm_median_ms")?, field("first_load_bytes")?))
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
    if all.is_empty() {
        return Figures { rps: 0.0, p99_ms: 0.0 };
    }
    all.sort_unstable();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    Figures { rps: all.len() as f64 / elapsed, p99_ms: pct(0.99) }
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
    // A bulk load is history, not news: the pages' change feed does not need it.
    sqlx::query("DELETE FROM asapchange").execute(&mut **tx).await.expect("feed");
    tx.commit().await.expect("commit");
}

/// Cargo runs benches from the package directory; the site and scripts live at the workspace root.
/// The build whose bundle and pages are measured: this one, or another checkout's release build
/// (ASAP_BENCH_ROOT, e.g. an older commit's, for before/after figures).
fn measured_root() -> std::path::PathBuf {
    std::env::var_os("ASAP_BENCH_ROOT").map(std::path::PathBuf::from).unwrap_or_else(workspace_root)
}

fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}
