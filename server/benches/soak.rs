//! `cargo bench -p server --bench soak`: a long mixed load on loopback, printed a minute at a time
//! (requests, errors, p50/p99 overall and for staff pages and the rest, texts sent and openings
//! booked, resident memory), then whether memory stayed flat after warm-up and p99 stayed within
//! 20% from the first to the last minute.
//!
//! The load, from ASAP_SOAK_CLIENTS clients (default 8) for ASAP_SOAK_MINUTES (default 15): API
//! reads (GET one, GET many), offers (POST) over 2,000 scheduled days, patients opening their link
//! and booking (3 in 100), declining (nearly half) or only looking, staff pages rendered on the server
//! (history, slot picker with a 6,000-patient ASAP list), and the SMS provider's webhooks (signed
//! delivery reports and incoming HELP texts). Few enough book that the ASAP list and the schedule
//! last the whole run, so the loop keeps turning to the end. Texts go out through the sender worker to a fake
//! provider on 127.0.0.1; the close-out sweep runs as in production. Stops by itself.
//! ASAP_BENCH_DATABASE_URL=postgres://… soaks PostgreSQL (default: a fresh SQLite file).

mod common;

use common::{SCHEDULED_DAYS, add_admin, env_num, fake_provider, office_store, quiet_logs, remove_sqlite};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use server::config::{Settings, SmsProviderKind};
use server::store::Store;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "ODFHIR soak-dev/soak-customer";
const AUTH_TOKEN: &str = "soak-token";
const PATIENTS: usize = 6000;

/// What one minute saw.
#[derive(Default)]
struct Minute {
    latencies: Latencies,
    by_kind: std::collections::BTreeMap<&'static str, Latencies>,
    errors: usize,
    first_error: Option<String>,
}

fn main() {
    // As the server binary does, before any thread starts.
    server::limit_malloc_arenas();
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime").block_on(soak());
}

async fn soak() {
    let minutes = env_num("ASAP_SOAK_MINUTES", 15);
    let clients = env_num("ASAP_SOAK_CLIENTS", 8);
    quiet_logs();
    let (store, clock, url, file) = office_store("soak", PATIENTS).await;

    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let base = format!("http://127.0.0.1:{port}");
    let (provider, _) = fake_provider().await;
    let mut settings = Settings::defaults();
    settings.database_url = url.clone();
    settings.addr = format!("127.0.0.1:{port}").parse().expect("addr");
    settings.public_url = Some(base.clone());
    settings.api_keys = vec!["soak-dev/soak-customer".into()];
    settings.rate_limit = 0;
    settings.sms_provider = SmsProviderKind::Twilio;
    settings.twilio_base_url = provider;
    settings.twilio_account_sid = "ACsoak".into();
    settings.twilio_auth_token = AUTH_TOKEN.into();
    settings.twilio_from = "+15550000000".into();
    settings.wave_size = 50;
    let app = server::App::start(settings, store.clone(), clock).await.expect("server");
    add_admin(&app.services, "soak", "soak password 1").await;
    let staff = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client");
    staff.post(format!("{base}/signin")).form(&[("username", "soak"), ("password", "soak password 1"), ("next", "/")]).send().await.expect("sign in");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");

    println!("{:?}, {clients} clients for {minutes} minutes on loopback", store.backend());
    let started = Instant::now();
    let until = started + Duration::from_secs(60 * minutes as u64);
    let stats: Arc<Mutex<Vec<Minute>>> = Arc::new(Mutex::new((0..minutes).map(|_| Minute::default()).collect()));
    // Resident KiB, and texts handed to the provider and openings booked so far, at the end of
    // each minute: the load keeps the whole loop turning, not only reads.
    let memory: Arc<Mutex<Vec<(u64, i64, i64)>>> = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for client in 0..clients {
        let (http, staff, store, base, stats) = (http.clone(), staff.clone(), store.clone(), base.clone(), stats.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(client as u64);
            while Instant::now() < until {
                let t = Instant::now();
                let (kind, outcome) = one_request(&http, &staff, &store, &base, &mut rng).await;
                let minute = (started.elapsed().as_secs() / 60) as usize;
                let mut stats = stats.lock().expect("stats");
                if let Some(m) = stats.get_mut(minute) {
                    m.latencies.record(t.elapsed());
                    m.by_kind.entry(kind).or_default().record(t.elapsed());
                    if let Err(e) = outcome {
                        m.errors += 1;
                        m.first_error.get_or_insert(e);
                    }
                }
            }
        }));
    }
    let sampler = {
        let (memory, store) = (memory.clone(), store.clone());
        tokio::spawn(async move {
            while Instant::now() < until {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let (sent, booked) = (count(&store, SENT).await, count(&store, BOOKED).await);
                memory.lock().expect("memory").push((resident_kib(), sent, booked));
            }
        })
    };
    for t in tasks {
        t.await.expect("client");
    }
    let _ = sampler.await;

    let stats = stats.lock().expect("stats");
    let memory = memory.lock().expect("memory");
    println!("\n| Minute | Requests | Errors | p50 ms | p99 ms | Pages p99 ms | Others p99 ms | Texts sent | Booked | Resident MiB |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut p99s = Vec::new();
    for (i, m) in stats.iter().enumerate() {
        let l = &m.latencies;
        let (p50, p99) = (l.quantile_ms(0.5), l.quantile_ms(0.99));
        p99s.push(p99);
        let rss = memory.get(i).map_or("-".to_string(), |(k, _, _)| format!("{:.1}", *k as f64 / 1024.0));
        let (sent_before, booked_before) = if i == 0 { (0, 0) } else { memory.get(i - 1).map_or((0, 0), |(_, t, b)| (*t, *b)) };
        let texts = memory.get(i).map_or("-".to_string(), |(_, t, _)| (t - sent_before).to_string());
        let booked = memory.get(i).map_or("-".to_string(), |(_, _, b)| (b - booked_before).to_string());
        let (mut pages, mut others) = (Latencies::default(), Latencies::default());
        for (kind, l) in &m.by_kind {
            if kind.ends_with("page") { pages.merge(l) } else { others.merge(l) }
        }
        let (pages, others) = (pages.quantile_ms(0.99), others.quantile_ms(0.99));
        println!("| {} | {} | {} | {p50:.2} | {p99:.2} | {pages:.2} | {others:.2} | {texts} | {booked} | {rss} |", i + 1, l.len(), m.errors);
        if let Some(e) = &m.first_error {
            println!("|   | first error: {e} | | | | | | | | |");
        }
    }
    let mut kinds: std::collections::BTreeMap<&str, Latencies> = std::collections::BTreeMap::new();
    for m in stats.iter() {
        for (k, l) in &m.by_kind {
            kinds.entry(k).or_default().merge(l);
        }
    }
    let by_kind: Vec<String> = kinds
        .iter()
        .map(|(k, l)| format!("{k} {} (p50 {:.1} ms, p99 {:.1} ms)", l.len(), l.quantile_ms(0.5), l.quantile_ms(0.99)))
        .collect();
    println!("\nBy kind, whole run: {}.", by_kind.join("; "));
    let errors: usize = stats.iter().map(|m| m.errors).sum();
    let (first, last) = (p99s.first().copied().unwrap_or(0.0), p99s.last().copied().unwrap_or(0.0));
    let drift = if first > 0.0 { (last - first) / first * 100.0 } else { 0.0 };
    let warm = memory.get(1).or(memory.first()).map_or(0, |(k, _, _)| *k);
    let end = memory.last().map_or(0, |(k, _, _)| *k);
    let growth = if warm > 0 { (end as f64 - warm as f64) / warm as f64 * 100.0 } else { 0.0 };
    println!(
        "\nErrors: {errors}. p99 first minute {first:.2} ms, last {last:.2} ms ({drift:+.0}%; goal within 20%). \
         Resident memory after warm-up {:.1} MiB, at the end {:.1} MiB ({growth:+.1}%).",
        warm as f64 / 1024.0,
        end as f64 / 1024.0
    );
    app.stop().await.ok();
    store.close().await;
    remove_sqlite(&file);
}

/// One request of the mix: its kind, and Err saying what was wrong with the answer.
async fn one_request(
    http: &reqwest::Client,
    staff: &reqwest::Client,
    store: &Store,
    base: &str,
    rng: &mut StdRng,
) -> (&'static str, Result<(), String>) {
    let pick = rng.random_range(0..100);
    let (what, request, ok): (&str, reqwest::RequestBuilder, &[u16]) = if pick < 25 {
        let num = newest_offer(store).await.map_or(1, |n| rng.random_range(1..=n));
        ("GET one", http.get(format!("{base}/api/v1/asapcomms/{num}")).header("Authorization", KEY), &[200, 404])
    } else if pick < 40 {
        ("GET many", http.get(format!("{base}/api/v1/asapcomms?ClinicNum=1")).header("Authorization", KEY), &[200])
    } else if pick < 55 {
        let apt = 100_000 + rng.random_range(0..PATIENTS);
        let day = chrono::NaiveDate::from_ymd_opt(2099, 3, 1).expect("date") + chrono::Duration::days(rng.random_range(0..SCHEDULED_DAYS));
        let body = format!(r#"{{"op": 1, "aptNum": {apt}, "dateTimeStart": "{day} {:02}:00:00"}}"#, rng.random_range(8..18));
        ("POST", http.post(format!("{base}/api/v1/asapcomms")).header("Authorization", KEY).header("Content-Type", "application/json").body(body), &[201, 400, 409])
    } else if pick < 70 {
        // A patient opens their link; some book, more say no thanks, half just look. Few enough
        // book that the ASAP list and the schedule last the whole run.
        let Some(code) = texted_code(store).await else { return ("patient", Ok(())) };
        let viewed = http.get(format!("{base}/asap/{code}"));
        let answer = match rng.random_range(0..100) {
            0..3 => "accept",
            3..50 => "decline",
            _ => return ("patient", send_expecting(viewed, &[200, 404]).await),
        };
        if let Err(e) = send_expecting(viewed, &[200, 404]).await {
            return ("patient", Err(e));
        }
        ("patient", http.post(format!("{base}/asap/{code}")).form(&[("answer", answer)]), &[303, 404])
    } else if pick < 82 {
        let (page, path) = if rng.random_bool(0.5) { ("history page", "/history") } else { ("picker page", "/") };
        (page, staff.get(format!("{base}{path}")), &[200])
    } else {
        let (path, params) = match provider_message(store).await {
            Some(sid) if rng.random_bool(0.5) => {
                ("/sms/twilio/status", vec![("MessageSid".to_string(), sid), ("MessageStatus".to_string(), "delivered".to_string())])
            }
            _ => ("/sms/twilio/inbound", vec![("From".to_string(), "+15552000001".to_string()), ("Body".to_string(), "HELP".to_string())]),
        };
        let signature = server::sms::signature(AUTH_TOKEN, &format!("{base}{path}"), &params);
        ("webhook", http.post(format!("{base}{path}")).header("X-Twilio-Signature", signature).form(&params), &[200, 204])
    };
    (what, send_expecting(request, ok).await.map_err(|e| format!("{what}: {e}")))
}

/// Sends `request` and reads the whole answer; Err unless its status is one of `ok`.
async fn send_expecting(request: reqwest::RequestBuilder, ok: &[u16]) -> Result<(), String> {
    let r = request.send().await.map_err(|e| e.to_string())?;
    let (status, path) = (r.status().as_u16(), r.url().path().to_string());
    let _ = r.bytes().await;
    if ok.contains(&status) { Ok(()) } else { Err(format!("{path} answered {status}")) }
}

/// Texts handed to the provider so far.
const SENT: &str = "SELECT COUNT(*) FROM asapcomm WHERE datetimesmssent > '0001-01-01 00:00:00'";
/// Offers a patient booked (AcceptedAndMoved).
const BOOKED: &str = "SELECT COUNT(*) FROM asapcomm WHERE responsestatus = 5";

async fn count(store: &Store, sql: &str) -> i64 {
    let Ok(mut conn) = store.pool().acquire().await else { return 0 };
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut *conn).await.unwrap_or(0)
}

async fn newest_offer(store: &Store) -> Option<i64> {
    let mut conn = store.pool().acquire().await.ok()?;
    sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(asapcommnum) FROM asapcomm").fetch_one(&mut *conn).await.ok().flatten()
}

/// The link code of a recently texted offer still waiting for an answer.
async fn texted_code(store: &Store) -> Option<String> {
    newest_text(store, "shortguid", "responsestatus IN (2, 3)").await
}

/// The provider's id of the newest text handed to it.
async fn provider_message(store: &Store) -> Option<String> {
    newest_text(store, "providermessageid", "providermessageid <> ''").await
}

/// A text column of the newest offer matching `condition`.
async fn newest_text(store: &Store, column: &str, condition: &str) -> Option<String> {
    let mut conn = store.pool().acquire().await.ok()?;
    sqlx::query_scalar::<_, String>(&format!("SELECT {column} FROM asapcomm WHERE {condition} ORDER BY asapcommnum DESC LIMIT 1"))
        .fetch_optional(&mut *conn)
        .await
        .ok()
        .flatten()
}

/// Request times as counts in buckets 1% wide (1 µs to 100 s): a fixed few kilobytes however
/// long the run, so the soak's own bookkeeping does not show up as the server's memory growth.
#[derive(Clone)]
struct Latencies {
    buckets: Vec<u32>,
    count: u64,
}

const BUCKET_GROWTH: f64 = 1.01;
const BUCKETS: usize = 1852; // 1.01^1852 µs ≈ 100 s

impl Default for Latencies {
    fn default() -> Self {
        Latencies { buckets: vec![0; BUCKETS], count: 0 }
    }
}

impl Latencies {
    fn record(&mut self, d: Duration) {
        let micros = (d.as_micros().max(1)) as f64;
        let i = ((micros.ln() / BUCKET_GROWTH.ln()) as usize).min(BUCKETS - 1);
        self.buckets[i] += 1;
        self.count += 1;
    }

    fn merge(&mut self, other: &Latencies) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.count += other.count;
    }

    fn len(&self) -> u64 {
        self.count
    }

    /// The `q` quantile in milliseconds, within 1% (0 when nothing was recorded).
    fn quantile_ms(&self, q: f64) -> f64 {
        let rank = ((self.count as f64 * q) as u64).min(self.count.saturating_sub(1));
        let mut seen = 0u64;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += u64::from(*n);
            if seen > rank {
                return BUCKET_GROWTH.powf(i as f64 + 0.5) / 1000.0;
            }
        }
        0.0
    }
}

/// This process's resident memory, in KiB.
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
