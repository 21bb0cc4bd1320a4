//! `cargo bench -p server --bench loop`: the texting loop's own figures, on loopback only.
//!
//! 1. Sender throughput: one opening offered to ASAP_BENCH_TEXTS patients (default 2000) in one
//!    wave, sent through the Twilio-shaped HTTP provider to a fake provider on 127.0.0.1.
//! 2. Claim races: ASAP_BENCH_RACES openings (default 10), each offered to 50 patients whose
//!    links are then all accepted at once over HTTP; prints claim latency p50/p99 and checks
//!    exactly one winner each. Run twice: openings as long as the 30-minute visits, and openings
//!    of 90 minutes, so that every winning claim splits the opening and offers the rest to the
//!    next patients who fit, in its own transaction.
//!
//! ASAP_BENCH_DATABASE_URL=postgres://… measures PostgreSQL (default: a fresh SQLite file).

use server::config::{Settings, SmsProviderKind};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

mod common;

use common::{env_num, fake_provider, office_store, quiet_logs, remove_sqlite};

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let texts = env_num("ASAP_BENCH_TEXTS", 2000);
    let races = env_num("ASAP_BENCH_RACES", 10);
    let claimers = 50;
    let patients = texts.max(2 * races * claimers);
    quiet_logs();
    let (store, clock, url, file) = office_store("loop", patients).await;

    let (provider, sent) = fake_provider().await;
    let mut settings = Settings::defaults();
    settings.database_url = url.clone();
    settings.addr = "127.0.0.1:0".parse().expect("addr");
    settings.workers = false;
    settings.sms_provider = SmsProviderKind::Twilio;
    settings.twilio_base_url = provider;
    settings.twilio_account_sid = "ACbench".into();
    settings.twilio_auth_token = "bench-token".into();
    settings.twilio_from = "+15550000000".into();
    settings.wave_size = patients.max(1);
    settings.public_url = None;
    let app = server::App::start(settings, store.clone(), clock).await.expect("server");
    let services = app.services.clone();
    let by = server::service::Actor::command_line();
    println!("{:?}, {texts} texts, {races} races of {claimers} claims", store.backend());

    // 1. Sender throughput.
    let targets = (0..texts).map(|i| server::service::OfferTarget::Appointment(100_000 + i as i64)).collect();
    let request = server::service::OfferRequest {
        op: 1,
        date_time_start: "2099-03-01 08:00:00".into(),
        targets,
        by: by.clone(),
        clinics: None,
        send_mode: Default::default(),
        date_time_end: None,
        message: None,
    };
    services.offer(request).await.expect("offer");
    let started = Instant::now();
    let round = services.send_due_texts().await.expect("send");
    let took = started.elapsed();
    assert_eq!(round.sent, texts, "{round:?}");
    assert_eq!(sent.load(Ordering::Relaxed), texts);
    println!("sender: {texts} texts in {:.2} s = {:.0} texts/s", took.as_secs_f64(), texts as f64 / took.as_secs_f64());

    // 2. Claim races over HTTP, without and with the split.
    let base = format!("http://{}", app.addr);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).pool_max_idle_per_host(claimers).build().expect("client");
    for (series, (label, opening_minutes)) in [("openings as long as the visit", None), ("90-minute openings, every win splits", Some(90))].into_iter().enumerate() {
        let first_day = 2 + (series * races) as i64;
        let mut latencies: Vec<Duration> = Vec::new();
        let mut rests = 0;
        for race in 0..races {
            let first = (series * races + race) * claimers;
            let targets = (0..claimers).map(|i| server::service::OfferTarget::Appointment(100_000 + ((first + i) % patients) as i64)).collect();
            let day = chrono::NaiveDate::from_ymd_opt(2099, 3, 1).expect("date") + chrono::Duration::days(first_day + race as i64);
            let start = day.and_hms_opt(8, 0, 0).expect("time");
            let request = server::service::OfferRequest {
                op: 1,
                date_time_start: start.format("%Y-%m-%d %H:%M:%S").to_string(),
                date_time_end: opening_minutes.map(|m| (start + chrono::Duration::minutes(m)).format("%Y-%m-%d %H:%M:%S").to_string()),
                targets,
                by: by.clone(),
                clinics: None,
                send_mode: Default::default(),
                message: None,
            };
            let offers = services.offer(request).await.expect("offer");
            services.send_due_texts().await.expect("send");
            let mut codes = Vec::new();
            {
                let mut conn = store.pool().acquire().await.expect("conn");
                for o in &offers {
                    let code: String = sqlx::query_scalar("SELECT shortguid FROM asapcomm WHERE asapcommnum = $1")
                        .bind(o.asap_comm_num)
                        .fetch_one(&mut *conn)
                        .await
                        .expect("code");
                    codes.push(code);
                }
            }
            let tasks: Vec<_> = codes
                .into_iter()
                .map(|code| {
                    let client = client.clone();
                    let url = format!("{base}/asap/{code}");
                    tokio::spawn(async move {
                        let t = Instant::now();
                        let r = client.post(&url).form(&[("answer", "accept")]).send().await.expect("claim");
                        assert_eq!(r.status().as_u16(), 303);
                        t.elapsed()
                    })
                })
                .collect();
            for t in tasks {
                latencies.push(t.await.expect("task"));
            }
            let mut conn = store.pool().acquire().await.expect("conn");
            let winners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM asapcomm WHERE schedulenum = $1 AND responsestatus = 5")
                .bind(offers[0].schedule_num)
                .fetch_one(&mut *conn)
                .await
                .expect("winners");
            assert_eq!(winners, 1, "race {race}");
            let split: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM asapopening WHERE parent = $1")
                .bind(offers[0].schedule_num)
                .fetch_one(&mut *conn)
                .await
                .expect("rest");
            rests += split;
        }
        latencies.sort();
        let pct = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)].as_secs_f64() * 1000.0;
        println!(
            "claims, {label}: {} in {races} races of {claimers}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; one winner each, {rests} rests offered",
            latencies.len(),
            pct(50),
            pct(99),
            pct(100)
        );
    }

    app.stop().await.ok();
    store.close().await;
    remove_sqlite(&file);
}
