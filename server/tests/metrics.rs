//! `/metrics` for the people who run the server: served only on its own address, the figures
//! move with the work (a send, a claim), and no label carries a patient, a link code or a key.
//! The office clock is stopped at 2031-03-17 07:00 (America/Chicago) and moved by the test.
//!
//! The recorder is one per process, so counters are compared before and after, never to zero.

mod harness;

use harness::{Db, TestServer, chicago, fixture};
use std::collections::BTreeSet;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 07:00:00")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    scrape_after_a_send_and_a_claim(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    scrape_after_a_send_and_a_claim(Db::Postgres).await;
}

/// The value of every sample whose name and labels contain each of `parts`, summed.
fn sum(scrape: &str, name: &str, parts: &[&str]) -> f64 {
    scrape
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .filter(|l| parts.iter().all(|p| l.contains(p)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Every label value in the scrape.
fn label_values(scrape: &str) -> BTreeSet<String> {
    let mut values = BTreeSet::new();
    for line in scrape.lines().filter(|l| !l.starts_with('#')) {
        let Some(labels) = line.split_once('{').and_then(|(_, rest)| rest.rsplit_once('}')).map(|(l, _)| l) else { continue };
        for pair in labels.split("\",") {
            if let Some((_, value)) = pair.split_once("=\"") {
                values.insert(value.trim_end_matches('"').to_string());
            }
        }
    }
    values
}

async fn scrape(url: &str) -> String {
    let r = reqwest::get(url).await.expect("scrape");
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    r.text().await.unwrap()
}

async fn scrape_after_a_send_and_a_claim(db: Db) {
    let configure = |s: &mut server::config::Settings| s.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    let Some(s) = TestServer::start_with(db, &fixture("example-office.json"), now(), configure, None).await else {
        eprintln!("skipped: {db:?} is not available");
        return;
    };
    let metrics = s.metrics_url().expect("metrics are served when ASAP_METRICS_ADDR is set");
    assert_ne!(metrics, s.url("/metrics"), "a listener of its own");

    // Not on the public address: a visitor is sent to sign in, and signed in, it is no page.
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let public = no_redirects.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status().as_u16(), 303, "a visitor is sent to sign in");
    assert!(!public.text().await.unwrap().contains("asap_"), "the public side shows no figures");
    s.add_user("metrics-admin", true, "").await;
    let staff = s.signed_in("metrics-admin").await;
    let public = staff.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status().as_u16(), 404);
    assert!(!public.text().await.unwrap().contains("asap_messages_total"), "the public side shows no figures");

    let before = scrape(&metrics).await;
    s.clock.set(chicago("2031-03-17 09:00:00"));
    let r = s.post("/api/v1/asapcomms", r#"{"op": 1, "aptNum": 1001, "dateTimeStart": "2031-03-17 13:00:00"}"#).await;
    assert_eq!(r.status().as_u16(), 201);
    let offer: serde_json::Value = r.json().await.unwrap();
    let num = offer["AsapCommNum"].as_i64().unwrap();

    // Due and not yet handed over: the queue shows it.
    let queued = scrape(&metrics).await;
    assert!(sum(&queued, "asap_send_queue_depth", &["channel=\"text\""]) >= 1.0, "{queued}");
    assert!(queued.contains("asap_send_queue_oldest_due_seconds{channel=\"text\"}"), "{queued}");

    s.clock.set(chicago("2031-03-17 09:10:00"));
    let round = s.services().send_due_texts().await.unwrap();
    assert_eq!(round.sent, 1, "{round:?}");
    let code = s.text(&format!("SELECT shortguid FROM asapcomm WHERE asapcommnum = {num}")).await;
    let answered = s.answer_link(&code, "accept").await;
    assert_eq!(answered.status().as_u16(), 303);
    assert_eq!(s.get(&format!("/api/v1/asapcomms/{num}")).await.json::<serde_json::Value>().await.unwrap()["ResponseStatus"], "AcceptedAndMoved");

    let after = scrape(&metrics).await;
    let moved = |name: &str, parts: &[&str]| sum(&after, name, parts) - sum(&before, name, parts);
    assert!(moved("asap_messages_total", &["channel=\"text\"", "purpose=\"offer\"", "outcome=\"sent\"", "clinic=\"1\""]) >= 1.0, "{after}");
    assert!(moved("asap_openings_total", &["event=\"offered\""]) >= 1.0, "{after}");
    assert!(moved("asap_openings_total", &["event=\"filled\""]) >= 1.0, "{after}");
    assert!(moved("asap_offers_made_total", &["clinic=\"1\""]) >= 1.0, "{after}");
    assert!(moved("asap_claim_duration_seconds_count", &["result=\"booked\""]) >= 1.0, "{after}");
    let route = "route=\"/api/v1/asapcomms\"";
    assert!(moved("http_requests_total", &[route, "method=\"POST\"", "status=\"2xx\""]) >= 1.0, "{after}");
    assert!(moved("http_request_duration_seconds_count", &[route, "method=\"POST\""]) >= 1.0, "{after}");
    assert!(after.contains("route=\"/api/v1/asapcomms/{num}\""), "the route template, not the path: {after}");
    assert!(after.contains("route=\"/asap/{code}\""), "{after}");
    assert!(sum(&after, "asap_db_write_wait_seconds_count", &[]) >= 1.0, "{after}");
    assert!(sum(&after, "asap_db_pool_max_connections", &[]) >= 1.0, "{after}");
    assert_eq!(sum(&after, "asap_build_info", &[&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))]), 1.0, "{after}");
    if db == Db::Sqlite {
        assert!(sum(&after, "asap_database_filesystem_free_bytes", &[]) > 0.0, "{after}");
        assert!(sum(&after, "asap_database_size_bytes", &[]) > 0.0, "{after}");
    }

    // Nothing that names a patient, a link or a key: every label value is one of a few words,
    // a number, or a route template.
    let patient = s.text(&format!("SELECT fname || '|' || lname || '|' || wirelessphone FROM patient WHERE patnum = (SELECT patnum FROM asapcomm WHERE asapcommnum = {num})")).await;
    for secret in [code.as_str(), "test-dev", "test-customer"].into_iter().chain(patient.split('|').filter(|p| p.len() > 2)) {
        assert!(!after.contains(secret), "the scrape names {secret:?}");
    }
    for value in label_values(&after) {
        let allowed = value.starts_with('/')
            || value == "unmatched"
            || value == "+Inf"
            || value.chars().all(|c| c.is_ascii_digit() || c == '.' || c == 'x')
            || value.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            || value.chars().all(|c| c.is_ascii_uppercase());
        assert!(allowed, "label value {value:?} is not a bounded word, number or route");
        assert!(!value.starts_with('/') || !value.contains(&code), "a route label carries a link code: {value}");
    }
    s.stop().await;
}
